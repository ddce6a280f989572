// The argument checks shared by the ops (src/ops/checks.ts), and the errors of layers that call ops: each names
// the op (or the layer), the argument and the values or both shapes. The checks of one op are in that op's
// file (conv2d.test.ts, maxPool2d.test.ts, ...).

import { describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Input,
  type Layer,
  MaxPool2D,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
} from '../../src/index.js';
import {
  checkBounds,
  checkFiniteNumber,
  checkPositiveInteger,
  checkRank,
  checkSameDtype,
  checkSameShape,
} from '../../src/ops/checks.js';
import { assertThrowsWith } from '../helpers.js';

function model(...layers: Layer[]): Sequential {
  return new Sequential(layers);
}

describe('layers calling ops name the layer and the values', () => {
  test('a Conv2D layer called on the wrong channels names the layer', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 3, name: 'first' });
    model(new Input({ shape: [5, 5, 4] }), layer);
    assertThrowsWith(
      () => layer.call(Tensor.zeros([1, 5, 5, 3]), { isTraining: false }),
      ShapeError,
      "Conv2D 'first'",
      '1x5x5x3',
      '3x3x4x2',
    );
  });

  test('layer options out of range are ValueErrors naming the option', () => {
    assertThrowsWith(() => new Conv2D({ filters: 0, kernelSize: 3 }), ValueError, 'Conv2D filters', '0');
    assertThrowsWith(() => new Conv2D({ filters: 2, kernelSize: [3, 0] }), ValueError, 'Conv2D kernelSize', '0');
    assertThrowsWith(() => new MaxPool2D({ strides: 1.5 }), ValueError, 'MaxPool2D strides', '1.5');
    assertThrowsWith(() => new Dense({ units: -1 }), ValueError, 'Dense units', '-1');
  });
});

describe('the shared checks name what they check and the values', () => {
  test('checkRank and checkSameShape quote the shapes; checkSameDtype both dtypes and skips nulls', () => {
    checkRank(Tensor.zeros([2, 3]), 2, 'op: x', '[rows, columns]');
    assertThrowsWith(
      () => checkRank(Tensor.zeros([2, 3, 4]), 2, 'op: x', '[rows, columns]'),
      ShapeError,
      'op: x: expected a rank-2 tensor [rows, columns] but got shape 2x3x4',
    );
    checkSameShape('op', Tensor.zeros([2, 3]), Tensor.zeros([2, 3]));
    assertThrowsWith(
      () => checkSameShape('op', Tensor.zeros([2, 3]), Tensor.zeros([3, 2])),
      ShapeError,
      'op: shapes 2x3 and 3x2 differ',
    );
    assertThrowsWith(() => checkSameShape('op', Tensor.zeros([6]), Tensor.zeros([6, 1])), ShapeError, '6 and 6x1');
    checkSameDtype('op', Tensor.zeros([1]), null, Tensor.zeros([2]));
    assertThrowsWith(
      () => checkSameDtype('op', Tensor.zeros([1], 'float64'), null, Tensor.zeros([1])),
      ValueError,
      'op: mixed dtypes float64 and float32',
    );
  });

  test('checkPositiveInteger, checkFiniteNumber and checkBounds quote the value', () => {
    checkPositiveInteger(3, 'op: size');
    for (const value of [0, -1, 1.5, Number.NaN]) {
      assertThrowsWith(
        () => checkPositiveInteger(value, 'op: size'),
        ValueError,
        `op: size must be a positive integer, got ${value}`,
      );
    }
    checkFiniteNumber(-2.5, 'op: alpha');
    assertThrowsWith(() => checkFiniteNumber(Infinity, 'op: alpha'), ValueError, 'op: alpha must be a finite number');
    checkBounds(-Infinity, Infinity, 'op');
    checkBounds(1, 1, 'op');
    assertThrowsWith(() => checkBounds(3, 2, 'op'), ValueError, 'op: min 3 is greater than max 2');
    assertThrowsWith(() => checkBounds(Infinity, Infinity, 'op'), ValueError, 'op: min must be', 'got Infinity');
  });
});
