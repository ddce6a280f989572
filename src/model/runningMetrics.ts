// An epoch's running loss and accuracy in fit, read back only when someone looks. On a device backend
// each step hands over its loss tensor and probabilities, and nothing is read until a callback reads
// a progress figure or the epoch ends (then the steps are read in order, so the sums are the same
// float64 numbers as reading after every step). On the CPU backends the values are host memory, read
// in the step as before: the loss check there keeps a non-finite step from being applied.

import { NonFiniteLossError, SyncReadError } from '../core/errors.js';
import { storageOf, type Tensor } from '../core/tensor.js';
import { argmaxRow, classOf, type Labels } from './batching.js';

/** A step not read yet: its loss ([] tensor) and probabilities ([size, classes]), where its examples are. */
interface PendingStep {
  loss: Tensor;
  probabilities: Tensor;
  start: number;
  size: number;
  batch: number;
  /** The values, once read asynchronously (readPending); null until then. */
  values: { loss: number; probabilities: ArrayLike<number> } | null;
}

export class RunningMetrics {
  private lossSum = 0;
  private correct = 0;
  private seen = 0;
  /** Running loss and accuracy after each read step, by batch index (0-based). */
  private readonly losses: number[] = [];
  private readonly accuracies: number[] = [];
  private readonly pending: PendingStep[] = [];

  /**
   * @param epoch names the epoch in a NonFiniteLossError
   * @param order the epoch's example order (not changed before the epoch's figures are read)
   */
  constructor(
    private readonly epoch: number,
    private readonly labels: Labels,
    private readonly classes: number,
    private readonly order: ArrayLike<number>,
  ) {}

  /** A step whose values were read already (the CPU backends). */
  addValues(loss: number, correct: number, size: number): void {
    this.lossSum += loss * size;
    this.correct += correct;
    this.seen += size;
    this.losses.push(this.lossSum / this.seen);
    this.accuracies.push(this.correct / this.seen);
  }

  /** A step whose values stay where they are until read (a device backend). */
  addTensors(loss: Tensor, probabilities: Tensor, start: number, size: number): void {
    this.pending.push({
      loss,
      probabilities,
      start,
      size,
      batch: this.losses.length + this.pending.length,
      values: null,
    });
  }

  /**
   * Reads every pending step's values with `await tensor.data()` (a device backend without a
   * synchronous read: fitAsync calls it before the epoch's figures are needed).
   */
  async readPending(): Promise<void> {
    // A copy: a progress read that a callback did not await may overlap the epoch's own read.
    for (const step of [...this.pending]) {
      if (step.values !== null) continue;
      const loss = (await step.loss.data())[0]!;
      step.values = { loss, probabilities: await step.probabilities.data() };
    }
  }

  /** The running mean loss after batch `batch` (0-based); reads the steps up to it. */
  lossAfter(batch: number): number {
    this.readThrough(batch);
    return this.losses[batch]!;
  }

  /** The running accuracy after batch `batch` (0-based); reads the steps up to it. */
  accuracyAfter(batch: number): number {
    this.readThrough(batch);
    return this.accuracies[batch]!;
  }

  /**
   * Reads the pending steps through `batch`, in order. Throws NonFiniteLossError for a NaN or
   * infinite loss: on a device backend that step and the ones after it were applied.
   */
  private readThrough(batch: number): void {
    while (this.losses.length <= batch) {
      const step = this.pending[0]!;
      const device = storageOf(step.loss).device;
      if (step.values === null && device !== null && device.readSync === undefined)
        throw new SyncReadError(
          `fit progress: backend '${device.name}' reads values back only asynchronously; use \`await progress.read()\``,
        );
      const value = step.values?.loss ?? step.loss.dataSync()[0]!;
      const probabilities = step.values?.probabilities ?? step.probabilities.dataSync();
      this.pending.shift();
      if (!Number.isFinite(value)) {
        throw new NonFiniteLossError(
          this.epoch,
          step.batch + 1,
          value,
          `fit: the loss became ${value} at epoch ${this.epoch}, batch ${step.batch + 1}; read back later ` +
            `on this backend, so that step and the ones after it were applied. ` +
            'Lower the learning rate, clip the gradients (clipNorm), or check the examples for NaN or infinite values',
        );
      }
      this.addValues(
        value,
        countCorrectOf(probabilities, this.labels, this.classes, this.order, step.start, step.size),
        step.size,
      );
    }
  }
}

/** How many rows of `probabilities` ([size, classes]) pick the label of examples order[start ..]. */
export function countCorrect(
  probabilities: Tensor,
  labels: Labels,
  classes: number,
  order: ArrayLike<number>,
  start: number,
  size: number,
): number {
  return countCorrectOf(probabilities.dataSync(), labels, classes, order, start, size);
}

/** countCorrect over host values of the probabilities. */
export function countCorrectOf(
  values: ArrayLike<number>,
  labels: Labels,
  classes: number,
  order: ArrayLike<number>,
  start: number,
  size: number,
): number {
  let correct = 0;
  for (let row = 0; row < size; row++) {
    if (argmaxRow(values, row * classes, classes) === classOf(labels, classes, order[start + row]!)) correct++;
  }
  return correct;
}
