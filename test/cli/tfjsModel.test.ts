// The CLI reads TF.js Layers models wherever it takes --model: `convnet predict` of a .npy batch
// through a TF.js model.json gives TF.js's own predictions, and `summary` takes the model's folder.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeNpy, encodeNpy } from '../../src/index.js';
import { repoRoot } from '../helpers.js';
import {
  randomizeWeights,
  relativeDifference,
  saveTfjs,
  tf,
  uniformValues,
  writeTfjsFolder,
} from '../io/tfjs/tfjsModels.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-tfjs-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { encoding: 'utf8' });
}

describe('convnet with a TF.js model', async () => {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      inputShape: [8, 8, 3],
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
    }),
  );
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'scores' }));
  randomizeWeights(model, 5);
  const folder = join(scratch, 'tfjs-model');
  const modelJson = writeTfjsFolder(folder, await saveTfjs(model, 200));

  test('predict --input x.npy --output y.npy gives the TF.js predictions', () => {
    const values = uniformValues(4 * 8 * 8 * 3, 6, 0, 1);
    writeFileSync(join(scratch, 'x.npy'), encodeNpy({ shape: [4, 8, 8, 3], data: values }));
    const run = cli(
      'predict',
      '--model',
      modelJson,
      '--input',
      join(scratch, 'x.npy'),
      '--output',
      join(scratch, 'y.npy'),
    );
    assert.equal(run.status, 0, String(run.stderr));
    const predicted = decodeNpy(readFileSync(join(scratch, 'y.npy')));
    assert.deepEqual(predicted.shape, [4, 3]);
    const expected = (model.predict(tf.tensor(values, [4, 8, 8, 3])) as tf.Tensor).dataSync();
    const difference = relativeDifference(predicted.data as Float32Array, expected);
    assert.ok(difference <= 1e-4, `largest difference ${difference}`);
  });

  test('summary --model takes the folder, and names the TF.js layers', () => {
    const run = cli('summary', '--model', folder);
    assert.equal(run.status, 0, String(run.stderr));
    assert.match(String(run.stdout), /scores/);
  });

  test('a broken shard is one error line naming it', () => {
    const broken = join(scratch, 'broken');
    const json = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const paths = json.weightsManifest[0]!.paths;
    writeTfjsFolder(broken, {
      modelJson: json as never,
      shards: paths.map((_, index) => new Uint8Array(index === paths.length - 1 ? 3 : 200)),
    });
    const run = cli('summary', '--model', join(broken, 'model.json'));
    assert.notEqual(run.status, 0);
    assert.ok(String(run.stderr).includes(`'${paths.at(-1)}' (3 bytes)`), String(run.stderr));
    assert.equal(String(run.stderr).trim().split('\n').length, 1, String(run.stderr));
  });
});
