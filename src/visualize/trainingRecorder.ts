// Collects what a training chart draws, as training callbacks: every epoch's logs and the running
// loss and accuracy within epochs (about 50 points per epoch, whatever the number of batches).
// NOTE: on a device backend (WebGPU) the running figures are known only once fitAsync has read the
// losses back (at the epoch's end): the points wait until then rather than stall the device every batch.

import { SyncReadError } from '../core/errors.js';
import type { BatchProgress, EpochLogs, TrainingCallbacks } from '../model/callbacks.js';
import type { TrainingCurves } from './charts.js';

const POINTS_PER_EPOCH = 50;

/**
 * Callbacks that record training curves for trainingChart, under fit and fitAsync on every backend.
 * On the CPU backends each point is added at its batch's end; on a backend that reads values back only
 * asynchronously (WebGPU) the epoch's points are added at its end, when fitAsync has read its losses,
 * so recording never waits on the device.
 *
 * @example
 * const recorder = recordTrainingCurves();
 * await model.fitAsync(x, y, { epochs: 4, callbacks: recorder.callbacks });
 * const chart = trainingChart(recorder.curves);
 */
export function recordTrainingCurves(): { callbacks: TrainingCallbacks; curves: TrainingCurves } {
  const epochs: EpochLogs[] = [];
  const batches: { position: number; loss: number; accuracy: number }[] = [];
  /** Points due but not read yet (a device backend's running figures), in batch order. */
  const pending: BatchProgress[] = [];
  /** Adds the pending points whose figures can be read now, in order; stops at the first that cannot. */
  const addReadable = (): void => {
    while (pending.length > 0) {
      const progress = pending[0]!;
      let loss: number;
      let accuracy: number;
      try {
        loss = progress.loss;
        accuracy = progress.accuracy;
      } catch (error) {
        if (error instanceof SyncReadError) return;
        throw error;
      }
      pending.shift();
      batches.push({ position: progress.epoch - 1 + progress.batch / progress.batches, loss, accuracy });
    }
  };
  const callbacks: TrainingCallbacks = {
    onBatchEnd(progress: BatchProgress) {
      const every = Math.max(1, Math.floor(progress.batches / POINTS_PER_EPOCH));
      if (progress.batch % every === 0 || progress.batch === progress.batches) {
        pending.push(progress);
        addReadable();
      }
    },
    onEpochEnd(logs: EpochLogs) {
      addReadable();
      epochs.push({ ...logs });
    },
  };
  return { callbacks, curves: { epochs, batches } };
}
