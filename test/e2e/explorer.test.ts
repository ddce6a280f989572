// The explorer's shell: `convnet serve` serves the built pages with the cross-origin isolation
// headers, every page loads in Chromium with no console error (screenshot of each) and fits a phone's
// width without scrolling sideways, and the page also works without isolation, on one thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot, skipWithoutChromium, startExplorer, type Explorer } from './harness.js';

const PAGES = ['convolution', 'activations', 'pooling', 'color-models', 'train', 'draw', 'model', 'teach'];

describe('explorer pages in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  before(async () => {
    explorer = await startExplorer();
  });
  after(async () => explorer?.close());

  test('the server sends the isolation headers and refuses paths outside the build', async () => {
    const response = await fetch(explorer.server.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(await response.text(), /ConvNet\.ts explorer/);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/../../cli/main.js', '/no-such-file.js']) {
      assert.equal((await fetch(new URL(path, explorer.server.url))).status, 404, path);
    }
  });

  for (const route of PAGES) {
    test(`#/${route} loads with no console error`, async () => {
      const { page, errors } = await explorer.open(route);
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
      assert.equal(isolated, true);
      assert.match(
        await page.locator('#backend').innerText(),
        /WebAssembly SIMD.*2 threads|WebAssembly SIMD.*\d+ threads/,
      );
      await screenshot(page, route);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  test('every page fits a phone\u2019s width: no scrolling sideways', async () => {
    for (const route of PAGES) {
      const { page, errors } = await explorer.open(route, { viewport: { width: 360, height: 740 } });
      // The widest state of the convolution page: a 7x7 kernel (its weights and products tables).
      if (route === 'convolution') await page.selectOption('#conv-kernel-size', '7');
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      assert.ok(scrollWidth <= clientWidth, `#/${route} is ${scrollWidth} px wide in a ${clientWidth} px window`);
      assert.deepEqual(errors, [], route);
      await page.close();
    }
  });
});

describe('explorer without cross-origin isolation', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  before(async () => {
    explorer = await startExplorer({ isolation: false });
  });
  after(async () => explorer?.close());

  test('runs on one thread and still computes', async () => {
    const { page, errors } = await explorer.open('convolution');
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.match(await page.locator('#backend').innerText(), /WebAssembly SIMD.*1 thread\b.*no cross-origin isolation/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
