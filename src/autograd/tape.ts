// Reverse-mode automatic differentiation over a tape of recorded ops (micrograd's idea, with ops
// instead of scalars). Ops run eagerly; the tape keeps each op whose inputs it tracks, and
// gradient() walks the entries backwards, applying each op's registered backward rule. Gradients
// accumulate with add, so a tensor used twice receives both contributions. Inside a memory scope,
// each gradient the pass made is freed once no later rule needs it (the entry whose output it is has
// run, or a sum replaced it), and so is every other tensor a rule made and did not return (a ReLU's
// masked gradient): fine-tuning ResNet-50 at batch 16 otherwise held every gradient of the step.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, shapesEqual } from '../core/shape.js';
import { storageMark, storageOf, storagesSince, Tensor, type TensorStorage } from '../core/tensor.js';
import { releaseStorage } from '../kernels/registry.js';
import { add } from '../ops/shapeOps.js';
import { getGradient, takesAddend, type GradientContext } from './gradientRegistry.js';
import './grads/index.js';
import { withRecorder, withoutRecording, type OperationId, type Recorder, type TapeEntry } from './recorder.js';

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

  /** Keeps an op's entry when one of its inputs is watched (or computed from a watched tensor); ops call it. */
  record(entry: TapeEntry): void {
    if (!entry.inputs.some((input) => input !== null && this.tracked.has(input))) return;
    this.entries.push(entry);
    this.tracked.add(entry.output);
  }

  /**
   * The ids of the ops recorded so far, in order: an op is recorded only when one of its inputs is
   * watched or made by a recorded op, so a frozen prefix of a network records nothing.
   */
  recordedOperations(): OperationId[] {
    return this.entries.map((entry) => entry.id);
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
      throw new ShapeError(
        `GradientTape.gradient: dTarget has shape ${formatShape(dTarget.shape)} but the target has ` +
          `${formatShape(target.shape)}`,
      );
    }
    const gradients = new Map<Tensor, Tensor>();
    const seed = dTarget ?? Tensor.fromArray(new Array<number>(target.size).fill(1), target.shape, target.dtype);
    gradients.set(target, seed);
    const sourceSet = new Set(sources);
    // Storages this pass made and has not freed, with how many values of `gradients` see each
    // (a rule may pass dOut on as an input's gradient, or a view of it): freed when none does.
    const holders = new Map<TensorStorage, number>();
    const hold = (tensor: Tensor, change: number) => {
      const storage = storageOf(tensor);
      const count = holders.get(storage);
      if (count !== undefined) holders.set(storage, count + change);
    };
    // Which entry made each tensor, and how often the tape uses it, for rules that take over their producer's work.
    const producers = new Map<Tensor, TapeEntry>();
    const uses = new Map<Tensor, number>();
    for (const entry of this.entries) {
      producers.set(entry.output, entry);
      for (const input of entry.inputs) if (input !== null) uses.set(input, (uses.get(input) ?? 0) + 1);
    }
    // Bias gradients passed with masked gradients (GradientContext.passMasked), by output: each is held until its
    // producer's rule has run.
    const maskedBiases = new Map<Tensor, Tensor>();
    let passedBiases: Tensor[] = [];
    // Second gradients of tensors whose producer's rule adds them itself (GradientContext.addendOf), by tensor.
    const addends = new Map<Tensor, Tensor>();
    const context: GradientContext = {
      soleProducerOf: (input) => (uses.get(input) === 1 && !sourceSet.has(input) ? producers.get(input) : undefined),
      passMasked: (input, dBias) => {
        maskedBiases.set(input, dBias);
        passedBiases.push(dBias);
      },
      maskedBiasOf: (entry) => maskedBiases.get(entry.output),
      addendOf: (entry) => addends.get(entry.output),
    };
    // Backward ops must not record themselves on this (or an outer) tape.
    withoutRecording(() => {
      for (let index = this.entries.length - 1; index >= 0; index--) {
        const entry = this.entries[index]!;
        const dOut = gradients.get(entry.output);
        if (dOut === undefined) continue;
        const rule = getGradient(entry.id);
        if (rule === undefined) throw new ValueError(`no gradient is registered for op ${entry.id}`);
        const isNeeded = entry.inputs.map((input) => input !== null && this.tracked.has(input));
        const mark = storageMark();
        passedBiases = [];
        const dInputs = rule(entry, dOut, isNeeded, context);
        const released: Tensor[] = [];
        const taken: Tensor[] = [];
        // A bias gradient passed on by this rule, or a second gradient held back for it, stays held for the producer's
        // rule, which then drops that hold.
        for (const received of [maskedBiases.get(entry.output), addends.get(entry.output)])
          if (received !== undefined) released.push(received);
        entry.inputs.forEach((input, position) => {
          const dInput = dInputs[position];
          if (input === null || dInput === null || dInput === undefined || !this.tracked.has(input)) return;
          const previous = gradients.get(input);
          // A second gradient waits for its producer's rule to add it, where that rule takes one (a source's gradient is
          // returned summed).
          if (previous && !addends.has(input) && takesAddend(producers.get(input)?.id) && !sourceSet.has(input)) {
            addends.set(input, dInput);
            taken.push(dInput);
            return;
          }
          const gradient = previous === undefined ? dInput : add(previous, dInput);
          if (previous !== undefined) released.push(previous);
          gradients.set(input, gradient);
          taken.push(gradient);
        });
        // A source's gradient is returned even where the source is an op's output.
        if (!sourceSet.has(entry.output)) {
          gradients.delete(entry.output);
          released.push(dOut);
        }
        const made = storagesSince(mark);
        for (const storage of made) holders.set(storage, 0);
        for (const gradient of [...taken, ...passedBiases]) hold(gradient, 1);
        for (const gradient of released) hold(gradient, -1);
        for (const storage of [...made, ...released.map(storageOf)]) {
          if (holders.get(storage) !== 0) continue;
          holders.delete(storage);
          releaseStorage(storage);
        }
      }
    });
    return sources.map((source) => gradients.get(source) ?? Tensor.zeros(source.shape, source.dtype));
  }
}
