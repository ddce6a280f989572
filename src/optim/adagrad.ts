// Adagrad (Duchi, Hazan and Singer, 2011): each weight's step divided by the root of the sum of all
// its squared gradients so far, so often-updated weights slow down. Update and defaults as PyTorch's
// torch.optim.Adagrad, without its lr_decay (a learning-rate schedule does that here).

import type { Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { clippingConfig, type GradientClipping } from './gradientClipping.js';
import { SlotOptimizer } from './optimizerState.js';
import { checkNonNegative } from './optionChecks.js';

export interface AdagradOptions extends GradientClipping {
  /** Default 0.01. */
  learningRate?: number | undefined;
  /** Starting value of every accumulator; default 0 (PyTorch; Keras uses 0.1). */
  initialAccumulatorValue?: number | undefined;
  /** Added to the root of the accumulator; default 1e-10. */
  epsilon?: number | undefined;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number | undefined;
}

/**
 * Throws ValueError for an option out of range. State per weight: 'accumulator'.
 *
 * @example
 * const optimizer = new Adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.1 });
 * model.fit(x, labels, { optimizer });
 */
export class Adagrad extends SlotOptimizer {
  /** The step size; fit's learningRateSchedule sets it before each step. Default 0.01. */
  learningRate: number;
  /** The value each accumulator of squared gradients starts at. */
  readonly initialAccumulatorValue: number;
  /** Added to the denominator's square root. */
  readonly epsilon: number;
  /** L2 term added to the gradient: weightDecay * weight. */
  readonly weightDecay: number;

  constructor(options: AdagradOptions = {}) {
    const initialAccumulatorValue = checkNonNegative(
      options.initialAccumulatorValue ?? 0,
      'Adagrad initialAccumulatorValue',
    );
    super(options, ['accumulator'], initialAccumulatorValue);
    this.initialAccumulatorValue = initialAccumulatorValue;
    this.learningRate = checkNonNegative(options.learningRate ?? 0.01, 'Adagrad learningRate');
    this.epsilon = checkNonNegative(options.epsilon ?? 1e-10, 'Adagrad epsilon');
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'Adagrad weightDecay');
  }

  /** 'Adagrad', as saved in checkpoints. */
  get className(): string {
    return 'Adagrad';
  }

  /** Updates `weights` in place from their `gradients` (same order and shapes), one kernel per weight. */
  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void {
    this.slots.apply(weights, gradients, this, (weight, gradient, state) => {
      runKernel('AdagradUpdate', weight, gradient, state.buffers.accumulator!, {
        size: weight.size,
        learningRate: this.learningRate,
        epsilon: this.epsilon,
        weightDecay: this.weightDecay,
      });
    });
  }

  /** The constructor's options, as checkpoints save them. */
  getConfig(): Record<string, number | boolean> {
    return {
      learningRate: this.learningRate,
      initialAccumulatorValue: this.initialAccumulatorValue,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      ...clippingConfig(this),
    };
  }
}
