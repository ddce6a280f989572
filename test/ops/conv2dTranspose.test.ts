// The transposed convolution op (src/ops/conv2dTranspose.ts): hand-worked values (stride 2 scatter of a 2x2
// filter, a stride 1 full correlation cropped by explicit pads, output padding), the adjoint identity
// <C^T x, y> = <x, C y> with conv2d on random geometries (groups, dilation, output padding, 'same'), its
// output sizes and dtype, and its argument checks naming the op and the values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conv2d, conv2dTranspose, Random, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

function randomTensor(random: Random, shape: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const tensor = Tensor.zeros(shape, dtype);
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 2 * random.uniform() - 1;
  return tensor;
}

function dot(a: Tensor, b: Tensor): number {
  let sum = 0;
  for (let index = 0; index < a.size; index++) sum += a.dataSync()[index]! * b.dataSync()[index]!;
  return sum;
}

describe('conv2dTranspose by hand and as the adjoint of conv2d', () => {
  test('hand-worked: stride 2 places x[i, j] * w at rows 2i.., columns 2j.., plus the bias', () => {
    const x = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1]);
    const w = Tensor.fromArray([1, 10, 100, 1000], [2, 2, 1, 1]);
    const y = conv2dTranspose(x, w, Tensor.fromArray([0.5], [1]), { strides: 2 });
    assert.deepEqual(y.shape, [1, 4, 4, 1]);
    assert.deepEqual(
      [...y.dataSync()],
      [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000].map((value) => value + 0.5),
    );
  });

  test('hand-worked: stride 1 is the full convolution (3x3), explicit pads crop it (top 1, left 1: 2x2)', () => {
    const x = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1]);
    const w = Tensor.fromArray([1, 2, 3, 4], [2, 2, 1, 1]);
    assert.deepEqual([...conv2dTranspose(x, w, null).dataSync()], [1, 4, 4, 6, 20, 16, 9, 24, 16]);
    const cropped = conv2dTranspose(x, w, null, { padding: [1, 0, 1, 0] });
    assert.deepEqual(cropped.shape, [1, 2, 2, 1]);
    assert.deepEqual([...cropped.dataSync()], [20, 16, 24, 16]);
  });

  test('hand-worked: output padding adds a last row and column that only the bias reaches', () => {
    const x = Tensor.fromArray([1, 2], [1, 1, 2, 1]);
    const w = Tensor.fromArray([3], [1, 1, 1, 1]);
    const y = conv2dTranspose(x, w, Tensor.fromArray([1], [1]), { strides: 2, outputPadding: 1 });
    assert.deepEqual(y.shape, [1, 2, 4, 1]);
    assert.deepEqual([...y.dataSync()], [4, 1, 7, 1, 1, 1, 1, 1]);
  });

  test('is the adjoint of conv2d: <conv2dTranspose(x, w), y> = <x, conv2d(y, w)> (float64, 1e-12)', () => {
    const random = new Random(1801);
    const cases = [
      {
        inH: 3,
        inW: 4,
        inC: 2,
        outC: 3,
        k: [3, 3],
        strides: [2, 2],
        padding: [1, 1, 1, 1],
        outputPadding: [1, 1],
        dilations: [1, 1],
        groups: 1,
      },
      {
        inH: 2,
        inW: 3,
        inC: 4,
        outC: 6,
        k: [2, 3],
        strides: [1, 2],
        padding: [0, 1, 1, 0],
        outputPadding: [0, 1],
        dilations: [1, 1],
        groups: 2,
      },
      {
        inH: 4,
        inW: 3,
        inC: 3,
        outC: 2,
        k: [3, 2],
        strides: [2, 3],
        padding: 'same',
        outputPadding: [0, 0],
        dilations: [1, 1],
        groups: 1,
      },
      {
        inH: 3,
        inW: 3,
        inC: 2,
        outC: 5,
        k: [3, 3],
        strides: [1, 1],
        padding: 'valid',
        outputPadding: [0, 0],
        dilations: [2, 2],
        groups: 1,
      },
      {
        inH: 5,
        inW: 2,
        inC: 4,
        outC: 4,
        k: [3, 3],
        strides: [2, 1],
        padding: [1, 2, 1, 1],
        outputPadding: [1, 0],
        dilations: [1, 1],
        groups: 4,
      },
    ] as const;
    for (const c of cases) {
      const x = randomTensor(random, [2, c.inH, c.inW, c.inC]);
      const w = randomTensor(random, [c.k[0], c.k[1], c.outC / c.groups, c.inC]);
      const options = {
        strides: c.strides,
        padding: c.padding,
        outputPadding: c.outputPadding,
        dilations: c.dilations,
        groups: c.groups,
      };
      const up = conv2dTranspose(x, w, null, options);
      const y = randomTensor(random, [...up.shape]);
      const down = conv2d(y, w, null, {
        strides: c.strides,
        padding: c.padding === 'same' ? 'same' : c.padding,
        dilations: c.dilations,
        groups: c.groups,
      });
      assert.deepEqual(down.shape, x.shape, JSON.stringify(c));
      const left = dot(up, y);
      const right = dot(x, down);
      assert.ok(
        Math.abs(left - right) <= 1e-12 * Math.max(1, Math.abs(left)),
        `${JSON.stringify(c)}: ${left} vs ${right}`,
      );
    }
  });
});

describe('conv2dTranspose sizes and checks', () => {
  test('output sizes: (in - 1) * stride + kernel - pads + output padding; same: in * stride; dtype kept', () => {
    const x = Tensor.zeros([1, 5, 6, 2], 'float64');
    const filter = Tensor.zeros([3, 3, 4, 2], 'float64');
    const y = conv2dTranspose(x, filter, null);
    assert.deepEqual(y.shape, [1, 7, 8, 4]);
    assert.equal(y.dtype, 'float64');
    assert.deepEqual(conv2dTranspose(x, filter, null, { strides: 2 }).shape, [1, 11, 13, 4]);
    assert.deepEqual(
      conv2dTranspose(x, filter, null, { strides: 2, padding: 1, outputPadding: 1 }).shape,
      [1, 10, 12, 4],
    );
    assert.deepEqual(conv2dTranspose(x, filter, null, { strides: 2, padding: 'same' }).shape, [1, 10, 12, 4]);
  });

  test('rank, dtype, outputPadding with same padding and stride 0 are errors naming the op and the values', () => {
    const x = Tensor.zeros([1, 3, 3, 4]);
    const filter = Tensor.zeros([3, 3, 2, 4]);
    assertThrowsWith(
      () => conv2dTranspose(Tensor.zeros([3, 3, 4]), filter, null),
      ShapeError,
      'conv2dTranspose: input: expected a rank-4 tensor',
    );
    assertThrowsWith(
      () => conv2dTranspose(x, Tensor.zeros([3, 3, 2, 4], 'float64'), null),
      ValueError,
      'conv2dTranspose: mixed dtypes float32 and float64',
    );
    assertThrowsWith(
      () => conv2dTranspose(x, filter, null, { strides: 2, padding: 'same', outputPadding: 1 }),
      ValueError,
      "conv2dTranspose: outputPadding is not taken with padding 'same'",
    );
    assertThrowsWith(
      () => conv2dTranspose(x, filter, null, { strides: 0 }),
      ValueError,
      'conv2dTranspose: strides and dilations must be a positive integer, got 0',
    );
  });
});
