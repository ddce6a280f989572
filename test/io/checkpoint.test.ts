// Checkpoints through the API: a graph model with batch normalization and dropout, trained with SGD
// momentum, stopped after an epoch, saved, loaded into a fresh process state and resumed, ends where an
// uninterrupted fit ends; damaged checkpoints raise FileFormatError.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  Add, BatchNormalization, Conv2D, Dense, Dropout, FileFormatError, GlobalAveragePooling2D, Input, loadCheckpoint, Model, Random, ReLU,
  saveCheckpoint, SGD, Softmax, Tensor, type FitState,
} from '../../src/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-checkpoint-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function network(): Model {
  const input = new Input({ shape: [6, 6, 3] });
  const stem = new ReLU().apply(new BatchNormalization({ momentum: 0.8 }).apply(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input.output)));
  const block = new Add().apply([new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(stem), stem]);
  const head = new Dense({ units: 3 }).apply(new Dropout({ rate: 0.3 }).apply(new GlobalAveragePooling2D().apply(block)));
  return new Model({ inputs: input.output, outputs: new Softmax().apply(head) }, { seed: 5 });
}

const random = new Random(9);
const x = Tensor.fromArray(Array.from({ length: 40 * 108 }, () => random.uniform()), [40, 6, 6, 3]);
const labels = Array.from({ length: 40 }, (_, index) => index % 3);
const fitOptions = { epochs: 3, batchSize: 8, seed: 3, augment: (batch: Tensor, r: Random) => { for (let index = 0; index < batch.size; index += 97) batch.data[index] = r.uniform(); } };

test('saved after epoch 1 and resumed, a fit ends exactly where an uninterrupted one does', () => {
  const whole = network();
  whole.fit(x, labels, { ...fitOptions, optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }) });

  const first = network();
  const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
  const directory = join(scratch, 'run');
  first.fit(x, labels, {
    ...fitOptions, optimizer,
    callbacks: { onEpochEnd: (_logs, state: FitState) => {
      saveCheckpoint(directory, first, optimizer, state, { note: 'kept' });
      return state.epoch < 1; // stop after the first epoch, as a crash would
    } },
  });
  const checkpoint = loadCheckpoint(directory)!;
  assert.equal(checkpoint.fit.epoch, 1);
  assert.deepEqual(checkpoint.settings, { note: 'kept' });
  const resumedOptimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
  resumedOptimizer.setState(checkpoint.model.trainableWeights(), checkpoint.optimizerState);
  const history = checkpoint.model.fit(x, labels, { ...fitOptions, optimizer: resumedOptimizer, resume: checkpoint.fit });
  assert.deepEqual(history.epochs.map((epoch) => epoch.epoch), [1, 2, 3]);
  const expected = whole.namedWeights();
  checkpoint.model.namedWeights().forEach((weight, index) => assert.deepEqual(Array.from(weight.tensor.data), Array.from(expected[index]!.tensor.data), weight.name));
  assert.equal(loadCheckpoint(join(scratch, 'none')), null);
});

test('damaged checkpoints name the file', () => {
  const directory = join(scratch, 'damaged');
  const model = network();
  const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
  model.fit(x, labels, { epochs: 1, batchSize: 8, optimizer, callbacks: { onEpochEnd: (_logs, state) => saveCheckpoint(directory, model, optimizer, state) } });
  writeFileSync(join(directory, 'latest.json'), '{"format": "convnet-ts-checkpoint", "epoch": 1, "folder": "../../etc"}');
  assert.throws(() => loadCheckpoint(directory), (error: unknown) => error instanceof FileFormatError && /latest\.json: field 'folder'/.test(error.message));
  writeFileSync(join(directory, 'latest.json'), '{"format": "convnet-ts-checkpoint", "epoch": 1, "folder": "epoch-0001"}');
  writeFileSync(join(directory, 'epoch-0001', 'state.json'), '{"format": "convnet-ts-checkpoint", "fit": {}, "optimizer": {"steps": [], "buffers": [], "iterations": 0}}');
  assert.throws(() => loadCheckpoint(directory), (error: unknown) => error instanceof FileFormatError && /state\.json: field 'optimizer' must list the state of the model's \d+ trainable weights/.test(error.message));
  writeFileSync(join(directory, 'epoch-0001', 'state.json'), 'not json');
  assert.throws(() => loadCheckpoint(directory), (error: unknown) => error instanceof FileFormatError && /state\.json: is not valid JSON/.test(error.message));
});
