// What the browser tests share: Debian's chromium launched headless by playwright-core (with WebGPU on
// its software Vulkan, SwiftShader, where asked), the repository served read-only on 127.0.0.1 (a
// secure context, which WebGPU needs; cross-origin isolated where asked, which shared memory and so
// wasm threads need), and a page's result read from a window property. No GPU is needed.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '../helpers.js';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';

/** node:test's skip option for the browser tests: the reason where chromium is missing. */
export const chromiumSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (Debian package chromium)`;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Flags that quieten a headless browser in CI. */
const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebGPU on SwiftShader's software Vulkan: correctness without a GPU (its speed says nothing of a GPU's). */
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];

/** Launches headless chromium: with WebGPU on SwiftShader where `isWebGpu`, else with the GPU off. */
export function launchChromium(options: { isWebGpu: boolean }): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...QUIET_FLAGS, ...(options.isWebGpu ? WEBGPU_FLAGS : ['--disable-gpu'])],
  });
}

/** Options of serveRepository. */
export interface ServeOptions {
  /** The page served at '/', relative to the repository root, e.g. 'test/browser/wasmPage.html'. */
  page: string;
  /** Send the headers that make the page cross-origin isolated (SharedArrayBuffer, wasm threads). */
  isIsolated?: boolean;
}

/** Serves the repository read-only on 127.0.0.1 at a free port; '/' is `options.page`. */
export function serveRepository(options: ServeOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = path === '/' ? join(repoRoot, options.page) : join(repoRoot, normalize(path));
    if (!file.startsWith(repoRoot) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (options.isIsolated === true) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    response.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Options of pageResult. */
export interface PageResultOptions extends ServeOptions {
  /** The window property the page sets once done. */
  property: string;
  /** The query string, e.g. '?threads=2'; default none. */
  search?: string;
  /** How long the page may take, in milliseconds; default 90,000. */
  timeout?: number;
}

/**
 * Serves the repository, opens `options.page` in a new tab of `browser`, waits until the page sets
 * window[`options.property`] and returns it; fails on an uncaught page error.
 */
export async function pageResult<Result>(browser: Browser, options: PageResultOptions): Promise<Result> {
  const server = await serveRepository(options);
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${options.search ?? ''}`);
    await page.waitForFunction(
      (property) => (window as unknown as Record<string, unknown>)[property] !== undefined,
      options.property,
      {
        timeout: options.timeout ?? 90_000,
      },
    );
    const result = await page.evaluate(
      (property) => (window as unknown as Record<string, unknown>)[property],
      options.property,
    );
    assert.deepEqual(errors, [], 'no page errors');
    await page.close();
    return result as Result;
  } finally {
    server.close();
  }
}
