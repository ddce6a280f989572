// The single-file Node build (tools/bundleNode.mjs, dist/node/): the package's entries resolve to it in
// Node for import and require; 'convnet-ts' and 'convnet-ts/onnx' share one copy of the library (one
// backend registry, the same classes); and every address the library computes from its modules' URLs
// (the .wasm builds, the worker script, data/mnist-sample/, packages required on first use) is right
// from the bundle. Each run is a fresh Node process in a folder where 'convnet-ts' is this package.

import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeWasmFeatures } from '../../src/kernels/wasm/featureProbe.js';
import { repoRoot } from '../helpers.js';
import { useAppFolder } from '../appFolder.js';

const skipWasm = probeWasmFeatures().simd ? false : 'no WebAssembly SIMD here';
const BUNDLE = join(repoRoot, 'dist', 'node');
const FIXTURES = join(repoRoot, 'test', 'fixtures', 'onnx');

const app = useAppFolder('convnet-bundle-');
const runScript = (name: string, source: string) => app.run(name, source);

/** The newest modification time of the .js files under `directory`, in ms. */
function newestJs(directory: string): number {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .reduce((newest, entry) => Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
}

test(
  'the bundle is newer than the compiled modules it holds (tsc alone leaves it stale: run node ' +
    'tools/bundleNode.mjs)',
  () => {
    const bundled = statSync(join(BUNDLE, 'index.js')).mtimeMs;
    for (const compiled of [join(repoRoot, 'dist', 'src'), join(repoRoot, 'dist', 'cli')]) {
      assert.ok(bundled >= newestJs(compiled), `dist/node/ is older than ${compiled}: run node tools/bundleNode.mjs`);
    }
  },
);

test("in Node, 'convnet-ts' and its subpaths resolve to the bundle, for import and for require", () => {
  const require = createRequire(join(app.path, 'app.js'));
  for (const [subpath, file] of [
    ['convnet-ts', 'index.js'],
    ['convnet-ts/onnx', 'onnx.js'],
    ['convnet-ts/visualize', 'visualize.js'],
  ] as const) {
    assert.equal(require.resolve(subpath), join(BUNDLE, file), `require.resolve('${subpath}')`);
    assert.equal(fileURLToPath(import.meta.resolve(subpath)), join(BUNDLE, file), `import.meta.resolve('${subpath}')`);
  }
});

test(
  "'convnet-ts/onnx' shares the main entry's library: the backend set through one runs the other's " +
    'models, with the same classes',
  async () => {
    const result = await runScript(
      'shared.mjs',
      `import { readFileSync } from 'node:fs';
import * as c from 'convnet-ts';
import { importOnnx, importedInput } from 'convnet-ts/onnx';
import * as visualize from 'convnet-ts/visualize';
// A backend registered and chosen through the main entry, which counts the kernels it runs.
c.setBackend('reference');
const reference = c.getBackend();
let calls = 0;
const kernels = Object.fromEntries(Object.entries(reference.kernels).map(([id, kernel]) => [id, (...args) => { calls++; return kernel(...args); }]));
c.registerBackend(Object.create(reference, { name: { value: 'counting' }, kernels: { value: kernels } }));
c.setBackend('counting');
c.registerLayer('SharedProbe', (config) => new c.ReLU(config));
const input = c.decodeNpy(readFileSync(${JSON.stringify(join(FIXTURES, 'plain-input.npy'))}));
const { model, inputLayout } = importOnnx(readFileSync(${JSON.stringify(join(FIXTURES, 'plain.onnx'))}), 'plain.onnx');
const output = model.predict(importedInput(c.Tensor.fromArray(input.data, input.shape), inputLayout));
console.log(JSON.stringify({
  calls,
  isMainModel: model instanceof c.Model,
  isMainTensor: output instanceof c.Tensor,
  layerClasses: model.layers.filter((layer) => !(layer instanceof c.Layer)).map((layer) => layer.constructor.name),
  isMainChart: visualize.probabilityChart === c.probabilityChart,
  probe: c.layerFromConfig('SharedProbe', {}).constructor.name,
  info: c.backendInfo(),
}));
`,
    );
    assert.ok((result.calls as number) > 5, `kernels run on the backend chosen through 'convnet-ts': ${result.calls}`);
    assert.equal(result.isMainModel, true, "importOnnx's model is the main entry's Model");
    assert.equal(result.isMainTensor, true);
    assert.deepEqual(result.layerClasses, [], 'every imported layer is an instance of the main entry Layer');
    assert.equal(result.isMainChart, true);
    assert.equal(result.probe, 'ReLU');
    assert.equal((result.info as { wasmState: string }).wasmState, 'idle', 'no second copy started its own backend');
  },
);

test('from the bundle, the wasm backend starts with 2 threads, the MNIST sample loads, a chart renders and ' +
  'an ONNX model imports', {
  skip: skipWasm,
  timeout: 120_000,
}, async () => {
  const result = await runScript(
    'paths.mjs',
    `import { readFileSync } from 'node:fs';
import * as c from 'convnet-ts';
const info = await c.initWasmBackend({ threads: 2 });
const started = performance.now();
while (c.getBackend().activeThreads() < 2 && performance.now() - started < 30_000) await new Promise((resolve) => setTimeout(resolve, 10));
const { train, test } = c.loadMnistSample();
const chart = c.probabilityChart([0.2, 0.8], ['cat', 'dog'], { width: 160, height: 120 });
const input = c.decodeNpy(readFileSync(${JSON.stringify(join(FIXTURES, 'plain-input.npy'))}));
const expected = c.decodeNpy(readFileSync(${JSON.stringify(join(FIXTURES, 'plain-output.npy'))}));
const { model, inputLayout } = c.importOnnx(readFileSync(${JSON.stringify(join(FIXTURES, 'plain.onnx'))}), 'plain.onnx');
const output = model.predict(c.importedInput(c.Tensor.fromArray(input.data, input.shape), inputLayout)).dataSync();
const largestDifference = Math.max(...Array.from(output, (value, index) => Math.abs(value - expected.data[index])));
console.log(JSON.stringify({
  build: info.build, threads: info.threads, activeThreads: c.getBackend().activeThreads(), active: c.backendInfo().active,
  trainCount: train.count, testCount: test.count,
  chart: [chart.width, chart.height, chart.colorModel], inked: chart.data.some((value) => value < 1),
  largestDifference,
}));
`,
  );
  assert.match(result.build as string, /^convnet-(simd|relaxed)-threads\.wasm$/);
  assert.equal(result.threads, 2);
  assert.equal(result.activeThreads, 2, 'both workers started from the worker script the bundle points at');
  assert.equal(result.active, 'wasm');
  assert.deepEqual([result.trainCount, result.testCount], [10_000, 2_000]);
  assert.deepEqual(result.chart, [160, 120, 'rgb']);
  assert.equal(result.inked, true, 'the chart drew on its white background');
  assert.ok(
    (result.largestDifference as number) <= 1e-4,
    `plain.onnx against PyTorch: largest difference ${result.largestDifference} (atol 1e-4)`,
  );
});

test("require('convnet-ts') and require('convnet-ts/onnx') load the bundle and share it", {
  timeout: 60_000,
}, async () => {
  const result = await runScript(
    'require.cjs',
    `const c = require('convnet-ts');
const onnx = require('convnet-ts/onnx');
console.log(JSON.stringify({ isShared: onnx.importOnnx === c.importOnnx, fromBundle: require.resolve('convnet-ts'), sample: c.loadMnistSample().test.count }));
`,
  );
  assert.equal(result.isShared, true);
  assert.equal(result.fromBundle, join(BUNDLE, 'index.js'));
  assert.equal(result.sample, 2_000);
});
