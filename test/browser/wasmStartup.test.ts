// Issue 13, point 3, in headless Chromium: a `.wasm` build the server answers 404 for, and a worker
// script that does not exist, fail with errors naming the URL and the reason (not "undefined"); a
// wasmUrl function pointing at the builds works. Needs Debian's chromium; skipped where missing.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { chromiumSkip as skip, launchChromium, serveRepository } from './chromium.js';

interface Attempt {
  name?: string;
  message?: string;
  url?: string;
  build?: string;
  threads?: number;
}

test('in Chromium a missing .wasm build and a missing worker script fail naming their URLs and the reason', {
  skip,
  timeout: 90_000,
}, async () => {
  // Cross-origin isolated: the threaded build and its workers start.
  const server = await serveRepository({ page: 'test/browser/wasmStartupPage.html', isIsolated: true });
  const browser = await launchChromium({ isWebGpu: false });
  try {
    const page = await browser.newPage();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(`${origin}/`);
    await page.waitForFunction(
      () => (window as unknown as { startupResult?: unknown }).startupResult !== undefined,
      null,
      { timeout: 60_000 },
    );
    const result = await page.evaluate(
      () => (window as unknown as { startupResult: Record<string, Attempt> }).startupResult,
    );
    const missingWasm = result.missingWasm!;
    assert.equal(missingWasm.name, 'BackendError');
    assert.match(missingWasm.url!, new RegExp(`^${origin}/missing/convnet-[a-z]+-threads\\.wasm$`));
    assert.equal(
      missingWasm.message,
      `wasm backend: could not load ${missingWasm.url} (404 Not Found); pass initWasmBackend({ wasmUrl }) ` +
        `where your bundler puts the .wasm files`,
    );
    const missingWorker = result.missingWorker!;
    assert.equal(missingWorker.name, 'BackendError');
    assert.equal(missingWorker.url, `${origin}/missing/worker.js`);
    assert.equal(
      missingWorker.message,
      `wasm backend: worker 1 could not start from ${origin}/missing/worker.js (the script did not load ` +
        `(missing, wrong MIME type, or blocked)); pass initWasmBackend({ workerUrl }) where your bundler ` +
        `puts the kernel worker`,
    );
    assert.equal(result.elsewhere!.threads, 2);
    assert.match(result.elsewhere!.build!, /-threads\.wasm$/);
  } finally {
    await browser.close();
    server.close();
  }
});
