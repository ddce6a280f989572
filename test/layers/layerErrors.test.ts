// Option and shape errors of GlobalAveragePooling2D, ZeroPadding2D, Multiply, Dropout, LeakyReLU and ELU name
// the layer and the values; the not-built and groups errors of the weighted layers read in full; padding configs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvgPool2D,
  BatchNormalization,
  Clip,
  Conv2D,
  Conv2DTranspose,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GlobalAveragePooling2D,
  Input,
  LayerNormalization,
  LeakyReLU,
  MaxPool2D,
  multiply,
  Multiply,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
  ZeroPadding2D,
} from '../../src/index.js';
import { Random } from '../../src/core/random.js';
import { assertThrowsWith } from '../helpers.js';

describe('errors name the layer', () => {
  test('GlobalAveragePooling2D and ZeroPadding2D after Flatten reject the vector, naming its shape', () => {
    assertThrowsWith(
      () =>
        new Sequential([new Input({ shape: [4, 4, 1] }), new Flatten(), new GlobalAveragePooling2D({ name: 'gap' })]),
      ShapeError,
      "GlobalAveragePooling2D 'gap'",
      '16',
    );
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [4, 4, 1] }), new Flatten(), new ZeroPadding2D({ name: 'pad' })]),
      ShapeError,
      "ZeroPadding2D 'pad'",
      '16',
    );
  });

  test('Multiply of different shapes is a ShapeError naming the layer and both shapes; so is the op', () => {
    const input = new Input({ shape: [6, 6, 3] });
    const smaller = new Conv2D({ filters: 3, kernelSize: 3 }).apply(input.output);
    assertThrowsWith(
      () => new Multiply({ name: 'gate' }).apply([smaller, input.output]),
      ShapeError,
      "Multiply 'gate'",
      'one shape to be multiplied',
      '4x4x3 and 6x6x3',
    );
    const wider = new Conv2D({ filters: 5, kernelSize: 1 }).apply(input.output);
    assertThrowsWith(
      () => new Multiply({ name: 'three' }).apply([input.output, input.output, wider]),
      ShapeError,
      "Multiply 'three'",
      '6x6x3 and 6x6x3 and 6x6x5',
    );
    assertThrowsWith(
      () => new Multiply({ name: 'one' }).apply([input.output]),
      ShapeError,
      "Multiply 'one'",
      'at least 2 inputs',
    );
    assertThrowsWith(() => multiply(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), ShapeError, 'multiply', '2x3 and 3x2');
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [4] }), new Multiply()]),
      ValueError,
      'Multiply',
      'graph Model',
    );
  });

  test('bad options: negative padding, rate 1, non-finite alpha, zero pool size', () => {
    assertThrowsWith(() => new ZeroPadding2D({ padding: -1 }), ValueError, 'ZeroPadding2D', '-1');
    assertThrowsWith(() => new ZeroPadding2D({ padding: 'same' as never }), ValueError, 'ZeroPadding2D', 'same');
    assertThrowsWith(() => new Dropout({ rate: 1 }), ValueError, 'Dropout rate', '1');
    assertThrowsWith(() => new LeakyReLU({ alpha: Number.NaN }), ValueError, 'LeakyReLU alpha', 'NaN');
    assertThrowsWith(() => new ELU({ alpha: Infinity }), ValueError, 'ELU alpha', 'Infinity');
    assertThrowsWith(() => new AvgPool2D({ poolSize: 0 }), ValueError, 'AvgPool2D poolSize', '0');
    assertThrowsWith(() => new Clip({ min: 6, max: 0 }), ValueError, 'Clip', 'min 6 is greater than max 0');
    assertThrowsWith(() => new Clip({ max: Number.NaN }), ValueError, 'Clip', 'max', 'NaN');
    assertThrowsWith(() => new Clip({ min: Infinity }), ValueError, 'Clip', 'min', 'Infinity');
  });

  test('layers called before build, and groups that do not divide the input channels, say so in full', () => {
    const input = Tensor.zeros([1, 4, 4, 4]);
    const unbuilt = [
      new Conv2D({ name: 'c', filters: 4, kernelSize: 1 }),
      new Conv2DTranspose({ name: 't', filters: 4, kernelSize: 1 }),
      new Dense({ name: 'd', units: 2 }),
      new BatchNormalization({ name: 'b' }),
      new LayerNormalization({ name: 'l' }),
    ];
    for (const layer of unbuilt) {
      assert.throws(
        () => layer.call(input, { isTraining: false }),
        (error: unknown) =>
          error instanceof ShapeError && error.message === `${layer.className} '${layer.name}': call before build`,
      );
    }
    for (const layer of [
      new Conv2D({ name: 'c', filters: 6, kernelSize: 1, groups: 3 }),
      new Conv2DTranspose({ name: 't', filters: 6, kernelSize: 1, groups: 3 }),
    ]) {
      assert.throws(
        () => layer.computeOutputShape([4, 4, 4]),
        (error: unknown) =>
          error instanceof ShapeError &&
          error.message ===
            `${layer.className} '${layer.name}': 3 groups must divide the input channels, but the input is 4x4x4`,
      );
    }
  });

  test('padding options are copied into configs: a list as a new list, a name as it is', () => {
    const pads = [1, 2, 3, 4] as const;
    const conv = new Conv2D({ filters: 1, kernelSize: 1, padding: pads });
    assert.deepEqual(conv.getConfig().padding, [1, 2, 3, 4]);
    assert.notEqual(conv.getConfig().padding, conv.padding);
    assert.equal(new MaxPool2D({ poolSize: 2, padding: 'same' }).getConfig().padding, 'same');
    assert.deepEqual(new ZeroPadding2D({ padding: [1, 2] }).getConfig().padding, [1, 2]);
  });

  test('a one-input layer given two, a tensor of the wrong size and an input of the wrong dtype say so in full', () => {
    const conv = new Conv2D({ name: 'c', filters: 1, kernelSize: 1 });
    for (const action of [
      () =>
        conv.outputShapeOf([
          [4, 4, 1],
          [4, 4, 1],
        ]),
      () =>
        conv.buildWith(
          [
            [4, 4, 1],
            [4, 4, 1],
          ],
          { random: new Random(0), dtype: 'float32' },
        ),
    ]) {
      assert.throws(
        action,
        (error: unknown) => error instanceof ShapeError && error.message === "Conv2D 'c' takes one input, got 2",
      );
    }
    const message = (values: number) => `Tensor: shape 2x3 needs 6 values but the data has ${values}`;
    assert.throws(
      () => new Tensor(new Float32Array(5), [2, 3]),
      (error: unknown) => error instanceof ShapeError && error.message === message(5),
    );
    assert.throws(
      () => Tensor.zeros([7]).reshape([2, 3]),
      (error: unknown) => error instanceof ShapeError && error.message === message(7),
    );
    const model = new Sequential([new Input({ shape: [2] }), new Dense({ units: 2 })]);
    for (const action of [
      () => model.predict(Tensor.zeros([1, 2], 'float64')),
      () => model.forward(Tensor.zeros([1, 2], 'float64')),
    ]) {
      assert.throws(
        action,
        (error: unknown) =>
          error instanceof ValueError && error.message === 'Model: the model is float32 but the input is float64',
      );
    }
  });
});
