// Color models: known colors convert exactly, random colors survive RGB -> HSV -> RGB and
// RGB -> CMYK -> RGB within 1/255, gray uses BT.601 luma, alpha composites over the background, and
// images reach a model's input in the color model its Input layer declares.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COLOR_MODELS,
  Conv2D,
  Dense,
  Flatten,
  Input,
  Random,
  Sequential,
  Softmax,
  channelsOf,
  convertPixels,
  imageFromPixels,
  imagesToInput,
  type ColorModel,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const EXACT = { atol: 0, rtol: 0 };
/** Hues of 1/3 and 2/3 are not exact in float32: allow two units in the last place of such a hue. */
const FLOAT32_HUE = { atol: 2.4e-7, rtol: 0 };
const ONE_LEVEL = { atol: 1 / 255, rtol: 0 };

function convert(values: number[], from: ColorModel, to: ColorModel, background?: [number, number, number]): number[] {
  return Array.from(convertPixels(Float32Array.from(values), from, to, background === undefined ? {} : { background }));
}

describe('known colors convert exactly', () => {
  const cases: [string, number[], Record<'hsv' | 'cmyk' | 'gray', number[]>][] = [
    ['pure red', [1, 0, 0], { hsv: [0, 1, 1], cmyk: [0, 1, 1, 0], gray: [0.299] }],
    ['pure green', [0, 1, 0], { hsv: [1 / 3, 1, 1], cmyk: [1, 0, 1, 0], gray: [0.587] }],
    ['pure blue', [0, 0, 1], { hsv: [2 / 3, 1, 1], cmyk: [1, 1, 0, 0], gray: [0.114] }],
    ['mid gray', [0.5, 0.5, 0.5], { hsv: [0, 0, 0.5], cmyk: [0, 0, 0, 0.5], gray: [0.5] }],
    ['black', [0, 0, 0], { hsv: [0, 0, 0], cmyk: [0, 0, 0, 1], gray: [0] }],
    ['white', [1, 1, 1], { hsv: [0, 0, 1], cmyk: [0, 0, 0, 0], gray: [1] }],
  ];
  for (const [name, rgb, expected] of cases) {
    const tolerance = name === 'pure green' || name === 'pure blue' ? FLOAT32_HUE : EXACT;
    test(name, () => {
      for (const model of ['hsv', 'cmyk', 'gray'] as const) {
        // Gray is stored as float32: 0.299 and friends are a float32 rounding (under 6e-8) away.
        const gray = model === 'gray' ? { atol: 6e-8, rtol: 0 } : tolerance;
        assertClose(convert(rgb, 'rgb', model), expected[model], gray, `${name} rgb -> ${model}`);
        if (model !== 'gray')
          assertClose(convert(expected[model], model, 'rgb'), rgb, tolerance, `${name} ${model} -> rgb`);
      }
    });
  }
});

test('random colors survive RGB -> HSV -> RGB and RGB -> CMYK -> RGB within 1/255', () => {
  const random = new Random(7);
  const rgb = Float32Array.from({ length: 3 * 5000 }, () => random.uniform());
  for (const model of ['hsv', 'cmyk'] as const) {
    const back = convertPixels(convertPixels(rgb, 'rgb', model), model, 'rgb');
    assertClose(back, rgb, ONE_LEVEL, `rgb -> ${model} -> rgb`);
  }
});

test('every pair of color models converts, with the right number of channels', () => {
  const random = new Random(3);
  for (const from of COLOR_MODELS) {
    const pixels = Float32Array.from({ length: 10 * channelsOf(from) }, () => random.uniform());
    for (const to of COLOR_MODELS) {
      const converted = convertPixels(pixels, from, to);
      assert.equal(converted.length, 10 * channelsOf(to), `${from} -> ${to}`);
      assert.ok(
        converted.every((value) => value >= -1e-6 && value <= 1 + 1e-6),
        `${from} -> ${to} stays in [0, 1]`,
      );
    }
  }
});

test('gray to RGB copies the value; RGB to RGBA adds opaque alpha', () => {
  assertClose(convert([0.25], 'gray', 'rgb'), [0.25, 0.25, 0.25], EXACT, 'gray -> rgb');
  assertClose(convert([0.125, 0.25, 0.375], 'rgb', 'rgba'), [0.125, 0.25, 0.375, 1], EXACT, 'rgb -> rgba');
});

test('dropping alpha composites over the background (white unless given)', () => {
  // Half-transparent black over white is mid gray; over black it stays black.
  assertClose(convert([0, 0, 0, 0.5], 'rgba', 'rgb'), [0.5, 0.5, 0.5], EXACT, 'over white');
  assertClose(convert([0, 0, 0, 0.5], 'rgba', 'rgb', [0, 0, 0]), [0, 0, 0], EXACT, 'over black');
  assertClose(convert([1, 0, 0, 0], 'rgba', 'gray'), [1], EXACT, 'fully transparent shows the white background');
});

test('a gray digit model fed an RGBA image converts it; an image of another size is fitted to the input', () => {
  const model = new Sequential([
    new Input({ shape: [4, 4, 1] }),
    new Conv2D({ filters: 2, kernelSize: 3 }),
    new Flatten(),
    new Dense({ units: 3 }),
    new Softmax(),
  ]);
  assert.equal((model.layers[0] as Input).colorModel, 'gray');
  const rgba = imageFromPixels(
    Uint8Array.from({ length: 4 * 4 * 4 }, (_, index) => (index % 4 === 3 ? 255 : 255 * ((index >> 2) % 2))),
    4,
    4,
    'rgba',
  );
  const batch = imagesToInput(model, [rgba]);
  assert.deepEqual(batch.shape, [1, 4, 4, 1]);
  assertClose(
    Array.from(batch.dataSync()).slice(0, 4),
    [0, 1, 0, 1],
    { atol: 1e-6, rtol: 0 },
    'opaque black/white pixels keep their gray value',
  );
  assert.equal(model.predict(batch).shape[1], 3);
  // 8x8 RGB, white on the left half: area-averaged to 4x4 and made gray, [1, 1, 0, 0] on each row.
  const larger = imageFromPixels(
    Uint8Array.from({ length: 8 * 8 * 3 }, (_, index) => (Math.floor(index / 3) % 8 < 4 ? 255 : 0)),
    8,
    8,
    'rgb',
  );
  const fitted = imagesToInput(model, [larger]);
  assert.deepEqual(fitted.shape, [1, 4, 4, 1]);
  assertClose(
    Array.from(fitted.dataSync()),
    Array.from({ length: 16 }, (_, index) => (index % 4 < 2 ? 1 : 0)),
    { atol: 1e-6, rtol: 0 },
    'fitted and converted',
  );
});

test('the Input layer checks a declared color model against its channels', () => {
  assert.equal(new Input({ shape: [8, 8, 3], colorModel: 'hsv' }).getConfig().colorModel, 'hsv');
  assert.equal(new Input({ shape: [8, 8, 4], colorModel: 'cmyk' }).colorModel, 'cmyk');
  assert.throws(
    () => new Input({ shape: [8, 8, 3], colorModel: 'cmyk' }),
    /cmyk has 4 channels but the shape is 8x8x3/,
  );
});
