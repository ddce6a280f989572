// The WebGPU backend on the seam: a whole fitAsync of a small CNN (conv, batch norm, ReLU, max-pool,
// dense, softmax cross-entropy) in headless Chromium on its software Vulkan (SwiftShader), against the
// same run on the reference backend (test/browser/webgpuBackendPage.ts); and the async model API there:
// classifyAsync, predictOutputs, an augmented fitAsync, the frozen-feature cache. Skipped, and said so, where
// Debian's chromium is missing or offers no WebGPU adapter. SwiftShader proves correctness only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip as skip, launchChromium, pageResult } from './chromium.js';
import type { BackendPageResult } from './webgpuBackendPage.js';

/** The page's epochs (webgpuBackendPage.ts). */
const EPOCHS = 3;

/** Asserts |actual - expected| <= absolute + relative * |expected| everywhere; names the worst value. */
function assertClose(
  actual: readonly number[],
  expected: readonly number[],
  absolute: number,
  relative: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = -1;
  let worstExcess = 0;
  for (let index = 0; index < expected.length; index++) {
    const excess = Math.abs(actual[index]! - expected[index]!) - (absolute + relative * Math.abs(expected[index]!));
    if (!(excess <= worstExcess)) {
      worst = index;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  assert.equal(
    worst,
    -1,
    `${what}: value ${worst} is ${actual[worst]} on webgpu, ${expected[worst]} on the reference ` +
      `(tolerance ${absolute} + ${relative} * |reference|)`,
  );
}

describe('WebGPU backend: a training run in headless Chromium (SwiftShader)', { skip }, () => {
  let browser: Browser;
  let result: BackendPageResult;
  before(async () => {
    browser = await launchChromium({ isWebGpu: true });
    result = await pageResult<BackendPageResult>(browser, {
      page: 'test/browser/webgpuBackendPage.html',
      property: 'webgpuBackendResult',
    });
  });
  after(async () => browser?.close());

  /** The page's result, or a skip where WebGPU has no adapter; fails on a page error. */
  function ran(context: { skip: (message: string) => void }): Required<BackendPageResult> | null {
    if (result.unavailable !== undefined) {
      context.skip(`no WebGPU adapter in this Chromium: ${result.unavailable}`);
      return null;
    }
    assert.equal(result.error, undefined, result.error);
    return result as Required<BackendPageResult>;
  }

  test('the loss history of fitAsync on webgpu matches the reference within float32 tolerance', (context) => {
    const run = ran(context);
    if (run === null) return;
    assert.match(run.adapterName, /\S/);
    context.diagnostic(`adapter ${run.adapterName}; losses ${run.webgpu.losses.join(', ')}`);
    assertClose(run.webgpu.losses, run.reference.losses, 1e-5, 1e-4, 'epoch losses');
    assert.deepEqual(run.webgpu.accuracies, run.reference.accuracies);
    assert.ok(run.reference.losses[EPOCHS - 1]! < run.reference.losses[0]!, 'the loss falls');
  });

  test('the final weights (moving averages included) match the reference', (context) => {
    const run = ran(context);
    if (run === null) return;
    assert.deepEqual(Object.keys(run.webgpu.weights).sort(), Object.keys(run.reference.weights).sort());
    for (const [name, values] of Object.entries(run.reference.weights))
      assertClose(run.webgpu.weights[name]!, values, 1e-4, 1e-3, `weight ${name}`);
  });

  test('predict and evaluateAsync on webgpu (layer by layer, batches copied on the device) match the reference', (context) => {
    const run = ran(context);
    if (run === null) return;
    assertClose(run.webgpu.predictions, run.reference.predictions, 1e-4, 1e-3, 'predictions');
    const { evaluation } = run.webgpu;
    assertClose([evaluation.loss], [run.reference.evaluation.loss], 1e-5, 1e-4, 'evaluateAsync loss');
    assert.equal(evaluation.accuracy, run.reference.evaluation.accuracy, 'evaluateAsync accuracy');
  });

  test('no reference fallback: the only reads are the epoch-end losses, one command buffer per step', (context) => {
    const run = ran(context);
    if (run === null) return;
    assert.deepEqual(run.reference.transfers, { downloads: 0, uploads: 0 });
    // Each step's loss and probabilities, read once at its epoch's end (a fallback would read more, or throw).
    assert.equal(run.webgpu.transfers.downloads, 2 * run.steps);
    assert.equal(run.webgpu.gpuCounts?.reads, 2 * run.steps);
    context.diagnostic(
      `${run.webgpu.gpuCounts?.kernels} kernels in ${run.webgpu.gpuCounts?.submits} submits over ${run.steps} steps`,
    );
    // One command buffer per step, submitted at its scope's end: no read inside a step splits one, and
    // the epoch-end reads find nothing left to submit.
    assert.equal(run.webgpu.gpuCounts!.submits, run.steps);
  });

  test('classifyAsync, predictOutputs, an augmented fitAsync and the frozen-feature cache on webgpu match the reference', (context) => {
    const run = ran(context);
    if (run === null) return;
    const { reference, webgpu } = run.asyncForms;
    assert.deepEqual(
      webgpu.classes.map((row) => row.map((entry) => entry.index)),
      reference.classes.map((row) => row.map((entry) => entry.index)),
    );
    assertClose(
      webgpu.classes.flatMap((row) => row.map((entry) => entry.probability)),
      reference.classes.flatMap((row) => row.map((entry) => entry.probability)),
      1e-5,
      1e-4,
      'classifyAsync probabilities',
    );
    assert.deepEqual(Object.keys(webgpu.outputs), Object.keys(reference.outputs));
    for (const [name, values] of Object.entries(reference.outputs))
      assertClose(webgpu.outputs[name]!, values, 1e-5, 1e-4, `predictOutputs ${name}`);
    // Augmented batches are gathered on the host: the same crops and flips, the same steps.
    assertClose(webgpu.augmented.losses, reference.augmented.losses, 1e-5, 1e-4, 'augmented: epoch losses');
    assertClose(webgpu.augmented.progress, reference.augmented.progress, 1e-5, 1e-4, 'augmented: progress.read()');
    webgpu.augmented.weights.forEach((values, index) => {
      assertClose(values, reference.augmented.weights[index]!, 1e-4, 1e-3, `augmented: weight ${index}`);
    });
    // The frozen conv and batch norm's outputs, computed once on the device and gathered there each step.
    assert.notEqual(reference.frozen.cachedFeaturesOf, null);
    assert.equal(webgpu.frozen.cachedFeaturesOf, reference.frozen.cachedFeaturesOf);
    context.diagnostic(`frozen prefix cached through ${webgpu.frozen.cachedFeaturesOf}`);
    assertClose(webgpu.frozen.losses, reference.frozen.losses, 1e-5, 1e-4, 'frozen: epoch losses');
    webgpu.frozen.weights.forEach((values, index) => {
      assertClose(values, reference.frozen.weights[index]!, 1e-4, 1e-3, `frozen: weight ${index}`);
    });
  });

  test('the layer suite on webgpu: each layer trained one epoch, validation included, matches the reference', (context) => {
    const run = ran(context);
    if (run === null) return;
    const names = Object.keys(run.layers);
    assert.ok(names.length >= 10, names.join(', '));
    context.diagnostic(names.join(', '));
    const failed = Object.entries(run.layers).flatMap(([name, { webgpu }]) =>
      'error' in webgpu ? [`${name}: ${webgpu.error}`] : [],
    );
    assert.deepEqual(failed, [], 'layers whose training run failed on webgpu');
    for (const [name, { reference, webgpu }] of Object.entries(run.layers)) {
      if ('error' in webgpu) continue;
      assertClose(webgpu.losses, reference.losses, 1e-5, 1e-4, `${name}: loss`);
      for (const [weight, values] of Object.entries(reference.weights))
        assertClose(webgpu.weights[weight] ?? [], values, 1e-4, 1e-3, `${name}: weight ${weight}`);
      assertClose(webgpu.predictions, reference.predictions, 1e-4, 1e-3, `${name}: predictions`);
      assertClose(webgpu.valLosses, reference.valLosses, 1e-5, 1e-4, `${name}: validation loss`);
      assert.deepEqual(webgpu.valAccuracies, reference.valAccuracies, `${name}: validation accuracy`);
      // 18 training examples in 3 steps and 6 held out in one batch: each read once, at the epoch's end.
      assert.equal(webgpu.transfers.downloads, 2 * 3 + 2, `${name}: only the epoch-end reads`);
    }
  });
});
