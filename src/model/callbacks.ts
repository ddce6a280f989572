// Training progress records and the callbacks that receive them.

import type { Optimizer } from '../optim/optimizer.js';
import type { Model } from './model.js';

/** Reported after every batch. Loss and accuracy are running means over the epoch so far. */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  /** Examples seen so far in this epoch. */
  seen: number;
  imagesPerSecond: number;
}

/** Reported after every epoch; validation figures when validation data was given. */
export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number | undefined;
  valAccuracy?: number | undefined;
  seconds: number;
  imagesPerSecond: number;
  /** The optimizer's learning rate at the end of the epoch. */
  learningRate?: number | undefined;
}

/** What fit tells the callbacks before the first epoch. */
export interface TrainBeginInfo {
  epochs: number;
  batchesPerEpoch: number;
  /** Training examples (without the validation ones). */
  examples: number;
  /** Validation examples; 0 when fit has no validation data. */
  validationExamples: number;
  /** The model being trained (its weights, for callbacks that save or restore them). */
  model: Model;
  optimizer: Optimizer;
  /**
   * The layer whose outputs fit computed once and trains the rest on (the end of a frozen prefix,
   * see FitOptions.cacheFrozenFeatures); absent when each step runs the whole model.
   */
  cachedFeaturesOf?: string | undefined;
}

/** Hooks fit calls as training goes; each is optional. */
export interface TrainingCallbacks {
  onTrainBegin?(info: TrainBeginInfo): void;
  onEpochBegin?(epoch: number): void;
  onBatchEnd?(progress: BatchProgress): void;
  /**
   * Return `false` to stop training after this epoch. `state` is what fit needs to continue from
   * here (FitOptions.resume): save it with the weights and the optimizer's state for a checkpoint.
   */
  onEpochEnd?(logs: EpochLogs, state: FitState): void | boolean;
  onTrainEnd?(history: History): void;
}

/**
 * Callbacks for Model.fitAsync: those of TrainingCallbacks, each of which may return a promise that
 * fitAsync awaits before it calls the next callback or runs the next batch (a TrainingCallbacks
 * object is one of these). onEpochEnd's promise may resolve to `false` to stop after the epoch.
 */
export interface AsyncTrainingCallbacks {
  onTrainBegin?(info: TrainBeginInfo): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onBatchEnd?(progress: BatchProgress): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, state: FitState): void | boolean | Promise<void | boolean>;
  onTrainEnd?(history: History): void | Promise<void>;
}

/** What fit returns: the logs of every epoch run. */
export interface History {
  epochs: EpochLogs[];
}

/**
 * Where a fit stands after an epoch, as plain JSON: with the weights and the optimizer's state, a
 * fit given it as `resume` goes on exactly as if it had not stopped.
 */
export interface FitState {
  /** Epochs finished. */
  epoch: number;
  /** The generators' states: shuffling, augmentation, and layers' random numbers (Dropout). */
  random: { shuffle: number[]; augment: number[]; layers: number[] };
  /** The order of the training examples after the last shuffle (each epoch shuffles the previous order). */
  order: number[];
  /** The logs of the finished epochs. */
  history: EpochLogs[];
}
