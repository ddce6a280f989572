// Stochastic gradient descent with optional momentum (Polyak) and Nesterov momentum (Sutskever et
// al., 2013, in the form PyTorch uses). Velocity buffers live per weight tensor.

import type { FloatArray } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { allocatePersistent, getKernel } from '../kernels/registry.js';
import type { Optimizer } from './optimizer.js';

export interface SgdOptions {
  /** Default 0.01. */
  learningRate?: number;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
}

/**
 * @example
 * const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true });
 */
export class SGD implements Optimizer {
  readonly className = 'SGD';
  learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly velocities = new Map<Tensor, FloatArray>();

  constructor(options: SgdOptions = {}) {
    this.learningRate = checkNonNegative(options.learningRate ?? 0.01, 'SGD learningRate');
    this.momentum = checkNonNegative(options.momentum ?? 0, 'SGD momentum');
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'SGD weightDecay');
    if (this.momentum >= 1) throw new ValueError(`SGD momentum must be below 1 (it would make the steps grow without bound), got ${this.momentum}`);
    if (this.nesterov && this.momentum === 0) throw new ValueError('SGD: nesterov needs a momentum > 0');
  }

  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void {
    const update = getKernel('SgdUpdate');
    weights.forEach((weight, index) => {
      let velocity = this.velocities.get(weight);
      if (velocity === undefined) {
        velocity = allocatePersistent(weight.dtype, weight.size);
        this.velocities.set(weight, velocity);
      }
      update(weight.data, gradients[index]!.data, velocity, {
        size: weight.size,
        learningRate: this.learningRate,
        momentum: this.momentum,
        isNesterov: this.nesterov,
        weightDecay: this.weightDecay,
      });
    });
  }

  getConfig(): Record<string, number | boolean> {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}

export function checkNonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new ValueError(`${what} must be a finite number >= 0, got ${value}`);
  return value;
}
