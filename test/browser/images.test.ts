// Images in headless Chromium through a bundle of the package's browser build: esbuild resolves
// 'convnet-ts' by its "browser" export condition (dist/src/browser.js); in the page PNG and JPEG bytes
// decode exactly as in Node, ImageData survives a canvas, and a PNG encoded in the page decodes in Node.
// The bundle cannot find the .wasm files (see the wasm test below), so the page runs on the reference
// backend. Needs Debian's chromium (.ci/run installs it); skipped, and said so, where it is missing.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build, type BuildFailure, type BuildOptions } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { Random, convertImage, decodeImage, encodeJpeg, encodePng, type Image } from '../../src/index.js';
import { assertClose, repoRoot } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium)`;
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};
const EXACT = { atol: 0, rtol: 0 };

/** The page: plain JavaScript, bundled with the library; its findings land in window.imagesResult. */
const PAGE_SOURCE = `
import { backendInfo, decodeImage, encodeJpeg, encodePng, imageFromImageData, imageToImageData, ready } from 'convnet-ts';

const plain = (image) => ({ width: image.width, height: image.height, colorModel: image.colorModel, data: Array.from(image.data) });
const fetchBytes = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());
const result = { atImport: backendInfo() };
try {
  result.backend = await ready();
  const png = decodeImage(await fetchBytes('/fixture.png'), 'fixture.png');
  const jpeg = decodeImage(await fetchBytes('/fixture.jpg'), 'fixture.jpg');
  result.png = plain(png);
  result.jpeg = plain(jpeg);
  const canvas = document.createElement('canvas');
  canvas.width = jpeg.width;
  canvas.height = jpeg.height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const imageData = imageToImageData(jpeg);
  result.isImageData = imageData instanceof ImageData;
  context.putImageData(imageData, 0, 0);
  result.fromCanvas = plain(imageFromImageData(context.getImageData(0, 0, canvas.width, canvas.height)));
  result.encodedPng = Array.from(encodePng(png));
  try {
    result.encodedJpeg = Array.from(encodeJpeg(jpeg));
  } catch (error) {
    result.jpegEncodeError = String(error);
  }
} catch (error) {
  result.error = String((error && error.stack) || error);
}
window.imagesResult = result;
`;

interface PlainImage {
  width: number;
  height: number;
  colorModel: string;
  data: ArrayLike<number>;
}

interface PageResult {
  atImport: { active: string; wasmState: string };
  backend: { active: string; wasmState: string; wasmUnavailableReason: string | null };
  error?: string;
  png?: PlainImage;
  jpeg?: PlainImage;
  isImageData?: boolean;
  fromCanvas?: PlainImage;
  encodedPng?: number[];
  encodedJpeg?: number[];
  jpegEncodeError?: string;
}

/** Bundles the page for the browser from the repository, so 'convnet-ts' resolves to this package. */
function bundleOptions(options: BuildOptions): BuildOptions {
  return {
    stdin: { contents: PAGE_SOURCE, resolveDir: repoRoot, sourcefile: 'imagesPage.js', loader: 'js' },
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    ...options,
  };
}

/** Serves the files of `folder` read-only, with index.html at '/'. */
function serve(folder: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = join(folder, normalize(path === '/' ? 'index.html' : path));
    if (!file.startsWith(folder) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
      .end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** An RGBA image on the 8-bit grid with every kind of alpha, so an 8-bit PNG holds it exactly. */
function randomRgba(width: number, height: number, seed: number): Image {
  const random = new Random(seed);
  return {
    width,
    height,
    colorModel: 'rgba',
    data: Float32Array.from({ length: width * height * 4 }, () => random.integer(256) / 255),
  };
}

/** A smooth RGB gradient: what JPEG is for. */
function gradient(width: number, height: number): Image {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x / (width - 1), y / (height - 1), 0.5], (y * width + x) * 3);
  }
  return { width, height, colorModel: 'rgb', data };
}

function assertSameImage(actual: PlainImage | undefined, expected: Image, label: string): void {
  assert.ok(actual !== undefined, `${label}: missing from the page result`);
  assert.deepEqual(
    [actual.width, actual.height, actual.colorModel],
    [expected.width, expected.height, expected.colorModel],
    label,
  );
  assertClose(actual.data, expected.data, EXACT, label);
}

test('the browser build bundles with esbuild without errors and reaches no Node built-in', async (context) => {
  let errors: BuildFailure['errors'] = [];
  let inputs: string[] = [];
  try {
    const bundle = await build(bundleOptions({ write: false, metafile: true }));
    inputs = Object.keys(bundle.metafile!.inputs);
  } catch (error) {
    errors = (error as BuildFailure).errors;
  }
  for (const error of errors) context.diagnostic(`${error.location?.file}:${error.location?.line}: ${error.text}`);
  assert.deepEqual(
    errors.map((error) => error.text),
    [],
    'esbuild errors',
  );
  assert.ok(inputs.includes('dist/src/browser.js'), 'the browser entry is bundled');
  assert.deepEqual(
    inputs.filter(
      (input) => input.startsWith('node:') || input.includes('nodePlatform') || input.includes('nodeWorker'),
    ),
    [],
    'Node-only modules in the browser bundle',
  );
});

describe('images in headless Chromium', { skip }, () => {
  const png = randomRgba(13, 7, 1);
  const jpegBytes = encodeJpeg(gradient(16, 12), 90);
  let folder: string;
  let browser: Browser;
  let server: Server;
  let result: PageResult;
  const pageErrors: string[] = [];
  const pageWarnings: string[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-images-'));
    const bundle = await build(bundleOptions({ outfile: join(folder, 'page.js'), metafile: true }));
    const inputs = Object.keys(bundle.metafile!.inputs);
    assert.ok(
      inputs.includes('dist/src/browser.js'),
      `'convnet-ts' resolves to the browser build; bundled ` +
        `${inputs.filter((input) => input.startsWith('dist/src/')).length} modules of dist/src`,
    );
    assert.ok(!inputs.includes('dist/src/index.js'), 'the Node entry stays out of the browser bundle');
    writeFileSync(
      join(folder, 'index.html'),
      '<!doctype html>\n<meta charset="utf-8">\n<title>ConvNet.ts images</title>\n<script type="module" ' +
        'src="/page.js"></script>\n',
    );
    writeFileSync(join(folder, 'fixture.png'), encodePng(png));
    writeFileSync(join(folder, 'fixture.jpg'), jpegBytes);
    server = await serve(folder);
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
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'warning') pageWarnings.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(
      () => (window as unknown as { imagesResult?: unknown }).imagesResult !== undefined,
      null,
      { timeout: 30_000 },
    );
    result = await page.evaluate(() => (window as unknown as { imagesResult: PageResult }).imagesResult);
  });
  after(async () => {
    await browser?.close();
    server?.close();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  test('the page runs without errors on the reference backend when the .wasm files are not found', (context) => {
    assert.deepEqual(pageErrors, [], 'no page errors');
    assert.equal(result.error, undefined, result.error);
    // NOTE: bundled, wasmBackend.ts resolves '../../../wasm/<build>.wasm' against the bundle's own URL
    // (/page.js), which URL resolution clamps to /wasm/ at the site root; nothing is served there.
    context.diagnostic(`wasm backend in the bundle: ${result.backend.wasmUnavailableReason}`);
    assert.deepEqual(
      [result.atImport.active, result.atImport.wasmState],
      ['reference', 'idle'],
      'importing starts nothing',
    );
    assert.deepEqual([result.backend.active, result.backend.wasmState], ['reference', 'unavailable']);
    const reason = result.backend.wasmUnavailableReason ?? '';
    assert.match(
      reason,
      /^wasm backend: could not load http:\/\/127\.0\.0\.1:\d+\/wasm\/convnet-[a-z-]+\.wasm \(404 Not Found\); pass initWasmBackend\(\{ wasmUrl \}\)/,
    );
    // Issue 13: the start (here by ready()) says so once, on the console, naming the URL.
    assert.deepEqual(pageWarnings, [`${reason} (running on the reference kernels, several times slower)`]);
  });

  test('PNG and JPEG decode in the page exactly as in Node', () => {
    assertSameImage(result.png, decodeImage(encodePng(png)), 'PNG (RGBA, 8-bit)');
    assertSameImage(result.png, png, 'PNG against the image it encodes');
    assertSameImage(result.jpeg, decodeImage(jpegBytes), 'JPEG (baseline, quality 90)');
  });

  test('imageToImageData, putImageData, getImageData, imageFromImageData returns an opaque image exactly', () => {
    assert.equal(result.isImageData, true, 'imageToImageData gives a real ImageData in the browser');
    assertSameImage(result.fromCanvas, convertImage(decodeImage(jpegBytes), 'rgba'), 'JPEG through a canvas');
  });

  test('a PNG encoded in the page decodes in Node to the same image', () => {
    assert.ok(result.encodedPng !== undefined, 'encodePng ran in the page');
    assertSameImage(decodeImage(Uint8Array.from(result.encodedPng), 'page.png'), png, 'PNG from the page');
  });

  // jpeg-js's encoder calls Buffer.from wherever `module` is defined, as in a bundle; codecs.ts lends it one.
  test('a JPEG encoded in the page decodes in Node', () => {
    assert.equal(result.jpegEncodeError, undefined, `encodeJpeg in the page: ${result.jpegEncodeError}`);
    const decoded = decodeImage(Uint8Array.from(result.encodedJpeg!), 'page.jpg');
    assert.deepEqual([decoded.width, decoded.height, decoded.colorModel], [16, 12, 'rgb']);
  });
});
