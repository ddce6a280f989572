// The dropout op (src/ops/dropout.ts): a rate outside [0, 1) or a seed that is not a u32 is refused,
// naming the op and the value; rate 0 returns the input tensor itself.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dropout as dropoutOp, Tensor, ValueError } from '../../src/index.js';

describe('dropout op', () => {
  test('rejects a rate outside [0, 1) and a seed that is not a u32, naming the op and the value', () => {
    const x = Tensor.zeros([4]);
    for (const rate of [1, -0.1, Number.NaN]) {
      assert.throws(
        () => dropoutOp(x, { rate, seed: 1 }),
        (error: unknown) =>
          error instanceof ValueError &&
          error.message.includes('dropout: rate') &&
          error.message.includes(String(rate)),
      );
    }
    for (const seed of [-1, 1.5, 2 ** 32]) {
      assert.throws(
        () => dropoutOp(x, { rate: 0.5, seed }),
        (error: unknown) => error instanceof ValueError && error.message.includes('dropout: seed'),
      );
    }
  });

  test('rate 0 returns the input tensor itself', () => {
    const x = Tensor.fromArray([1, 2, 3], [3]);
    assert.equal(dropoutOp(x, { rate: 0, seed: 5 }), x);
  });
});
