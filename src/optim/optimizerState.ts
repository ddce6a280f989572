// The per-weight state every optimizer keeps, and the loop of applyGradients they share: a table
// from weight tensor to its update count and named buffers (persistent storage of the active
// backend, so the wasm kernels update them in place), with the copy-out and copy-in that
// checkpoints use. One class instead of one map per optimizer keeps getState / setState in one place;
// SlotOptimizer is the base the optimizers share around it.

import type { FloatArray } from '../core/dtype.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { storageOf, Tensor, writeStorage } from '../core/tensor.js';
import { noteWeightsChanged } from '../core/weightsVersion.js';
import { allocatePersistent, withScope } from '../kernels/registry.js';
import { checkClipping, clipGradients, type GradientClipping } from './gradientClipping.js';
import type { Optimizer, OptimizerState } from './optimizer.js';

/**
 * One weight's state as the optimizer keeps it: its buffers are tensors, so the update kernels reach
 * them through dispatch on any backend (getState copies them out as WeightState's arrays).
 */
export interface SlotState {
  step: number;
  buffers: Record<string, Tensor>;
}

export class OptimizerSlots {
  /** Calls of apply so far. */
  iterations = 0;
  private readonly states = new Map<Tensor, SlotState>();

  /**
   * @param optimizerName names the optimizer in errors
   * @param bufferNames the buffers each weight gets, each as long as the weight
   * @param initialValue what the buffers start at (Adagrad's initial accumulator); default 0
   */
  constructor(
    private readonly optimizerName: string,
    private readonly bufferNames: readonly string[],
    private readonly initialValue = 0,
  ) {}

  /** The state of `weight`, made with fresh buffers on first use. */
  stateOf(weight: Tensor): SlotState {
    let state = this.states.get(weight);
    if (state === undefined) {
      const buffers: Record<string, Tensor> = {};
      for (const name of this.bufferNames) {
        const buffer = allocatePersistent(weight.dtype, weight.size);
        if (this.initialValue !== 0) buffer.fill(this.initialValue);
        buffers[name] = new Tensor(buffer, [weight.size]);
      }
      state = { step: 0, buffers };
      this.states.set(weight, state);
    }
    return state;
  }

  /**
   * One optimizer step: checks that weights and gradients pair up, clips the gradients, counts the
   * iteration and each weight's step, then calls `update` for each weight with its clipped gradient.
   * Clipping's temporaries are freed on return.
   */
  apply(
    weights: readonly Tensor[],
    gradients: readonly Tensor[],
    clipping: GradientClipping,
    update: (weight: Tensor, gradient: Tensor, state: SlotState) => void,
  ): void {
    const what = `${this.optimizerName} applyGradients`;
    if (weights.length !== gradients.length)
      throw new ValueError(`${what}: ${weights.length} weights but ${gradients.length} gradients`);
    weights.forEach((weight, index) => {
      const gradient = gradients[index]!;
      if (gradient.size !== weight.size || gradient.dtype !== weight.dtype) {
        throw new ShapeError(
          `${what}: weight ${index} is ${weight.size} ${weight.dtype} values but its gradient ` +
            `${gradient.size} ${gradient.dtype}`,
        );
      }
    });
    // Before the update: a model's inference plan holds folded copies of these weights.
    noteWeightsChanged(weights);
    withScope(() => {
      const clipped = clipGradients(gradients, clipping, what);
      this.iterations += 1;
      weights.forEach((weight, index) => {
        const state = this.stateOf(weight);
        state.step += 1;
        update(weight, clipped[index]!, state);
      });
    });
  }

  /** A copy of the state of `weights`, buffers copied to the JavaScript heap. */
  getState(
    weights: readonly Tensor[],
    copy = (buffer: Tensor): FloatArray => buffer.dataSync().slice(),
  ): OptimizerState {
    return {
      iterations: this.iterations,
      weights: weights.map((weight) => {
        const state = this.states.get(weight);
        if (state === undefined) return null;
        const buffers: Record<string, FloatArray> = {};
        for (const name of this.bufferNames) buffers[name] = copy(state.buffers[name]!);
        return { step: state.step, buffers };
      }),
    };
  }

  /** Restores a state from getState, copying its buffers into this optimizer's own storage. */
  setState(weights: readonly Tensor[], state: OptimizerState): void {
    const what = `${this.optimizerName} setState`;
    if (!(Number.isInteger(state.iterations) && state.iterations >= 0))
      throw new ValueError(`${what}: iterations must be an integer >= 0, got ${state.iterations}`);
    if (state.weights.length !== weights.length)
      throw new ValueError(`${what}: the state has ${state.weights.length} weights but ${weights.length} were given`);
    state.weights.forEach((entry, index) => {
      if (entry === null) return;
      const names = Object.keys(entry.buffers).sort();
      if (names.join() !== [...this.bufferNames].sort().join()) {
        throw new ValueError(
          `${what}: weight ${index} has buffers [${names.join(', ')}] but this optimizer keeps ` +
            `[${this.bufferNames.join(', ')}]`,
        );
      }
      for (const name of names) {
        const length = entry.buffers[name]!.length;
        if (length !== weights[index]!.size)
          throw new ValueError(
            `${what}: buffer '${name}' of weight ${index} has ${length} values, the weight ${weights[index]!.size}`,
          );
      }
      if (!(Number.isInteger(entry.step) && entry.step >= 0))
        throw new ValueError(`${what}: step of weight ${index} must be an integer >= 0, got ${entry.step}`);
    });
    state.weights.forEach((entry, index) => {
      const weight = weights[index]!;
      if (entry === null) {
        this.states.delete(weight);
        return;
      }
      const own = this.stateOf(weight);
      own.step = entry.step;
      for (const name of this.bufferNames) writeStorage(storageOf(own.buffers[name]!), entry.buffers[name]!);
    });
    this.iterations = state.iterations;
  }
}

/**
 * What the optimizers here share: gradient clipping, the per-weight buffers, the iteration count,
 * and the state a checkpoint saves. A subclass names itself (className, a getter, so that it is in
 * place while this constructor runs), sets its hyper-parameters and writes applyGradients through
 * `slots.apply` and getConfig.
 */
export abstract class SlotOptimizer implements Optimizer {
  abstract get className(): string;
  abstract learningRate: number;
  /** The most the global L2 norm of a step's gradients may be; undefined: no norm clipping. */
  readonly clipNorm: number | undefined;
  /** The bound each gradient value is clamped to, after clipNorm; undefined: none. */
  readonly clipValue: number | undefined;
  /** The per-weight buffers, step counts and iteration count. */
  protected readonly slots: OptimizerSlots;

  /**
   * @param bufferNames the buffers each weight gets, each as long as the weight
   * @param initialValue what the buffers start at; default 0
   */
  protected constructor(clipping: GradientClipping, bufferNames: readonly string[], initialValue = 0) {
    // A getter on the subclass's prototype: readable before the subclass's own fields exist.
    const name = (this as Optimizer).className;
    ({ clipNorm: this.clipNorm, clipValue: this.clipValue } = checkClipping(clipping, name));
    this.slots = new OptimizerSlots(name, bufferNames, initialValue);
  }

  get iterations(): number {
    return this.slots.iterations;
  }

  abstract applyGradients(weights: readonly Tensor[], gradients: readonly Tensor[]): void;

  abstract getConfig(): Record<string, number | boolean>;

  getState(weights: readonly Tensor[], copy?: (buffer: Tensor) => FloatArray): OptimizerState {
    return this.slots.getState(weights, copy);
  }

  setState(weights: readonly Tensor[], state: OptimizerState): void {
    this.slots.setState(weights, state);
  }
}
