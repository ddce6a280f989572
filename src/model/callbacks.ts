// Training progress records and the callbacks that receive them.

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
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainingCallbacks {
  onTrainBegin?(info: { epochs: number; batchesPerEpoch: number; examples: number }): void;
  onEpochBegin?(epoch: number): void;
  onBatchEnd?(progress: BatchProgress): void;
  /** Return `false` to stop training after this epoch. */
  onEpochEnd?(logs: EpochLogs): void | boolean;
  onTrainEnd?(history: History): void;
}

export interface History {
  epochs: EpochLogs[];
}
