// The interface every optimizer shares: apply one step of gradients to weights, in place, and hand
// out its state (update counts and per-weight buffers) so a checkpoint can save and restore it.

import type { FloatArray } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';

/** One weight's optimizer state. */
export interface WeightState {
  /** Updates this weight has had (Adam's bias correction counts them). */
  step: number;
  /** Buffers by name ('velocity', 'firstMoment', ...), each as long as the weight. */
  buffers: Record<string, FloatArray>;
}

/** An optimizer's whole state, for the weights listed in getState, in their order. */
export interface OptimizerState {
  /** Calls of applyGradients so far. */
  iterations: number;
  /** One entry per weight; null for a weight not updated yet. */
  weights: (WeightState | null)[];
}

/** The interface every optimizer shares: it applies gradients to weights and can save and restore its state. */
export interface Optimizer {
  /** Stable type name ("SGD", "Adam"). */
  readonly className: string;
  /** Current learning rate; schedules and the CLI may change it between steps. */
  learningRate: number;
  /** Calls of applyGradients so far; fit's learning-rate schedules read it as the step number. */
  readonly iterations: number;
  /** Updates each weight in place from its gradient; weights[i] pairs with gradients[i]. */
  applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void;
  /** The hyper-parameters, enough to make the optimizer again. */
  getConfig(): Record<string, number | boolean>;
  /** A copy of the state of `weights` (buffers copied to the JavaScript heap). */
  /**
   * `copy` makes each buffer's array (default: `buffer.dataSync().slice()`, which throws SyncReadError on a
   * backend that reads only asynchronously): saveCheckpointAsync passes one that fills the arrays with
   * `await buffer.data()`, so that a fit on WebGPU is checkpointed too.
   */
  getState(weights: readonly Tensor[], copy?: (buffer: Tensor) => FloatArray): OptimizerState;
  /** Restores a state from getState for the same weights, copying its buffers in; ValueError if it does not fit. */
  setState(weights: readonly Tensor[], state: OptimizerState): void;
}
