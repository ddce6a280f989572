// The interface every optimizer shares: apply one step of gradients to weights, in place.

import type { Tensor } from '../core/tensor.js';

export interface Optimizer {
  /** Stable type name ("SGD", "Adam"). */
  readonly className: string;
  /** Current learning rate; schedules and the CLI may change it between steps. */
  learningRate: number;
  /** Updates each weight in place from its gradient; weights[i] pairs with gradients[i]. */
  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void;
  /** The hyper-parameters, enough to make the optimizer again. */
  getConfig(): Record<string, number | boolean>;
}
