// End-to-end tests of the explorer's Teach page in headless Chromium: one class filled from Chromium's
// fake camera and one from files, a head trained on the bundled CIFAR-10 network in the page's worker
// (loss and accuracy shown per epoch, the backbone's features cached), the camera then named live, a
// file classified, and the model saved both ways (model files, ONNX): each loads in Node and classifies
// the file as the page did. An ONNX file as the network, likewise. Classes from files alone; a file of
// no model and a class without pictures refused; the page (on the bundled MNIST network) fitting a
// 360 px wide window. The longest main-thread task while training is printed, never asserted.
// Screenshots: teach-trained.png, teach-360.png.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { decodeImage, exportOnnx, importOnnx, loadModel, residualCnn } from '../../src/index.js';
import { repoRoot } from '../helpers.js';
import { screenshot, skipWithoutChromium, startExplorer, type Explorer } from './harness.js';

const SAMPLES = join(repoRoot, 'data', 'models', 'cifar10', 'samples');
const ANIMALS = ['bird', 'cat', 'deer', 'dog', 'frog', 'horse'].map((name) => join(SAMPLES, `${name}.png`));
const VEHICLES = ['airplane', 'automobile', 'ship', 'truck'].map((name) => join(SAMPLES, `${name}.png`));
const ROSE = join(repoRoot, 'web', 'src', 'assets', 'color-models', 'rose.jpg');
const WIZARD = join(repoRoot, 'web', 'src', 'assets', 'color-models', 'wizard.jpg');

interface TopClass {
  index: number;
  name: string;
  probability: number;
}

interface TeachState {
  phase: string;
  backbone: { name: string; cutAt: string; featureShape: number[] } | null;
  classes: { name: string; pictures: number }[];
  history: { epoch: number; epochs: number; loss: number; accuracy: number }[];
  cachedFeaturesOf: string | null;
  backend: string | null;
  prediction: { source: string; top: TopClass[] } | null;
  livePredictions: number;
  error: string | null;
}

type TeachWindow = { explorer: { teach: TeachState } };

function teachState(page: Page): Promise<TeachState> {
  return page.evaluate(
    () => JSON.parse(JSON.stringify((window as unknown as TeachWindow).explorer.teach)) as TeachState,
  );
}

/** Waits until `predicate(state, argument)` holds in the page (it runs there: it may use only its arguments). */
async function waitFor<A>(
  page: Page,
  predicate: (state: TeachState, argument: A) => boolean,
  argument?: A,
  timeout = 120_000,
): Promise<TeachState> {
  await page.waitForFunction(
    ({ source, value }) =>
      new Function(`return (${source})`)()((window as unknown as TeachWindow).explorer.teach, value) === true,
    { source: predicate.toString(), value: argument },
    { timeout },
  );
  return teachState(page);
}

/** Names class `index` (0-based) and gives it `files`. */
async function fillClassFromFiles(page: Page, index: number, name: string, files: string[]): Promise<void> {
  const card = page.locator('.teach-class').nth(index);
  await card.locator('.teach-class-name').fill(name);
  await card.locator('.teach-files').setInputFiles(files);
  await waitFor(page, (state, wanted) => state.classes[wanted.index]?.pictures === wanted.count, {
    index,
    count: files.length,
  });
}

/** Starts the page's longest-main-thread-task probe (window.longestTask). */
function startTaskProbe(page: Page): Promise<void> {
  return page.evaluate(() => {
    const probe = window as unknown as { longestTask: number; taskObserver: PerformanceObserver };
    probe.longestTask = 0;
    probe.taskObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longestTask = Math.max(probe.longestTask, entry.duration);
    });
    probe.taskObserver.observe({ type: 'longtask' });
  });
}

function stopTaskProbe(page: Page): Promise<number> {
  return page.evaluate(() => {
    const probe = window as unknown as { longestTask: number; taskObserver: PerformanceObserver };
    probe.taskObserver.disconnect();
    return probe.longestTask;
  });
}

/** Clicks `button` and saves the `count` downloads it starts into `directory`; returns their names. */
async function downloads(page: Page, button: string, count: number, directory: string): Promise<string[]> {
  const names: string[] = [];
  let saved = 0;
  const done = new Promise<void>((resolve, reject) => {
    page.on('download', (download) => {
      names.push(download.suggestedFilename());
      download.saveAs(join(directory, download.suggestedFilename())).then(() => {
        if (++saved === count) resolve();
      }, reject);
    });
  });
  await page.click(button);
  await done;
  page.removeAllListeners('download');
  return names.sort();
}

describe('the Teach page in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  let directory: string;
  before(async () => {
    explorer = await startExplorer({
      browserArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    });
    directory = mkdtempSync(join(tmpdir(), 'convnet-teach-page-'));
  });
  after(async () => {
    await explorer?.close();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  test(
    'a class from the fake camera and one from files: trained, named live, saved, and the saved model ' +
      'predicts as the page in Node',
    async (context) => {
      const { page, errors } = await explorer.open('teach');
      let state = await waitFor(page, (current) => current.backbone !== null);
      assert.equal(state.backbone!.name, 'cifar10');
      assert.equal(state.backbone!.cutAt, 'globalaveragepooling2d_1');
      assert.deepEqual(state.backbone!.featureShape, [128]);

      const cameraClass = page.locator('.teach-class').nth(0);
      await cameraClass.locator('.teach-class-name').fill('camera');
      await cameraClass.locator('.teach-burst').click();
      state = await waitFor(page, (current) => current.classes[0]!.pictures === 10, undefined, 60_000);
      await fillClassFromFiles(page, 1, 'pictures', [...ANIMALS, ...VEHICLES, ROSE, WIZARD]);
      state = await teachState(page);
      assert.deepEqual(state.classes, [
        { name: 'camera', pictures: 10 },
        { name: 'pictures', pictures: 12 },
      ]);
      assert.equal(await page.locator('.teach-class').nth(0).locator('canvas.teach-thumb').count(), 10);

      await page.fill('#teach-epochs', '20');
      await startTaskProbe(page);
      const started = Date.now();
      await page.click('#teach-train');
      state = await waitFor(page, (current) => current.phase === 'trained' || current.error !== null);
      const longestTask = await stopTaskProbe(page);
      context.diagnostic(
        `22 pictures, 20 epochs of the head: ${Date.now() - started} ms from the click to trained; longest ` +
          `main-thread task ${longestTask.toFixed(0)} ms (machine shared and loaded)`,
      );
      assert.equal(state.error, null);
      assert.equal(state.history.length, 20);
      assert.deepEqual(
        state.history.map((figures) => figures.epoch),
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      assert.equal(state.cachedFeaturesOf, 'globalaveragepooling2d_1');
      const first = state.history[0]!;
      const last = state.history.at(-1)!;
      assert.ok(last.loss < first.loss, `loss ${first.loss} -> ${last.loss}`);
      assert.equal(last.accuracy, 1, `the camera's frames and the pictures apart: accuracy ${last.accuracy}`);
      assert.match(
        await page.locator('#teach-figures').innerText(),
        /epoch 20 of 20: loss \d\.\d{4}, accuracy 100\.0%/,
      );

      // Live: the fake camera's frames are named as the class taught from it.
      await page.click('#teach-live');
      state = await waitFor(page, (current) => current.livePredictions >= 2, undefined, 60_000);
      assert.equal(state.prediction!.source, 'camera');
      assert.equal(state.prediction!.top[0]!.name, 'camera');
      assert.ok(state.prediction!.top[0]!.probability > 0.5);
      assert.match(await page.locator('#teach-top').innerText(), /^camera \d+\.\d%/);
      await page.click('#teach-live');
      await screenshot(page, 'teach-trained');

      // A file, then the saved model in Node: the same classes and probabilities.
      await page.setInputFiles('#teach-try', ROSE);
      state = await waitFor(page, (current) => current.prediction?.source === 'rose.jpg');
      const shown = state.prediction!.top;
      assert.equal(shown.length, 2);
      const rose = decodeImage(readFileSync(ROSE), 'rose.jpg');

      const modelFolder = join(directory, 'model');
      mkdirSync(modelFolder);
      assert.deepEqual(await downloads(page, '#teach-save-model', 2, modelFolder), [
        'model.json',
        'weights.safetensors',
      ]);
      const { model } = loadModel(modelFolder);
      assert.deepEqual(model.classNames, ['camera', 'pictures']);
      const [fromFiles] = model.classify([rose], { topK: 2 });
      for (const [rank, expected] of fromFiles!.entries()) {
        assert.equal(shown[rank]!.name, expected.name);
        assert.ok(
          Math.abs(shown[rank]!.probability - expected.probability) < 1e-5,
          `model files, rank ${rank}: page ${shown[rank]!.probability}, Node ${expected.probability}`,
        );
      }

      const onnxFolder = join(directory, 'onnx');
      mkdirSync(onnxFolder);
      const [onnxName] = await downloads(page, '#teach-save-onnx', 1, onnxFolder);
      assert.match(onnxName!, /\.onnx$/);
      const { model: imported } = importOnnx(readFileSync(join(onnxFolder, onnxName!)), onnxName!);
      imported.setPreprocessing(model.preprocessing);
      const [fromOnnx] = imported.classify([rose], { topK: 2 });
      assert.equal(fromOnnx![0]!.index, shown[0]!.index);
      assert.ok(
        Math.abs(fromOnnx![0]!.probability - shown[0]!.probability) < 1e-4,
        `ONNX: page ${shown[0]!.probability}, Node ${fromOnnx![0]!.probability}`,
      );
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test('a file of no model and a class without pictures are refused in the page', async () => {
    const { page, errors } = await explorer.open('teach');
    await waitFor(page, (current) => current.backbone !== null);
    await page.setInputFiles('#teach-model-files', {
      name: 'notes.onnx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('this is not a model'),
    });
    await waitFor(page, (current) => current.error !== null);
    assert.match(await page.locator('#teach-error').innerText(), /could not be loaded.*notes\.onnx/s);
    assert.equal((await teachState(page)).backbone, null);
    await page.selectOption('#teach-bundled', 'cifar10');
    await waitFor(page, (current) => current.backbone?.name === 'cifar10' && current.error === null);
    await fillClassFromFiles(page, 0, 'animals', ANIMALS);
    await page.click('#teach-train');
    await waitFor(page, (current) => current.error !== null);
    assert.match(await page.locator('#teach-error').innerText(), /class 'class 2' has no pictures/);
    assert.equal((await teachState(page)).phase, 'ready');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(
    'an ONNX file as the network: cut before its classifier, a head trained on it, saved, and the saved ' +
      'model predicts as the page in Node',
    async () => {
      // A residual CNN of the library's presets (random weights, seed 3), exported to ONNX: an imported graph, not a
      // bundled model.
      const onnxFile = join(directory, 'residual.onnx');
      writeFileSync(onnxFile, exportOnnx(residualCnn({ seed: 3, inputShape: [32, 32, 3] })));
      const network = importOnnx(readFileSync(onnxFile), 'residual.onnx').model;
      let classifier = network.layers.length - 1;
      while (network.layers[classifier]!.weights().length === 0) classifier--;
      const cutAt = network.layers[network.nodes[classifier]!.inputs[0]!]!.name;

      const { page, errors } = await explorer.open('teach');
      await waitFor(page, (current) => current.backbone?.name === 'cifar10');
      await page.setInputFiles('#teach-model-files', onnxFile);
      let state = await waitFor(
        page,
        (current) => current.backbone?.name === 'residual.onnx' || current.error !== null,
      );
      assert.equal(state.error, null);
      assert.equal(state.backbone!.cutAt, cutAt);
      assert.deepEqual(state.backbone!.featureShape, [
        ...network.layerOutputShapes[network.nodes[classifier]!.inputs[0]!]!,
      ]);
      await fillClassFromFiles(page, 0, 'animals', ANIMALS);
      await fillClassFromFiles(page, 1, 'vehicles', VEHICLES);
      await page.fill('#teach-epochs', '5');
      await page.click('#teach-train');
      state = await waitFor(page, (current) => current.phase === 'trained' || current.error !== null);
      assert.equal(state.error, null);
      assert.equal(state.history.length, 5);
      await page.setInputFiles('#teach-try', WIZARD);
      state = await waitFor(page, (current) => current.prediction?.source === 'wizard.jpg');
      const modelFolder = join(directory, 'from-onnx');
      mkdirSync(modelFolder);
      assert.deepEqual(await downloads(page, '#teach-save-model', 2, modelFolder), [
        'model.json',
        'weights.safetensors',
      ]);
      const [expected] = loadModel(modelFolder).model.classify([decodeImage(readFileSync(WIZARD), 'wizard.jpg')], {
        topK: 2,
      });
      for (const [rank, candidate] of expected!.entries()) {
        assert.equal(state.prediction!.top[rank]!.name, candidate.name);
        assert.ok(
          Math.abs(state.prediction!.top[rank]!.probability - candidate.probability) < 1e-5,
          `rank ${rank}: page ${state.prediction!.top[rank]!.probability}, Node ${candidate.probability}`,
        );
      }
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test(
    'classes from files alone on the bundled MNIST network (gray 28x28), trained and tried, in a 360 ' +
      'px wide window',
    async () => {
      const { page, errors } = await explorer.open('teach', { viewport: { width: 360, height: 740 } });
      await waitFor(page, (current) => current.backbone?.name === 'cifar10');
      await page.selectOption('#teach-bundled', 'mnist');
      const state0 = await waitFor(page, (current) => current.backbone?.name === 'mnist');
      assert.equal(state0.backbone!.cutAt, 'relu_3');
      await fillClassFromFiles(page, 0, 'animals', ANIMALS);
      await fillClassFromFiles(page, 1, 'vehicles', VEHICLES);
      await page.fill('#teach-epochs', '10');
      await page.click('#teach-train');
      let state = await waitFor(page, (current) => current.phase === 'trained' || current.error !== null);
      assert.equal(state.error, null);
      assert.equal(state.history.length, 10);
      await page.setInputFiles('#teach-try', WIZARD);
      state = await waitFor(page, (current) => current.prediction?.source === 'wizard.jpg');
      assert.deepEqual(state.prediction!.top.map((candidate) => candidate.name).sort(), ['animals', 'vehicles']);
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      assert.ok(scrollWidth <= clientWidth, `#/teach is ${scrollWidth} px wide in a ${clientWidth} px window`);
      await screenshot(page, 'teach-360');
      assert.deepEqual(errors, []);
      await page.close();
    },
  );
});

describe('the Teach page on WebGPU (SwiftShader) in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  let directory: string;
  before(async () => {
    explorer = await startExplorer({ webgpu: true });
    directory = mkdtempSync(join(tmpdir(), 'convnet-teach-webgpu-'));
  });
  after(async () => {
    await explorer?.close();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  test(
    'a head trained on the GPU (features cached there), a file classified with classifyAsync, and the model ' +
      'saved from the weights read back predicts as the page in Node',
    async (context) => {
      const { page, errors } = await explorer.open('teach');
      await waitFor(page, (current) => current.backbone?.name === 'cifar10');
      await page.selectOption('#teach-bundled', 'mnist');
      await waitFor(page, (current) => current.backbone?.name === 'mnist');
      await fillClassFromFiles(page, 0, 'animals', ANIMALS);
      await fillClassFromFiles(page, 1, 'vehicles', VEHICLES);
      await page.fill('#teach-epochs', '5');
      await page.click('#teach-train');
      let state = await waitFor(page, (current) => current.phase === 'trained' || current.error !== null);
      assert.equal(state.error, null);
      if (!/^WebGPU/.test(state.backend ?? '')) {
        context.skip(`the head trained on ${state.backend}: no WebGPU adapter in this Chromium`);
        await page.close();
        return;
      }
      assert.match(state.backend!, /^WebGPU \(\S.*\)$/);
      assert.match(await page.locator('#teach-progress').innerText(), /on WebGPU \(/);
      assert.equal(state.cachedFeaturesOf, 'relu_3');
      assert.equal(state.history.length, 5);
      assert.ok(state.history.every((figures) => Number.isFinite(figures.loss)));
      await page.setInputFiles('#teach-try', WIZARD);
      state = await waitFor(page, (current) => current.prediction?.source === 'wizard.jpg');
      const shown = state.prediction!.top;
      const modelFolder = join(directory, 'model');
      mkdirSync(modelFolder);
      assert.deepEqual(await downloads(page, '#teach-save-model', 2, modelFolder), [
        'model.json',
        'weights.safetensors',
      ]);
      const [expected] = loadModel(modelFolder).model.classify([decodeImage(readFileSync(WIZARD), 'wizard.jpg')], {
        topK: 2,
      });
      for (const [rank, candidate] of expected!.entries()) {
        assert.equal(shown[rank]!.name, candidate.name);
        assert.ok(
          Math.abs(shown[rank]!.probability - candidate.probability) < 1e-4,
          `rank ${rank}: page (webgpu) ${shown[rank]!.probability}, Node ${candidate.probability}`,
        );
      }
      assert.deepEqual(errors, []);
      await page.close();
    },
  );
});
