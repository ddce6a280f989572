// Model files (src/io/modelFile.ts): save then load is the identity; bad manifests give a FileFormatError
// naming the file and the field. The safetensors weights format is in safetensors.test.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import {
  FileFormatError,
  Random,
  Tensor,
  decodeSafetensors,
  digitsCnn,
  encodeSafetensors,
  loadModel,
  MNIST_CLASS_NAMES,
  saveModel,
} from '../../src/index.js';
import { repoRoot } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-io-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function randomTensor(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const random = new Random(seed);
  const tensor = Tensor.zeros(shape, dtype);
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = random.normal();
  return tensor;
}

describe('model directories', () => {
  test('save then load is the identity (weights, layers, predictions)', () => {
    const model = digitsCnn({ seed: 7 });
    const directory = join(scratch, 'roundtrip');
    saveModel(model, directory, {
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
      training: { epochs: 0 },
    });
    assert.deepEqual(readdirSync(directory).sort(), ['model.json', 'weights.safetensors'], 'no temporary files left');
    const { model: loaded, manifest } = loadModel(directory);
    assert.equal(manifest.classNames![9], 'j');
    assert.deepEqual(
      loaded.layers.map((layer) => layer.getConfig()),
      model.layers.map((layer) => layer.getConfig()),
    );
    const original = model.namedWeights();
    loaded.namedWeights().forEach((weight, index) => {
      assert.equal(weight.name, original[index]!.name);
      assert.deepEqual(Array.from(weight.tensor.dataSync()), Array.from(original[index]!.tensor.dataSync()));
    });
    const input = randomTensor([2, 28, 28, 1], 9);
    assert.deepEqual(Array.from(loaded.predict(input).dataSync()), Array.from(model.predict(input).dataSync()));
  });

  test('model.save writes the same folder as saveModel, and loadModel reads it back', () => {
    const model = digitsCnn({ seed: 8 });
    const viaMethod = join(scratch, 'method');
    const viaFunction = join(scratch, 'function');
    model.save(viaMethod, { classNames: MNIST_CLASS_NAMES });
    saveModel(model, viaFunction, { classNames: MNIST_CLASS_NAMES });
    for (const file of ['model.json', 'weights.safetensors'])
      assert.deepEqual(readFileSync(join(viaMethod, file)), readFileSync(join(viaFunction, file)), file);
    const input = randomTensor([2, 28, 28, 1], 10);
    assert.deepEqual(
      Array.from(loadModel(viaMethod).model.predict(input).dataSync()),
      Array.from(model.predict(input).dataSync()),
    );
  });

  test('model.save through the browser entry point (no node:fs) is a ValueError pointing to serializeModel', () => {
    // A process of its own: here src/index.ts has already installed the Node saver.
    const browserEntry = pathToFileURL(join(repoRoot, 'dist', 'src', 'browser.js')).href;
    const script = `import { Dense, Input, Sequential, ValueError } from '${browserEntry}';
      try { new Sequential([new Input({ shape: [2] }), new Dense({ units: 1 })]).save('unused'); console.log('saved'); }
      catch (error) { console.log(error instanceof ValueError, error.message); }`;
    const result = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: scratch,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^true model\.save writes files, which only the Node entry point can do; .*serializeModel/,
    );
  });

  test('bad manifests name the file and the field', () => {
    const directory = join(scratch, 'bad');
    saveModel(digitsCnn(), directory);
    const manifestPath = join(directory, 'model.json');
    const good = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const cases: [string, unknown, RegExp][] = [
      ['newer version', { ...good, formatVersion: 99 }, /formatVersion.*99/],
      ['wrong format', { ...good, format: 'keras' }, /format/],
      [
        'unknown layer type',
        { ...good, layers: [...good.layers, { className: 'Lambda', config: {} }] },
        /unknown layer type 'Lambda'/,
      ],
    ];
    for (const [title, manifest, pattern] of cases) {
      writeFileSync(manifestPath, JSON.stringify(manifest));
      assert.throws(
        () => loadModel(directory),
        (error: unknown) => {
          assert.ok(error instanceof FileFormatError, `${title}: FileFormatError`);
          assert.match(error.message, /model\.json/);
          assert.match(error.message, pattern);
          return true;
        },
      );
    }
    writeFileSync(manifestPath, '{ not json');
    assert.throws(() => loadModel(directory), /model\.json: is not valid JSON/);
  });

  test('a weight of the wrong shape is named with both shapes', () => {
    const directory = join(scratch, 'shape');
    saveModel(digitsCnn(), directory);
    const weightsPath = join(directory, 'weights.safetensors');
    const { tensors } = decodeSafetensors(readFileSync(weightsPath), weightsPath);
    const named = [...tensors].map(([name, tensor]) => ({
      name,
      tensor: name === 'dense_1/kernel' ? Tensor.zeros([3136, 64]) : tensor,
    }));
    writeFileSync(weightsPath, encodeSafetensors(named));
    assert.throws(() => loadModel(directory), /dense_1\/kernel' has shape 3136x64 but the model needs 1568x64/);
  });
});
