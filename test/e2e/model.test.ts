// End-to-end tests of the explorer's Model page in headless Chromium: a residual model saved by the
// toolkit loads from its two files, a sample picture runs, and the overview shows every layer (the
// residual joins drawn, the top classes by name) with feature maps equal to the library's in Node, as
// does a TF.js model with a Concatenate; a click on a value opens the drill-down panel with that value
// and the library's explanation of it, and the pooling, batch norm, Add, dense and softmax panels each equal
// the layer's output at the value clicked; "why this class" gives the library's Grad-CAM for the top class,
// a class by name and by index, on the layers chosen; a model folder dropped is read through its entries;
// the forward pass reports progress per layer; a torchvision ResNet-18 exported to ONNX (tools/exportTorchvision.py,
// skipped where /usr/bin/python3 lacks torchvision) gives the library's feature maps and Grad-CAM within 1e-4, with
// and without threads (the times and the longest frame gap are printed, never asserted); a wrong file
// gives an error in the page; Chromium's fake camera feeds a picture; the page fits a 360 px wide
// window, its drill-down included. Screenshots: model-overview.png, model-drill.png, model-drill-softmax.png
// (and model-drill-<layer class>.png, each panel alone),
// model-gradcam.png, model-360.png, model-drill-360.png (and -panel), model-resnet18.png, model-resnet18-gradcam.png.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import {
  CIFAR10_CLASS_NAMES,
  decodeImage,
  gradCam,
  gradCamLayers,
  importOnnx,
  importTfjsModel,
  imagesToInput,
  loadModel,
  preprocessingPreset,
  residualCnn,
  type Model,
} from '../../src/index.js';
import { repoRoot } from '../helpers.js';
import { randomizeWeights, saveTfjs, tf, writeTfjsFolder } from '../io/tfjs/tfjsModels.js';
import { SCREENSHOTS, screenshot, skipWithoutChromium, startExplorer, type Explorer } from './harness.js';

const PYTHON = '/usr/bin/python3';
const ROSE = join(repoRoot, 'web', 'src', 'assets', 'color-models', 'rose.jpg');
const WIZARD = join(repoRoot, 'web', 'src', 'assets', 'color-models', 'wizard.jpg');

interface PageState {
  phase: string;
  modelSource: string | null;
  model: {
    name: string;
    format: string;
    layers: { index: number; className: string; inputs: number[] }[];
    classNames: string[];
    preprocessing: unknown;
  } | null;
  picture: string | null;
  top: { index: number; name: string; probability: number }[];
  modelMs: number | null;
  timings: { forwardMs: number; drawMs: number; totalMs: number } | null;
  error: string | null;
  backend: { active: string; threads: number; isIsolated: boolean } | null;
  selection: unknown;
  progressReports: number;
  gradCam: {
    phase: string;
    classIndex: number | null;
    layerName: string | null;
    width: number;
    height: number;
    heat: number[];
    error: string | null;
  };
}

type ModelWindow = {
  explorer: { model: PageState & { values(layerIndex: number): Promise<{ shape: number[]; values: Float32Array }> } };
};

function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const { values: _values, ...rest } = (window as unknown as ModelWindow).explorer.model;
    return JSON.parse(JSON.stringify(rest)) as PageState;
  });
}

async function waitForPhase(page: Page, phases: string[], timeout = 120_000): Promise<PageState> {
  await page.waitForFunction(
    (wanted) => wanted.includes((window as unknown as ModelWindow).explorer.model.phase),
    phases,
    { timeout },
  );
  return pageState(page);
}

/**
 * A layer's output in the page, its float32 bytes carried as base64 (a JSON array of ResNet's 800,000 numbers takes
 * seconds).
 */
async function layerValues(page: Page, layerIndex: number): Promise<Float32Array> {
  const base64 = await page.evaluate(async (index) => {
    const { values } = await (window as unknown as ModelWindow).explorer.model.values(index);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let text = '';
    for (let start = 0; start < bytes.length; start += 0x8000)
      text += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
    return btoa(text);
  }, layerIndex);
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Every layer's output for one picture, computed by the library in Node as the page's worker does. */
function nodeOutputs(model: Model, pictureBytes: Uint8Array, name: string): Float32Array[] {
  const input = imagesToInput(model, [decodeImage(pictureBytes, name)]);
  const outputs: Float32Array[] = [];
  model.forward(input, { onOutput: (index, output) => (outputs[index] = output.dataSync().slice() as Float32Array) });
  return outputs;
}

/**
 * |page - node| <= tolerance * (1 + |node|) everywhere; the message names the first mismatch and the largest
 * difference.
 */
function assertMapsClose(actual: Float32Array, expected: Float32Array, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let largest = 0;
  let first = -1;
  for (let index = 0; index < expected.length; index++) {
    const difference = Math.abs(actual[index]! - expected[index]!);
    largest = Math.max(largest, difference);
    if (first < 0 && difference > tolerance * (1 + Math.abs(expected[index]!))) first = index;
  }
  assert.ok(
    first < 0,
    `${label}: at ${first} the page has ${actual[first]}, Node ${expected[first]}; largest difference ${largest}`,
  );
}

/** The library's Grad-CAM heat in Node (at the layer's resolution) for the picture, class and layer. */
function nodeGradCam(
  model: Model,
  pictureBytes: Uint8Array,
  name: string,
  classIndex: number,
  layerName: string,
): { width: number; height: number; heat: Float32Array } {
  const input = imagesToInput(model, [decodeImage(pictureBytes, name)]);
  const overlayBase = { width: 1, height: 1, colorModel: 'rgb' as const, data: new Float32Array(3) };
  const {
    heat,
    layerName: used,
    classIndex: explained,
  } = gradCam(model, input, overlayBase, { classIndex, layerName });
  assert.equal(used, layerName);
  assert.equal(explained, classIndex);
  return { width: heat.width, height: heat.height, heat: heat.data as Float32Array };
}

/** Waits for the page's Grad-CAM of `classIndex` on `layerName`, then checks its heat equals Node's within 1e-4. */
async function assertPageGradCam(
  page: Page,
  model: Model,
  pictureBytes: Uint8Array,
  name: string,
  classIndex: number,
  layerName: string,
): Promise<void> {
  await page.waitForFunction(
    ([wantedClass, wantedLayer]) => {
      const cam = (window as unknown as ModelWindow).explorer.model.gradCam;
      return (
        cam.phase === 'error' ||
        (cam.phase === 'done' && cam.classIndex === wantedClass && cam.layerName === wantedLayer)
      );
    },
    [classIndex, layerName] as const,
    { timeout: 120_000 },
  );
  const cam = (await pageState(page)).gradCam;
  assert.equal(cam.error, null);
  const expected = nodeGradCam(model, pictureBytes, name, classIndex, layerName);
  assert.deepEqual([cam.height, cam.width], [expected.height, expected.width]);
  assertMapsClose(Float32Array.from(cam.heat), expected.heat, 1e-4, `Grad-CAM of class ${classIndex} on ${layerName}`);
  assert.ok(
    expected.heat.some((value) => value > 0),
    'the heat is not all zero',
  );
}

/**
 * Clicks one value of a layer's column ([row, column] of map 0, or [index] of a vector on its first page) and waits for
 * the drill-down's explanation.
 */
async function clickValue(
  page: Page,
  model: Model,
  layerIndex: number,
  position: number[],
): Promise<{ kind: string; value: number; output: number }> {
  const canvas = page.locator(`canvas.model-maps[data-layer="${layerIndex}"]`);
  // Centered, so the page's sticky header cannot cover the value clicked.
  await canvas.evaluate((node) => node.scrollIntoView({ block: 'center', inline: 'center' }));
  const box = (await canvas.boundingBox())!;
  const shape = model.layerOutputShapes[layerIndex]!;
  let x: number;
  let y: number;
  if (shape.length === 3) {
    const pixelsPerValue = box.width / shape[1]!;
    x = box.x + (position[1]! + 0.5) * pixelsPerValue;
    y = box.y + (position[0]! + 0.5) * pixelsPerValue;
  } else {
    // A vector's strip: one row per value, at most VALUES_PER_PAGE (64) on the first page.
    x = box.x + box.width / 2;
    y = box.y + ((position[0]! + 0.5) * box.height) / Math.min(shape[0]!, 64);
  }
  await page.mouse.click(x, y);
  await page
    .waitForFunction(
      (index) => {
        const state = (window as unknown as ModelWindow).explorer.model as unknown as {
          selection: { layerIndex: number } | null;
          explanation: unknown;
        };
        return (
          state.selection?.layerIndex === index &&
          (state.explanation !== null || document.querySelector('#model-drill-how .error') !== null)
        );
      },
      layerIndex,
      { timeout: 10_000 },
    )
    .catch(async (error: unknown) => {
      throw new Error(
        `the click on layer ${layerIndex} at ${position} opened no explanation (selection ` +
          `${JSON.stringify((await pageState(page)).selection)}): ${String(error)}`,
      );
    });
  assert.equal(
    await page.locator('#model-drill-how .error').count(),
    0,
    `layer ${layerIndex}: ${await page.locator('#model-drill-how').innerText()}`,
  );
  await page.waitForSelector('#model-drill-result');
  const state = (await pageState(page)) as unknown as {
    selection: Record<string, number>;
    explanation: { kind: string; value: number; output: number };
  };
  const selected = state.selection;
  assert.deepEqual(
    shape.length === 3 ? [selected.row, selected.column, selected.channel] : [selected.index],
    shape.length === 3 ? [...position, 0] : position,
    `the click on layer ${layerIndex} selected ${JSON.stringify(selected)}`,
  );
  return state.explanation;
}

/** Starts recording the longest gap between animation frames (window.frameGaps). */
function startFrameProbe(page: Page): Promise<void> {
  return page.evaluate(() => {
    const probe = window as unknown as {
      frameGaps: { last: number; longest: number; longestTask: number; isOn: boolean; observer: PerformanceObserver };
    };
    // Frame gaps include the time the machine gave the page no core; long tasks are the main thread's own work.
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        probe.frameGaps.longestTask = Math.max(probe.frameGaps.longestTask, entry.duration);
    });
    observer.observe({ type: 'longtask' });
    probe.frameGaps = { last: performance.now(), longest: 0, longestTask: 0, isOn: true, observer };
    const tick = (now: number) => {
      probe.frameGaps.longest = Math.max(probe.frameGaps.longest, now - probe.frameGaps.last);
      probe.frameGaps.last = now;
      if (probe.frameGaps.isOn) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** The longest frame gap and the longest main-thread task since startFrameProbe, in milliseconds; the probe stops. */
function stopFrameProbe(page: Page): Promise<{ frameGap: number; longTask: number }> {
  return page.evaluate(() => {
    const probe = window as unknown as {
      frameGaps: { longest: number; longestTask: number; isOn: boolean; observer: PerformanceObserver };
    };
    probe.frameGaps.isOn = false;
    probe.frameGaps.observer.disconnect();
    return { frameGap: probe.frameGaps.longest, longTask: probe.frameGaps.longestTask };
  });
}

interface RunFigures {
  state: PageState;
  /**
   * From the files chosen to the model described, and from the picture chosen to the full overview (ms, measured by the
   * test).
   */
  modelWallMs: number;
  pictureWallMs: number;
  /**
   * The longest frame gap and main-thread task while the model loaded, and while the picture ran and the overview was
   * drawn.
   */
  modelGaps: { frameGap: number; longTask: number };
  pictureGaps: { frameGap: number; longTask: number };
}

/**
 * Chooses `files` in the model input, then the sample `sample`, and waits for the overview, recording times and frame
 * gaps.
 */
async function loadAndRun(page: Page, files: string[], sample: string): Promise<RunFigures> {
  await startFrameProbe(page);
  const started = Date.now();
  await page.setInputFiles('#model-files', files);
  await page.waitForFunction(
    () =>
      (window as unknown as ModelWindow).explorer.model.model !== null ||
      (window as unknown as ModelWindow).explorer.model.error !== null,
    undefined,
    { timeout: 120_000 },
  );
  const modelWallMs = Date.now() - started;
  const modelGaps = await stopFrameProbe(page);
  await startFrameProbe(page);
  const pictureStarted = Date.now();
  await page.selectOption('#model-sample', { label: sample });
  const state = await waitForPhase(page, ['done', 'error']);
  const pictureWallMs = Date.now() - pictureStarted;
  return { state, modelWallMs, pictureWallMs, modelGaps, pictureGaps: await stopFrameProbe(page) };
}

describe('the Model page in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  let directory: string;
  let modelDirectory: string;
  before(async () => {
    explorer = await startExplorer({
      browserArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    });
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

  test(
    'a saved model and a sample picture give the overview: every layer, the joins, the classes by name, ' +
      'the library\u2019s maps',
    async () => {
      const { page, errors } = await explorer.open('model');
      const { state } = await loadAndRun(
        page,
        [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')],
        'rose.jpg',
      );
      assert.equal(state.error, null);
      assert.equal(state.phase, 'done');
      assert.equal(state.model!.format, 'convnet');
      assert.equal(state.picture, 'rose.jpg');
      const { model } = loadModel(modelDirectory);
      assert.equal(state.model!.layers.length, model.layers.length);
      assert.equal(await page.locator('.model-column[data-layer]').count(), model.layers.length);
      // One arc per input that is not the layer just before: the residual Adds' skips.
      const skips = model.nodes.reduce(
        (count, node, index) => count + node.inputs.filter((input) => input !== index - 1).length,
        0,
      );
      assert.ok(skips > 0);
      assert.equal(await page.locator('path.model-join').count(), skips);

      const expected = nodeOutputs(model, readFileSync(ROSE), 'rose.jpg');
      for (let layerIndex = 0; layerIndex < model.layers.length; layerIndex++) {
        const values = await layerValues(page, layerIndex);
        assertMapsClose(
          values,
          expected[layerIndex]!,
          1e-5,
          `layer ${layerIndex} (${model.layers[layerIndex]!.className})`,
        );
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
      // Screen pixels per map value: the column is drawn TILE_WIDTH wide whatever the map's width.
      const [, outW, outC] = model.layerOutputShapes[convIndex] as [number, number, number];
      const pixelsPerValue = box.width / outW;
      await page.mouse.click(box.x + (5 + 0.5) * pixelsPerValue, box.y + (2 + 0.5) * pixelsPerValue);
      await page.waitForFunction(() =>
        /value = /.test(document.getElementById('model-drill-value')?.textContent ?? ''),
      );
      const selection = (await pageState(page)).selection as {
        layerIndex: number;
        channel: number;
        row: number;
        column: number;
      };
      assert.deepEqual(selection, { layerIndex: convIndex, kind: 'maps', channel: 0, row: 2, column: 5 });
      const shown = Number((await page.locator('#model-drill-value').innerText()).replace('value = ', ''));
      const atClick = expected[convIndex]![(2 * outW + 5) * outC]!;
      assert.ok(Math.abs(shown - atClick) < 1e-5 * (1 + Math.abs(atClick)));
      // The library's explanation (explainValue): the window, kernel and products summed over channels plus the bias give
      // the value.
      await page.waitForSelector('#model-drill-result');
      const { explanation } = (await pageState(page)) as unknown as {
        explanation: { kind: string; value: number; output: number };
      };
      assert.equal(explanation.kind, 'convolution');
      assert.ok(
        Math.abs(explanation.output - atClick) < 1e-5 * (1 + Math.abs(atClick)),
        `output ${explanation.output}, Node ${atClick}`,
      );
      assert.ok(
        Math.abs(explanation.value - atClick) < 1e-4 * (1 + Math.abs(atClick)),
        `explained ${explanation.value}, Node ${atClick}`,
      );
      assert.equal(await page.locator('#model-drill-how table.model-drill-grid').count(), 3);
      // The clicked value is outlined on its map, one value wide.
      const marker = page.locator('.model-marker:not([hidden])');
      assert.equal(await marker.count(), 1);
      const markerBox = (await marker.boundingBox())!;
      assert.ok(
        Math.abs(markerBox.width - pixelsPerValue) < 1.5 && Math.abs(markerBox.x - (box.x + 5 * pixelsPerValue)) < 1.5,
        JSON.stringify(markerBox),
      );
      await page.locator('#model-drill').scrollIntoViewIfNeeded();
      await screenshot(page, 'model-drill');

      // Paging: the second page of a 16-map layer shows maps 9-16.
      const next = page.locator(`.model-column[data-layer="${convIndex}"] button[aria-label^="next page"]`);
      await next.click();
      await page.waitForFunction(
        (index) =>
          /9\u201316 of 16/.test(
            document.querySelector(`.model-column[data-layer="${index}"] .model-page-label`)?.textContent ?? '',
          ),
        convIndex,
      );
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test(
    'why this class: the page\u2019s Grad-CAM equals the library\u2019s for the top class, a class by ' +
      'name and a class by index, on the layers chosen',
    async () => {
      const { page, errors } = await explorer.open('model');
      const { state } = await loadAndRun(
        page,
        [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')],
        'rose.jpg',
      );
      assert.equal(state.error, null);
      const { model } = loadModel(modelDirectory);
      const rose = readFileSync(ROSE);
      // Progress came layer by layer: at least one report per layer of the forward pass.
      assert.ok(
        state.progressReports >= model.layers.length,
        `${state.progressReports} progress reports for ${model.layers.length} layers`,
      );
      const usable = gradCamLayers(model);
      const last = usable[usable.length - 1]!;
      // The default layer is the last one with maps: the residual block's Add output here, not the conv before it.
      assert.equal(last.className, 'Add');
      assert.deepEqual(
        await page.locator('#model-cam-layer option').allTextContents(),
        usable.map(
          (layer) => `${layer.layerIndex}: ${layer.layerName} (${layer.className}, ${layer.shape.join('\u00d7')})`,
        ),
      );
      await assertPageGradCam(page, model, rose, 'rose.jpg', state.top[0]!.index, last.layerName);
      // Grad-CAM's progress goes to its own panel: the page's bar still tells of the forward pass.
      assert.equal(await page.locator('#model-progress-text').innerText(), 'Done.');
      assert.match(await page.locator('#model-cam-status').innerText(), /Where the evidence for .* lies, weighed on /);

      // Any class by name, on an earlier layer (a convolution's output before the last pooling).
      const other = state.top[3]!.index;
      const earlier = usable.find((layer) => layer.className === 'Conv2D' && layer.shape[0] === 8)!;
      await page.selectOption('#model-cam-layer', earlier.layerName);
      await page.fill('#model-cam-class', CIFAR10_CLASS_NAMES[other]!.toUpperCase());
      await page.click('#model-cam-show');
      await assertPageGradCam(page, model, rose, 'rose.jpg', other, earlier.layerName);
      // By index, and one of the top buttons.
      await page.fill('#model-cam-class', '9');
      await page.press('#model-cam-class', 'Enter');
      await assertPageGradCam(page, model, rose, 'rose.jpg', 9, earlier.layerName);
      await page.click('#model-cam-top-1');
      await assertPageGradCam(page, model, rose, 'rose.jpg', state.top[1]!.index, earlier.layerName);
      // The heat at the layer's resolution, and over the picture at the model's input size.
      assert.deepEqual(
        await page.evaluate(() => [
          (document.getElementById('model-cam-heat') as HTMLCanvasElement).width,
          (document.getElementById('model-cam-overlay') as HTMLCanvasElement).width,
        ]),
        [earlier.shape[1], 32],
      );
      // A class that is not there is refused in the panel.
      await page.fill('#model-cam-class', 'unicorn');
      await page.click('#model-cam-show');
      await page.waitForFunction(() =>
        /no class is named/.test(document.getElementById('model-cam-status')?.textContent ?? ''),
      );
      await page.fill('#model-cam-class', '10');
      await page.click('#model-cam-show');
      await page.waitForFunction(() =>
        /there is no class 10/.test(document.getElementById('model-cam-status')?.textContent ?? ''),
      );
      await page.click('#model-cam-top-0');
      await page.waitForFunction(() => (window as unknown as ModelWindow).explorer.model.gradCam.phase === 'done');
      await page.locator('#model-cam').scrollIntoViewIfNeeded();
      await screenshot(page, 'model-gradcam');
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test(
    'the drill-down explains pooling, batch norm, Add, dense and softmax values, each equal to the ' +
      'layer\u2019s output there',
    async () => {
      const { page, errors } = await explorer.open('model');
      await loadAndRun(
        page,
        [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')],
        'rose.jpg',
      );
      const { model } = loadModel(modelDirectory);
      const expected = nodeOutputs(model, readFileSync(ROSE), 'rose.jpg');
      const indexOf = (className: string) => model.layers.findIndex((layer) => layer.className === className);
      // The max pooling's largest value on map 0 (a zero one, left by the ReLU before it, would prove little).
      const pool = indexOf('MaxPool2D');
      const [, poolW, poolC] = model.layerOutputShapes[pool] as [number, number, number];
      let peak = 0;
      for (let offset = 0; offset < expected[pool]!.length; offset += poolC)
        if (expected[pool]![offset]! > expected[pool]![peak]!) peak = offset;
      const [peakRow, peakColumn] = [Math.floor(peak / poolC / poolW), (peak / poolC) % poolW];
      assert.ok(expected[pool]![peak]! > 0);
      const cases: { className: string; position: number[]; kind: string; text: RegExp }[] = [
        {
          className: 'MaxPool2D',
          position: [peakRow, peakColumn],
          kind: 'pooling',
          text: new RegExp(
            `The 2\u00d72 window on channel 0 of layer \\d+, rows ${2 * peakRow}\u2013${2 * peakRow + 1}, ` +
              `columns ${2 * peakColumn}\u2013${2 * peakColumn + 1}[\\s\\S]*the largest of the 4 values \\(\u2605`,
          ),
        },
        {
          className: 'BatchNormalization',
          position: [1, 2],
          kind: 'batchNormalization',
          text: /moving mean[\s\S]*moving variance[\s\S]*\u00d7 gamma \+ beta/,
        },
        { className: 'Add', position: [0, 1], kind: 'merge', text: /add of its 2 inputs[\s\S]*add = / },
        {
          className: 'GlobalAveragePooling2D',
          position: [5],
          kind: 'pooling',
          text: /The 4\u00d74 window on channel 5[\s\S]*sum of the values .* \/ 16 = /,
        },
        {
          className: 'Dense',
          position: [2],
          kind: 'dense',
          text: /Unit 2: the 8 largest of its 128 contributions[\s\S]*120 more[\s\S]*sum of the 128 products/,
        },
        {
          className: 'Softmax',
          position: [7],
          kind: 'softmax',
          text: /1\. logit[\s\S]*3\. sum of the 10 exponentials[\s\S]*4\. horse: .* \/ .* = /,
        },
      ];
      for (const { className, position, kind, text } of cases) {
        const layerIndex = indexOf(className);
        const shape = model.layerOutputShapes[layerIndex]!;
        const offset = shape.length === 3 ? (position[0]! * shape[1]! + position[1]!) * shape[2]! : position[0]!;
        const atClick = expected[layerIndex]![offset]!;
        const explanation = await clickValue(page, model, layerIndex, position);
        assert.equal(explanation.kind, kind, className);
        assert.ok(
          Math.abs(explanation.output - atClick) < 1e-5 * (1 + Math.abs(atClick)),
          `${className}: output ${explanation.output}, Node ${atClick}`,
        );
        assert.ok(
          Math.abs(explanation.value - atClick) < 1e-4 * (1 + Math.abs(atClick)),
          `${className}: explained ${explanation.value}, Node ${atClick}`,
        );
        const shown = await page.locator('#model-drill').innerText();
        assert.match(shown, text, `${className}'s panel`);
        assert.match(
          shown,
          new RegExp(
            `the layer\u2019s output: ${Number(atClick.toPrecision(4))}|the layer\u2019s output: ` +
              `${atClick.toPrecision(4)}`,
          ),
          `${className}'s panel shows the output`,
        );
        assert.ok(
          (await page.locator('#model-drill .model-drill-label').count()) >= 1,
          `${className}'s panel is labelled`,
        );
        await page.locator('#model-drill').screenshot({ path: join(SCREENSHOTS, `model-drill-${className}.png`) });
        if (className === 'Softmax') await screenshot(page, 'model-drill-softmax');
      }
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test('a model folder dropped on the drop area is read through, as the folder input reads it', async () => {
    const { page, errors } = await explorer.open('model');
    const files = ['model.json', 'weights.safetensors'].map((name) => ({
      name,
      base64: readFileSync(join(modelDirectory, name)).toString('base64'),
    }));
    // Chromium's drop of a folder, as the page sees it: one item whose entry is a directory, read in batches.
    await page.evaluate((contents) => {
      const fileEntry = (name: string, base64: string) => ({
        isFile: true,
        isDirectory: false,
        name,
        fullPath: `/residual/${name}`,
        file: (onFile: (file: File) => void) =>
          onFile(new File([Uint8Array.from(atob(base64), (character) => character.charCodeAt(0))], name)),
      });
      const batches = [
        [fileEntry(contents[0]!.name, contents[0]!.base64)],
        [fileEntry(contents[1]!.name, contents[1]!.base64)],
        [],
      ];
      const folder = {
        isFile: false,
        isDirectory: true,
        name: 'residual',
        fullPath: '/residual',
        createReader: () => ({
          readEntries: (onEntries: (entries: unknown[]) => void) =>
            setTimeout(() => onEntries(batches.shift() ?? []), 0),
        }),
      };
      const dataTransfer = { items: [{ kind: 'file', webkitGetAsEntry: () => folder }], files: [] };
      const drop = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(drop, 'dataTransfer', { value: dataTransfer });
      document.getElementById('model-drop')!.dispatchEvent(drop);
    }, files);
    await page.waitForFunction(
      () =>
        (window as unknown as ModelWindow).explorer.model.model !== null ||
        (window as unknown as ModelWindow).explorer.model.error !== null,
    );
    const state = await pageState(page);
    assert.equal(state.error, null);
    assert.equal(state.modelSource, 'residual/model.json, residual/weights.safetensors');
    assert.equal(state.model!.format, 'convnet');
    assert.equal(state.model!.layers.length, loadModel(modelDirectory).model.layers.length);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(
    'a TF.js model (model.json and its shards) gives the library\u2019s maps, its Concatenate ' + 'drawn as a join',
    async () => {
      const input = tf.input({ shape: [20, 20, 3] });
      const stem = tf.layers
        .conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' })
        .apply(input) as tf.SymbolicTensor;
      const side = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(stem) as tf.SymbolicTensor;
      const joined = tf.layers.concatenate().apply([stem, side]) as tf.SymbolicTensor;
      const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(joined) as tf.SymbolicTensor;
      const features = tf.layers.flatten().apply(pooled) as tf.SymbolicTensor;
      const output = tf.layers.dense({ units: 5, activation: 'softmax' }).apply(features) as tf.SymbolicTensor;
      const tfModel = tf.model({ inputs: input, outputs: output, name: 'concat' });
      randomizeWeights(tfModel, 7);
      const folder = join(directory, 'tfjs');
      writeTfjsFolder(folder, await saveTfjs(tfModel, 2000));
      const files = readdirSync(folder).map((name) => join(folder, name));
      assert.ok(files.length > 2, 'model.json and several shards');

      const { page, errors } = await explorer.open('model');
      const { state } = await loadAndRun(page, files, 'wizard.jpg');
      assert.equal(state.error, null);
      assert.equal(state.model!.format, 'tfjs');
      const model = importTfjsModel(join(folder, 'model.json'));
      const expected = nodeOutputs(model, readFileSync(WIZARD), 'wizard.jpg');
      for (let layerIndex = 0; layerIndex < model.layers.length; layerIndex++) {
        assertMapsClose(
          await layerValues(page, layerIndex),
          expected[layerIndex]!,
          1e-5,
          `layer ${layerIndex} (${model.layers[layerIndex]!.className})`,
        );
      }
      assert.equal(await page.locator('path.model-join.concat').count(), 1);
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test(
    'each bundled model (data/models/) classifies its sample pictures as the ' + 'library does in Node',
    async (context) => {
      const root = join(repoRoot, 'data', 'models');
      const names = existsSync(root)
        ? readdirSync(root).filter(
            (name) => existsSync(join(root, name, 'model.json')) && existsSync(join(root, name, 'samples')),
          )
        : [];
      if (names.length === 0) {
        context.skip('no bundled models in data/models/');
        return;
      }
      const { page, errors } = await explorer.open('model');
      for (const name of names) {
        await page.selectOption('#model-bundled', name);
        await page.waitForFunction(
          (wanted) => (window as unknown as ModelWindow).explorer.model.modelSource === `bundled ${wanted}`,
          name,
        );
        const { model } = loadModel(join(root, name));
        for (const sample of readdirSync(join(root, name, 'samples'))
          .filter((file) => /\.(png|jpe?g)$/i.test(file))
          .sort()) {
          await page.selectOption('#model-sample', { label: sample });
          await page.waitForFunction((wanted) => {
            const state = (window as unknown as ModelWindow).explorer.model;
            return state.picture === wanted && (state.phase === 'done' || state.phase === 'error');
          }, sample);
          const state = await pageState(page);
          assert.equal(state.error, null, `${name}/${sample}`);
          const [expected] = model.classify([decodeImage(readFileSync(join(root, name, 'samples', sample)), sample)], {
            topK: 1,
          });
          assert.equal(
            state.top[0]!.index,
            expected![0]!.index,
            `${name}/${sample}: the page says ${state.top[0]!.name}, Node ${expected![0]!.name}`,
          );
          assert.ok(
            Math.abs(state.top[0]!.probability - expected![0]!.probability) < 1e-5,
            `${name}/${sample}: probability`,
          );
        }
      }
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test('a labels file names the classes; one with the wrong count is refused in the page', async () => {
    const { page, errors } = await explorer.open('model');
    await loadAndRun(
      page,
      [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')],
      'rose.jpg',
    );
    const names = Array.from({ length: 10 }, (_, index) => `kind-${index}`);
    await page.setInputFiles('#model-labels', {
      name: 'kinds.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(names.join('\n')),
    });
    await page.waitForFunction(
      () =>
        (window as unknown as ModelWindow).explorer.model.model?.classNames[0] === 'kind-0' &&
        (window as unknown as ModelWindow).explorer.model.phase === 'done',
    );
    const state = await pageState(page);
    assert.equal(state.top[0]!.name, names[state.top[0]!.index]);
    assert.match(await page.locator('#model-top').innerText(), /kind-\d/);
    assert.match(await page.locator('#model-info').innerText(), /labels file kinds\.txt/);
    await page.setInputFiles('#model-labels', {
      name: 'three.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('a\nb\nc'),
    });
    await page.waitForFunction(() =>
      /Labels: .*three\.txt/.test(document.getElementById('model-error')?.textContent ?? ''),
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a wrong file gives an error in the page', async () => {
    const { page, errors } = await explorer.open('model');
    await page.setInputFiles('#model-files', {
      name: 'notes.onnx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('this is not a model'),
    });
    await page.waitForFunction(() => (window as unknown as ModelWindow).explorer.model.error !== null);
    assert.match(await page.locator('#model-error').innerText(), /could not be loaded.*notes\.onnx/s);
    await page.setInputFiles('#model-files', join(modelDirectory, 'model.json'));
    await page.waitForFunction(() =>
      /weights\.safetensors/.test(document.getElementById('model-error')?.textContent ?? ''),
    );
    await page.setInputFiles('#model-files', {
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: Buffer.from([1, 2, 3]),
    });
    await page.waitForFunction(() => /is not a model/.test(document.getElementById('model-error')?.textContent ?? ''));
    assert.equal((await pageState(page)).model, null);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the fake camera feeds a picture to the model', async () => {
    const { page, errors } = await explorer.open('model');
    await page.setInputFiles('#model-files', [
      join(modelDirectory, 'model.json'),
      join(modelDirectory, 'weights.safetensors'),
    ]);
    await page.waitForFunction(() => (window as unknown as ModelWindow).explorer.model.model !== null);
    await page.click('#model-camera');
    await page.waitForFunction(
      () => (document.getElementById('model-video') as HTMLVideoElement).videoWidth > 0,
      undefined,
      { timeout: 30_000 },
    );
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
    const { state } = await loadAndRun(
      page,
      [join(modelDirectory, 'model.json'), join(modelDirectory, 'weights.safetensors')],
      'wizard.jpg',
    );
    assert.equal(state.phase, 'done');
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    assert.ok(scrollWidth <= clientWidth, `#/model is ${scrollWidth} px wide in a ${clientWidth} px window`);
    await screenshot(page, 'model-360');
    // The drill-down's panels fit too, their tables with no hidden columns.
    const { model } = loadModel(modelDirectory);
    for (const className of ['MaxPool2D', 'Dense', 'Softmax']) {
      const layerIndex = model.layers.findIndex((layer) => layer.className === className);
      await clickValue(page, model, layerIndex, model.layerOutputShapes[layerIndex]!.length === 3 ? [1, 1] : [3]);
      const widths = await page.evaluate(() => ({
        page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
        tables: Array.from(document.querySelectorAll('#model-drill table')).map((table) => [
          table.scrollWidth,
          table.clientWidth,
        ]),
      }));
      if (className === 'Softmax') {
        await page.locator('#model-drill').scrollIntoViewIfNeeded();
        await screenshot(page, 'model-drill-360');
        await page.locator('#model-drill').screenshot({ path: join(SCREENSHOTS, 'model-drill-360-panel.png') });
      }
      assert.ok(widths.page[0]! <= widths.page[1]!, `${className}: the page is ${widths.page[0]} px wide`);
      for (const [scroll, client] of widths.tables)
        assert.ok(scroll! <= client! + 1, `${className}: a table is ${scroll} px wide in ${client} px`);
    }
    await page.locator('#model-cam').scrollIntoViewIfNeeded();
    const camWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(camWidth <= 360, `with Grad-CAM the page is ${camWidth} px wide`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

/**
 * ResNet-18 exported by torchvision to ONNX, in a folder of its own; null (with the reason) where the export cannot
 * run.
 */
async function exportResnet18(directory: string): Promise<string | { skip: string }> {
  if (!existsSync(PYTHON)) return { skip: `${PYTHON} is missing` };
  try {
    await promisify(execFile)(
      PYTHON,
      [
        join(repoRoot, 'tools', 'exportTorchvision.py'),
        '--opset',
        '13',
        '--out',
        directory,
        '--batch',
        '1',
        'resnet18:224',
      ],
      { timeout: 300_000 },
    );
  } catch (error) {
    return {
      skip:
        `the torchvision export failed (torch and torchvision needed): ` +
        `${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  }
  return join(directory, 'resnet18-opset13.onnx');
}

/** The one export both runs of the page below read (the same file; torch takes seconds to start and export). */
let sharedResnet18: Promise<{ directory: string; onnxFile: string | { skip: string } }> | undefined;
function resnet18Once(): Promise<{ directory: string; onnxFile: string | { skip: string } }> {
  sharedResnet18 ??= (async () => {
    const directory = mkdtempSync(join(tmpdir(), 'convnet-model-resnet-'));
    return { directory, onnxFile: await exportResnet18(directory) };
  })();
  return sharedResnet18;
}
after(async () => {
  if (sharedResnet18 !== undefined) rmSync((await sharedResnet18).directory, { recursive: true, force: true });
});

for (const isolation of [true, false]) {
  describe(`the Model page runs a torchvision ResNet-18 ` +
    `(${isolation ? 'threads' : 'one thread, no cross-origin isolation'})`, {
    skip: skipWithoutChromium,
  }, () => {
    let explorer: Explorer;
    let onnxFile: string | { skip: string };
    before(async () => {
      onnxFile = (await resnet18Once()).onnxFile;
      explorer = await startExplorer({ isolation });
    });
    after(async () => {
      await explorer?.close();
    });

    test('its feature maps equal the library\u2019s in Node within 1e-4', async (context) => {
      if (typeof onnxFile !== 'string') {
        context.skip(onnxFile.skip);
        return;
      }
      const { page, errors } = await explorer.open('model');
      const { state, modelWallMs, pictureWallMs, modelGaps, pictureGaps } = await loadAndRun(
        page,
        [onnxFile],
        'rose.jpg',
      );
      assert.equal(state.error, null);
      assert.equal(state.model!.format, 'onnx');
      assert.equal(state.backend!.isIsolated, isolation);
      const { forwardMs, drawMs, totalMs } = state.timings!;
      context.diagnostic(
        `ResNet-18 224x224, ${state.backend!.threads} thread(s): model file chosen to model described ` +
          `${modelWallMs} ms (page ${state.modelMs!.toFixed(0)} ms), longest frame gap ` +
          `${modelGaps.frameGap.toFixed(0)} ms, longest main-thread task ${modelGaps.longTask.toFixed(0)} ms; ` +
          `picture chosen to full overview ${pictureWallMs} ms (page ${totalMs.toFixed(0)} ms: every ` +
          `layer's forward pass ${forwardMs.toFixed(0)} ms, first pages drawn ${drawMs.toFixed(0)} ms), ` +
          `longest frame gap ${pictureGaps.frameGap.toFixed(0)} ms, longest main-thread task ` +
          `${pictureGaps.longTask.toFixed(0)} ms`,
      );
      // The page proposes torchvision's ImageNet preprocessing for an ONNX file without any: Node does the same.
      const { model } = importOnnx(readFileSync(onnxFile), 'resnet18-opset13.onnx');
      model.setPreprocessing(preprocessingPreset('imagenet'));
      const expected = nodeOutputs(model, readFileSync(ROSE), 'rose.jpg');
      assert.equal(state.model!.layers.length, model.layers.length);
      assert.ok(state.model!.layers.some((layer) => layer.className === 'Add' && layer.inputs.length === 2));
      for (let layerIndex = 0; layerIndex < model.layers.length; layerIndex++) {
        const values = await layerValues(page, layerIndex);
        assertMapsClose(
          values,
          expected[layerIndex]!,
          1e-4,
          `layer ${layerIndex} (${model.layers[layerIndex]!.className})`,
        );
      }
      // The widest layer (512 maps) is paged: one page drawn at a time, turned by its own button.
      const widest = state.model!.layers.reduce(
        (best, layer) =>
          (model.layerOutputShapes[layer.index]![2] ?? 0) > (model.layerOutputShapes[best]![2] ?? 0)
            ? layer.index
            : best,
        0,
      );
      const next = page.locator(`.model-column[data-layer="${widest}"] button[aria-label^="next page"]`);
      await next.scrollIntoViewIfNeeded();
      await next.click();
      await page.waitForFunction(
        (index) =>
          /^9\u201316 of 512$/.test(
            document.querySelector(`.model-column[data-layer="${index}"] .model-page-label`)?.textContent ?? '',
          ),
        widest,
      );
      context.diagnostic(`ResNet-18: ${state.progressReports} progress reports for ${model.layers.length} layers`);
      if (isolation) {
        // Why this class: the top class on the default layer (the last block's output), and class 1 by index on an
        // earlier block's output.
        const usable = gradCamLayers(model);
        const rose = readFileSync(ROSE);
        await assertPageGradCam(
          page,
          model,
          rose,
          'rose.jpg',
          state.top[0]!.index,
          usable[usable.length - 1]!.layerName,
        );
        const block = usable.filter((layer) => layer.className === 'Add' && layer.shape[0] === 14).pop() ?? usable[0]!;
        await page.selectOption('#model-cam-layer', block.layerName);
        await page.fill('#model-cam-class', '1');
        await page.click('#model-cam-show');
        await assertPageGradCam(page, model, rose, 'rose.jpg', 1, block.layerName);
        await page.locator('#model-cam').scrollIntoViewIfNeeded();
        await screenshot(page, 'model-resnet18-gradcam');
        await screenshot(page, 'model-resnet18');
        // The proposed preprocessing corrected to none: the picture reaches the first layer as 0..1 values.
        await page.selectOption('#model-preprocessing-preset', 'none');
        await page.waitForFunction(() => {
          const state = (window as unknown as ModelWindow).explorer.model;
          return state.model?.preprocessing === null && state.phase === 'done';
        });
        const input = await layerValues(page, 0);
        assert.ok(
          input.every((value) => value >= 0 && value <= 1),
          'inputs in 0..1',
        );
        assert.match(await page.locator('#model-info').innerText(), /as you set it/);
      }
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
}
