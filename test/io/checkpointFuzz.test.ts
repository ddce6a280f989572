// Fuzzing checkpoints: seeded mutations of a real checkpoint's state.json (a value anywhere replaced by
// a hostile one, or its bytes damaged), latest.json and optimizer.safetensors, loaded with
// loadCheckpoint from a temporary folder; a checkpoint that loads is then resumed (optimizer state
// restored, one more epoch fitted), so a value the checks let through cannot break training either.
// Every case must succeed or raise a typed ConvNetError, quickly, within the bounds of test/fuzzing.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Adam,
  Conv2D,
  Dense,
  GlobalAveragePooling2D,
  Input,
  loadCheckpoint,
  Model,
  Random,
  ReLU,
  saveCheckpoint,
  Softmax,
  Tensor,
} from '../../src/index.js';
import { check, mutateBytes, mutateJson } from '../fuzzing.js';

function network(): Model {
  const input = new Input({ shape: [4, 4, 1] });
  const features = new GlobalAveragePooling2D().apply(
    new ReLU().apply(new Conv2D({ filters: 2, kernelSize: 3, padding: 'same' }).apply(input.output)),
  );
  return new Model(
    { inputs: input.output, outputs: new Softmax().apply(new Dense({ units: 3 }).apply(features)) },
    { seed: 2 },
  );
}

const random = new Random(11);
const x = Tensor.fromArray(
  Array.from({ length: 12 * 16 }, () => random.uniform()),
  [12, 4, 4, 1],
);
const labels = Array.from({ length: 12 }, (_, index) => index % 3);

/** Loads the checkpoint and, if it loads, trains on from it for one epoch. */
function loadAndResume(directory: string): void {
  const checkpoint = loadCheckpoint(directory);
  if (checkpoint === null) return;
  // The checkpoint's own optimizer (from its saved settings, whatever the mutation left of them), else a new one given
  // its state.
  let optimizer = checkpoint.optimizer;
  if (optimizer === null) {
    optimizer = new Adam({ learningRate: 0.01 });
    optimizer.setState(checkpoint.model.trainableWeights(), checkpoint.optimizerState);
  }
  checkpoint.model.fit(x, labels, {
    epochs: checkpoint.fit.epoch + 1,
    batchSize: 4,
    optimizer,
    resume: checkpoint.fit,
  });
}

describe('fuzzed checkpoints raise typed errors, never crash, hang or allocate without bound', () => {
  const directory = mkdtempSync(join(tmpdir(), 'convnet-checkpoint-fuzz-'));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const model = network();
  const optimizer = new Adam({ learningRate: 0.01 });
  // Two epochs: the logs, generators and Adam's step counts all hold values past their first.
  model.fit(x, labels, {
    epochs: 2,
    batchSize: 4,
    optimizer,
    callbacks: {
      onEpochEnd: (_logs, state) =>
        saveCheckpoint(directory, { model, optimizer, fit: state, settings: { dataset: 'fuzz', epochs: 3 } }),
    },
  });
  const files = ['latest.json', 'epoch-0002/state.json', 'epoch-0002/optimizer.safetensors'] as const;
  // Plain Uint8Arrays: mutateBytes copies with slice(), which on a Buffer is a view (it would damage the original).
  const originals = new Map(files.map((name) => [name, new Uint8Array(readFileSync(join(directory, name)))]));
  const textOf = (name: (typeof files)[number]): string => new TextDecoder().decode(originals.get(name)!);

  /** Runs one case with `name` replaced by `bytes`, then puts the original back. */
  function withFile(name: (typeof files)[number], bytes: Uint8Array | string, label: string): void {
    writeFileSync(join(directory, name), bytes);
    try {
      check(label, () => loadAndResume(directory));
    } finally {
      writeFileSync(join(directory, name), originals.get(name)!);
    }
  }

  test('the checkpoint loads and resumes', () => {
    loadAndResume(directory);
    const checkpoint = loadCheckpoint(directory)!;
    assert.equal(checkpoint.fit.epoch, 2);
    assert.deepEqual(
      [checkpoint.optimizer?.className, checkpoint.optimizerConfig],
      ['Adam', { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }],
    );
  });

  test('1,200 value mutations and 300 byte mutations of state.json', () => {
    const randomCases = new Random(801);
    const text = textOf('epoch-0002/state.json');
    for (let index = 0; index < 1200; index++)
      withFile('epoch-0002/state.json', mutateJson(text, randomCases), `state.json value case ${index}`);
    for (let index = 0; index < 300; index++)
      withFile(
        'epoch-0002/state.json',
        mutateBytes(originals.get('epoch-0002/state.json')!, randomCases),
        `state.json byte case ${index}`,
      );
  });

  test('300 mutations of latest.json and 500 of optimizer.safetensors', () => {
    const randomCases = new Random(802);
    const latest = originals.get('latest.json')!;
    for (let index = 0; index < 300; index++) {
      const damaged =
        index % 2 === 0 ? mutateJson(textOf('latest.json'), randomCases) : mutateBytes(latest, randomCases);
      withFile('latest.json', damaged, `latest.json case ${index}`);
    }
    for (let index = 0; index < 500; index++) {
      withFile(
        'epoch-0002/optimizer.safetensors',
        mutateBytes(originals.get('epoch-0002/optimizer.safetensors')!, randomCases),
        `optimizer.safetensors case ${index}`,
      );
    }
  });
});
