// The WebAssembly backend in headless Chromium: with cross-origin isolation it runs threaded on Web
// Workers, without it the unshared build on one thread; both must match the reference kernels.
// Needs Debian's chromium (.ci/run installs it); skipped, and said so, where it is missing.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium)`;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

interface ParityResult {
  error?: string;
  info?: { build: string; threads: number; features: { simd: boolean; relaxedSimd: boolean; threads: boolean } };
  isolated?: boolean;
  convDifference?: number;
  matMulDifference?: number;
}

/** Serves the repository read-only; with `isIsolated`, with the headers that enable shared memory. */
function serve(isIsolated: boolean): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = path === '/' ? join(repoRoot, 'test', 'browser', 'wasmPage.html') : join(repoRoot, normalize(path));
    if (!file.startsWith(repoRoot) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (isIsolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    response.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('wasm backend in headless Chromium', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => browser?.close());

  async function run(isIsolated: boolean): Promise<ParityResult> {
    const server = await serve(isIsolated);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?threads=2`);
      await page.waitForFunction(
        () => (window as unknown as { parityResult?: unknown }).parityResult !== undefined,
        null,
        { timeout: 30_000 },
      );
      const result = await page.evaluate(() => (window as unknown as { parityResult: ParityResult }).parityResult);
      assert.deepEqual(errors, [], 'no page errors');
      return result;
    } finally {
      server.close();
    }
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
