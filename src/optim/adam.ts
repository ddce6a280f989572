// Adam (Kingma and Ba, 2015): per-weight step sizes from running means of the gradient and of its
// square, with bias correction for the first steps. AdamW (adamW.ts) runs the same kernel.

import type { Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { clippingConfig, type GradientClipping } from './gradientClipping.js';
import { SlotOptimizer } from './optimizerState.js';
import { checkFraction, checkNonNegative } from './optionChecks.js';

export interface AdamOptions extends GradientClipping {
  /** Default 0.001. */
  learningRate?: number | undefined;
  /** Decay of the gradient mean; default 0.9. */
  beta1?: number | undefined;
  /** Decay of the squared-gradient mean; default 0.999. */
  beta2?: number | undefined;
  /** Added to the denominator; default 1e-8. */
  epsilon?: number | undefined;
  /** L2 penalty added to the gradient; default 0. For decoupled weight decay use AdamW. */
  weightDecay?: number | undefined;
}

/**
 * Throws ValueError for an option out of range (betas in [0, 1)). State: 'firstMoment' and
 * 'secondMoment' per weight, and each weight's step count for the bias correction.
 *
 * @example
 * const optimizer = new Adam({ learningRate: 1e-3 });
 */
export class Adam extends SlotOptimizer {
  /** The step size; fit's learningRateSchedule sets it before each step. Default 0.001. */
  learningRate: number;
  /** Decay of the running mean of gradients. */
  readonly beta1: number;
  /** Decay of the running mean of squared gradients. */
  readonly beta2: number;
  /** Added to the denominator's square root. */
  readonly epsilon: number;
  /** Adam: an L2 term added to the gradient; AdamW: each step first scales the weights by 1 - learningRate * weightDecay. */
  readonly weightDecay: number;

  constructor(options: AdamOptions = {}) {
    super(options, ['firstMoment', 'secondMoment']);
    const name = this.className;
    this.learningRate = checkNonNegative(options.learningRate ?? 0.001, `${name} learningRate`);
    this.beta1 = checkFraction(options.beta1 ?? 0.9, `${name} beta1`);
    this.beta2 = checkFraction(options.beta2 ?? 0.999, `${name} beta2`);
    this.epsilon = checkNonNegative(options.epsilon ?? 1e-8, `${name} epsilon`);
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, `${name} weightDecay`);
  }

  /** Stable type name; a getter so that AdamW's name is already in place while this constructor runs. */
  get className(): string {
    return 'Adam';
  }

  /** Whether weightDecay shrinks the weights directly (AdamW) instead of adding an L2 term to the gradient. */
  protected get isWeightDecayDecoupled(): boolean {
    return false;
  }

  /** Updates `weights` in place from their `gradients` (same order and shapes), one kernel per weight. */
  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void {
    const isDecoupled = this.isWeightDecayDecoupled;
    this.slots.apply(weights, gradients, this, (weight, gradient, state) => {
      runKernel('AdamUpdate', weight, gradient, state.buffers.firstMoment!, state.buffers.secondMoment!, {
        size: weight.size,
        learningRate: this.learningRate,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        step: state.step,
        weightDecay: isDecoupled ? 0 : this.weightDecay,
        decoupledWeightDecay: isDecoupled ? this.weightDecay : 0,
      });
    });
  }

  /** The constructor's options, as checkpoints save them. */
  getConfig(): Record<string, number | boolean> {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      ...clippingConfig(this),
    };
  }
}
