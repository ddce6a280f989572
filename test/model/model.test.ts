// The Model class itself: what its getters report, its weights by name, which of them train after
// freeze and unfreeze, class names, predict in batches, and the errors that name what is wrong. Training,
// graphs, transfer learning and model files have their own files (training, graphModel, transfer, ...).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Conv2D, Dense, Flatten, Input, MaxPool2D, Model, ReLU, Softmax, Tensor, ValueError } from '../../src/index.js';
import { uniformTensor } from '../helpers.js';

/** input 4x4x1 -> conv (3 maps) -> relu -> pool -> flatten -> dense (3) [-> softmax], named layers. */
function smallModel(options: { withSoftmax?: boolean } = {}): Model {
  const input = new Input({ shape: [4, 4, 1] });
  const conv = new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', name: 'conv' }).apply(input.output);
  const pooled = new MaxPool2D({ poolSize: 2, name: 'pool' }).apply(new ReLU({ name: 'relu' }).apply(conv));
  const logits = new Dense({ units: 3, name: 'head' }).apply(new Flatten({ name: 'flatten' }).apply(pooled));
  const output = options.withSoftmax === false ? logits : new Softmax({ name: 'softmax' }).apply(logits);
  return new Model({ inputs: input.output, outputs: output }, { seed: 7 });
}

describe('Model', () => {
  test('getters: input and output shapes, classes, a chain, probabilities or logits', () => {
    const model = smallModel();
    assert.deepEqual(model.inputShape, [4, 4, 1]);
    assert.deepEqual(model.outputShape, [3]);
    assert.equal(model.classes, 3);
    assert.equal(model.isChain, true);
    assert.equal(model.output, 'probabilities');
    assert.equal(smallModel({ withSoftmax: false }).output, 'logits');
    assert.deepEqual(model.layerOutputShapes, [[4, 4, 1], [4, 4, 3], [4, 4, 3], [2, 2, 3], [12], [3], [3]]);
  });

  test('namedWeights: each layer weight by name with its size; all of them train until a layer is frozen', () => {
    const model = smallModel();
    const weights = model.namedWeights();
    assert.deepEqual(
      weights.map((weight) => [weight.name, weight.tensor.size, weight.isTrainable]),
      [
        ['conv/kernel', 3 * 3 * 1 * 3, true],
        ['conv/bias', 3, true],
        ['head/kernel', 12 * 3, true],
        ['head/bias', 3, true],
      ],
    );
    assert.equal(model.trainableWeights().length, 4);
  });

  test('freeze(upTo) and unfreeze(from) set which weights train; an unknown name is a ValueError', () => {
    const model = smallModel();
    model.freeze('pool');
    // namedWeights' isTrainable is the weight's own kind (batch-norm statistics are not); freezing is per layer.
    assert.deepEqual(
      model.layers.map((layer) => layer.trainable),
      [false, false, false, false, true, true, true],
    );
    const head = model
      .namedWeights()
      .slice(2)
      .map((weight) => weight.tensor);
    assert.deepEqual(model.trainableWeights(), head);
    model.unfreeze('conv');
    assert.equal(model.trainableWeights().length, 4);
    model.freeze();
    assert.equal(model.trainableWeights().length, 0);
    assert.throws(
      () => model.freeze('nope'),
      (error: unknown) => error instanceof ValueError && /nope/.test(error.message),
    );
  });

  test('class names: one per class, cleared with undefined; a wrong count is a ValueError', () => {
    const model = smallModel();
    assert.equal(model.classNames, undefined);
    model.setClassNames(['cat', 'dog', 'bird']);
    assert.deepEqual(model.classNames, ['cat', 'dog', 'bird']);
    assert.throws(() => model.setClassNames(['cat']), /classNames must name each of the 3 classes, got 1 names/);
    model.setClassNames(undefined);
    assert.equal(model.classNames, undefined);
  });

  test('predict in batches gives what one batch gives, and probabilities sum to 1', () => {
    const model = smallModel();
    const x = uniformTensor([5, 4, 4, 1], 11);
    const whole = model.predict(x).dataSync();
    const batched = model.predict(x, { batchSize: 2 }).dataSync();
    assert.deepEqual(Array.from(batched), Array.from(whole));
    for (let row = 0; row < 5; row++) {
      const sum = whole[row * 3]! + whole[row * 3 + 1]! + whole[row * 3 + 2]!;
      assert.ok(Math.abs(sum - 1) < 1e-6, `row ${row} sums to ${sum}`);
    }
  });

  test('featureExtractor shares the weight tensors and ends at the named layer', () => {
    const model = smallModel();
    const backbone = model.featureExtractor('flatten');
    assert.deepEqual(backbone.outputShape, [12]);
    const conv = model.namedWeights()[0]!.tensor;
    assert.equal(backbone.namedWeights()[0]!.tensor, conv);
    const features = backbone.predict(Tensor.zeros([1, 4, 4, 1]));
    assert.deepEqual(features.shape, [1, 12]);
  });
});
