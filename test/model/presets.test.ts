// The preset networks (src/model/presets.ts): each builds with the input and output shapes it documents,
// the trainable weight count worked out from its layers, a forward pass of [batch, classes] probabilities,
// the inputShape, classes and seed options, and PRESETS naming them for the CLI.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cifarCnn, digitsCnn, lenet5, type Model, mnistCnn, PRESETS, residualCnn, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function trainableCount(model: Model): number {
  return model.trainableWeights().reduce((sum, tensor) => sum + tensor.size, 0);
}

/** A forward pass on a batch of 2 fixed images (sines): [2, classes], rows summing to 1. */
function assertForward(model: Model, classes: number): void {
  const size = model.inputShape.reduce((product, extent) => product * extent, 1);
  const x = Tensor.fromArray(
    Float32Array.from({ length: 2 * size }, (_, index) => Math.sin(index) * 0.5),
    [2, ...model.inputShape],
  );
  const y = model.predict(x);
  assert.deepEqual(y.shape, [2, classes]);
  const values = Array.from(y.dataSync());
  const rowSums = [0, 1].map((row) => values.slice(row * classes, (row + 1) * classes).reduce((a, b) => a + b, 0));
  assertClose(rowSums, [1, 1], { atol: 1e-5 }, 'probability rows');
}

describe('each preset builds with its documented shapes and weights', () => {
  test('digitsCnn: 28x28x1 -> 10; conv 16 and 32, Dense 64: 160 + 4640 + 100416 + 650 weights', () => {
    const model = digitsCnn({ seed: 1 });
    assert.deepEqual([model.inputShape, model.outputShape], [[28, 28, 1], [10]]);
    assert.equal(trainableCount(model), 160 + 4640 + 100416 + 650);
    assertForward(model, 10);
  });

  test('mnistCnn: 28x28x1 -> 10; conv 32 and 64, Dense 128: 320 + 18496 + 401536 + 1290 weights', () => {
    const model = mnistCnn({ seed: 1 });
    assert.deepEqual([model.inputShape, model.outputShape], [[28, 28, 1], [10]]);
    assert.equal(trainableCount(model), 320 + 18496 + 401536 + 1290);
    assertForward(model, 10);
  });

  test('lenet5: 28x28x1 -> 10; 6 same and 16 valid 5x5 filters, 120, 84, 10: 61706 weights', () => {
    const model = lenet5({ seed: 1 });
    assert.deepEqual([model.inputShape, model.outputShape], [[28, 28, 1], [10]]);
    // 28 -> pool 14 -> valid 5x5 10 -> pool 5: the flattened features are 5 * 5 * 16 = 400.
    assert.ok(model.layerOutputShapes.some((shape) => shape.length === 1 && shape[0] === 400));
    assert.equal(trainableCount(model), 156 + 2416 + 48120 + 10164 + 850);
    assertForward(model, 10);
  });

  test('cifarCnn: 32x32x3 -> 10; convs 32, 32, 64, 64, 128 and Dense 256: 666538 weights', () => {
    const model = cifarCnn({ seed: 1 });
    assert.deepEqual([model.inputShape, model.outputShape], [[32, 32, 3], [10]]);
    assert.equal(trainableCount(model), 896 + 9248 + 18496 + 36928 + 73856 + 524544 + 2570);
    assertForward(model, 10);
  });

  test('residualCnn width 16: 32x32x3 -> 10, a graph with branches of 412954 trainable weights', () => {
    const model = residualCnn({ seed: 1, width: 16 });
    assert.deepEqual([model.inputShape, model.outputShape], [[32, 32, 3], [10]]);
    assert.equal(model.isChain, false);
    // Convolutions without bias, each with batch norm's gamma and beta; then Dense 128 -> 10.
    const conv = (inC: number, outC: number) => 9 * inC * outC + 2 * outC;
    const expected =
      conv(3, 16) + conv(16, 32) + 2 * conv(32, 32) + conv(32, 64) + conv(64, 128) + 2 * conv(128, 128) + 1290;
    assert.equal(expected, 412954);
    assert.equal(trainableCount(model), expected);
    assertForward(model, 10);
  });
});

describe('preset options and names', () => {
  test('inputShape and classes change the ends; the same seed gives the same weights, another seed others', () => {
    const model = digitsCnn({ inputShape: [16, 12, 3], classes: 4, seed: 3 });
    assert.deepEqual([model.inputShape, model.outputShape], [[16, 12, 3], [4]]);
    assertForward(model, 4);
    const weightsOf = (seed: number) => Array.from(lenet5({ seed }).trainableWeights()[0]!.dataSync());
    assert.deepEqual(weightsOf(5), weightsOf(5));
    assert.notDeepEqual(weightsOf(5), weightsOf(6));
  });

  test('PRESETS maps the CLI names to the preset functions', () => {
    assert.deepEqual(Object.keys(PRESETS), ['digits-cnn', 'mnist-cnn', 'lenet5', 'cifar-cnn', 'resnet']);
    assert.equal(PRESETS['digits-cnn'], digitsCnn);
    assert.equal(PRESETS.resnet, residualCnn);
    assert.ok(Object.isFrozen(PRESETS));
  });
});
