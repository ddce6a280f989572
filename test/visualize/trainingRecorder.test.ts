// Recording training curves (src/visualize/trainingRecorder.ts): every epoch's logs copied, and within
// an epoch about 50 running points whatever the number of batches, the last batch always among them; on a
// device backend the points wait until their figures can be read (fitAsync reads them at the epoch's end).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SyncReadError, type EpochLogs, type FitState } from '../../src/index.js';
import { recordTrainingCurves } from '../../src/visualize/trainingRecorder.js';

function batchEnd(epoch: number, batch: number, batches: number) {
  const seen = batch * 32;
  const figures = { loss: 1 / batch, accuracy: batch / batches };
  return { epoch, epochs: 2, batch, batches, ...figures, seen, imagesPerSecond: 100, read: async () => figures };
}

test('few batches: each one is a point at epoch - 1 + batch / batches, with its running loss and accuracy', () => {
  const { callbacks, curves } = recordTrainingCurves();
  for (let epoch = 1; epoch <= 2; epoch++)
    for (let batch = 1; batch <= 4; batch++) callbacks.onBatchEnd!(batchEnd(epoch, batch, 4));
  assert.deepEqual(
    curves.batches!.map((point) => point.position),
    [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2],
  );
  assert.deepEqual(curves.batches![1], { position: 0.5, loss: 0.5, accuracy: 0.5 });
});

test('many batches: 1,030 per epoch record every 20th and the last, 52 points', () => {
  const { callbacks, curves } = recordTrainingCurves();
  for (let batch = 1; batch <= 1030; batch++) callbacks.onBatchEnd!(batchEnd(1, batch, 1030));
  // floor(1030 / 50) = 20: batches 20, 40, ..., 1020 (51 of them) and 1030.
  assert.equal(curves.batches!.length, 52);
  assert.equal(curves.batches![0]!.position, 20 / 1030);
  assert.equal(curves.batches!.at(-2)!.position, 1020 / 1030);
  assert.equal(curves.batches!.at(-1)!.position, 1);
});

test("epoch logs are copied: changing the caller's object afterwards leaves the curve alone", () => {
  const { callbacks, curves } = recordTrainingCurves();
  const logs: EpochLogs = { epoch: 1, loss: 0.7, accuracy: 0.6, seconds: 2, imagesPerSecond: 500 };
  const state: FitState = {
    epoch: 1,
    random: { shuffle: [], augment: [], layers: [] },
    order: [],
    history: [logs],
  };
  callbacks.onEpochEnd!(logs, state);
  logs.loss = 99;
  assert.deepEqual(curves.epochs, [{ epoch: 1, loss: 0.7, accuracy: 0.6, seconds: 2, imagesPerSecond: 500 }]);
});

test('figures that cannot be read yet (SyncReadError) wait, in order, and are added once readable', () => {
  const { callbacks, curves } = recordTrainingCurves();
  let isRead = false;
  const unread = (batch: number) => {
    const figures = { loss: 1 / batch, accuracy: batch / 2 };
    const read = () => {
      if (!isRead) throw new SyncReadError('fit: not read yet; use await progress.read()');
      return figures;
    };
    return {
      epoch: 1,
      epochs: 1,
      batch,
      batches: 2,
      get loss() {
        return read().loss;
      },
      get accuracy() {
        return read().accuracy;
      },
      seen: batch * 4,
      imagesPerSecond: 100,
      read: async () => figures,
    };
  };
  callbacks.onBatchEnd!(unread(1));
  callbacks.onBatchEnd!(unread(2));
  assert.deepEqual(curves.batches, []);
  isRead = true;
  const logs: EpochLogs = { epoch: 1, loss: 0.5, accuracy: 1, seconds: 1, imagesPerSecond: 8 };
  callbacks.onEpochEnd!(logs, { epoch: 1, random: { shuffle: [], augment: [], layers: [] }, order: [], history: [] });
  assert.deepEqual(curves.batches, [
    { position: 0.5, loss: 1, accuracy: 0.5 },
    { position: 1, loss: 0.5, accuracy: 1 },
  ]);
  assert.equal(curves.epochs.length, 1);
});
