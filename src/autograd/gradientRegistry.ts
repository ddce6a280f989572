// Backward rules by operation id (not by backend): each rule maps the upstream gradient of an op's
// output to the gradients of its inputs.

import type { Tensor } from '../core/tensor.js';
import type { OperationId, TapeEntry } from './recorder.js';

/**
 * Returns one gradient per entry input, in order; null where an input takes no gradient.
 * `isNeeded[i]` says whether input i needs one: a rule may skip the work (and return null) if not.
 */
export type GradientRule<Saved = unknown> = (
  entry: TapeEntry<Saved>,
  dOut: Tensor,
  isNeeded: readonly boolean[],
) => (Tensor | null)[];

const rules = new Map<OperationId, GradientRule>();

export function registerGradient<Saved>(id: OperationId, rule: GradientRule<Saved>): void {
  rules.set(id, rule as GradientRule);
}

export function getGradient(id: OperationId): GradientRule | undefined {
  return rules.get(id);
}
