// Collects what a training chart draws, as training callbacks: every epoch's logs and the running
// loss and accuracy within epochs (about 50 points per epoch, whatever the number of batches).

import type { BatchProgress, EpochLogs, TrainingCallbacks } from '../model/callbacks.js';
import type { TrainingCurves } from './charts.js';

const POINTS_PER_EPOCH = 50;

/**
 * Callbacks that record training curves for trainingChart.
 *
 * @example
 * const recorder = recordTrainingCurves();
 * model.fit(x, y, { epochs: 4, callbacks: recorder.callbacks });
 * const chart = trainingChart(recorder.curves);
 */
export function recordTrainingCurves(): { callbacks: TrainingCallbacks; curves: TrainingCurves } {
  const epochs: EpochLogs[] = [];
  const batches: { position: number; loss: number; accuracy: number }[] = [];
  const callbacks: TrainingCallbacks = {
    onBatchEnd(progress: BatchProgress) {
      const every = Math.max(1, Math.floor(progress.batches / POINTS_PER_EPOCH));
      if (progress.batch % every === 0 || progress.batch === progress.batches) {
        batches.push({
          position: progress.epoch - 1 + progress.batch / progress.batches,
          loss: progress.loss,
          accuracy: progress.accuracy,
        });
      }
    },
    onEpochEnd(logs: EpochLogs) {
      epochs.push({ ...logs });
    },
  };
  return { callbacks, curves: { epochs, batches } };
}
