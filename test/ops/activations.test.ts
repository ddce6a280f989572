// The elementwise activation ops (src/ops/activations.ts), not their kernels (test/kernels/js/activations.test.ts):
// shapes and dtypes kept, the defaults of alpha, beta and the bounds, the float32 rounding of constants, hard
// sigmoid, hard swish and pow on hand-worked values, and the argument checks naming the op and the value.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clip,
  elu,
  GradientTape,
  hardSigmoid,
  hardSwish,
  leakyRelu,
  pow,
  relu,
  sigmoid,
  sqrt,
  Tensor,
  tanh,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

const EXACT = { atol: 0, rtol: 0 };
/** A few float64 operations: within a few units in the last place. */
const FLOAT64 = { atol: 1e-300, rtol: 5e-15 };

describe('relu, sigmoid and tanh keep the shape and the dtype', () => {
  test('a [2, 2] float32 input and a [1, 3] float64 input, worked by hand at 0 and beyond', () => {
    const y = relu(Tensor.fromArray([-1, 2, 0, -3], [2, 2]));
    assert.deepEqual(y.shape, [2, 2]);
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(Array.from(y.dataSync()), [0, 2, 0, 0]);
    const x = Tensor.fromArray([0, 0, 0], [1, 3], 'float64');
    for (const [op, expected] of [
      [sigmoid, 0.5],
      [tanh, 0],
    ] as const) {
      const output = op(x);
      assert.deepEqual(output.shape, [1, 3]);
      assert.equal(output.dtype, 'float64');
      assert.deepEqual(Array.from(output.dataSync()), [expected, expected, expected]);
    }
  });
});

describe('leakyRelu and elu: alpha', () => {
  test('leakyRelu(x, 0.1) of [-2, 3] is [-0.2, 3]', () => {
    assertClose(leakyRelu(Tensor.fromArray([-2, 3], [2], 'float64'), 0.1).dataSync(), [-0.2, 3], EXACT, 'leaky');
  });

  test('the op defaults to alpha 0.01 and rejects a non-finite alpha, naming the op', () => {
    assert.deepEqual(Array.from(leakyRelu(Tensor.fromArray([-100, 5], [2], 'float64')).dataSync()), [-1, 5]);
    assert.throws(
      () => leakyRelu(Tensor.zeros([2]), Number.NaN),
      (error: unknown) => error instanceof ValueError && /leakyRelu: alpha/.test(error.message),
    );
  });

  test('the op takes alpha 1 by default', () => {
    assertClose(elu(Tensor.fromArray([-1], [1], 'float64')).dataSync(), [-0.6321205588285577], FLOAT64, 'elu op');
  });

  test('elu rejects a non-finite alpha, naming the op and the value', () => {
    assertThrowsWith(
      () => elu(Tensor.zeros([2]), Infinity),
      ValueError,
      'elu: alpha must be a finite number, got Infinity',
    );
  });
});

describe('clip', () => {
  test('clip with min 0 and no max is ReLU, forward and backward, even at 0', () => {
    const x = Tensor.fromArray([-2, -0.5, 0, 0.5, 3], [5], 'float64');
    const dOut = Tensor.fromArray([1, 2, 3, 4, 5], [5], 'float64');
    const gradientOf = (f: (input: Tensor) => Tensor) => {
      const tape = new GradientTape();
      tape.watch(x);
      const y = tape.run(() => f(x));
      return Array.from(tape.gradient(y, [x], dOut)[0]!.dataSync());
    };
    assert.deepEqual(Array.from(clip(x, 0, Infinity).dataSync()), Array.from(relu(x).dataSync()));
    assert.deepEqual(
      gradientOf((input) => clip(input, 0, Infinity)),
      gradientOf(relu),
    );
    assert.deepEqual(
      gradientOf((input) => clip(input, 0, Infinity)),
      [0, 0, 0, 4, 5],
    );
  });

  test('the op rounds the bounds to float32 on float32 tensors and keeps them on float64 ones', () => {
    assert.deepEqual(Array.from(clip(Tensor.fromArray([0, 1], [2]), 0.1, 0.7).dataSync()), [
      Math.fround(0.1),
      Math.fround(0.7),
    ]);
    assert.deepEqual(Array.from(clip(Tensor.fromArray([0, 1], [2], 'float64'), 0.1, 0.7).dataSync()), [0.1, 0.7]);
  });

  test('the op rejects NaN bounds, min = Infinity, max = -Infinity and min > max, naming the op and the values', () => {
    const x = Tensor.zeros([2]);
    const rejects = (min: number, max: number, pattern: RegExp) =>
      assert.throws(
        () => clip(x, min, max),
        (error: unknown) => error instanceof ValueError && pattern.test(error.message),
        `clip(${min}, ${max})`,
      );
    rejects(Number.NaN, 1, /^clip: min must be a finite number or -Infinity, got NaN/);
    rejects(Infinity, Infinity, /^clip: min must be .* got Infinity/);
    rejects(0, Number.NaN, /^clip: max must be a finite number or Infinity, got NaN/);
    rejects(-Infinity, -Infinity, /^clip: max must be .* got -Infinity/);
    rejects(2, 1, /^clip: min 2 is greater than max 1/);
  });
});

describe('hardSigmoid and hardSwish', () => {
  test('hardSigmoid defaults to ONNX alpha 0.2, beta 0.5: [-5, 0, 1, 5] -> [0, 0.5, 0.7, 1]', () => {
    const x = Tensor.fromArray([-5, 0, 1, 5], [2, 2], 'float64');
    const y = hardSigmoid(x);
    assert.deepEqual(y.shape, [2, 2]);
    assertClose(y.dataSync(), [0, 0.5, 0.7, 1], FLOAT64, 'hard sigmoid');
    assertClose(hardSigmoid(x, 1 / 6, 0.5).dataSync(), [0, 0.5, 1 / 6 + 0.5, 1], FLOAT64, 'PyTorch form');
  });

  test('hardSwish is x * relu6(x + 3) / 6: [-4, 1, 4] -> [0, 2/3, 4]', () => {
    assertClose(
      hardSwish(Tensor.fromArray([-4, 1, 4], [3], 'float64')).dataSync(),
      [0, 1 / 6 + 0.5, 4],
      FLOAT64,
      'hard swish',
    );
  });

  test('hardSigmoid rejects a non-finite alpha or beta, naming the op, the argument and the value', () => {
    const x = Tensor.zeros([2]);
    assertThrowsWith(
      () => hardSigmoid(x, Number.NaN),
      ValueError,
      'hardSigmoid: alpha must be a finite number, got NaN',
    );
    assertThrowsWith(() => hardSigmoid(x, 0.2, -Infinity), ValueError, 'hardSigmoid: beta', 'got -Infinity');
  });
});

describe('pow and sqrt', () => {
  test('pow(x, 2) squares, sqrt takes the root, a negative base to a fractional exponent is NaN', () => {
    const x = Tensor.fromArray([2, 3, 0.5], [3], 'float64');
    const squares = pow(x, 2);
    assert.equal(squares.dtype, 'float64');
    assertClose(squares.dataSync(), [4, 9, 0.25], EXACT, 'squares');
    assertClose(sqrt(squares).dataSync(), [2, 3, 0.5], EXACT, 'roots');
    assert.ok(Number.isNaN(sqrt(Tensor.fromArray([-1], [1])).dataSync()[0]!), 'sqrt(-1) is NaN');
  });

  test('pow rejects a non-finite exponent, naming the op and the value', () => {
    assertThrowsWith(
      () => pow(Tensor.zeros([2]), Number.NaN),
      ValueError,
      'pow: exponent must be a finite number, got NaN',
    );
  });
});
