// Tests of the gradient checker itself: it must fail loudly on a subtly wrong backward rule, on a missing
// gradient and on a view that aliases its input, or the green checks of the other gradcheck files would mean nothing.
// Wrong rules are swapped into the registry for one test and always restored.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biasAdd, Random, reshape, tanh, type Tensor } from '../../src/index.js';
import { getGradient, registerGradient, type GradientRule } from '../../src/autograd/gradientRegistry.js';
import type { OperationId } from '../../src/autograd/recorder.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

/** Runs `body` with the backward rule of `id` replaced by `makeRule(original)`, then restores it. */
function withRule(id: OperationId, makeRule: (original: GradientRule) => GradientRule, body: () => void): void {
  const original = getGradient(id)!;
  registerGradient(id, makeRule(original));
  try {
    body();
  } finally {
    registerGradient(id, original);
  }
}

function scaled(gradient: Tensor | null, factor: number): Tensor | null {
  if (gradient === null) return null;
  const copy = gradient.clone();
  for (let index = 0; index < copy.size; index++) copy.dataSync()[index]! *= factor;
  return copy;
}

test('the correct tanh rule passes with a worst relative error far below 1e-6', () => {
  const input = uniformTensor(new Random(1), [3, 4], -2, 2);
  const report = gradcheck(([x]) => tanh(x!), [input], { names: ['x'], maxRelativeError: 1e-6 });
  assert.equal(report.checkedElements, 12);
  assert.ok(report.worstRelativeError < 1e-8, `worst ${report.worst}`);
});

test('a tanh rule off by 1e-5 (relative) fails and the message names the worst element', () => {
  const input = uniformTensor(new Random(2), [3, 4], -2, 2);
  withRule(
    'Tanh',
    (original) => (entry, dOut, isNeeded) =>
      original(entry, dOut, isNeeded).map((gradient) => scaled(gradient, 1 + 1e-5)),
    () => {
      assert.throws(
        () => gradcheck(([x]) => tanh(x!), [input], { names: ['x'], maxRelativeError: 1e-6, label: 'wrong tanh' }),
        (error: Error) =>
          /wrong tanh: 12 of 12 gradient elements exceed relative error 1e-6/.test(error.message) &&
          /Worst: x\[\d,\d\]/.test(error.message),
      );
    },
  );
});

test('a bias rule that returns no gradient fails (analytic 0 against numeric non-zero)', () => {
  const random = new Random(3);
  const input = uniformTensor(random, [2, 3]);
  const bias = uniformTensor(random, [3]);
  withRule(
    'BiasAdd',
    (original) => (entry, dOut, isNeeded) => [original(entry, dOut, isNeeded)[0]!, null],
    () => {
      assert.throws(
        () =>
          gradcheck(([x, b]) => biasAdd(x!, b!), [input, bias], { names: ['input', 'bias'], maxRelativeError: 1e-6 }),
        /bias\[\d\] analytic 0 numeric/,
      );
    },
  );
});

test('an output that does not depend on an input is reported rather than passing as 0 = 0', () => {
  const random = new Random(4);
  const used = uniformTensor(random, [4]);
  const unused = uniformTensor(random, [4]);
  assert.throws(
    () => gradcheck(([x]) => tanh(x!), [used, unused], { names: ['used', 'unused'], maxRelativeError: 1e-6 }),
    /does not depend on unused/,
  );
});

test('a view of the perturbed input (reshape) gives the full, not half, difference', () => {
  const input = uniformTensor(new Random(5), [2, 6]);
  const report = gradcheck(([x]) => reshape(x!, [3, 4]), [input], { names: ['x'], maxRelativeError: 1e-6 });
  assert.ok(report.worstRelativeError < 1e-8, `worst ${report.worst}`);
});

test('large inputs are checked on at most maxElements seeded elements each', () => {
  const input = uniformTensor(new Random(6), [20, 30], -2, 2);
  const report = gradcheck(([x]) => tanh(x!), [input], { maxElements: 50, maxRelativeError: 1e-6 });
  assert.equal(report.checkedElements, 50);
});
