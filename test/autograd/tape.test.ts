// GradientTape contract beyond single rules: the default seed, sources the target does not depend on,
// ops outside run(), repeated gradient() calls, nested tapes, and the shape of an explicit seed dTarget.
// All values are small integers or exact float64 results, so comparisons are exact unless stated.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  add,
  conv2d,
  getBackend,
  GradientTape,
  matMul,
  maxPool2d,
  multiply,
  Random,
  relu,
  tanh,
  Tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const EXACT = { atol: 0, rtol: 0 };

function matrix(values: number[], rows: number, columns: number): Tensor {
  return Tensor.fromArray(values, [rows, columns], 'float64');
}

test('the seed defaults to ones: d(sum of x w)/dw = x^T 1', () => {
  // x = [[1, 2], [3, 4]]: dW[i, j] = sum over rows of x[row, i] = [4, 4, 6, 6]
  const x = matrix([1, 2, 3, 4], 2, 2);
  const w = matrix([5, 6, 7, 8], 2, 2);
  const tape = new GradientTape([w]);
  const y = tape.run(() => matMul(x, w));
  const [dW] = tape.gradient(y, [w]);
  assertClose(dW!.dataSync(), [4, 4, 6, 6], EXACT, 'dW');
});

test('a source the target does not depend on gets zeros of its shape; ops outside run() are not recorded', () => {
  const x = matrix([1, 2, 3, 4], 2, 2);
  const unused = matrix([1, 2, 3], 1, 3);
  const tape = new GradientTape([x, unused]);
  const outside = add(x, x);
  const y = tape.run(() => add(x, x));
  const [dX, dUnused, dOutside] = tape.gradient(y, [x, unused, outside]);
  assertClose(dX!.dataSync(), [2, 2, 2, 2], EXACT, 'dX (x used twice)');
  assert.deepEqual(dUnused!.shape, [1, 3]);
  assertClose(dUnused!.dataSync(), [0, 0, 0], EXACT, 'dUnused');
  assertClose(dOutside!.dataSync(), [0, 0, 0, 0], EXACT, 'a tensor computed outside run() is not on the tape');
});

test('gradient() can be called twice on one tape with the same result', () => {
  const x = matrix([0.5, -1, 2, 0], 2, 2);
  const tape = new GradientTape([x]);
  const y = tape.run(() => tanh(matMul(x, x)));
  const first = tape.gradient(y, [x])[0]!;
  const second = tape.gradient(y, [x])[0]!;
  assertClose(second.dataSync(), first.dataSync(), EXACT, 'second call');
});

test('nested tapes: the inner tape records, and its backward pass run inside the outer tape adds nothing to it', () => {
  const x = matrix([1, 2, 3, 4], 2, 2);
  const outer = new GradientTape([x]);
  const inner = new GradientTape([x]);
  const y = outer.run(() => inner.run(() => add(x, x)));
  assertClose(inner.gradient(y, [x])[0]!.dataSync(), [2, 2, 2, 2], EXACT, 'inner');
  const z = outer.run(() => add(x, x));
  outer.run(() => inner.gradient(y, [x]));
  assertClose(
    outer.gradient(z, [x])[0]!.dataSync(),
    [2, 2, 2, 2],
    EXACT,
    'outer, after an inner backward pass ran inside it',
  );
});

test('nested tapes: the outer tape also records ops run inside the inner tape', () => {
  const x = matrix([1, 2, 3, 4], 2, 2);
  const outer = new GradientTape([x]);
  const inner = new GradientTape([x]);
  const y = outer.run(() => inner.run(() => add(x, x)));
  assertClose(outer.gradient(y, [x])[0]!.dataSync(), [2, 2, 2, 2], EXACT, 'outer');
});

test('an explicit seed dTarget scales the gradient', () => {
  const x = matrix([1, 2, 3, 4], 2, 2);
  const tape = new GradientTape([x]);
  const y = tape.run(() => add(x, x));
  assertClose(tape.gradient(y, [x], matrix([1, -1, 0.5, 0], 2, 2))[0]!.dataSync(), [2, -2, 1, 0], EXACT, 'dX');
});

test('a seed dTarget whose shape differs from the target is rejected', () => {
  const x = matrix([1, 2, 3, 4], 2, 2);
  const tape = new GradientTape([x]);
  const y = tape.run(() => tanh(x));
  assert.throws(() => tape.gradient(y, [x], Tensor.fromArray([1, 1, 1, 1, 1, 1], [6], 'float64')), /2x2|\[2, 2\]/);
});

test('a max pool after a convolution with a fused ReLU masks the gradient for it; the same gradients as unfused', () => {
  // The pool's rule masks its dOut and sums the bias gradient (autograd/grads/maxPool2d.ts); a convolution whose
  // output something else also reads keeps its own mask, and a separate ReLU op has no fused mask to take over.
  // float64, so the sums of the two orders agree to rounding.
  const random = new Random(7);
  const values = (size: number) => Array.from({ length: size }, () => random.uniform() * 2 - 1);
  const x = Tensor.fromArray(values(2 * 10 * 9 * 3), [2, 10, 9, 3], 'float64');
  const filter = Tensor.fromArray(values(3 * 3 * 3 * 6), [3, 3, 3, 6], 'float64');
  const bias = Tensor.fromArray(values(6), [6], 'float64');
  const dPool = Tensor.fromArray(values(2 * 5 * 5 * 6), [2, 5, 5, 6], 'float64');
  const pool = { poolSize: 3, strides: 2, padding: 1 };
  // The sizes of the gradients ClipBiasAddGrad masks: the pooled map's where the pool's rule does.
  const kernels = getBackend().kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  const clipBiasAddGrad = kernels.ClipBiasAddGrad!;
  let maskedSizes: number[] = [];
  kernels.ClipBiasAddGrad = (...args: unknown[]) => {
    maskedSizes.push((args[0] as ArrayLike<number>).length);
    return clipBiasAddGrad(...args);
  };
  const gradientsOf = (body: () => Tensor, expectedSizes: number[]) => {
    maskedSizes = [];
    const tape = new GradientTape([x, filter, bias]);
    const target = tape.run(body);
    const gradients = tape.gradient(target, [x, filter, bias], dPool).map((gradient) => gradient.dataSync());
    assert.deepEqual(maskedSizes, expectedSizes, 'ClipBiasAddGrad calls');
    return gradients;
  };
  try {
    const fused = gradientsOf(
      () => maxPool2d(conv2d(x, filter, bias, { padding: 1, activation: 'relu' }), pool),
      [300],
    );
    const separate = gradientsOf(() => maxPool2d(relu(conv2d(x, filter, bias, { padding: 1 })), pool), []);
    // A second reader of the convolution's output whose gradient is zero: the pool's rule must not mask for it.
    const shared = gradientsOf(() => {
      const y = conv2d(x, filter, bias, { padding: 1, activation: 'relu' });
      return add(maxPool2d(y, pool), multiply(maxPool2d(y, pool), Tensor.zeros([2, 5, 5, 6], 'float64')));
    }, [1080]);
    for (const [position, name] of ['dInput', 'dFilter', 'dBias'].entries()) {
      assert.ok(
        fused[position]!.some((value) => value !== 0),
        `${name} is not all zeros`,
      );
      assertClose(
        fused[position]!,
        separate[position]!,
        { atol: 1e-12, rtol: 1e-12 },
        `${name}, fused against separate`,
      );
      assertClose(shared[position]!, separate[position]!, { atol: 1e-12, rtol: 1e-12 }, `${name}, shared output`);
    }
  } finally {
    kernels.ClipBiasAddGrad = clipBiasAddGrad;
  }
});

test("a residual block's input: its second gradient is added by its producer's ClipBiasAddGrad, not by an Add", () => {
  // y = conv(x) with a bias and a fused ReLU feeds both a convolution and that convolution's fused residual, so
  // the tape holds y's second gradient back for y's rule (GradientContext.addendOf). Against the same network with
  // y's ReLU a separate op (its rule takes no addend): the same gradients, and no Add of y's size. A third use of y
  // (an Add's gradient) sums into the held first gradient; a producer without a mask (no bias) adds the addend
  // itself. The forward passes' Adds are counted too. float64, so the two orders agree to rounding.
  const random = new Random(11);
  const values = (size: number) => Array.from({ length: size }, () => random.uniform() * 2 - 1);
  const x = Tensor.fromArray(values(2 * 6 * 5 * 3), [2, 6, 5, 3], 'float64');
  const filter = Tensor.fromArray(values(3 * 3 * 3 * 4), [3, 3, 3, 4], 'float64');
  const bias = Tensor.fromArray(values(4), [4], 'float64');
  const blockFilter = Tensor.fromArray(values(3 * 3 * 4 * 4), [3, 3, 4, 4], 'float64');
  const blockBias = Tensor.fromArray(values(4), [4], 'float64');
  const dTarget = Tensor.fromArray(values(2 * 6 * 5 * 4), [2, 6, 5, 4], 'float64');
  const kernels = getBackend().kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = { ClipBiasAddGrad: kernels.ClipBiasAddGrad!, Add: kernels.Add! };
  let calls: string[] = [];
  kernels.ClipBiasAddGrad = (...args: unknown[]) => {
    calls.push(`ClipBiasAddGrad${args[5] === undefined || args[5] === null ? '' : ' + addend'}`);
    return original.ClipBiasAddGrad(...args);
  };
  kernels.Add = (...args: unknown[]) => {
    calls.push(`Add ${(args[0] as ArrayLike<number>).length}`);
    return original.Add(...args);
  };
  const sources = [x, filter, bias, blockFilter, blockBias];
  const block = (y: Tensor) => conv2d(y, blockFilter, blockBias, { padding: 1, residual: y, activation: 'relu' });
  const gradientsOf = (body: () => Tensor, expectedCalls: string[]) => {
    calls = [];
    const tape = new GradientTape(sources);
    const target = tape.run(body);
    const gradients = tape.gradient(target, sources, dTarget).map((gradient) => gradient.dataSync());
    assert.deepEqual(calls, expectedCalls, 'kernel calls');
    return gradients;
  };
  try {
    const fused = gradientsOf(
      () => block(conv2d(x, filter, bias, { padding: 1, activation: 'relu' })),
      ['ClipBiasAddGrad', 'ClipBiasAddGrad + addend'],
    );
    const separate = gradientsOf(
      () => block(relu(conv2d(x, filter, bias, { padding: 1 }))),
      ['ClipBiasAddGrad', 'Add 240'],
    );
    const threeUses = gradientsOf(() => {
      const y = conv2d(x, filter, bias, { padding: 1, activation: 'relu' });
      return add(block(y), y);
    }, ['Add 240', 'ClipBiasAddGrad', 'Add 240', 'ClipBiasAddGrad + addend']);
    const separateThreeUses = gradientsOf(() => {
      const y = relu(conv2d(x, filter, bias, { padding: 1 }));
      return add(block(y), y);
    }, ['Add 240', 'ClipBiasAddGrad', 'Add 240', 'Add 240']);
    // A max pool's output read twice (ResNet's first block): the pool's rule adds the second gradient as it masks.
    const pool = { poolSize: 3, strides: 2, padding: 1 };
    const poolDTarget = Tensor.fromArray(values(2 * 3 * 3 * 4), [2, 3, 3, 4], 'float64');
    const pooledOf = (body: () => Tensor, expectedCalls: string[]) => {
      calls = [];
      const tape = new GradientTape(sources);
      const target = tape.run(body);
      const gradients = tape.gradient(target, sources, poolDTarget).map((gradient) => gradient.dataSync());
      assert.deepEqual(calls, expectedCalls, 'kernel calls');
      return gradients;
    };
    const pooled = pooledOf(
      () => block(maxPool2d(conv2d(x, filter, bias, { padding: 1, activation: 'relu' }), pool)),
      ['ClipBiasAddGrad', 'ClipBiasAddGrad + addend'],
    );
    const separatePooled = pooledOf(
      () => block(maxPool2d(relu(conv2d(x, filter, bias, { padding: 1 })), pool)),
      ['ClipBiasAddGrad', 'Add 72'],
    );
    const unmaskedPooled = pooledOf(
      () => block(maxPool2d(conv2d(x, filter, null, { padding: 1 }), pool)),
      ['ClipBiasAddGrad', 'Add 72'],
    );
    const separateUnmaskedPooled = pooledOf(
      () => block(add(maxPool2d(conv2d(x, filter, null, { padding: 1 }), pool), Tensor.zeros([2, 3, 3, 4], 'float64'))),
      ['Add 72', 'ClipBiasAddGrad', 'Add 72'],
    );
    const unmasked = gradientsOf(() => block(conv2d(x, filter, null, { padding: 1 })), ['ClipBiasAddGrad', 'Add 240']);
    const separateUnmasked = gradientsOf(
      () => block(add(conv2d(x, filter, null, { padding: 1 }), Tensor.zeros([2, 6, 5, 4], 'float64'))),
      ['Add 240', 'ClipBiasAddGrad', 'Add 240'],
    );
    for (const [position, name] of ['dInput', 'dFilter', 'dBias', 'dBlockFilter', 'dBlockBias'].entries()) {
      assert.ok(
        fused[position]!.some((value) => value !== 0),
        `${name} is not all zeros`,
      );
      const close = { atol: 1e-12, rtol: 1e-12 };
      assertClose(fused[position]!, separate[position]!, close, `${name}, fused against separate`);
      assertClose(threeUses[position]!, separateThreeUses[position]!, close, `${name}, three uses`);
      if (position !== 2) assertClose(unmasked[position]!, separateUnmasked[position]!, close, `${name}, no mask`);
      assertClose(pooled[position]!, separatePooled[position]!, close, `${name}, max pool`);
      assertClose(unmaskedPooled[position]!, separateUnmaskedPooled[position]!, close, `${name}, max pool, no mask`);
    }
  } finally {
    Object.assign(kernels, original);
  }
});
