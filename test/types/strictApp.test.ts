// The package's types under the strictest settings an app uses: a small app (kept as text below)
// compiled against the built declaration files with strict, exactOptionalPropertyTypes and
// noUncheckedIndexedAccess, resolving 'convnet-ts' as an installed package would (through
// package.json "exports"), once with moduleResolution NodeNext and once with Bundler. Issue 13:
// optional fields took no `undefined`, and `data` needed casts before `.reduce`.

import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ts from 'typescript';
import { Tensor, ValueError } from '../../src/index.js';
import { repoRoot } from '../helpers.js';

/** What a strict app writes: options forwarded from its own optional settings, arrays reduced without casts. */
const APP_SOURCE = `
import { Dense, Input, SGD, Sequential, Softmax, Tensor, decodeImage, explainProbability, explainValue, gradCam, gradCamLayers, imagesToInput, layerOutputs, stepDecay, type FitOptions, type Image, type Model } from 'convnet-ts';

interface AppSettings { epochs?: number; batchSize?: number; seed?: number; momentum?: number; maxBytes?: number }

export function train(settings: AppSettings): number {
  // Under exactOptionalPropertyTypes an option typed \`number\` (not \`number | undefined\`) refuses these.
  const model = new Sequential([new Input({ shape: [4] }), new Dense({ units: 3, useBias: undefined }), new Softmax()], { seed: settings.seed });
  const options: FitOptions = {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    seed: settings.seed,
    optimizer: new SGD({ learningRate: 0.1, momentum: settings.momentum }),
    learningRateSchedule: stepDecay({ initialLearningRate: 0.1, decaySteps: undefined, decayRate: 0.5 }),
    shuffle: undefined,
  };
  const x = Tensor.fromArray([1, 2, 3, 4], [1, 4]);
  model.fit(x, [1], options);
  const probabilities = model.predict(x).float32View();
  const total: number = probabilities.reduce((sum, p) => sum + p, 0);
  const first: number | undefined = probabilities[0];
  return total + (first ?? 0);
}

// A drill-down page: each explanation narrowed by its kind, its typed arrays reduced without casts.
export function drillDown(model: Model, photo: Image, settings: AppSettings): number {
  const outputs = layerOutputs(model, imagesToInput(model, [photo]), { onLayer: settings.seed === undefined ? undefined : (layer) => layer.inputs.length });
  const how = explainValue(outputs, 1, [0, 0, 0]);
  const usable = gradCamLayers(model)[0];
  const heat = gradCam(model, imagesToInput(model, [photo]), photo, { layerName: usable?.layerName, classIndex: settings.seed }).heat;
  const probability = explainProbability(outputs, 0).exponentials.reduce((sum, value) => sum + value, 0);
  switch (how.kind) {
    case 'convolution': return how.products.reduce((sum, product) => sum + product, 0) + how.bias + (how.activation?.value ?? 0) + heat.width;
    case 'pooling': return how.window[how.winner] ?? how.sum / how.count;
    case 'dense': return how.products[how.order[0] ?? 0] ?? 0;
    default: return how.value + probability;
  }
}

export function picture(bytes: Uint8Array, settings: AppSettings): Image {
  return decodeImage(bytes, 'photo.png', { maxBytes: settings.maxBytes, fit: undefined });
}
`;

let folder: string;

before(() => {
  folder = mkdtempSync(join(tmpdir(), 'convnet-strict-app-'));
  mkdirSync(join(folder, 'node_modules'));
  symlinkSync(repoRoot, join(folder, 'node_modules', 'convnet-ts'), 'dir');
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'strict-app', type: 'module', private: true }));
  writeFileSync(join(folder, 'app.ts'), APP_SOURCE);
});
after(() => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

function compile(moduleResolution: ts.ModuleResolutionKind, module: ts.ModuleKind): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    target: ts.ScriptTarget.ES2022,
    module,
    moduleResolution,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    noEmit: true,
    // The library's own declaration files are checked by its build; an app's build skips them too.
    skipLibCheck: true,
  };
  const program = ts.createProgram([join(folder, 'app.ts')], options);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where =
      diagnostic.file === undefined
        ? ''
        : `${diagnostic.file.fileName.replace(folder, '')}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: `;
    return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  });
}

test(
  'a strict app (exactOptionalPropertyTypes, noUncheckedIndexedAccess) compiles against the package ' +
    'types, NodeNext resolution',
  () => {
    assert.deepEqual(compile(ts.ModuleResolutionKind.NodeNext, ts.ModuleKind.NodeNext), []);
  },
);

test('a strict app compiles against the package types, Bundler resolution', () => {
  assert.deepEqual(compile(ts.ModuleResolutionKind.Bundler, ts.ModuleKind.ESNext), []);
});

test('float32View is the storage itself; float64 tensors and freed ones are refused by name', () => {
  const x = Tensor.fromArray([1, 2, 3], [3]);
  const view = x.float32View();
  assert.equal(view, x.dataSync());
  view[1] = 5;
  assert.deepEqual(x.toArray(), [1, 5, 3]);
  const wide = Tensor.fromArray([1, 2], [2], 'float64');
  assert.equal(wide.float64View(), wide.dataSync());
  assert.throws(
    () => wide.float32View(),
    (error: unknown) =>
      error instanceof ValueError && /float32View: Tensor\(2, float64\) holds float64 values/.test(error.message),
  );
  assert.throws(() => x.float64View(), ValueError);
  x.dispose();
  assert.throws(() => x.float32View(), /tensor was freed/);
});
