// Adam (Kingma and Ba, 2015): per-weight step sizes from running means of the gradient and of its
// square, with bias correction for the first steps.

import type { FloatArray } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { allocatePersistent, getKernel } from '../kernels/registry.js';
import type { Optimizer } from './optimizer.js';
import { checkNonNegative } from './sgd.js';

export interface AdamOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** Decay of the gradient mean; default 0.9. */
  beta1?: number;
  /** Decay of the squared-gradient mean; default 0.999. */
  beta2?: number;
  /** Added to the denominator; default 1e-8. */
  epsilon?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
}

interface Moments {
  first: FloatArray;
  second: FloatArray;
  step: number;
}

/**
 * @example
 * const optimizer = new Adam({ learningRate: 1e-3 });
 */
export class Adam implements Optimizer {
  readonly className = 'Adam';
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly moments = new Map<Tensor, Moments>();

  constructor(options: AdamOptions = {}) {
    this.learningRate = checkNonNegative(options.learningRate ?? 0.001, 'Adam learningRate');
    this.beta1 = checkFraction(options.beta1 ?? 0.9, 'Adam beta1');
    this.beta2 = checkFraction(options.beta2 ?? 0.999, 'Adam beta2');
    this.epsilon = checkNonNegative(options.epsilon ?? 1e-8, 'Adam epsilon');
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'Adam weightDecay');
  }

  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void {
    const update = getKernel('AdamUpdate');
    weights.forEach((weight, index) => {
      let moments = this.moments.get(weight);
      if (moments === undefined) {
        moments = { first: allocatePersistent(weight.dtype, weight.size), second: allocatePersistent(weight.dtype, weight.size), step: 0 };
        this.moments.set(weight, moments);
      }
      moments.step += 1;
      update(weight.data, gradients[index]!.data, moments.first, moments.second, {
        size: weight.size,
        learningRate: this.learningRate,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        step: moments.step,
        weightDecay: this.weightDecay,
      });
    });
  }

  getConfig(): Record<string, number | boolean> {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }
}

function checkFraction(value: number, what: string): number {
  if (!(value >= 0 && value < 1)) throw new ValueError(`${what} must be in [0, 1), got ${value}`);
  return value;
}
