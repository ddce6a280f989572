// The broadcasting merge layers (src/layers/merge.ts: Add, Subtract, Multiply, Divide) and their ops:
// hand-worked values with gates, per-channel terms and scalars, shape errors naming the layer or op and
// the shapes, and a squeeze-and-excitation graph with Subtract and Divide saved and loaded.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Add,
  add,
  AvgPool2D,
  Conv2D,
  divide,
  Divide,
  GlobalAveragePooling2D,
  Model,
  multiply,
  Multiply,
  ShapeError,
  subtract,
  Subtract,
  HardSigmoid,
  HardSwish,
  Input,
  layerFromConfig,
  loadModel,
  Random,
  saveModel,
  Tensor,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-mobile-layers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function randomImages(count: number, shape: readonly number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = count * shape.reduce((product, dimension) => product * dimension, 1);
  return Tensor.fromArray(
    Float32Array.from({ length: size }, () => random.uniform() * 8 - 4),
    [count, ...shape],
  );
}

describe('broadcasting arithmetic', () => {
  test('hand-worked values: a gate [2, 1, 1, 2] on [2, 1, 2, 2], a per-channel [2] term, a scalar divisor', () => {
    const map = Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
    const gate = Tensor.fromArray([10, 100, -1, 0.5], [2, 1, 1, 2]);
    assert.deepEqual(Array.from(multiply(map, gate).dataSync()), [10, 200, 30, 400, -5, 3, -7, 4]);
    assert.deepEqual(Array.from(add(map, Tensor.fromArray([1, -1], [2])).dataSync()), [2, 1, 4, 3, 6, 5, 8, 7]);
    assert.deepEqual(
      Array.from(subtract(Tensor.fromArray([1, -1], [2]), map).dataSync()),
      [0, -3, -2, -5, -4, -7, -6, -9],
    );
    assert.deepEqual(
      Array.from(divide(map, Tensor.fromArray([4], [1])).dataSync()),
      [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2],
    );
    assert.deepEqual(multiply(Tensor.zeros([3, 1, 4, 1]), Tensor.zeros([1, 5, 1, 6])).shape, [3, 5, 4, 6]);
  });

  test('shapes that do not broadcast: ShapeError naming the op or layer and the shapes', () => {
    assertThrowsWith(
      () => multiply(Tensor.zeros([2, 3, 3, 4]), Tensor.zeros([2, 1, 1, 3])),
      ShapeError,
      'multiply',
      '2x3x3x4 and 2x1x1x3',
    );
    const input = new Input({ shape: [4, 4, 3] });
    const pooled = new GlobalAveragePooling2D().apply(input.output);
    assertThrowsWith(
      () => new Multiply({ name: 'gate' }).apply([input.output, pooled]),
      ShapeError,
      "Multiply 'gate'",
      'one rank',
      '4x4x3 and 3',
    );
    assertThrowsWith(
      () =>
        new Add({ name: 'sum' }).apply([input.output, new Conv2D({ filters: 2, kernelSize: 1 }).apply(input.output)]),
      ShapeError,
      "Add 'sum'",
      '4x4x3 and 4x4x2',
    );
    assertThrowsWith(
      () => new Subtract({ name: 's' }).apply([input.output, input.output, input.output]),
      ShapeError,
      "Subtract 's'",
      'exactly 2 inputs',
    );
    assert.deepEqual(pooled.shape, [3]);
  });

  test(
    'a squeeze-and-excitation graph with Subtract and Divide saves and loads to the same ' + 'predictions, bit for bit',
    () => {
      const input = new Input({ shape: [6, 5, 3] });
      const map = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
      const squeezed = new AvgPool2D({ poolSize: [6, 5] }).apply(map);
      const gate = new HardSigmoid({ alpha: 1 / 6 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(squeezed));
      const gated = new Multiply({ name: 'excite' }).apply([map, gate]);
      const centred = new Subtract().apply([gated, gate]);
      const scaled = new Divide().apply([
        centred,
        new HardSigmoid({ beta: 0.7 }).apply(new Conv2D({ filters: 1, kernelSize: 1 }).apply(input.output)),
      ]);
      const model = new Model({ inputs: input.output, outputs: new HardSwish().apply(scaled) }, { seed: 1450 });
      assert.deepEqual(model.layers.find((layer) => layer.name === 'excite') === undefined, false);
      const x = randomImages(3, [6, 5, 3], 1451);
      const directory = join(scratch, 'squeeze');
      saveModel(model, directory);
      const { model: loaded } = loadModel(directory);
      const expected = model.predict(x);
      assert.deepEqual(expected.shape, [3, 6, 5, 4]);
      assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(expected.dataSync()));
      for (const layer of [new Subtract({ name: 'a' }), new Divide({ name: 'b' })]) {
        assert.deepEqual(layerFromConfig(layer.className, layer.getConfig()).getConfig(), layer.getConfig());
      }
    },
  );
});
