// Early stopping (Prechelt, "Early Stopping - But When?", 1998), as Keras' EarlyStopping callback:
// ends fit once a watched figure has not improved for `patience` epochs in a row, through the
// onEpochEnd return-false contract, and can put back the weights of the best epoch at the end.

import type { FloatArray } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { isDeviceBackend } from '../kernels/registry.js';
import { allocateTensor } from '../ops/allocate.js';
import { noteWeightsChanged } from '../core/weightsVersion.js';
import type { EpochLogs, TrainBeginInfo, TrainingCallbacks } from './callbacks.js';

/** The epoch figures early stopping can watch: losses must fall, accuracies rise. */
export type MonitoredFigure = 'valLoss' | 'valAccuracy' | 'loss' | 'accuracy';

/** Options of earlyStopping. */
export interface EarlyStoppingOptions {
  /** Default 'valLoss' (needs validation data). */
  monitor?: MonitoredFigure | undefined;
  /**
   * Epochs in a row without improvement that stop training; default 0, which stops at the first such epoch (as 1 does).
   */
  patience?: number | undefined;
  /** The least change that counts as an improvement; default 0. */
  minDelta?: number | undefined;
  /**
   * When training ends (stopped early or not), put back the weights of the best epoch, including
   * non-trainable state such as moving averages; default false (the weights of the last epoch stay).
   */
  restoreBestWeights?: boolean | undefined;
}

/** The callback earlyStopping makes; after fit it tells the best and the stopping epoch. */
export class EarlyStopping implements TrainingCallbacks {
  /** The figure watched: 'valLoss', 'valAccuracy', 'loss' or 'accuracy'. */
  readonly monitor: MonitoredFigure;
  /** Epochs without improvement after which training stops. */
  readonly patience: number;
  /** The least change that counts as an improvement. */
  readonly minDelta: number;
  /** Whether the best epoch's weights are put back when training ends. */
  readonly restoreBestWeights: boolean;
  /** The best value of the watched figure so far, and its epoch (1-based); null before the first epoch. */
  bestValue: number | null = null;
  /** The epoch (1-based) of bestValue; null before the first epoch. */
  bestEpoch: number | null = null;
  /** The epoch after which this callback stopped training; null if it did not. */
  stoppedEpoch: number | null = null;
  private epochsWithoutImprovement = 0;
  private weights: Tensor[] = [];
  private bestWeights: FloatArray[] | null = null;
  /** The same on a device backend: copies kept on the device (CopyColumns), never read back. */
  private bestOnDevice: Tensor[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'valLoss';
    if (!['valLoss', 'valAccuracy', 'loss', 'accuracy'].includes(this.monitor)) {
      throw new ValueError(
        `earlyStopping: monitor must be 'valLoss', 'valAccuracy', 'loss' or 'accuracy', got '${this.monitor}'`,
      );
    }
    this.patience = options.patience ?? 0;
    if (!(Number.isInteger(this.patience) && this.patience >= 0))
      throw new ValueError(`earlyStopping: patience must be an integer >= 0, got ${this.patience}`);
    this.minDelta = options.minDelta ?? 0;
    if (!(Number.isFinite(this.minDelta) && this.minDelta >= 0))
      throw new ValueError(`earlyStopping: minDelta must be a finite number >= 0, got ${this.minDelta}`);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  onTrainBegin(info: TrainBeginInfo): void {
    if (this.monitor.startsWith('val') && info.validationExamples === 0) {
      throw new ValueError(
        `earlyStopping: monitor '${this.monitor}' needs validation data; pass validationData or ` +
          `validationSplit to fit, or monitor 'loss'`,
      );
    }
    this.bestValue = null;
    this.bestEpoch = null;
    this.stoppedEpoch = null;
    this.epochsWithoutImprovement = 0;
    this.bestWeights = null;
    this.bestOnDevice = null;
    this.weights = info.model.namedWeights().map((weight) => weight.tensor);
  }

  onEpochEnd(logs: EpochLogs): boolean {
    const value = logs[this.monitor];
    if (value === undefined) throw new ValueError(`earlyStopping: the epoch logs have no '${this.monitor}'`);
    if (this.isImprovement(value)) {
      this.bestValue = value;
      this.bestEpoch = logs.epoch;
      this.epochsWithoutImprovement = 0;
      if (this.restoreBestWeights && isDeviceBackend()) {
        this.bestOnDevice ??= this.weights.map((weight) => allocateTensor(weight.shape, weight.dtype));
        this.weights.forEach((weight, index) => {
          copyValues(weight, this.bestOnDevice![index]!);
        });
      } else if (this.restoreBestWeights) {
        // Copies kept from the first improvement on, refilled at each later one.
        if (this.bestWeights === null) this.bestWeights = this.weights.map((weight) => weight.dataSync().slice());
        else
          this.bestWeights.forEach((copy, index) => {
            copy.set(this.weights[index]!.dataSync());
          });
      }
      return true;
    }
    this.epochsWithoutImprovement += 1;
    if (this.epochsWithoutImprovement < Math.max(this.patience, 1)) return true;
    this.stoppedEpoch = logs.epoch;
    return false;
  }

  onTrainEnd(): void {
    if (this.bestOnDevice !== null) {
      this.weights.forEach((weight, index) => {
        copyValues(this.bestOnDevice![index]!, weight);
      });
      noteWeightsChanged(this.weights);
      return;
    }
    if (this.bestWeights === null) return;
    this.weights.forEach((weight, index) => {
      weight.dataSync().set(this.bestWeights![index]!);
    });
    noteWeightsChanged(this.weights);
  }

  private isImprovement(value: number): boolean {
    if (this.bestValue === null) return !Number.isNaN(value);
    const isLoss = this.monitor === 'loss' || this.monitor === 'valLoss';
    return isLoss ? value < this.bestValue - this.minDelta : value > this.bestValue + this.minDelta;
  }
}

/**
 * A callback for fit that stops training when `monitor` has not improved by more than minDelta for
 * `patience` epochs in a row. Throws ValueError for a bad option, and at the start of fit when it
 * watches a validation figure but fit has no validation data.
 *
 * @example
 * const stopper = earlyStopping({ monitor: 'valLoss', patience: 3, restoreBestWeights: true });
 * model.fit(x, labels, { epochs: 50, validationSplit: 0.1, callbacks: [stopper] });
 * stopper.bestEpoch; // the epoch whose weights the model now has
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}

/** Copies `source`'s values into `destination` (same size) where they are, with the CopyColumns kernel. */
function copyValues(source: Tensor, destination: Tensor): void {
  runKernel('CopyColumns', source, destination, {
    rows: 1,
    columns: source.size,
    sourceStride: source.size,
    sourceOffset: 0,
    destinationStride: destination.size,
    destinationOffset: 0,
  });
}
