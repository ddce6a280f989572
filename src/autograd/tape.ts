// Reverse-mode automatic differentiation over a tape of recorded ops (micrograd's idea, with ops
// instead of scalars). Ops run eagerly; the tape keeps each op whose inputs it tracks, and
// gradient() walks the entries backwards, applying each op's registered backward rule. Gradients
// accumulate with add, so a tensor used twice receives both contributions.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { add } from '../ops/shapeOps.js';
import { getGradient } from './gradientRegistry.js';
import './grads/index.js';
import { withRecorder, withoutRecording, type Recorder, type TapeEntry } from './recorder.js';

/**
 * Records ops run inside `run()` and differentiates a scalar result with respect to watched tensors.
 *
 * @example
 * const tape = new GradientTape([weights]);
 * const loss = tape.run(() => lossOf(weights));
 * const [dWeights] = tape.gradient(loss, [weights]);
 */
export class GradientTape implements Recorder {
  private readonly entries: TapeEntry[] = [];
  private readonly tracked = new Set<Tensor>();

  constructor(watched: Iterable<Tensor> = []) {
    for (const tensor of watched) this.tracked.add(tensor);
  }

  /** Tracks `tensor`: ops that use it (directly or through other ops) are recorded. */
  watch(tensor: Tensor): void {
    this.tracked.add(tensor);
  }

  record(entry: TapeEntry): void {
    if (!entry.inputs.some((input) => input !== null && this.tracked.has(input))) return;
    this.entries.push(entry);
    this.tracked.add(entry.output);
  }

  /** Runs `body` with this tape recording. */
  run<T>(body: () => T): T {
    return withRecorder(this, body);
  }

  /**
   * Gradients of `target` with respect to each of `sources` (zeros for a source it does not depend
   * on). `dTarget` seeds the backward pass; it defaults to ones, as for a scalar loss.
   */
  gradient(target: Tensor, sources: readonly Tensor[], dTarget?: Tensor): Tensor[] {
    if (dTarget !== undefined && !shapesEqual(dTarget.shape, target.shape)) {
      throw new ShapeError(`GradientTape.gradient: dTarget has shape ${formatShape(dTarget.shape)} but the target has ${formatShape(target.shape)}`);
    }
    const gradients = new Map<Tensor, Tensor>();
    const seed = dTarget ?? Tensor.fromArray(new Array<number>(target.size).fill(1), target.shape, target.dtype);
    gradients.set(target, seed);
    // Backward ops must not record themselves on this (or an outer) tape.
    withoutRecording(() => {
      for (let index = this.entries.length - 1; index >= 0; index--) {
        const entry = this.entries[index]!;
        const dOut = gradients.get(entry.output);
        if (dOut === undefined) continue;
        const rule = getGradient(entry.id);
        if (rule === undefined) throw new ValueError(`no gradient is registered for op ${entry.id}`);
        const isNeeded = entry.inputs.map((input) => input !== null && this.tracked.has(input));
        const dInputs = rule(entry, dOut, isNeeded);
        entry.inputs.forEach((input, position) => {
          const dInput = dInputs[position];
          if (input === null || dInput === null || dInput === undefined || !this.tracked.has(input)) return;
          const previous = gradients.get(input);
          gradients.set(input, previous === undefined ? dInput : add(previous, dInput));
        });
      }
    });
    return sources.map((source) => gradients.get(source) ?? Tensor.zeros(source.shape, source.dtype));
  }
}
