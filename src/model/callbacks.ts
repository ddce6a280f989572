// Training progress records and the callbacks that receive them.

import type { Optimizer } from '../optim/optimizer.js';
import type { Model } from './model.js';

/** Reported after every batch. Loss and accuracy are running means over the epoch so far. */
export interface BatchProgress {
  /** The epoch running, from 1. */
  epoch: number;
  /** The epochs fit runs in all. */
  epochs: number;
  /** The batch just finished, from 1. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /**
   * The mean training loss over the epoch's batches so far (each taken before its step). Read when
   * asked: on a backend that reads values back only asynchronously (WebGPU) it throws SyncReadError
   * until read() has resolved; in fitAsync, `await progress.read()` works on every backend.
   */
  loss: number;
  /** The share of the epoch's examples so far that were classified right, 0 to 1 (read as `loss` is). */
  accuracy: number;
  /**
   * `loss` and `accuracy`, read back asynchronously where the backend needs it (a device backend:
   * the steps so far are read with `await tensor.data()`, in order); at once on the CPU backends. A
   * callback that does not ask reads nothing, so the steps stay queued on the device.
   *
   * @example
   * onBatchEnd: async (progress) => console.log((await progress.read()).loss),
   */
  read(): Promise<{ loss: number; accuracy: number }>;
  /** Examples seen so far in this epoch. */
  seen: number;
  /** Training examples per second in this epoch so far. */
  imagesPerSecond: number;
}

/** Reported after every epoch; validation figures when validation data was given. */
export interface EpochLogs {
  /** The epoch finished, from 1. */
  epoch: number;
  /** The mean training loss over the epoch (each batch's taken before its step). */
  loss: number;
  /** The share of the epoch's training examples classified right, 0 to 1. */
  accuracy: number;
  /** The loss on the validation data after the epoch; absent without validation data. */
  valLoss?: number | undefined;
  /** The accuracy on the validation data after the epoch; absent without validation data. */
  valAccuracy?: number | undefined;
  /** The epoch's training time in seconds (validation not counted). */
  seconds: number;
  /** Training examples per second over the epoch. */
  imagesPerSecond: number;
  /** The optimizer's learning rate at the end of the epoch. */
  learningRate?: number | undefined;
}

/** What fit tells the callbacks before the first epoch. */
export interface TrainBeginInfo {
  /** The epochs fit runs in all. */
  epochs: number;
  /** Batches per epoch: ceil(examples / batchSize). */
  batchesPerEpoch: number;
  /** Training examples (without the validation ones). */
  examples: number;
  /** Validation examples; 0 when fit has no validation data. */
  validationExamples: number;
  /** The model being trained (its weights, for callbacks that save or restore them). */
  model: Model;
  /** The optimizer that applies the gradients. */
  optimizer: Optimizer;
  /**
   * The layer whose outputs fit computed once and trains the rest on (the end of a frozen prefix,
   * see FitOptions.cacheFrozenFeatures); absent when each step runs the whole model.
   */
  cachedFeaturesOf?: string | undefined;
}

/** Hooks fit calls as training goes; each is optional. */
export interface TrainingCallbacks {
  /** Called once before the first epoch. */
  onTrainBegin?(info: TrainBeginInfo): void;
  /** Called before each epoch, with its number (from 1). */
  onEpochBegin?(epoch: number): void;
  /** Called after each batch's step, with the epoch's running figures. */
  onBatchEnd?(progress: BatchProgress): void;
  /**
   * Return `false` to stop training after this epoch. `state` is what fit needs to continue from
   * here (FitOptions.resume): save it with the weights and the optimizer's state for a checkpoint.
   */
  onEpochEnd?(logs: EpochLogs, state: FitState): void | boolean;
  /** Called once after the last epoch (or the one a callback stopped at), with every epoch's logs. */
  onTrainEnd?(history: History): void;
}

/**
 * Callbacks for Model.fitAsync: those of TrainingCallbacks, each of which may return a promise that
 * fitAsync awaits before it calls the next callback or runs the next batch (a TrainingCallbacks
 * object is one of these). onEpochEnd's promise may resolve to `false` to stop after the epoch.
 */
export interface AsyncTrainingCallbacks {
  /** As TrainingCallbacks.onTrainBegin; fitAsync awaits a returned promise. */
  onTrainBegin?(info: TrainBeginInfo): void | Promise<void>;
  /** As TrainingCallbacks.onEpochBegin; fitAsync awaits a returned promise. */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** As TrainingCallbacks.onBatchEnd; fitAsync awaits a returned promise. */
  onBatchEnd?(progress: BatchProgress): void | Promise<void>;
  /** As TrainingCallbacks.onEpochEnd: `false` (or a promise of it) stops training after this epoch. */
  onEpochEnd?(logs: EpochLogs, state: FitState): void | boolean | Promise<void | boolean>;
  /** As TrainingCallbacks.onTrainEnd; fitAsync awaits a returned promise. */
  onTrainEnd?(history: History): void | Promise<void>;
}

/** What fit returns: the logs of every epoch run. */
export interface History {
  /** One entry per finished epoch, in order (a resumed fit includes the earlier ones). */
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
  random: {
    /** The shuffling generator's state (Random.getState). */
    shuffle: number[];
    /** The augmentation generator's state. */
    augment: number[];
    /** The state of the generator of layers that draw random numbers (Dropout). */
    layers: number[];
  };
  /** The order of the training examples after the last shuffle (each epoch shuffles the previous order). */
  order: number[];
  /** The logs of the finished epochs. */
  history: EpochLogs[];
}
