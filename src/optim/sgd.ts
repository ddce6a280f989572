// Stochastic gradient descent with optional momentum (Polyak) and Nesterov momentum (Sutskever et
// al., 2013, in the form PyTorch uses). Velocity buffers live per weight tensor.

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { clippingConfig, type GradientClipping } from './gradientClipping.js';
import { SlotOptimizer } from './optimizerState.js';
import { checkNonNegative } from './optionChecks.js';

export interface SgdOptions extends GradientClipping {
  /** Default 0.01. */
  learningRate?: number | undefined;
  /** Default 0 (plain SGD). */
  momentum?: number | undefined;
  /** Default false. */
  nesterov?: boolean | undefined;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number | undefined;
}

/**
 * Throws ValueError for an option out of range (momentum must be in [0, 1), Nesterov needs momentum).
 * State: one buffer per weight, 'velocity'.
 *
 * @example
 * const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true });
 */
export class SGD extends SlotOptimizer {
  /** The step size; fit's learningRateSchedule sets it before each step. Default 0.01. */
  learningRate: number;
  /** The velocity's decay; 0 (default): plain SGD. */
  readonly momentum: number;
  /** Whether the step looks ahead along the velocity (Nesterov momentum). */
  readonly nesterov: boolean;
  /** L2 term added to the gradient: weightDecay * weight. */
  readonly weightDecay: number;

  constructor(options: SgdOptions = {}) {
    super(options, ['velocity']);
    this.learningRate = checkNonNegative(options.learningRate ?? 0.01, 'SGD learningRate');
    this.momentum = checkNonNegative(options.momentum ?? 0, 'SGD momentum');
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'SGD weightDecay');
    if (this.momentum >= 1)
      throw new ValueError(
        `SGD momentum must be below 1 (it would make the steps grow without bound), got ${this.momentum}`,
      );
    if (this.nesterov && this.momentum === 0) throw new ValueError('SGD: nesterov needs a momentum > 0');
  }

  /** 'SGD', as saved in checkpoints. */
  get className(): string {
    return 'SGD';
  }

  /** Updates `weights` in place from their `gradients` (same order and shapes), one kernel per weight. */
  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void {
    this.slots.apply(weights, gradients, this, (weight, gradient, state) => {
      runKernel('SgdUpdate', weight, gradient, state.buffers.velocity!, {
        size: weight.size,
        learningRate: this.learningRate,
        momentum: this.momentum,
        isNesterov: this.nesterov,
        weightDecay: this.weightDecay,
      });
    });
  }

  /** The constructor's options, as checkpoints save them. */
  getConfig(): Record<string, number | boolean> {
    return {
      learningRate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
      ...clippingConfig(this),
    };
  }
}
