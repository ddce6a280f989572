// When weight values last changed in place, per weight: optimizer steps, training-mode batch
// normalization (its moving averages), early stopping's restore and Model.markWeightsChanged note the
// tensors they write, and a model's inference plan (model/inferencePlan.ts), which keeps folded
// copies of its weights, is rebuilt once one of them changed after it was built. Per tensor, so that
// training one model never invalidates the plan of another (a teacher predicting while a student trains).

import { storageOf, type Tensor } from './tensor.js';

/** A clock that every noted change advances. */
let clock = 0;
/**
 * The clock at each storage's last noted change, keyed by the host values (so a reshaped view counts
 * too), or by the storage itself where the values are on a device (no synchronous read there).
 */
const changedAt = new WeakMap<object, number>();

function keyOf(tensor: Tensor): object {
  const storage = storageOf(tensor);
  return storage.device === null || storage.freed ? tensor.dataSync() : storage;
}

/** Says that the values of `tensors` may have changed in place; inference plans that fold them are rebuilt. */
export function noteWeightsChanged(tensors: Iterable<Tensor>): void {
  clock++;
  for (const tensor of tensors) changedAt.set(keyOf(tensor), clock);
}

/** The clock now: a plan built now is current while none of its weights changes after this. */
export function weightsClock(): number {
  return clock;
}

/** Whether a change of `tensor` was noted after `time` (a weightsClock() value). */
export function hasChangedSince(tensor: Tensor, time: number): boolean {
  return (changedAt.get(keyOf(tensor)) ?? 0) > time;
}
