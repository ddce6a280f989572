// Backward rules by operation id (not by backend): each rule maps the upstream gradient of an op's
// output to the gradients of its inputs.

import type { Tensor } from '../core/tensor.js';
import type { OperationId, TapeEntry } from './recorder.js';

/**
 * Returns one gradient per entry input, in order; null where an input takes no gradient.
 * `isNeeded[i]` says whether input i needs one: a rule may skip the work (and return null) if not.
 * `context` lets a rule take over work of the rule of the op that made its input (see GradientContext).
 */
export type GradientRule<Saved = unknown> = (
  entry: TapeEntry<Saved>,
  dOut: Tensor,
  isNeeded: readonly boolean[],
  context?: GradientContext,
) => (Tensor | null)[];

/**
 * What a backward pass tells a rule about its neighbours on the tape. A max pool after a convolution with a fused
 * ReLU masks its own dOut (4 to 9 times smaller) by the pooled maxima, which are the convolution's outputs that take
 * gradient, and sums it for the bias: the convolution's rule then skips its pass over the whole map.
 */
export interface GradientContext {
  /** The entry whose output `input` is, where the rule's entry is its only use and no gradient is asked of it. */
  soleProducerOf(input: Tensor): TapeEntry | undefined;
  /**
   * Says that the gradient the rule returns for `input` is already masked by its producer's fused activation, and
   * gives the producer's bias gradient.
   */
  passMasked(input: Tensor, dBias: Tensor): void;
  /** The bias gradient passMasked gave with `entry`'s output, or undefined. */
  maskedBiasOf(entry: TapeEntry): Tensor | undefined;
  /**
   * A second gradient of `entry`'s output (an output used twice: a residual block's input), not yet added to dOut:
   * given only to rules registered with `takesAddend`, which add it to dOut themselves (a convolution's rule while it
   * masks dOut by its fused activation: one pass instead of an Add and the mask's pass).
   */
  addendOf(entry: TapeEntry): Tensor | undefined;
}

const rules = new Map<OperationId, GradientRule>();
const addendTakers = new Set<OperationId>();

/** Registers `id`'s backward rule; with `takesAddend`, the rule adds GradientContext.addendOf's gradient to dOut. */
export function registerGradient<Saved>(id: OperationId, rule: GradientRule<Saved>, takesAddend = false): void {
  rules.set(id, rule as GradientRule);
  if (takesAddend) addendTakers.add(id);
}

export function getGradient(id: OperationId): GradientRule | undefined {
  return rules.get(id);
}

/** Whether `id`'s rule was registered with `takesAddend` (see GradientContext.addendOf). */
export function takesAddend(id: OperationId | undefined): boolean {
  return addendTakers.has(id!);
}
