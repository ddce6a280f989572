// End-to-end tests of the explorer's Model page in headless Chromium: a residual model saved by the
// toolkit loads from its two files, a sample picture runs, and the overview shows every layer (the
// residual joins drawn, the top classes by name) with feature maps equal to the library's in Node; a
// click on a value opens the drill-down panel with that value and the library's explanation of it; a torchvision ResNet-18 exported to ONNX
// (tools/exportTorchvision.py, skipped where /usr/bin/python3 lacks torchvision) gives the library's
// feature maps within 1e-4, with and without threads (the times and the longest frame gap are printed,
// never asserted); a wrong file gives an error in the page; Chromium's fake camera feeds a picture; the
// page fits a 360 px wide window. Screenshots: model-overview.png, model-drill.png, model-resnet18.png.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { CIFAR10_CLASS_NAMES, decodeImage, importOnnx, imagesToInput, loadModel, preprocessingPreset, residualCnn, type Model } from '../../src/index.js';
import { repoRoot } from '../helpers.js';
import { screenshot, skipWithoutChromium, startExplorer, type Explorer } from './harness.js';

const PYTHON = '/usr/bin/python3';
const ROSE = join(repoRoot, 'web', 'src', 'assets', 'color-models', 'rose.jpg');

interface PageState {
  phase: string;
  model: { name: string; format: string; layers: { index: number; className: string; inputs: number[] }[]; classNames: string[] } | null;
  picture: string | null;
  top: { index: number; name: string; probability: number }[];
  timings: { forwardMs: number; drawMs: number; totalMs: number } | null;
  error: string | null;
  backend: { active: string; threads: number; isIsolated: boolean } | null;
  selection: unknown;
}

type ModelWindow = { explorer: { model: PageState & { values(layerIndex: number): Promise<{ shape: number[]; values: number[] }> } } };

function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const { values: _values, ...rest } = (window as unknown as ModelWindow).explorer.model;
    return JSON.parse(JSON.stringify(rest)) as PageState;
  });
}

async function waitForPhase(page: Page, phases: string[], timeout = 120_000): Promise<PageState> {
  await page.waitForFunction((wanted) => wanted.includes((window as unknown as ModelWindow).explorer.model.phase), phases, { timeout });
  return pageState(page);
}

function layerValues(page: Page, layerIndex: number): Promise<{ shape: number[]; values: number[] }> {
  return page.evaluate((index) => (window as unknown as ModelWindow).explorer.model.values(index), layerIndex);
}

/** Every layer's output for one picture, computed by the library in Node as the page's worker does. */
function nodeOutputs(model: Model, pictureBytes: Uint8Array, name: string): Float32Array[] {
  const input = imagesToInput(model, [decodeImage(pictureBytes, name)]);
  const outputs: Float32Array[] = [];
  model.forward(input, { onOutput: (index, output) => (outputs[index] = output.data.slice() as Float32Array) });
  return outputs;
}

/** |page - node| <= tolerance * (1 + |node|) everywhere; the message names the first mismatch and the largest difference. */
function assertMapsClose(actual: readonly number[], expected: Float32Array, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let largest = 0;
  let first = -1;
  for (let index = 0; index < expected.length; index++) {
    const difference = Math.abs(actual[index]! - expected[index]!);
    largest = Math.max(largest, difference);
    if (first < 0 && difference > tolerance * (1 + Math.abs(expected[index]!))) first = index;
  }
  assert.ok(first < 0, `${label}: at ${first} the page has ${actual[first]}, Node ${expected[first]}; largest difference ${largest}`);
}

/** Chooses `files` in the model input, then the sample `sample`, and waits for the overview; returns the figures and the longest frame gap (ms) while it computed. */
async function loadAndRun(page: Page, files: string[], sample: string): Promise<{ state: PageState; wallMs: number; longestFrameGapMs: number }> {
  await page.evaluate(() => {
    const probe = window as unknown as { frameGaps: { last: number; longest: number; isOn: boolean } };
    probe.frameGaps = { last: performance.now(), longest: 0, isOn: true };
    const tick = (now: number) => {
      probe.frameGaps.longest = Math.max(probe.frameGaps.longest, now - probe.frameGaps.last);
      probe.frameGaps.last = now;
      if (probe.frameGaps.isOn) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  await page.setInputFiles('#model-files', files);
  await page.waitForFunction(() => (window as unknown as ModelWindow).explorer.model.model !== null || (window as unknown as ModelWindow).explorer.model.error !== null, undefined, { timeout: 120_000 });
  await page.selectOption('#model-sample', { label: sample });
  const state = await waitForPhase(page, ['done', 'error']);
  const wallMs = Date.now() - started;
  const longestFrameGapMs = await page.evaluate(() => {
    const probe = window as unknown as { frameGaps: { longest: number; isOn: boolean } };
    probe.frameGaps.isOn = false;
    return probe.frameGaps.longest;
  });
  return { state, wallMs, longestFrameGapMs };
}

describe('the Model page in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  let directory: string;
  let modelDirectory: string;
  before(async () => {
    explorer = await startExplorer({ browserArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
    directory = mkdtempSync(join(tmpdir(), 'convnet-model-page-'));
    modelDirectory = join(directory, 'residual');
    // A residual CNN of the library's presets (random weights, seed 3): its Adds are the overview's joins.
    const model = residualCnn({ seed: 3, inputShape: [32, 32, 3] });
    model.setClassNames(CIFAR10_CLASS_NAMES);
    model.save(modelDirectory);
  });
  after(async () => {
    await explorer?.close();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  test('a saved model and a sample picture give the overview: every layer, the joins, the classes by name, the library\u2019s maps', async () => {
    const { page, errors } = await explorer.open('model');
    const { state } = await loadAndRun(page, [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')], 'rose.jpg');
    assert.equal(state.error, null);
    assert.equal(state.phase, 'done');
    assert.equal(state.model!.format, 'convnet');
    assert.equal(state.picture, 'rose.jpg');
    const { model } = loadModel(modelDirectory);
    assert.equal(state.model!.layers.length, model.layers.length);
    assert.equal(await page.locator('.model-column[data-layer]').count(), model.layers.length);
    // One arc per input that is not the layer just before: the residual Adds' skips.
    const skips = model.nodes.reduce((count, node, index) => count + node.inputs.filter((input) => input !== index - 1).length, 0);
    assert.ok(skips > 0);
    assert.equal(await page.locator('path.model-join').count(), skips);

    const expected = nodeOutputs(model, readFileSync(ROSE), 'rose.jpg');
    for (let layerIndex = 0; layerIndex < model.layers.length; layerIndex++) {
      const { values } = await layerValues(page, layerIndex);
      assertMapsClose(values, expected[layerIndex]!, 1e-5, `layer ${layerIndex} (${model.layers[layerIndex]!.className})`);
    }
    const probabilities = expected[expected.length - 1]!;
    const best = probabilities.indexOf(Math.max(...probabilities));
    assert.equal(state.top[0]!.index, best);
    assert.equal(state.top[0]!.name, CIFAR10_CLASS_NAMES[best]);
    assert.ok(Math.abs(state.top[0]!.probability - probabilities[best]!) < 1e-5);
    assert.match(await page.locator('#model-top').innerText(), new RegExp(CIFAR10_CLASS_NAMES[best]!));
    await screenshot(page, 'model-overview');

    // The drill-down's hook: a click on map 0, row 2, column 5 of the first conv layer's column.
    const convIndex = model.layers.findIndex((layer) => layer.className === 'Conv2D');
    const canvas = page.locator(`canvas.model-maps[data-layer="${convIndex}"]`);
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const { width: tileWidth, height: canvasHeight } = await canvas.evaluate((node: HTMLCanvasElement) => ({ width: node.width, height: node.height }));
    const scale = box.width / tileWidth;
    await page.mouse.click(box.x + (5 + 0.5) * scale, box.y + (2 + 0.5) * (box.height / canvasHeight));
    await page.waitForFunction(() => /value = /.test(document.getElementById('model-drill-value')?.textContent ?? ''));
    const selection = (await pageState(page)).selection as { layerIndex: number; channel: number; row: number; column: number };
    assert.deepEqual(selection, { layerIndex: convIndex, kind: 'maps', channel: 0, row: 2, column: 5 });
    const [, outW, outC] = model.layerOutputShapes[convIndex] as [number, number, number];
    const shown = Number((await page.locator('#model-drill-value').innerText()).replace('value = ', ''));
    const atClick = expected[convIndex]![(2 * outW + 5) * outC]!;
    assert.ok(Math.abs(shown - atClick) < 1e-5 * (1 + Math.abs(atClick)));
    // The library's explanation (explainValue): the window, kernel and products summed over channels plus the bias give the value.
    await page.waitForSelector('#model-drill-result');
    const { explanation } = (await pageState(page)) as unknown as { explanation: { kind: string; value: number; output: number } };
    assert.equal(explanation.kind, 'convolution');
    assert.ok(Math.abs(explanation.output - atClick) < 1e-5 * (1 + Math.abs(atClick)), `output ${explanation.output}, Node ${atClick}`);
    assert.ok(Math.abs(explanation.value - atClick) < 1e-4 * (1 + Math.abs(atClick)), `explained ${explanation.value}, Node ${atClick}`);
    assert.equal(await page.locator('#model-drill-how table.model-drill-grid').count(), 3);
    await page.locator('#model-drill').scrollIntoViewIfNeeded();
    await screenshot(page, 'model-drill');

    // Paging: the second page of a 16-map layer shows maps 9-16.
    const next = page.locator(`.model-column[data-layer="${convIndex}"] button[aria-label^="next page"]`);
    await next.click();
    await page.waitForFunction((index) => /9\u201316 of 16/.test(document.querySelector(`.model-column[data-layer="${index}"] .model-page-label`)?.textContent ?? ''), convIndex);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a wrong file gives an error in the page', async () => {
    const { page, errors } = await explorer.open('model');
    await page.setInputFiles('#model-files', { name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a model') });
    await page.waitForFunction(() => (window as unknown as ModelWindow).explorer.model.error !== null);
    assert.match(await page.locator('#model-error').innerText(), /could not be loaded.*notes\.onnx/s);
    await page.setInputFiles('#model-files', join(modelDirectory, 'model.json'));
    await page.waitForFunction(() => /weights\.safetensors/.test(document.getElementById('model-error')?.textContent ?? ''));
    await page.setInputFiles('#model-files', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([1, 2, 3]) });
    await page.waitForFunction(() => /is not a model/.test(document.getElementById('model-error')?.textContent ?? ''));
    assert.equal((await pageState(page)).model, null);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the fake camera feeds a picture to the model', async () => {
    const { page, errors } = await explorer.open('model');
    await page.setInputFiles('#model-files', [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')]);
    await page.waitForFunction(() => (window as unknown as ModelWindow).explorer.model.model !== null);
    await page.click('#model-camera');
    await page.waitForFunction(() => (document.getElementById('model-video') as HTMLVideoElement).videoWidth > 0, undefined, { timeout: 30_000 });
    await page.click('#model-snap');
    const state = await waitForPhase(page, ['done', 'error']);
    assert.equal(state.error, null);
    assert.equal(state.picture, 'camera');
    assert.equal(state.top.length, 5);
    // Chromium's fake camera draws a moving pattern: the fitted picture is not one flat color.
    const distinct = await page.evaluate(() => {
      const canvas = document.getElementById('model-fitted') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return new Set(Array.from(data.filter((_, index) => index % 4 === 1))).size;
    });
    assert.ok(distinct > 4, `the camera picture has ${distinct} green levels`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the page with its overview fits a 360 px wide window', async () => {
    const { page, errors } = await explorer.open('model', { viewport: { width: 360, height: 740 } });
    const { state } = await loadAndRun(page, [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')], 'wizard.jpg');
    assert.equal(state.phase, 'done');
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    assert.ok(scrollWidth <= clientWidth, `#/model is ${scrollWidth} px wide in a ${clientWidth} px window`);
    await screenshot(page, 'model-360');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

/** ResNet-18 exported by torchvision to ONNX, in a folder of its own; null (with the reason) where the export cannot run. */
async function exportResnet18(directory: string): Promise<string | { skip: string }> {
  if (!existsSync(PYTHON)) return { skip: `${PYTHON} is missing` };
  try {
    await promisify(execFile)(PYTHON, [join(repoRoot, 'tools', 'exportTorchvision.py'), '--opset', '13', '--out', directory, '--batch', '1', 'resnet18:224'], { timeout: 300_000 });
  } catch (error) {
    return { skip: `the torchvision export failed (torch and torchvision needed): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  return join(directory, 'resnet18-opset13.onnx');
}

for (const isolation of [true, false]) {
  describe(`the Model page runs a torchvision ResNet-18 (${isolation ? 'threads' : 'one thread, no cross-origin isolation'})`, { skip: skipWithoutChromium }, () => {
    let explorer: Explorer;
    let directory: string;
    let onnxFile: string | { skip: string };
    before(async () => {
      directory = mkdtempSync(join(tmpdir(), 'convnet-model-resnet-'));
      onnxFile = await exportResnet18(directory);
      explorer = await startExplorer({ isolation });
    });
    after(async () => {
      await explorer?.close();
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    });

    test('its feature maps equal the library\u2019s in Node within 1e-4', async (context) => {
      if (typeof onnxFile !== 'string') {
        context.skip(onnxFile.skip);
        return;
      }
      const { page, errors } = await explorer.open('model');
      const { state, wallMs, longestFrameGapMs } = await loadAndRun(page, [onnxFile], 'rose.jpg');
      assert.equal(state.error, null);
      assert.equal(state.model!.format, 'onnx');
      assert.equal(state.backend!.isIsolated, isolation);
      context.diagnostic(`ResNet-18 224x224, ${state.backend!.threads} thread(s): choice to full overview ${wallMs} ms (page: ${state.timings!.totalMs.toFixed(0)} ms for the picture, forward pass ${state.timings!.forwardMs.toFixed(0)} ms, drawing ${state.timings!.drawMs.toFixed(0)} ms); longest frame gap ${longestFrameGapMs.toFixed(0)} ms`);
      // The page proposes torchvision's ImageNet preprocessing for an ONNX file without any: Node does the same.
      const { model } = importOnnx(readFileSync(onnxFile), 'resnet18-opset13.onnx');
      model.setPreprocessing(preprocessingPreset('imagenet'));
      const expected = nodeOutputs(model, readFileSync(ROSE), 'rose.jpg');
      assert.equal(state.model!.layers.length, model.layers.length);
      assert.ok(state.model!.layers.some((layer) => layer.className === 'Add' && layer.inputs.length === 2));
      for (let layerIndex = 0; layerIndex < model.layers.length; layerIndex++) {
        const { values } = await layerValues(page, layerIndex);
        assertMapsClose(values, expected[layerIndex]!, 1e-4, `layer ${layerIndex} (${model.layers[layerIndex]!.className})`);
      }
      if (isolation) await screenshot(page, 'model-resnet18');
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
}
