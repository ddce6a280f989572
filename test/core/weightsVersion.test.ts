// Weight versions (src/core/weightsVersion.ts): a noted change advances the clock and marks only the
// tensors named, a reshaped view of the same values counts as changed, and other tensors stay current.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../src/index.js';
import { hasChangedSince, noteWeightsChanged, weightsClock } from '../../src/core/weightsVersion.js';

test('a change noted after a time marks the tensors named and no other; the clock advances by one', () => {
  const changed = Tensor.fromArray([1, 2, 3, 4], [4]);
  const untouched = Tensor.fromArray([5, 6], [2]);
  const before = weightsClock();
  assert.equal(hasChangedSince(changed, before), false, 'nothing noted yet');
  noteWeightsChanged([changed]);
  assert.equal(weightsClock(), before + 1);
  assert.equal(hasChangedSince(changed, before), true);
  assert.equal(hasChangedSince(untouched, before), false, 'another tensor stays current');
  assert.equal(hasChangedSince(changed, weightsClock()), false, 'a plan built after the change is current');
});

test('a reshaped view shares the values, so a change noted on one is seen through the other', () => {
  const weight = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
  const view = weight.reshape([4]);
  const time = weightsClock();
  noteWeightsChanged([view]);
  assert.equal(hasChangedSince(weight, time), true);
});
