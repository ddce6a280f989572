// Gradient clipping, an option of every optimizer: by the global norm of all the gradients of one
// step (Pascanu et al., 2013; PyTorch's clip_grad_norm_, Keras' global_clipnorm) and by value.
// It sits on the optimizer, as Keras' clipnorm / clipvalue do, rather than on fit: any training loop
// that calls applyGradients gets it, and getConfig records it with the other hyper-parameters.
// Kernels: SumOfSquares for the norm, ClipGradient for the scaled and clamped copy.

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from '../ops/allocate.js';

/** The clipping options every optimizer takes. */
export interface GradientClipping {
  /**
   * Scales all the gradients of a step by clipNorm / max(norm, clipNorm), where norm is the L2 norm
   * of all of them together, so that norm never exceeds clipNorm. Default: no norm clipping.
   */
  clipNorm?: number | undefined;
  /** Clamps every gradient value to [-clipValue, clipValue], after clipNorm when both are set. Default: none. */
  clipValue?: number | undefined;
}

/** The options with each bound checked (a finite number > 0); ValueError naming `what` otherwise. */
export function checkClipping(options: GradientClipping, what: string): GradientClipping {
  const clipping: GradientClipping = {};
  for (const key of ['clipNorm', 'clipValue'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!(Number.isFinite(value) && value > 0))
      throw new ValueError(`${what} ${key} must be a finite number > 0, got ${value}`);
    clipping[key] = value;
  }
  return clipping;
}

/**
 * The L2 norm of all `gradients` together: sqrt of the sum of every value squared (each tensor's sum
 * in float64 by the SumOfSquares kernel, rounded to the tensor's dtype, then added in float64).
 *
 * @example
 * const tape = new GradientTape(weights);
 * const norm = gradientNorm(tape.gradient(loss, weights));
 */
export function gradientNorm(gradients: readonly Tensor[]): number {
  let total = 0;
  // One result cell per dtype, reused for every gradient.
  const outputs = new Map<string, Tensor>();
  for (const gradient of gradients) {
    let output = outputs.get(gradient.dtype);
    if (output === undefined) {
      output = allocateTensor([1], gradient.dtype);
      outputs.set(gradient.dtype, output);
    }
    runKernel('SumOfSquares', gradient, output, { size: gradient.size });
    total += output.dataSync()[0]!;
  }
  return Math.sqrt(total);
}

/**
 * The gradients after clipping: new temporaries of the current scope, or the gradients
 * themselves when nothing is to be clipped. Throws ValueError naming `what` when clipNorm is set and
 * the global norm is NaN or infinite: no scale can repair that, and the caller applies nothing.
 */
export function clipGradients(
  gradients: readonly Tensor[],
  clipping: GradientClipping,
  what: string,
): readonly Tensor[] {
  let scale = 1;
  if (clipping.clipNorm !== undefined) {
    const norm = gradientNorm(gradients);
    if (!Number.isFinite(norm)) {
      throw new ValueError(
        `${what}: the gradients' global norm is ${norm}, so clipNorm cannot scale them; the step was not ` +
          `applied (weights unchanged). Lower the learning rate`,
      );
    }
    scale = clipping.clipNorm / Math.max(norm, clipping.clipNorm);
  }
  const clipValue = clipping.clipValue ?? Infinity;
  if (scale === 1 && clipValue === Infinity) return gradients;
  return gradients.map((gradient) => {
    const output = allocateTensor(gradient.shape, gradient.dtype);
    runKernel('ClipGradient', gradient, output, { size: gradient.size, scale, clipValue });
    return output;
  });
}

/** The clipping options that are set, for getConfig. */
export function clippingConfig(clipping: GradientClipping): Record<string, number> {
  const config: Record<string, number> = {};
  if (clipping.clipNorm !== undefined) config.clipNorm = clipping.clipNorm;
  if (clipping.clipValue !== undefined) config.clipValue = clipping.clipValue;
  return config;
}
