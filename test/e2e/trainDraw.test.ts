// End-to-end tests of the Train and Draw pages in headless Chromium: live training in the page's
// worker lifts test accuracy above 90% within a bounded number of steps, pause stops the steps and
// resume continues them, a new learning rate shows in what the worker reports, and the trained model
// reaches the Draw page; on the Draw page, a model trained by the CLI and loaded through the file
// input reads a drawn "1" (and "0") stroke, and the same model exported to ONNX by the CLI reads the
// "1" with the native model's probabilities, while an ONNX model of vectors is refused. Screenshots (explorer.test.ts
// has train.png and draw.png at load): train-trained.png after training, draw-digit.png with a drawn 1.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import {
  Dense,
  exportOnnx,
  featureMapPictures,
  imagesToInput,
  Input,
  loadModel,
  Sequential,
  Softmax,
  withScope,
} from '../../src/index.js';
import { assertClose, repoRoot } from '../helpers.js';
import { screenshot, SCREENSHOTS, skipWithoutChromium, startExplorer, type Explorer } from './harness.js';

/**
 * Steps the Train page takes on WebGPU before it pauses: one chunk. SwiftShader is correct but slow (a step of
 * LeNet-5 on 64 digits about 2 s on two loaded cores, of digits-cnn about 11 s), so the test trains LeNet-5.
 */
const WEBGPU_STEPS = 4;

/**
 * One step of backpropagation as the Train page shows it: the loss is -ln of the softmax's probability
 * of the label, and the kernel gradient the tape gave equals the chain rule worked out here from the
 * feature-map gradient it gave (conv backward is a convolution: dW[i, j, c, f] = sum over the map of
 * input[y + i - 1, x + j - 1, c] * dOut[y, x, f], for 3x3 'same'), within 1e-5 of the largest.
 */
function checkBackprop(status: TrainStatus): void {
  const backprop = status.backprop!;
  const probabilities = status.vectorOutputs.softmax_1!;
  assert.equal(probabilities.length, 10);
  assert.ok(
    Math.abs(backprop.loss + Math.log(probabilities[backprop.label]!)) <= 1e-4 * Math.max(1, backprop.loss),
    `loss ${backprop.loss} vs -ln ${probabilities[backprop.label]}`,
  );
  const [kH, kW, inC, outC] = backprop.dWeight.shape as [number, number, number, number];
  const [outH, outW] = backprop.dOut.shape as [number, number, number];
  const [inH, inW] = backprop.input.shape as [number, number, number];
  assert.deepEqual([kH, kW, inC, outC, outH, outW, inH, inW], [3, 3, 1, 16, 28, 28, 28, 28]);
  const expected: number[] = [];
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      for (let filter = 0; filter < outC; filter++) {
        let sum = 0;
        for (let y = 0; y < outH; y++) {
          for (let x = 0; x < outW; x++) {
            const row = y + i - 1;
            const column = x + j - 1;
            if (row < 0 || row >= inH || column < 0 || column >= inW) continue;
            sum += backprop.input.values[row * inW + column]! * backprop.dOut.values[(y * outW + x) * outC + filter]!;
          }
        }
        expected.push(sum);
      }
    }
  }
  const largest = Math.max(...expected.map(Math.abs));
  assert.ok(largest > 1e-4, `the kernel gradient is all but zero: ${largest}`);
  assertClose(
    backprop.dWeight.values,
    expected,
    { atol: 1e-5 * largest, rtol: 1e-4 },
    'dWeight from the tape against the chain rule from dOut',
  );
}

/** The bound of the "within a bounded number of steps": 600 batches of 64 (3.8 epochs of the sample). */
const MAX_STEPS_TO_90 = 600;

interface TrainStatus {
  isReady: boolean;
  state: 'idle' | 'running' | 'paused';
  step: number;
  epoch: number;
  batchSize: number;
  learningRate: number;
  imagesPerSecond: number;
  testAccuracy: number | null;
  lossHistory: { step: number; loss: number; accuracy: number; learningRate: number }[];
  testHistory: { step: number; loss: number; accuracy: number }[];
  backend: {
    active: string;
    adapter: string | null;
    fallback: string | null;
    threads: number;
    isIsolated: boolean;
  } | null;
  digitIndex: number;
  picturesStep: number;
  modelStep: number | null;
  backprop: {
    layerName: string;
    label: number;
    loss: number;
    input: { shape: number[]; values: number[] };
    kernel: { shape: number[]; values: number[] };
    dWeight: { shape: number[]; values: number[] };
    dOut: { shape: number[]; values: number[] };
  } | null;
  vectorOutputs: Record<string, number[]>;
  error: string | null;
}

interface DrawStatus {
  hasModel: boolean;
  modelSource: string | null;
  classNames: string[];
  probabilities: number[] | null;
  topClass: number | null;
  topClassName: string | null;
  topProbability: number | null;
  input: number[] | null;
  inputHeight: number;
  inputWidth: number;
  predictions: number;
  softmax: { logits: number[]; largest: number; exponentials: number[]; sum: number; probabilities: number[] } | null;
  featureMaps: { layerName: string; className: string; shape: number[]; range: number; values?: number[] }[] | null;
  error: string | null;
}

type ExplorerWindow = { explorer: { train: TrainStatus; draw: DrawStatus } };

/** A copy of the Train page's status without the digit strip's pixels. */
function trainStatus(page: Page): Promise<TrainStatus> {
  return page.evaluate(() => {
    const { digits: _digits, ...rest } = (window as unknown as ExplorerWindow).explorer.train as TrainStatus & {
      digits: unknown;
    };
    return JSON.parse(JSON.stringify(rest)) as TrainStatus;
  });
}

function drawStatus(page: Page): Promise<DrawStatus> {
  return page.evaluate(
    () => JSON.parse(JSON.stringify((window as unknown as ExplorerWindow).explorer.draw)) as DrawStatus,
  );
}

/** The pixels of every canvas under `selector`, as data URLs (to tell whether pictures changed). */
function canvasPixels(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (canvases) => (canvases as HTMLCanvasElement[]).map((canvas) => canvas.toDataURL()));
}

/** Drags the mouse through `points` (canvas fractions 0-1) as one stroke. */
async function stroke(page: Page, points: readonly (readonly [number, number])[]): Promise<void> {
  const box = (await page.locator('#draw-canvas').boundingBox())!;
  const at = ([x, y]: readonly [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  const [startX, startY] = at(points[0]!);
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  for (const point of points.slice(1)) {
    const [x, y] = at(point);
    await page.mouse.move(x, y, { steps: 2 });
  }
  await page.mouse.up();
}

/** Rows and columns of the model input that hold ink, as [first, last]. */
function inkExtent(
  input: readonly number[],
  height: number,
  width: number,
): { rows: [number, number]; columns: [number, number] } {
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (input[y * width + x]! > 0.05) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  return { rows: [top, bottom], columns: [left, right] };
}

describe('Train page: live training in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  before(async () => {
    explorer = await startExplorer();
  });
  after(async () => explorer?.close());

  test(
    'test accuracy passes 90% within 600 steps; pause, resume and learning rate; the model ' + 'reaches the Draw page',
    async () => {
      const { page, errors } = await explorer.open('train');
      await page.waitForFunction(
        () => (window as unknown as ExplorerWindow).explorer?.train?.isReady === true,
        undefined,
        { timeout: 60_000 },
      );
      const initial = await trainStatus(page);
      assert.equal(initial.state, 'idle');
      assert.equal(initial.step, 0);
      assert.equal(initial.testAccuracy, null);
      assert.equal(initial.backend?.active, 'wasm');
      assert.equal(initial.backend?.isIsolated, true);
      assert.ok(
        initial.backend.threads >= 2,
        `the worker's backend runs ${initial.backend.threads} thread(s) in an isolated page`,
      );
      assert.equal(await page.locator('#train-kernels canvas').count(), 2, 'digits-cnn has two conv layers');
      // Input, conv, ReLU, pool, conv, ReLU, pool, flatten as pictures; dense, ReLU, dense, softmax as labelled cells.
      assert.equal(await page.locator('#train-feature-maps canvas').count(), 8);
      assert.deepEqual(
        await page
          .locator('#train-feature-maps .vector-cells')
          .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-layer'), row.children.length])),
        [
          ['dense_1', 64],
          ['relu_3', 64],
          ['dense_2', 10],
          ['softmax_1', 10],
        ],
      );
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.train.backprop !== null);
      const atStart = await trainStatus(page);
      const probabilities = atStart.vectorOutputs.softmax_1!;
      assert.ok(Math.abs(probabilities.reduce((total, value) => total + value, 0) - 1) < 1e-5);
      const softmaxCells = await page
        .locator('#train-feature-maps .vector-cells[data-layer="softmax_1"] .vector-cell')
        .evaluateAll((cells) => cells.map((cell) => cell.textContent));
      assert.deepEqual(
        softmaxCells,
        probabilities.map((value, index) => `${index}${Math.round(value * 100)}%`),
        'each class cell: its name over its probability',
      );
      const denseLabels = await page
        .locator('#train-feature-maps .vector-cells[data-layer="dense_1"] .vector-cell small')
        .evaluateAll((labels) => labels.map((label) => label.textContent));
      assert.deepEqual(
        denseLabels,
        Array.from({ length: 64 }, (_, index) => String(index)),
      );
      checkBackprop(atStart);
      assert.equal(await page.locator('#train-backprop canvas').count(), 2);
      assert.match(
        await page.locator('#train-backprop-line').innerText(),
        new RegExp(`the loss is −ln 0\\.\\d+ = ${atStart.backprop!.loss.toFixed(4)}`),
      );
      const untrainedKernels = await canvasPixels(page, '#train-kernels canvas');
      const pagePeakBytes = () =>
        page.evaluate(
          () =>
            (
              window as unknown as { explorer: { backend: { info(): { wasmArenaPeakBytes: number | null } } } }
            ).explorer.backend.info().wasmArenaPeakBytes,
        );
      const peakBeforeTraining = await pagePeakBytes();

      const started = performance.now();
      await page.click('#train-start');
      await page.waitForFunction(
        (maxSteps) => {
          const train = (window as unknown as ExplorerWindow).explorer.train;
          return (
            (train.testAccuracy !== null && train.testAccuracy > 0.9) || train.step > maxSteps || train.error !== null
          );
        },
        MAX_STEPS_TO_90,
        { timeout: 120_000, polling: 100 },
      );
      const trained = await trainStatus(page);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(trained.error, null);
      const firstAbove90 = trained.testHistory.find((point) => point.accuracy > 0.9);
      assert.ok(
        firstAbove90 !== undefined,
        `test accuracy stayed at or below 90% for ${trained.step} steps: ${JSON.stringify(trained.testHistory)}`,
      );
      assert.ok(firstAbove90.step <= MAX_STEPS_TO_90, `90% took ${firstAbove90.step} steps`);
      assert.equal(trained.batchSize, 64);
      const lossAtStart = trained.lossHistory.slice(0, 3).reduce((sum, point) => sum + point.loss, 0) / 3;
      const lossNow = trained.lossHistory.slice(-3).reduce((sum, point) => sum + point.loss, 0) / 3;
      assert.ok(lossAtStart > 1.5 && lossNow < lossAtStart / 3, `training loss went from ${lossAtStart} to ${lossNow}`);
      assert.ok(trained.imagesPerSecond > 0);
      console.log(
        `# trainDraw: test accuracy ${firstAbove90.accuracy} at step ${firstAbove90.step}, ` +
          `${seconds.toFixed(1)} s, ${Math.round(trained.imagesPerSecond)} img/s on ` +
          `${trained.backend!.threads} threads`,
      );

      // Pause: the steps stop (after the chunk in flight) and stay put.
      await page.click('#train-pause');
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.train.state === 'paused');
      const paused = (await trainStatus(page)).step;
      await page.waitForTimeout(1000);
      assert.equal((await trainStatus(page)).step, paused, 'steps were taken while paused');

      // A new learning rate while paused: the worker confirms it, and the steps after resuming run with it.
      await page.locator('#train-learning-rate').fill('-3.5');
      await page.waitForFunction(
        () => Math.abs((window as unknown as ExplorerWindow).explorer.train.learningRate - 0.00032) < 1e-12,
      );
      await page.click('#train-resume');
      await page.waitForFunction(
        (from) => (window as unknown as ExplorerWindow).explorer.train.step >= from + 16,
        paused,
        { timeout: 30_000 },
      );
      await page.click('#train-pause');
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.train.state === 'paused');
      const resumed = await trainStatus(page);
      const before = resumed.lossHistory.filter((point) => point.step <= paused);
      const afterResume = resumed.lossHistory.filter((point) => point.step > paused);
      assert.ok(afterResume.length >= 4);
      assert.ok(
        before.every((point) => point.learningRate === 0.003),
        'the steps before ran at 0.003',
      );
      assert.ok(
        afterResume.every((point) => point.learningRate === 0.00032),
        'the steps after resuming ran at 0.00032',
      );

      // Another test digit: the feature maps are redrawn for it.
      const digit = page.locator('#train-digits button').nth(7);
      const digitIndex = Number(await digit.getAttribute('data-index'));
      await digit.click();
      await page.waitForFunction(
        (index) => (window as unknown as ExplorerWindow).explorer.train.digitIndex === index,
        digitIndex,
      );
      await page.waitForFunction(() => {
        const train = (window as unknown as ExplorerWindow).explorer.train;
        return train.picturesStep === train.step && train.modelStep === train.step;
      });
      assert.match(
        await page.locator('#train-prediction').innerText(),
        new RegExp(`Test digit #${digitIndex}, labelled \\d: the network says \\d`),
      );
      // Every test evaluation handed the page a model (digits-cnn: 106k weights); none of them took the page's backend
      // memory.
      assert.ok(resumed.testHistory.length >= 2);
      assert.equal(
        await pagePeakBytes(),
        peakBeforeTraining,
        "the models the worker handed over stay out of the page's backend memory",
      );
      const trainedKernels = await canvasPixels(page, '#train-kernels canvas');
      assert.equal(trainedKernels.length, 2);
      trainedKernels.forEach((pixels, index) => {
        assert.notEqual(pixels, untrainedKernels[index], `kernels of conv layer ${index + 1} did not change`);
      });
      // Paused, it trains no images: no speed is shown (the last one would be stale).
      assert.match(
        await page.locator('#train-status').innerText(),
        /paused · step \d+ · epoch \d\.\d\d · — img\/s · lr 3\.2e-4 · worker: WebAssembly SIMD, \d+ threads/,
      );
      // Backpropagation for the trained network and the digit picked: still the loss of its softmax, and the chain rule.
      const trainedStatus = await trainStatus(page);
      checkBackprop(trainedStatus);
      await page
        .locator('section', { has: page.locator('#train-backprop') })
        .screenshot({ path: join(SCREENSHOTS, 'train-backprop.png') });
      await page
        .locator('section', { has: page.locator('#train-feature-maps') })
        .screenshot({ path: join(SCREENSHOTS, 'train-feature-maps.png') });
      // The labelled cells and the gradients still fit a phone.
      await page.setViewportSize({ width: 360, height: 780 });
      // Chart.js resizes its canvases on the next frames after the viewport changes: give it a moment.
      await page
        .waitForFunction(() => document.documentElement.scrollWidth <= 360, undefined, { timeout: 5_000 })
        .catch(() => undefined);
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth),
        360,
        'the Train page scrolls sideways at 360 px',
      );
      await page.setViewportSize({ width: 1280, height: 900 });
      // Back to the top, so the sticky header sits at the top of the full-page screenshot.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(100);
      await screenshot(page, 'train-trained');

      // The model trained here is the Draw page's current model.
      await page.evaluate(() => {
        location.hash = '#/draw';
      });
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer?.draw?.hasModel === true);
      const draw = await drawStatus(page);
      assert.match(
        draw.modelSource ?? '',
        new RegExp(`trained on the Train page \\(digits-cnn, step ${resumed.step}, \\d+\\.\\d% test accuracy\\)`),
      );
      assert.deepEqual(draw.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test('without cross-origin isolation the worker trains on one thread', async () => {
    const unisolated = await startExplorer({ isolation: false });
    try {
      const { page, errors } = await unisolated.open('train');
      await page.waitForFunction(
        () => (window as unknown as ExplorerWindow).explorer?.train?.isReady === true,
        undefined,
        { timeout: 60_000 },
      );
      const ready = await trainStatus(page);
      assert.equal(ready.backend?.isIsolated, false);
      assert.equal(ready.backend?.threads, 1);
      await page.click('#train-start');
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.train.step >= 20, undefined, {
        timeout: 30_000,
      });
      await page.click('#train-pause');
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.train.state === 'paused');
      const trained = await trainStatus(page);
      assert.ok(trained.lossHistory.at(-1)!.loss < trained.lossHistory[0]!.loss, 'the loss fell');
      assert.match(await page.locator('#train-status').innerText(), /1 thread \(no cross-origin isolation\)/);
      // Leaving the page pauses training, even right after a resume. (First the pause's report, an
      // evaluation and a model, so that the worker is idle and the resume trains a chunk at once.)
      await page.waitForFunction(
        () =>
          (window as unknown as ExplorerWindow).explorer.train.modelStep ===
          (window as unknown as ExplorerWindow).explorer.train.step,
      );
      await page.evaluate(() => {
        document.querySelector<HTMLButtonElement>('#train-resume')!.click();
        location.hash = '#/draw';
      });
      await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer?.draw !== undefined);
      // The worker takes the chunk of steps the resume started, then the pause (it handles messages in order).
      await page.waitForFunction((from) => {
        const train = (window as unknown as ExplorerWindow).explorer.train;
        return train.step > from && train.state === 'paused';
      }, trained.step);
      const left = (await trainStatus(page)).step;
      await page.waitForTimeout(1000);
      assert.equal((await trainStatus(page)).state, 'paused');
      assert.equal((await trainStatus(page)).step, left, 'training went on after leaving the page');
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await unisolated.close();
    }
  });
});

describe('Train page on WebGPU (SwiftShader) in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  before(async () => {
    explorer = await startExplorer({ webgpu: true });
  });
  after(async () => explorer?.close());

  /** The digit's loss is -ln of its class probability, the probabilities summing to 1 (LeNet-5's softmax). */
  function checkLoss(status: TrainStatus): void {
    const probabilities = status.vectorOutputs.softmax_1!;
    assert.ok(Math.abs(probabilities.reduce((total, value) => total + value, 0) - 1) < 1e-5);
    const { loss, label } = status.backprop!;
    assert.ok(Math.abs(loss + Math.log(probabilities[label]!)) <= 1e-4 * Math.max(1, loss), `loss ${loss}`);
  }

  /** Opens the Train page (with `search`) and waits for its worker's 'ready'. */
  async function openTrain(search = ''): Promise<{ page: Page; errors: string[]; ready: TrainStatus }> {
    const { page, errors } = await explorer.open('train', { search });
    await page.waitForFunction(
      () => (window as unknown as ExplorerWindow).explorer?.train?.isReady === true,
      undefined,
      { timeout: 60_000 },
    );
    // The header's line says what training uses once the page has asked for an adapter.
    await page.waitForFunction(() => /training:/.test(document.getElementById('backend')?.textContent ?? ''));
    return { page, errors, ready: await trainStatus(page) };
  }

  // First: the WebGPU run leaves its pause's test evaluation queued on SwiftShader, which a later page would wait for.
  test('?backend=wasm makes the worker use WebAssembly, and the select shows the choice', async () => {
    const { page, errors, ready } = await openTrain('?backend=wasm');
    assert.equal(ready.backend?.active, 'wasm');
    assert.equal(ready.backend?.adapter, null);
    assert.match(await page.locator('#train-status').innerText(), /worker: WebAssembly SIMD, \d+ threads/);
    const header = await page.locator('#backend').innerText();
    if (/training: WebAssembly \(no WebGPU adapter\)/.test(header))
      assert.equal(await page.locator('#backend-choice').count(), 0);
    else {
      assert.match(header, /training: WebAssembly$/);
      assert.equal(await page.locator('#backend-choice').inputValue(), 'wasm');
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the worker trains on webgpu and the line names the adapter; the pictures come from its weights', async (context) => {
    const { page, errors, ready } = await openTrain();
    if (ready.backend?.active !== 'webgpu') {
      context.skip(`no WebGPU adapter in this Chromium: ${ready.backend?.fallback}`);
      await page.close();
      return;
    }
    const adapter = ready.backend.adapter!;
    assert.match(adapter, /\S/);
    context.diagnostic(`adapter ${adapter}`);
    assert.ok((await page.locator('#train-status').innerText()).includes(`worker: WebGPU (${adapter})`));
    assert.match(await page.locator('#backend').innerText(), /training: WebGPU \(/);
    assert.equal(await page.locator('#backend-choice').inputValue(), 'auto');
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.train.backprop !== null);
    await page.selectOption('#train-model', 'lenet5');
    // The pictures at step 0, drawn on the CPU from a host twin of the new model.
    await page.waitForFunction(() => {
      const train = (window as unknown as ExplorerWindow).explorer.train as TrainStatus & { preset: string };
      return train.preset === 'lenet5' && train.backprop?.kernel.shape[0] === 5;
    });
    const atStart = await trainStatus(page);
    checkLoss(atStart);

    await page.click('#train-start');
    await page.waitForFunction(
      (steps) => {
        const train = (window as unknown as ExplorerWindow).explorer.train;
        return train.step >= steps || train.error !== null;
      },
      WEBGPU_STEPS,
      { timeout: 90_000, polling: 100 },
    );
    await page.click('#train-pause');
    // The pause's pictures, drawn from the weights read back from the GPU (its test evaluation and model
    // follow: on SwiftShader, too slow to wait for here).
    await page.waitForFunction(
      () => {
        const train = (window as unknown as ExplorerWindow).explorer.train;
        return (train.state === 'paused' && train.picturesStep === train.step) || train.error !== null;
      },
      undefined,
      { timeout: 90_000 },
    );
    const trained = await trainStatus(page);
    assert.equal(trained.error, null);
    // The chunk's mean loss, read back at fitAsync's epoch end: near ln 10 (2.30) for an untrained network.
    const losses = trained.lossHistory.map((point) => point.loss);
    assert.equal(losses.length, 1);
    assert.ok(losses[0]! > 1 && losses[0]! < 2.6, `the first chunk's loss: ${losses[0]}`);
    assert.equal(trained.picturesStep, trained.step);
    checkLoss(trained);
    // The steps changed the weights on the GPU, and the twin the pictures are drawn from has them.
    assert.notDeepEqual(trained.backprop!.kernel.values, atStart.backprop!.kernel.values);
    context.diagnostic(
      `${trained.step} steps of LeNet-5 on webgpu (SwiftShader): the chunk's loss ${losses[0]!.toFixed(3)}`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('Draw page: a model saved by the CLI reads a drawn digit', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  let modelDirectory: string;
  before(async () => {
    modelDirectory = mkdtempSync(join(tmpdir(), 'convnet-draw-'));
    // The digits recipe on the bundled sample for one epoch of its four: 96% test accuracy, and the strokes
    // below are read with a wide margin. That the whole recipe reaches 97% is cli.test.ts's to check.
    await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'bin', 'convnet.js'), 'train', '--epochs', '1', '--out', modelDirectory],
      { cwd: repoRoot },
    );
    explorer = await startExplorer();
  });
  after(async () => {
    await explorer?.close();
    rmSync(modelDirectory, { recursive: true, force: true });
  });

  test('a "1" stroke is a 1 and a circle is a 0; the model exported to ONNX reads the 1 alike', async () => {
    const { page, errors } = await explorer.open('draw');
    let status = await drawStatus(page);
    assert.equal(status.hasModel, false);
    assert.equal(status.topClass, null);

    // A file that is not a model: a typed error in the page, no model taken.
    await page.setInputFiles('#draw-files', [
      { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "something-else"}') },
      { name: 'weights.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.alloc(16) },
    ]);
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.error !== null);
    assert.match((await drawStatus(page)).error!, /^FileFormatError: /);
    assert.equal((await drawStatus(page)).hasModel, false);

    await page.setInputFiles('#draw-files', [
      join(modelDirectory, 'model.json'),
      join(modelDirectory, 'weights.safetensors'),
    ]);
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.hasModel === true);
    status = await drawStatus(page);
    assert.equal(status.error, null);
    assert.match(
      status.modelSource!,
      /^loaded from model\.json \+ weights\.safetensors, \d+\.\d% test accuracy when saved$/,
    );
    assert.deepEqual(status.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

    // A vertical stroke down the middle.
    const oneStroke = Array.from({ length: 13 }, (_, index) => [0.5, 0.18 + index * 0.055] as const);
    await stroke(page, oneStroke);
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.topClass !== null);
    await page.waitForTimeout(100);
    const one = await drawStatus(page);
    assert.equal(
      one.topClassName,
      '1',
      `a "1" stroke was read as ${one.topClassName}: ${JSON.stringify(one.probabilities)}`,
    );
    const sum = one.probabilities!.reduce((total, value) => total + value, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
    // MNIST's preprocessing: the ink fits 20 rows, a few columns wide, around the middle of 28x28.
    const extent = inkExtent(one.input!, one.inputHeight, one.inputWidth);
    assert.ok(
      extent.rows[1] - extent.rows[0] + 1 >= 20 && extent.rows[1] - extent.rows[0] + 1 <= 22,
      `ink rows ${extent.rows}`,
    );
    assert.ok(extent.columns[1] - extent.columns[0] + 1 <= 5, `ink columns ${extent.columns}`);
    assert.ok(
      extent.columns[0] >= 11 && extent.columns[1] <= 16,
      `ink columns ${extent.columns} are not around the middle`,
    );
    assert.match(await page.locator('#draw-top').innerText(), /^It is a 1: \d+\.\d% sure\.$/);
    // Positions are (row, column) and sizes height × width.
    assert.match(
      await page.locator('#draw-box').innerText(),
      /^ink box \d+×\d+ px \(height × width\), top-left at \(row \d+, column \d+\); centre of mass at \(row \d+\.\d, column \d+\.\d\) of 28×28$/,
    );

    // The softmax written out: the logits are the model's (in Node, on the same input), and e^(z - max) / sum gives the
    // probabilities.
    const saved = loadModel(modelDirectory).model;
    const image = { width: 28, height: 28, colorModel: 'gray' as const, data: Float32Array.from(one.input!) };
    const nodeLogits = withScope(() =>
      Array.from(saved.forward(imagesToInput(saved, [image]), { end: saved.layers.length - 1 }).dataSync()),
    );
    const steps = one.softmax!;
    assertClose(steps.logits, nodeLogits, { atol: 1e-4, rtol: 0 }, 'logits against the model in Node');
    assertClose(
      steps.exponentials,
      steps.logits.map((logit) => Math.exp(logit - Math.max(...steps.logits))),
      { atol: 1e-9, rtol: 1e-9 },
      'exponentials',
    );
    assert.ok(Math.abs(steps.sum - steps.exponentials.reduce((total, value) => total + value, 0)) < 1e-9);
    assertClose(
      steps.probabilities,
      one.probabilities!,
      { atol: 1e-5, rtol: 0 },
      "e^(z - max) / sum against the model's probabilities",
    );
    assert.equal(await page.locator('#draw-softmax tr').count(), 1 + 10 + 1);
    assert.equal(await page.locator('#draw-softmax tr.is-top').getAttribute('data-class'), '1');
    const why = await page.locator('#draw-softmax-why').innerText();
    assert.ok(why.startsWith(`Why "a 1, ${(one.probabilities![1]! * 100).toFixed(1)}% sure"`), why);
    assert.match(why, /It has no "none of these"/);

    // The feature maps of the drawing: every layer's, as the library draws them for this input in Node.
    const nodePictures = withScope(() => featureMapPictures(saved, imagesToInput(saved, [image])));
    const maps = one.featureMaps!;
    assert.deepEqual(
      maps.map((map) => [map.layerName, map.className, map.shape]),
      nodePictures.map((picture) => [picture.layerName, picture.className, [...picture.shape]]),
    );
    assertClose(
      maps.map((map) => map.range),
      nodePictures.map((picture) => picture.range),
      { atol: 1e-4, rtol: 1e-4 },
      "each layer's largest magnitude",
    );
    // Maps as pictures; the dense layers and the classes as labelled cells, their values the logits and the
    // probabilities.
    assert.equal(await page.locator('#draw-feature-maps canvas').count(), nodePictures.length - 4);
    assert.deepEqual(
      await page
        .locator('#draw-feature-maps .vector-cells')
        .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-layer'), row.children.length])),
      [
        ['dense_1', 64],
        ['relu_3', 64],
        ['dense_2', 10],
        ['softmax_1', 10],
      ],
    );
    assertClose(
      maps.find((map) => map.layerName === 'dense_2')!.values!,
      steps.logits,
      { atol: 1e-5, rtol: 0 },
      "the class scores' cells are the logits",
    );
    assertClose(
      maps.find((map) => map.layerName === 'softmax_1')!.values!,
      one.probabilities!,
      { atol: 1e-5, rtol: 0 },
      'the softmax cells are the probabilities',
    );
    assert.equal(
      await page
        .locator('#draw-feature-maps .vector-cells[data-layer="softmax_1"] .vector-cell')
        .nth(1)
        .locator('small')
        .innerText(),
      '1',
    );
    // The softmax table and the feature maps fit a phone.
    await page.setViewportSize({ width: 360, height: 780 });
    // Chart.js resizes its canvases on the next frames after the viewport changes: give it a moment.
    await page
      .waitForFunction(() => document.documentElement.scrollWidth <= 360, undefined, { timeout: 5_000 })
      .catch(() => undefined);
    assert.equal(
      await page.evaluate(() => document.documentElement.scrollWidth),
      360,
      'the Draw page scrolls sideways at 360 px',
    );
    const table = await page
      .locator('#draw-softmax')
      .evaluate((element) => ({ scrollWidth: element.scrollWidth, clientWidth: element.parentElement!.clientWidth }));
    assert.ok(
      table.scrollWidth <= table.clientWidth,
      `the softmax table is ${table.scrollWidth} px in ${table.clientWidth}`,
    );
    await page
      .locator('section', { has: page.locator('#draw-softmax') })
      .screenshot({ path: join(SCREENSHOTS, 'draw-softmax-360px.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'draw-digit');

    // Clear, then a circle.
    await page.click('#draw-clear');
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.topClass === null);
    await stroke(
      page,
      Array.from({ length: 37 }, (_, index) => {
        const angle = (index / 36) * 2 * Math.PI;
        return [0.5 + 0.25 * Math.sin(angle), 0.5 - 0.32 * Math.cos(angle)] as const;
      }),
    );
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.topClass !== null);
    await page.waitForTimeout(100);
    const zero = await drawStatus(page);
    console.log(
      `# trainDraw: "1" stroke ` +
        `${JSON.stringify(one.probabilities!.map((value) => Number(value.toFixed(3))))}, circle ` +
        `${JSON.stringify(zero.probabilities!.map((value) => Number(value.toFixed(3))))}`,
    );
    assert.equal(
      zero.topClassName,
      '0',
      `a circle was read as ${zero.topClassName}: ${JSON.stringify(zero.probabilities)}`,
    );

    // A scribble that is no digit still gets an answer (softmax has no "none of these"), and the page says
    // why in its own numbers: the top logit's lead over the runner-up, and e to that power.
    await page.click('#draw-clear');
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.topClass === null);
    await stroke(
      page,
      Array.from({ length: 9 }, (_, index) => [0.2 + (index % 2) * 0.6, 0.15 + index * 0.09] as const),
    );
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.topClass !== null);
    await page.waitForTimeout(100);
    const scribble = await drawStatus(page);
    const scribbleSteps = scribble.softmax!;
    assert.ok(Math.abs(scribbleSteps.probabilities.reduce((total, value) => total + value, 0) - 1) < 1e-6);
    const ranked = scribbleSteps.logits
      .map((_, index) => index)
      .sort((first, second) => scribbleSteps.logits[second]! - scribbleSteps.logits[first]!);
    const lead = scribbleSteps.logits[ranked[0]!]! - scribbleSteps.logits[ranked[1]!]!;
    const scribbleWhy = await page.locator('#draw-softmax-why').innerText();
    assert.ok(
      scribbleWhy.startsWith(
        `Why "a ${scribble.topClassName}, ${(scribble.topProbability! * 100).toFixed(1)}% sure": the ` +
          `${scribble.topClassName}’s logit is ${lead.toFixed(2)} above the next one (${ranked[1]})`,
      ),
      scribbleWhy,
    );
    console.log(
      `# trainDraw: a zigzag scribble is read as "a ${scribble.topClassName}, ` +
        `${(scribble.topProbability! * 100).toFixed(1)}% sure" (logit lead ${lead.toFixed(2)})`,
    );

    // An ONNX model that takes vectors, not images: refused with the reason, the loaded model kept.
    const vectors = exportOnnx(
      new Sequential([new Input({ shape: [4] }), new Dense({ units: 3 }), new Softmax()], { seed: 1 }),
    );
    await page.setInputFiles('#draw-files', {
      name: 'vectors.onnx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(vectors),
    });
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.error !== null);
    status = await drawStatus(page);
    assert.match(status.error!, /^vectors\.onnx: this model takes inputs of shape \[batch, 4\], not images/);
    assert.match(status.modelSource!, /^loaded from model\.json/);

    // The CLI's model exported to ONNX (NCHW, as PyTorch writes it) and loaded through the file input.
    const onnxPath = join(modelDirectory, 'model.onnx');
    await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'bin', 'convnet.js'), 'export', '--model', modelDirectory, '--out', onnxPath],
      { cwd: repoRoot },
    );
    await page.click('#draw-clear');
    await page.setInputFiles('#draw-files', onnxPath);
    await page.waitForFunction(() =>
      /model\.onnx/.test((window as unknown as ExplorerWindow).explorer.draw.modelSource ?? ''),
    );
    status = await drawStatus(page);
    assert.equal(status.error, null);
    assert.equal(status.modelSource, 'loaded from model.onnx (ONNX, input [batch, 1, 28, 28] NCHW)');
    assert.deepEqual(status.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await stroke(page, oneStroke);
    await page.waitForFunction(() => (window as unknown as ExplorerWindow).explorer.draw.topClass !== null);
    await page.waitForTimeout(100);
    const onnxOne = await drawStatus(page);
    assert.equal(
      onnxOne.topClassName,
      '1',
      `the ONNX model read a "1" stroke as ${onnxOne.topClassName}: ${JSON.stringify(onnxOne.probabilities)}`,
    );
    // The native model again, on this very drawing (the canvas stays): the same probabilities.
    await page.setInputFiles('#draw-files', [
      join(modelDirectory, 'model.json'),
      join(modelDirectory, 'weights.safetensors'),
    ]);
    await page.waitForFunction((count) => {
      const draw = (window as unknown as ExplorerWindow).explorer.draw;
      return /^loaded from model\.json/.test(draw.modelSource ?? '') && draw.predictions > count;
    }, onnxOne.predictions);
    const nativeOne = await drawStatus(page);
    assert.deepEqual(nativeOne.input, onnxOne.input, 'both models read the same drawing');
    assertClose(
      onnxOne.probabilities!,
      nativeOne.probabilities!,
      { atol: 1e-4, rtol: 0 },
      'ONNX against native probabilities',
    );
    console.log(
      `# trainDraw: ONNX "1" stroke ${JSON.stringify(onnxOne.probabilities!.map((value) => Number(value.toFixed(3))))}`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});
