// End-to-end harness for the explorer: serves the built pages (dist/web) the way `convnet serve`
// does, drives Debian's Chromium with playwright-core, collects every console error and page error,
// and writes screenshots to test-output/screenshots/. Skipped, and said so, where Chromium is missing.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startExplorerServer, type ExplorerServer } from '../../cli/commands/serve.js';
import { repoRoot } from '../helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (Debian package chromium)`;
export const SCREENSHOTS = join(repoRoot, 'test-output', 'screenshots');

export interface Explorer {
  browser: Browser;
  server: ExplorerServer;
  /**
   * Opens #/<route> in a new page (`search`, e.g. '?backend=wasm', before the hash); `errors` collects console
   * errors and uncaught exceptions.
   */
  open(
    route: string,
    options?: { viewport?: { width: number; height: number }; search?: string },
  ): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/**
 * Chromium's flags for WebGPU on its software Vulkan (SwiftShader): an adapter on any machine, correct and slow
 * (test/browser/webgpuBackend.test.ts uses the same).
 */
export const SWIFTSHADER_WEBGPU = [
  '--enable-unsafe-webgpu',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/**
 * Starts the server (isolated unless told otherwise) and a headless Chromium (with `browserArgs` added to its flags):
 * without a GPU and so without a WebGPU adapter, or with `webgpu` on SwiftShader's (SWIFTSHADER_WEBGPU).
 */
export async function startExplorer(
  options: { isolation?: boolean; browserArgs?: string[]; webgpu?: boolean } = {},
): Promise<Explorer> {
  const server = await startExplorerServer({ port: 0, isolation: options.isolation ?? true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      ...(options.webgpu === true ? SWIFTSHADER_WEBGPU : ['--disable-gpu']),
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.browserArgs ?? []),
    ],
  });
  return {
    browser,
    server,
    async open(route, openOptions = {}) {
      const page = await browser.newPage({ viewport: openOptions.viewport ?? { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      await page.goto(`${server.url}${openOptions.search ?? ''}#/${route}`);
      await page.waitForSelector('#page[data-ready="true"]', { timeout: 60_000 });
      return { page, errors };
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Writes test-output/screenshots/<name>.png (the whole page) and checks it is not blank. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  const bytes = await page.screenshot({ path, fullPage: true });
  assert.ok(bytes.length > 10_000, `${name}.png is ${bytes.length} bytes: the page looks blank`);
  return path;
}

/** What a page published under window.explorer[pageId]. */
export async function exposed<T>(page: Page, pageId: string): Promise<T> {
  return page.evaluate(
    (id) => (window as unknown as { explorer?: Record<string, unknown> }).explorer?.[id],
    pageId,
  ) as Promise<T>;
}
