// RMSProp (Tieleman and Hinton, lecture 6.5 of "Neural Networks for Machine Learning", 2012): each
// step divided by a running root mean square of the gradient, with optional momentum and the
// centered variant (Graves, 2013) that divides by an estimate of the gradient's standard deviation.
// Update as PyTorch's torch.optim.RMSprop (epsilon added outside the square root; Keras adds it
// inside), with its defaults; rho is PyTorch's alpha.

import type { Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { clippingConfig, type GradientClipping } from './gradientClipping.js';
import { SlotOptimizer } from './optimizerState.js';
import { checkFraction, checkNonNegative } from './optionChecks.js';

export interface RmsPropOptions extends GradientClipping {
  /** Default 0.01. */
  learningRate?: number | undefined;
  /** Decay of the squared-gradient mean; default 0.99. */
  rho?: number | undefined;
  /** Added to the root mean square; default 1e-8. */
  epsilon?: number | undefined;
  /** Momentum of the steps, in [0, 1); default 0 (none). */
  momentum?: number | undefined;
  /** Divide by the gradient's estimated standard deviation instead of its root mean square; default false. */
  centered?: boolean | undefined;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number | undefined;
}

/**
 * Throws ValueError for an option out of range (rho and momentum in [0, 1)). State per weight:
 * 'squareAverage', plus 'momentumBuffer' with momentum and 'gradientAverage' when centered.
 *
 * @example
 * const optimizer = new RMSProp({ learningRate: 1e-3, rho: 0.9 });
 * model.fit(x, labels, { optimizer });
 */
export class RMSProp extends SlotOptimizer {
  /** The step size; fit's learningRateSchedule sets it before each step. Default 0.01. */
  learningRate: number;
  /** Decay of the running mean of squared gradients. */
  readonly rho: number;
  /** Added to the denominator's square root. */
  readonly epsilon: number;
  /** Momentum of the step; 0: none. */
  readonly momentum: number;
  /** Whether the squared gradients' mean is centered by the gradients' mean (a variance estimate). */
  readonly centered: boolean;
  /** L2 term added to the gradient: weightDecay * weight. */
  readonly weightDecay: number;

  constructor(options: RmsPropOptions = {}) {
    // Buffers as the options ask; the options are checked right after.
    super(options, [
      'squareAverage',
      ...((options.momentum ?? 0) > 0 ? ['momentumBuffer'] : []),
      ...(options.centered === true ? ['gradientAverage'] : []),
    ]);
    this.learningRate = checkNonNegative(options.learningRate ?? 0.01, 'RMSProp learningRate');
    this.rho = checkFraction(options.rho ?? 0.99, 'RMSProp rho');
    this.epsilon = checkNonNegative(options.epsilon ?? 1e-8, 'RMSProp epsilon');
    this.momentum = checkFraction(options.momentum ?? 0, 'RMSProp momentum');
    this.centered = options.centered ?? false;
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'RMSProp weightDecay');
  }

  /** 'RMSProp', as saved in checkpoints. */
  get className(): string {
    return 'RMSProp';
  }

  /** Updates `weights` in place from their `gradients` (same order and shapes), one kernel per weight. */
  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void {
    this.slots.apply(weights, gradients, this, (weight, gradient, state) => {
      const { squareAverage, momentumBuffer, gradientAverage } = state.buffers;
      runKernel('RmsPropUpdate', weight, gradient, squareAverage!, momentumBuffer ?? null, gradientAverage ?? null, {
        size: weight.size,
        learningRate: this.learningRate,
        rho: this.rho,
        epsilon: this.epsilon,
        momentum: this.momentum,
        isCentered: this.centered,
        weightDecay: this.weightDecay,
      });
    });
  }

  /** The constructor's options, as checkpoints save them. */
  getConfig(): Record<string, number | boolean> {
    return {
      learningRate: this.learningRate,
      rho: this.rho,
      epsilon: this.epsilon,
      momentum: this.momentum,
      centered: this.centered,
      weightDecay: this.weightDecay,
      ...clippingConfig(this),
    };
  }
}
