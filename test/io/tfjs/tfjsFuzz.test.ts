// Fuzzing the TF.js reader: seeded mutations of model.json files saved by @tensorflow/tfjs (anywhere
// in them, and in their weights manifests alone: lying shapes, dtypes, quantizations, shard names),
// of their bytes and of their shards, and shard names that leave the model's folder. Every case must load or raise a
// typed ConvNetError, quickly and within the memory bounds of test/fuzzing.ts; a manifest declaring huge weights is
// refused before any allocation, checked on a child process's resident memory.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend, importTfjsModel, parseTfjsModel, Random, setBackend } from '../../../src/index.js';
import { describeRun, runCliBounded } from '../../boundedRun.js';
import { check, mutateBytes, mutateJson } from '../../fuzzing.js';
import { withTemporaryDirectory } from '../../helpers.js';
import { randomizeWeights, saveTfjs, tf, writeTfjsFolder, type SavedTfjs } from './tfjsModels.js';

/** A graph touching most mapped classes, small enough for thousands of cases. */
function fuzzModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3] });
  const scaled = tf.layers.rescaling({ scale: 0.5 }).apply(input) as tf.SymbolicTensor;
  const a = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(scaled) as tf.SymbolicTensor;
  const b = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(a) as tf.SymbolicTensor;
  const c = tf.layers.batchNormalization().apply(b) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, c]) as tf.SymbolicTensor;
  const d = tf.layers
    .separableConv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })
    .apply(sum) as tf.SymbolicTensor;
  const e = tf.layers.zeroPadding2d({ padding: 1 }).apply(d) as tf.SymbolicTensor;
  const f = tf.layers.maxPooling2d({ poolSize: 2 }).apply(e) as tf.SymbolicTensor;
  const g = tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(f) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([f, g]) as tf.SymbolicTensor;
  const product = tf.layers.multiply().apply([joined, joined]) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(product) as tf.SymbolicTensor;
  const reshaped = tf.layers.reshape({ targetShape: [2, 2, 8] }).apply(flat) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(reshaped) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.1 }).apply(pooled) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(dropped) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

describe('fuzzed TF.js models raise typed errors, never crash, hang or allocate without bound', async () => {
  const model = fuzzModel();
  randomizeWeights(model, 1);
  const saved: SavedTfjs = await saveTfjs(model, 256);
  const text = JSON.stringify(saved.modelJson);

  test('the valid model loads', () => {
    assert.equal(parseTfjsModel(text, saved.shards).outputShape[0], 3);
  });

  test('2,000 value mutations anywhere in model.json and 1,000 of its bytes', () => {
    const random = new Random(201);
    for (let index = 0; index < 2000; index++) {
      const damaged = mutateJson(text, random);
      check(`model.json value case ${index}: ${damaged.slice(0, 200)}`, () => parseTfjsModel(damaged, saved.shards));
    }
    const bytes = new TextEncoder().encode(text);
    for (let index = 0; index < 1000; index++) {
      const damaged = new TextDecoder().decode(mutateBytes(bytes, random));
      check(`model.json bytes case ${index}`, () => parseTfjsModel(damaged, saved.shards));
    }
  });

  test('2,000 lying weight manifests (shapes, dtypes, quantizations, shard names)', () => {
    const random = new Random(202);
    const manifest = JSON.stringify(saved.modelJson.weightsManifest);
    for (let index = 0; index < 2000; index++) {
      let damaged = manifest;
      for (let count = 1 + random.integer(3); count > 0; count--) damaged = mutateJson(damaged, random);
      const json = { ...saved.modelJson, weightsManifest: JSON.parse(damaged) as unknown };
      check(`manifest case ${index}: ${damaged.slice(0, 300)}`, () => parseTfjsModel(json, saved.shards));
      check(`manifest case ${index}, shards read by name`, () =>
        parseTfjsModel(json, (path, maxBytes) => {
          const at = saved.modelJson.weightsManifest[0]!.paths.indexOf(path);
          assert.ok(maxBytes >= 0 && maxBytes <= 2 ** 31);
          return saved.shards[at] ?? new Uint8Array(0);
        }),
      );
    }
  });

  test('1,000 damaged shards (short, long, flipped)', () => {
    const random = new Random(203);
    for (let index = 0; index < 1000; index++) {
      const at = random.integer(saved.shards.length);
      const shards = saved.shards.map((shard, position) => (position === at ? mutateBytes(shard, random) : shard));
      check(`shard case ${index} (shard ${at})`, () => parseTfjsModel(text, shards));
    }
  });

  test('200 mutations read from a folder through importTfjsModel', () => {
    const random = new Random(204);
    withTemporaryDirectory((folder) => {
      const path = writeTfjsFolder(folder, saved);
      for (let index = 0; index < 200; index++) {
        const damaged = mutateJson(text, random);
        writeFileSync(path, damaged);
        check(`folder case ${index}: ${damaged.slice(0, 200)}`, () => importTfjsModel(path));
      }
    });
  });

  test(
    '300 shard names that leave the folder, in manifests that also lie, read through importTfjsModel: ' +
      'typed errors, never the file outside',
    () => {
      const random = new Random(205);
      withTemporaryDirectory((folder) => {
        const modelFolder = join(folder, 'model');
        const path = writeTfjsFolder(modelFolder, saved);
        const secret = join(folder, 'secret.bin');
        symlinkSync(secret, join(modelFolder, 'link.bin'));
        const escaping = [
          '../secret.bin',
          secret,
          'sub/../../secret.bin',
          './../secret.bin',
          '..\\secret.bin',
          'link.bin',
          '..',
          '.',
          '',
          '%2e%2e/secret.bin',
          'C:\\secret.bin',
          'secret.bin\u0000.bin',
          `${'x/'.repeat(2000)}secret.bin`,
        ];
        for (let index = 0; index < 300; index++) {
          const group = saved.modelJson.weightsManifest[0]!;
          const at = random.integer(group.paths.length);
          const name = escaping[random.integer(escaping.length)]!;
          // The file outside holds exactly what the shard should: were it read, the model would load.
          writeFileSync(secret, saved.shards[at]!);
          let manifest = JSON.stringify([
            { ...group, paths: group.paths.map((shard, position) => (position === at ? name : shard)) },
            ...saved.modelJson.weightsManifest.slice(1),
          ]);
          for (let count = random.integer(3); count > 0; count--) manifest = mutateJson(manifest, random);
          writeFileSync(path, JSON.stringify({ ...saved.modelJson, weightsManifest: JSON.parse(manifest) as unknown }));
          let isLoaded = false;
          check(`escaping case ${index}: ${manifest.slice(0, 200)}`, () => {
            importTfjsModel(path);
            isLoaded = true;
          });
          if (manifest.includes(JSON.stringify(name)))
            assert.ok(!isLoaded, `escaping case ${index}: loaded with the shard '${name}'`);
        }
      });
    },
  );

  test('values nested a million deep are refused as typed errors (error messages do not recurse)', () => {
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    const cases = [
      text.replace('"activation":"relu"', `"activation":${deep}`),
      text.replace('"target_shape":[2,2,8]', `"target_shape":${deep}`),
      text.replace('"scale":0.5', `"scale":${deep}`),
      JSON.stringify({
        ...saved.modelJson,
        weightsManifest: [
          {
            paths: ['a.bin'],
            weights: [{ name: 'x', shape: [1], dtype: 'float32', quantization: { dtype: 'REPLACE' } }],
          },
        ],
      }).replace('"REPLACE"', deep),
      JSON.stringify({ ...saved.modelJson, format: 'REPLACE' }).replace('"REPLACE"', deep),
    ];
    cases.forEach((damaged, index) => {
      assert.notEqual(damaged, text);
      check(`deep case ${index}`, () => parseTfjsModel(damaged, saved.shards));
    });
  });

  test('20,000 layers whose weights carry a prefix are matched in linear time', () => {
    const count = 20_000;
    const layers = Array.from({ length: count }, (_, index) => ({
      class_name: 'Dense',
      config: { name: `d${index}`, units: 1, batch_input_shape: index === 0 ? [null, 1] : undefined },
    }));
    const weights = Array.from({ length: count }, (_, index) => [
      { name: `outer/d${index}/kernel`, shape: [1, 1], dtype: 'float32' },
      { name: `outer/d${index}/bias`, shape: [1], dtype: 'float32' },
    ]).flat();
    const json = {
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name: 'long', layers } },
      weightsManifest: [{ paths: ['w.bin'], weights }],
    };
    const values = new Float32Array(count * 2).fill(1);
    // NOTE: on the reference backend: the WebAssembly arena's persistent allocations grow with the
    // weights already held (10,000 of these layers took 18 s to build there), which is not what this measures.
    const backend = getBackend().name;
    setBackend('reference');
    const started = performance.now();
    let imported: ReturnType<typeof parseTfjsModel>;
    try {
      imported = parseTfjsModel(json, [new Uint8Array(values.buffer)]);
    } finally {
      setBackend(backend);
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(imported.layers.length, count + 1);
    assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
  });

  test('a manifest declaring 2^28-value weights in a tiny file is refused quickly, in little memory', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'convnet-tfjs-'));
    try {
      const weights = Array.from({ length: 8 }, (_, index) => ({
        name: `w${index}`,
        shape: [16384, 16384],
        dtype: 'float32',
      }));
      const json = { ...saved.modelJson, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }] };
      writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
      writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(16));
      const result = await runCliBounded(['summary', '--model', join(folder, 'model.json')], {
        timeoutMs: 20_000,
        memoryBytes: 512 * 1024 * 1024,
      });
      assert.equal(result.killedFor, null, describeRun(result));
      assert.notEqual(result.status, 0, describeRun(result));
      assert.match(result.stderr, /more than the 2,147,483,648 bytes of weights/, describeRun(result));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
