// The Convolution and Pooling pages in headless Chromium: for known inputs set through the page, their
// outputs equal the library's conv2d, maxPool2d and avgPool2d computed here in Node (tolerance 1e-5);
// the output-size formula shows the current numbers; the animation advances, and the multiply-and-sum
// (or window maximum and mean) the page shows at a position equals the output there; a user's file
// becomes the input and a broken one is reported in the page. Screenshots mid-animation; no console errors.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { avgPool2d, conv2d, encodePng, imageFromPixels, maxPool2dWithArgmax, Random, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { exposed, screenshot, SCREENSHOTS, skipWithoutChromium, startExplorer, type Explorer } from './harness.js';

/** What window.explorer.convolution publishes (the numeric part). */
interface ConvolutionState {
  input: { width: number; height: number; channels: number; values: number[] } | null;
  kernel: { size: number; preset: string; values: number[] };
  stride: number;
  padding: { mode: string; top: number; bottom: number; left: number; right: number } | null;
  output: { height: number; width: number; channels: number; values: number[] } | null;
  error: string | null;
  position: {
    index: number;
    count: number;
    row: number;
    column: number;
    channel: number;
    products: number[];
    sum: number;
    outputValue: number;
  } | null;
  isPlaying: boolean;
  layer: {
    input: { width: number; height: number; channels: number; values: number[] };
    channelWeights: number[];
    bias: number;
    output: { height: number; width: number; values: number[] };
    position: { row: number; column: number; channelSums: number[]; bias: number; total: number; outputValue: number };
  } | null;
}

interface PoolingState {
  input: { width: number; height: number; values: number[] } | null;
  poolSize: number;
  stride: number;
  max: { height: number; width: number; values: number[]; argmax: number[] } | null;
  average: { height: number; width: number; values: number[] } | null;
  error: string | null;
  position: {
    index: number;
    count: number;
    row: number;
    column: number;
    shownMax: number;
    shownAverage: number;
    max: number;
    average: number;
  } | null;
  isPlaying: boolean;
}

const TOLERANCE = { atol: 1e-5, rtol: 0 };

function uniformValues(count: number, seed: number): number[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => random.uniform());
}

/** Calls window.explorer[pageId][method](argument) in the page. */
async function call(page: Page, pageId: string, method: string, argument?: unknown): Promise<void> {
  await page.evaluate(
    ([id, name, value]) => {
      const api = (window as unknown as { explorer: Record<string, Record<string, (value: unknown) => void>> })
        .explorer[id as string]!;
      api[name as string]!(value);
    },
    [pageId, method, argument] as const,
  );
}

/** The number in a page element's text (the page writes a real minus sign in some places). */
async function shownNumber(page: Page, selector: string): Promise<number> {
  return Number((await page.locator(selector).innerText()).replace('\u2212', '-'));
}

describe('Convolution and Pooling pages in headless Chromium', { skip: skipWithoutChromium }, () => {
  let explorer: Explorer;
  before(async () => {
    explorer = await startExplorer();
  });
  after(async () => explorer?.close());

  test('the convolution page\u2019s output for a known image and kernel equals conv2d in Node', async () => {
    const { page, errors } = await explorer.open('convolution');
    const height = 10;
    const width = 11;
    const image = uniformValues(height * width, 7);
    const input = Tensor.fromArray(image, [1, height, width, 1]);
    const cases = [
      {
        kernel: [1, 0, -1, 2, 0, -2, 1, 0, -1],
        stride: 2,
        padding: 1 as const,
        formula: /height: \(10 − 3 \+ 2·1\) \/ 2 \+ 1 = 9 \/ 2 \+ 1 = 5\.5 → floor: 5/,
      },
      {
        kernel: uniformValues(25, 8).map((value) => value * 2 - 1),
        stride: 1,
        padding: 'same' as const,
        formula: /height: \(10 − 5 \+ 2·2\) \/ 1 \+ 1 = 9 \/ 1 \+ 1 = 10/,
      },
      {
        kernel: uniformValues(9, 9),
        stride: 3,
        padding: 'valid' as const,
        formula: /width: \(11 − 3 \+ 2·0\) \/ 3 \+ 1 = 8 \/ 3 \+ 1 = 3\.667 → floor: 3/,
      },
    ];
    for (const { kernel, stride, padding, formula } of cases) {
      await call(page, 'convolution', 'set', { image: { width, height, values: image }, kernel, stride, padding });
      const state = await exposed<ConvolutionState>(page, 'convolution');
      const size = Math.sqrt(kernel.length);
      const expected = conv2d(input, Tensor.fromArray(kernel, [size, size, 1, 1]), null, { strides: stride, padding });
      const label = `kernel ${size}x${size}, stride ${stride}, padding ${padding}`;
      assert.equal(state.error, null, label);
      assertClose(state.input!.values, input.dataSync(), { atol: 0, rtol: 0 }, `${label}: input`);
      assertClose(state.kernel.values, Float32Array.from(kernel), { atol: 0, rtol: 0 }, `${label}: kernel`);
      assert.deepEqual([1, state.output!.height, state.output!.width, state.output!.channels], expected.shape, label);
      assertClose(state.output!.values, expected.dataSync(), TOLERANCE, `${label}: output`);
      assert.match(await page.locator('#conv-formula').innerText(), formula, label);
      // The controls show the settings the test made.
      assert.equal(await page.locator('#conv-preset').inputValue(), 'custom');
      assert.equal(await page.locator('#conv-stride').inputValue(), String(stride));
      assert.equal(
        await page.locator('#conv-padding').inputValue(),
        typeof padding === 'number' ? 'explicit' : padding,
      );
    }
    // A kernel larger than the input: the library's error is shown in the page, not thrown into the console.
    await call(page, 'convolution', 'set', {
      image: { width: 4, height: 3, values: image.slice(0, 12) },
      kernel: uniformValues(25, 10),
      stride: 1,
      padding: 'valid',
    });
    const tooSmall = await exposed<ConvolutionState>(page, 'convolution');
    assert.equal(tooSmall.output, null);
    assert.match(await page.locator('#conv-error').innerText(), /5x5 window with stride 1x1 does not fit a 3x4 input/);
    assert.match(
      await page.locator('#conv-formula').innerText(),
      /height: \(3 − 5 \+ 2·0\) \/ 1 \+ 1 = −1 — the window is larger than the padded input/,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('recomputing again and again frees what it computed: the backend memory stops growing', async () => {
    const { page, errors } = await explorer.open('convolution');
    const [height, width] = [64, 64];
    const image = uniformValues(height * width * 3, 12);
    const peak = () =>
      page.evaluate(
        () =>
          (
            window as unknown as { explorer: { backend: { info(): { wasmArenaPeakBytes: number | null } } } }
          ).explorer.backend.info().wasmArenaPeakBytes,
      );
    const recompute = async (times: number) => {
      for (let index = 0; index < times; index++) {
        await call(page, 'convolution', 'set', {
          image: { width, height, channels: 3, values: image },
          kernel: uniformValues(9, 13 + index),
          stride: 1 + (index % 2),
          padding: 'same',
          colorMode: 'channels',
        });
      }
    };
    await recompute(5);
    const before = await peak();
    assert.ok(before !== null && before > 0, 'the page runs on the wasm backend');
    await recompute(40);
    // 40 outputs of 64x64x3 floats kept would be about 2 MB more.
    assert.equal(await peak(), before, 'no backend memory kept per recompute');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a color image convolved channel by channel equals conv2d with groups = 3', async () => {
    const { page, errors } = await explorer.open('convolution');
    const [height, width] = [6, 9];
    const image = uniformValues(height * width * 3, 11);
    const kernel = [0, -1, 0, -1, 5, -1, 0, -1, 0];
    await call(page, 'convolution', 'set', {
      image: { width, height, channels: 3, values: image },
      kernel,
      stride: 1,
      padding: 'same',
      colorMode: 'channels',
    });
    const state = await exposed<ConvolutionState>(page, 'convolution');
    const filter = Tensor.fromArray(
      kernel.flatMap((weight) => [weight, weight, weight]),
      [3, 3, 1, 3],
    );
    const expected = conv2d(Tensor.fromArray(image, [1, height, width, 3]), filter, null, {
      padding: 'same',
      groups: 3,
    });
    assert.deepEqual([1, state.output!.height, state.output!.width, state.output!.channels], expected.shape);
    assertClose(state.output!.values, expected.dataSync(), TOLERANCE, 'RGB output');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the convolution animation advances, and the sum it shows equals the output there', async () => {
    const { page, errors } = await explorer.open('convolution');
    // The page starts playing on the built-in digit; wait for the window to move on its own.
    await page.waitForFunction(
      () => {
        const state = (window as unknown as { explorer: { convolution: ConvolutionState } }).explorer.convolution;
        return state.isPlaying && state.position !== null && state.position.index >= 3;
      },
      undefined,
      { timeout: 10_000 },
    );
    await call(page, 'convolution', 'pause');
    await call(page, 'convolution', 'set', { preset: 'sobel-x', stride: 1, padding: 1 });
    const state = await exposed<ConvolutionState>(page, 'convolution');
    assert.equal(state.input!.width, 28);
    assert.equal(state.output!.width, 28);
    // A position on the digit's strokes, where the products are not all zero.
    const target = 13 * 28 + 9;
    await call(page, 'convolution', 'goTo', target);
    for (const index of [target, target + 1]) {
      const at = await exposed<ConvolutionState>(page, 'convolution');
      const position = at.position!;
      assert.equal(position.index, index);
      assert.equal(position.products.length, 9);
      assert.ok(
        position.products.some((product) => product !== 0),
        `position ${index} has only zero products`,
      );
      const output = at.output!.values[position.row * at.output!.width + position.column]!;
      assert.ok(Math.abs(position.sum - output) <= 1e-5, `position ${index}: sum ${position.sum} but output ${output}`);
      // What the page shows (4 decimals) is the same number.
      assert.ok(Math.abs((await shownNumber(page, '#conv-sum')) - output) <= 5.1e-5);
      assert.match(await page.locator('#conv-position').innerText(), new RegExp(`position ${index + 1} of 784`));
      if (index === target) {
        await screenshot(page, 'convolution-sliding');
        await page.click('#conv-step');
      }
    }
    await page.click('#conv-end');
    assert.equal((await exposed<ConvolutionState>(page, 'convolution')).position!.index, 783);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a user\u2019s PNG becomes the input; a file that is no image is reported in the page', async () => {
    const { page, errors } = await explorer.open('convolution');
    const pixels = Uint8Array.from({ length: 12 * 20 }, (_, index) => (index % 20 >= 8 ? 230 : 20));
    const png = encodePng(imageFromPixels(pixels, 20, 12, 'gray'));
    await page.setInputFiles('#conv-file', { name: 'step.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    await page.waitForFunction(
      () =>
        (window as unknown as { explorer: { convolution: ConvolutionState } }).explorer.convolution.input?.width === 20,
    );
    const state = await exposed<ConvolutionState>(page, 'convolution');
    assert.equal(state.input!.height, 12);
    assertClose(
      state.input!.values,
      Array.from(pixels, (value) => value / 255),
      { atol: 1e-6, rtol: 0 },
      'decoded pixels',
    );
    assert.match(await page.locator('#conv-input-note').innerText(), /step\.png: 12×20 \(height × width\), gray/);
    await page.setInputFiles('#conv-file', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not an image'),
    });
    await page.waitForFunction(() => document.querySelector('#conv-input-error')?.textContent !== '');
    assert.match(await page.locator('#conv-input-error').innerText(), /notes\.txt.*not a PNG or JPEG/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the pooling page\u2019s max and average pooling equal maxPool2d and avgPool2d in Node', async () => {
    const { page, errors } = await explorer.open('pooling');
    const [height, width] = [7, 9];
    const values = uniformValues(height * width, 21).map((value) => value * 4 - 1);
    const input = Tensor.fromArray(values, [1, height, width, 1]);
    // The page starts playing; stop it so that each position read is the one asked for.
    await call(page, 'pooling', 'pause');
    for (const [poolSize, stride, padding] of [
      [2, 2, 'valid'],
      [3, 2, 'same'],
      [3, 1, 'valid'],
    ] as const) {
      await call(page, 'pooling', 'set', { featureMap: { width, height, values }, poolSize, stride, padding });
      const state = await exposed<PoolingState>(page, 'pooling');
      const label = `pool ${poolSize}, stride ${stride}, ${padding}`;
      const expectedMax = maxPool2dWithArgmax(input, { poolSize, strides: stride, padding });
      const expectedAverage = avgPool2d(input, { poolSize, strides: stride, padding });
      assert.equal(state.error, null, label);
      assert.deepEqual([1, state.max!.height, state.max!.width, 1], expectedMax.output.shape, label);
      assertClose(state.max!.values, expectedMax.output.dataSync(), TOLERANCE, `${label}: max`);
      assert.deepEqual(state.max!.argmax, Array.from(expectedMax.argmax), `${label}: argmax`);
      assertClose(state.average!.values, expectedAverage.dataSync(), TOLERANCE, `${label}: average`);
      // Every window's shown maximum and mean are the outputs there.
      for (let index = 0; index < state.max!.values.length; index++) {
        await call(page, 'pooling', 'goTo', index);
        const position = (await exposed<PoolingState>(page, 'pooling')).position!;
        assert.equal(position.index, index);
        assert.ok(
          Math.abs(position.shownMax - expectedMax.output.dataSync()[index]!) <= 1e-5,
          `${label}: window ${index} max`,
        );
        assert.ok(
          Math.abs(position.shownAverage - expectedAverage.dataSync()[index]!) <= 1e-5,
          `${label}: window ${index} average`,
        );
      }
    }
    assert.match(
      await page.locator('#pool-formula').innerText(),
      /height: \(7 − 3 \+ 2·0\) \/ 1 \+ 1 = 4 \/ 1 \+ 1 = 5/,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the pooling animation advances window by window over a digit\u2019s feature map', async () => {
    const { page, errors } = await explorer.open('pooling');
    await page.waitForFunction(
      () => {
        const state = (window as unknown as { explorer: { pooling: PoolingState } }).explorer.pooling;
        return state.isPlaying && state.position !== null && state.position.index >= 2;
      },
      undefined,
      { timeout: 10_000 },
    );
    await call(page, 'pooling', 'pause');
    const state = await exposed<PoolingState>(page, 'pooling');
    assert.deepEqual([state.input!.height, state.input!.width, state.max!.height, state.max!.width], [28, 28, 14, 14]);
    // The ReLU feature map is never negative, and pooling never exceeds the map's maximum.
    assert.ok(Math.min(...state.input!.values) >= 0);
    assert.ok(Math.max(...state.max!.values) <= Math.max(...state.input!.values));
    // Step onto the window with the strongest response, for the screenshot.
    const brightest = state.max!.values.indexOf(Math.max(...state.max!.values));
    const target = Math.max(brightest - 1, 0);
    await call(page, 'pooling', 'goTo', target);
    await page.click('#pool-step');
    const position = (await exposed<PoolingState>(page, 'pooling')).position!;
    assert.equal(position.index, target + 1);
    assert.ok(Math.abs((await shownNumber(page, '#pool-max')) - position.max) <= 5.1e-5);
    assert.ok(Math.abs((await shownNumber(page, '#pool-average')) - position.average) <= 5.1e-5);
    assert.equal(position.shownMax, position.max);
    await screenshot(page, 'pooling-window');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(
    'a layer of three input channels and a bias: the sum over channels plus the bias equals ' + 'conv2d with a bias',
    async () => {
      const { page, errors } = await explorer.open('convolution');
      await call(page, 'convolution', 'pause');
      await call(page, 'convolution', 'loadSample', 'rose');
      await page.waitForFunction(
        () =>
          (window as unknown as { explorer: { convolution: ConvolutionState } }).explorer.convolution.input?.width ===
          70,
      );
      await call(page, 'convolution', 'set', {
        preset: 'sobel-x',
        stride: 2,
        padding: 1,
        layerChannelWeights: [0.5, 1, -0.5],
        layerBias: 0.25,
      });
      let state = await exposed<ConvolutionState>(page, 'convolution');
      const layer = state.layer!;
      // The layer reads all three channels of the photo, whatever the gray conversion above does.
      assert.equal(layer.input.channels, 3);
      const { width, height, values } = layer.input;
      const sobel = state.kernel.values;
      const filter = new Float32Array(9 * 3);
      for (let index = 0; index < 9; index++)
        for (let channel = 0; channel < 3; channel++)
          filter[index * 3 + channel] = sobel[index]! * layer.channelWeights[channel]!;
      const expected = conv2d(
        new Tensor(Float32Array.from(values), [1, height, width, 3]),
        new Tensor(filter, [3, 3, 3, 1]),
        Tensor.fromArray([0.25], [1]),
        { strides: 2, padding: 1 },
      );
      assert.deepEqual([layer.output.height, layer.output.width], [expected.shape[1], expected.shape[2]]);
      assertClose(
        layer.output.values,
        Array.from(expected.dataSync()),
        TOLERANCE,
        'layer output (3 channels, bias) vs conv2d in Node',
      );

      // At the position where the channels add up to the most: each channel's window sum, worked out here, and their
      // total with the bias.
      const strongest = layer.output.values.map((value) => Math.abs(value - 0.25));
      const index = strongest.indexOf(Math.max(...strongest));
      await call(page, 'convolution', 'goTo', index);
      state = await exposed<ConvolutionState>(page, 'convolution');
      const position = state.layer!.position;
      const top = position.row * 2 - 1;
      const left = position.column * 2 - 1;
      const sums = [0, 0, 0];
      for (let row = 0; row < 3; row++) {
        for (let column = 0; column < 3; column++) {
          const y = top + row;
          const x = left + column;
          if (y < 0 || y >= height || x < 0 || x >= width) continue;
          for (let channel = 0; channel < 3; channel++)
            sums[channel]! +=
              values[(y * width + x) * 3 + channel]! * sobel[row * 3 + column]! * layer.channelWeights[channel]!;
        }
      }
      assertClose(position.channelSums, sums, TOLERANCE, 'channel sums');
      assert.ok(
        position.channelSums.filter((sum) => Math.abs(sum) > 1e-3).length >= 2,
        `the channels add something: ${position.channelSums}`,
      );
      assert.equal(position.bias, 0.25);
      assert.ok(Math.abs(position.total - (sums[0]! + sums[1]! + sums[2]! + 0.25)) <= 1e-6);
      assert.ok(
        Math.abs(position.total - position.outputValue) <= 1e-5,
        `total ${position.total} vs conv2d ${position.outputValue}`,
      );
      assert.equal(
        await page.locator('#conv-layer-total').innerText(),
        await page.locator('#conv-layer-value').innerText(),
      );
      assert.equal(
        await page.locator('#conv-layer-sums tr').count(),
        1 + 3 + 1,
        'a header, three channels and the bias',
      );
      await page
        .locator('section', { has: page.locator('#conv-layer-sums') })
        .screenshot({ path: join(SCREENSHOTS, 'convolution-layer-bias.png') });

      // Editing a factor in the page recomputes: the blue slice switched off.
      await page.locator('#conv-layer-weight-2').fill('0');
      state = await exposed<ConvolutionState>(page, 'convolution');
      assert.deepEqual(state.layer!.channelWeights, [0.5, 1, 0]);
      assert.equal(state.layer!.position.channelSums[2], 0);
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test(
    'the mends of the learner\u2019s trial: no \u22120.0000, P\u2019s range, Play off when nothing fits, ' +
      'one pooling window',
    async () => {
      const { page, errors } = await explorer.open('convolution');
      await call(page, 'convolution', 'pause');
      // Tiny square, Edge 3x3, row 2 column 3: the sum and conv2d's value are both 0.0000, not one of them -0.0000.
      await call(page, 'convolution', 'loadSample', 'tiny');
      await page.waitForFunction(
        () =>
          (window as unknown as { explorer: { convolution: ConvolutionState } }).explorer.convolution.input?.width ===
          8,
      );
      await call(page, 'convolution', 'set', { preset: 'edge', kernelSize: 3, padding: 'valid', stride: 1 });
      await call(page, 'convolution', 'goTo', 2 * 6 + 3);
      const position = (await exposed<ConvolutionState>(page, 'convolution')).position!;
      assert.deepEqual([position.row, position.column], [2, 3]);
      assert.ok(
        Math.abs(position.sum) < 5e-5 && Math.abs(position.outputValue) < 5e-5,
        `${position.sum} and ${position.outputValue}`,
      );
      assert.equal(await page.locator('#conv-sum').innerText(), '0.0000');
      assert.equal(await page.locator('#conv-output-value').innerText(), '0.0000');

      // P outside 0-6 says what is allowed, and the output keeps the last good P.
      await call(page, 'convolution', 'set', { padding: 1 });
      for (const bad of ['7', '-1']) {
        await page.locator('#conv-padding-amount').fill(bad);
        assert.match(
          await page.locator('#conv-padding-error').innerText(),
          new RegExp(`P is a whole number from 0 to 6 \\(not ${bad}\\); the output still uses P = 1\\.`),
        );
        assert.equal((await exposed<ConvolutionState>(page, 'convolution')).padding!.top, 1);
      }
      await page.locator('#conv-padding-amount').fill('2');
      assert.equal(await page.locator('#conv-padding-error').innerText(), '');
      assert.equal((await exposed<ConvolutionState>(page, 'convolution')).padding!.top, 2);

      // A 7x7 kernel on a 5x5 image without padding: no window fits, so there is nothing to play.
      await call(page, 'convolution', 'set', {
        image: { width: 5, height: 5, values: uniformValues(25, 3) },
        kernelSize: 7,
        padding: 'valid',
      });
      assert.equal((await exposed<ConvolutionState>(page, 'convolution')).output, null);
      for (const button of ['play', 'step', 'end', 'back', 'restart'])
        assert.equal(
          await page.locator(`#conv-${button}`).isDisabled(),
          true,
          `#conv-${button} is enabled with no window`,
        );
      assert.match(await page.locator('#conv-position').innerText(), /no window fits/);
      await call(page, 'convolution', 'set', { padding: 'same' });
      assert.equal(await page.locator('#conv-play').isDisabled(), false);
      assert.match(await page.locator('#conv-position').innerText(), /position 1 of 25/);

      // Pooling 6x6, pool 4x4, stride 3: one window, which overlaps nothing.
      const pooling = await explorer.open('pooling');
      await call(pooling.page, 'pooling', 'pause');
      await call(pooling.page, 'pooling', 'set', {
        featureMap: { width: 6, height: 6, values: uniformValues(36, 4) },
        poolSize: 4,
        stride: 3,
      });
      const pooled = await exposed<PoolingState>(pooling.page, 'pooling');
      assert.deepEqual([pooled.max!.height, pooled.max!.width], [1, 1]);
      const explain = await pooling.page.locator('#pool-geometry-explain').innerText();
      assert.match(explain, /^1 window \(1×1, height × width\): one window, so nothing can overlap/);
      assert.doesNotMatch(explain, /windows overlap/);
      // With stride 2 there are 2x2 windows, and they do overlap, by 2.
      await call(pooling.page, 'pooling', 'set', { stride: 2 });
      assert.match(
        await pooling.page.locator('#pool-geometry-explain').innerText(),
        /^4 windows \(2×2, height × width\)\. Stride < pool size: neighbouring windows overlap by 2 rows or columns/,
      );
      // A 3x3 map and a 4x4 pool: nothing fits, Play is off.
      await call(pooling.page, 'pooling', 'set', {
        featureMap: { width: 3, height: 3, values: uniformValues(9, 5) },
        poolSize: 4,
      });
      assert.equal(await pooling.page.locator('#pool-play').isDisabled(), true);
      assert.deepEqual(pooling.errors, []);
      await pooling.page.close();
      assert.deepEqual(errors, []);
      await page.close();
    },
  );

  test('at 360 px a 7x7 kernel\u2019s weights and products fit: no column hides in a scroll box', async () => {
    const { page, errors } = await explorer.open('convolution', { viewport: { width: 360, height: 780 } });
    await call(page, 'convolution', 'pause');
    for (const preset of ['edge', 'emboss']) {
      await call(page, 'convolution', 'set', { preset, kernelSize: 7, padding: 3 });
      await call(page, 'convolution', 'goTo', 13 * 28 + 9);
      for (const selector of ['#conv-kernel', '#conv-products', '#conv-layer-sums']) {
        const { scrollWidth, clientWidth } = await page
          .locator(selector)
          .evaluate((table) => ({ scrollWidth: table.scrollWidth, clientWidth: table.clientWidth }));
        assert.ok(
          scrollWidth <= clientWidth,
          `${preset}: ${selector} is ${scrollWidth} px wide in a ${clientWidth} px box`,
        );
      }
      assert.equal(await page.locator('#conv-kernel input').count(), 49);
      assert.equal(await page.locator('#conv-products td').count(), 49);
    }
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360);
    await page.locator('#conv-products').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'convolution-7x7-360px.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
