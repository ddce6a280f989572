// The WebAssembly backend in headless Chromium: with cross-origin isolation it runs threaded on Web
// Workers, without it the unshared build on one thread; both must match the reference kernels.
// Needs Debian's chromium (.ci/run installs it); skipped, and said so, where it is missing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip as skip, launchChromium, pageResult } from './chromium.js';

interface ParityResult {
  error?: string;
  info?: { build: string; threads: number; features: { simd: boolean; relaxedSimd: boolean; threads: boolean } };
  isolated?: boolean;
  convDifference?: number;
  matMulDifference?: number;
}

describe('wasm backend in headless Chromium', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium({ isWebGpu: false });
  });
  after(async () => browser?.close());

  function run(isIsolated: boolean): Promise<ParityResult> {
    return pageResult<ParityResult>(browser, {
      page: 'test/browser/wasmPage.html',
      property: 'parityResult',
      search: '?threads=2',
      isIsolated,
      timeout: 30_000,
    });
  }

  test('cross-origin isolated: threaded build on 2 Web Workers, matching the reference', async () => {
    const result = await run(true);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.isolated, true);
    assert.equal(result.info!.threads, 2);
    assert.match(result.info!.build, /-threads\.wasm$/);
    assert.ok(
      result.convDifference! < 1e-3,
      `conv largest difference ${result.convDifference} (tolerance 1e-3 for sums of 288 products)`,
    );
    assert.ok(result.matMulDifference! < 1e-3, `matMul largest difference ${result.matMulDifference} (tolerance 1e-3)`);
  });

  test('not isolated: unshared build on one thread, matching the reference', async () => {
    const result = await run(false);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.isolated, false);
    assert.equal(result.info!.threads, 1);
    assert.doesNotMatch(result.info!.build, /threads/);
    assert.ok(result.convDifference! < 1e-3, `conv largest difference ${result.convDifference}`);
    assert.ok(result.matMulDifference! < 1e-3, `matMul largest difference ${result.matMulDifference}`);
  });
});
