// Color models of input images and the conversions between them. Every channel value is a float in
// [0, 1]; hue is a fraction of a full turn (0 = red, 1/3 = green, 2/3 = blue), so every model feeds
// a CNN on the same scale. Conversions go through RGB:
// - Gray from RGB is luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601). These are the weights of
//   JPEG's Y channel and of the usual image libraries' gray conversion, so a gray image made here
//   matches what users get elsewhere (BT.709's 0.2126/0.7152/0.0722 would suit linear HDTV light).
//   Gray to RGB copies the value into all three channels.
// - Alpha: RGBA to any model without alpha composites the color over a background (white unless
//   given): C = alpha * C + (1 - alpha) * background. Models without alpha become RGBA with alpha 1.
// - CMYK (subtractive): K = 1 - max(R, G, B); C = (1 - R - K) / (1 - K), likewise M from G and Y
//   from B, with C = M = Y = 0 for black; back: R = (1 - C)(1 - K).
// - HSV (hexcone): V = max, S = (max - min) / max (0 for black), H from the dominant channel; back by
//   the six sectors of the hue circle.

import { ValueError } from '../core/errors.js';

/** Every color model an image or an Input layer can have. */
export const COLOR_MODELS = ['gray', 'rgb', 'rgba', 'cmyk', 'hsv'] as const;
/** A color model: gray (1 channel), rgb (3), rgba (4), cmyk (4) or hsv (3), each value in [0, 1]. */
export type ColorModel = (typeof COLOR_MODELS)[number];

const CHANNELS: Record<ColorModel, number> = { gray: 1, rgb: 3, rgba: 4, cmyk: 4, hsv: 3 };
const LUMA = [0.299, 0.587, 0.114] as const;

/** Channels per pixel of a color model. */
export function channelsOf(model: ColorModel): number {
  return CHANNELS[model];
}

/** The color model a plain image of `channels` channels is taken to have: 1 gray, 3 RGB, 4 RGBA. */
export function defaultColorModel(channels: number): ColorModel {
  if (channels === 1) return 'gray';
  if (channels === 3) return 'rgb';
  if (channels === 4) return 'rgba';
  throw new ValueError(`an image has 1 (gray), 3 (RGB) or 4 (RGBA) channels, not ${channels}`);
}

export function checkColorModel(value: string, what: string): ColorModel {
  if (!(COLOR_MODELS as readonly string[]).includes(value)) {
    throw new ValueError(`${what}: unknown color model '${value}'; use one of ${COLOR_MODELS.join(', ')}`);
  }
  return value as ColorModel;
}

/** Options of convertPixels and convertImage. */
export interface ConvertOptions {
  /** RGB color that transparent pixels are composited over when alpha is dropped; default white. */
  background?: readonly [number, number, number] | undefined;
}

/**
 * Converts interleaved pixels (HWC order, values in [0, 1]) from one color model to another.
 * Returns a new array of pixels * channelsOf(to) values.
 *
 * @example
 * const gray = convertPixels(rgbPixels, 'rgb', 'gray'); // 3 values per pixel -> 1
 */
export function convertPixels(
  pixels: Float32Array,
  from: ColorModel,
  to: ColorModel,
  options: ConvertOptions = {},
): Float32Array {
  const fromChannels = CHANNELS[from];
  if (pixels.length % fromChannels !== 0) {
    throw new ValueError(
      `convertPixels: ${pixels.length} values are not whole ${from} pixels of ${fromChannels} channels`,
    );
  }
  const count = pixels.length / fromChannels;
  const output = new Float32Array(count * CHANNELS[to]);
  if (from === to) {
    output.set(pixels);
    return output;
  }
  const background = options.background ?? [1, 1, 1];
  const rgb = [0, 0, 0];
  for (let pixel = 0; pixel < count; pixel++) {
    const alpha = toRgb(pixels, pixel * fromChannels, from, rgb);
    fromRgb(rgb, alpha, output, pixel * CHANNELS[to], to, background);
  }
  return output;
}

/** Writes the RGB color of one pixel into `rgb` and returns its alpha (1 for models without alpha). */
function toRgb(pixels: Float32Array, offset: number, model: ColorModel, rgb: number[]): number {
  switch (model) {
    case 'gray':
      rgb[0] = rgb[1] = rgb[2] = pixels[offset]!;
      return 1;
    case 'rgb':
    case 'rgba':
      rgb[0] = pixels[offset]!;
      rgb[1] = pixels[offset + 1]!;
      rgb[2] = pixels[offset + 2]!;
      return model === 'rgba' ? pixels[offset + 3]! : 1;
    case 'cmyk': {
      const black = pixels[offset + 3]!;
      for (let channel = 0; channel < 3; channel++) rgb[channel] = (1 - pixels[offset + channel]!) * (1 - black);
      return 1;
    }
    case 'hsv':
      hsvToRgb(pixels[offset]!, pixels[offset + 1]!, pixels[offset + 2]!, rgb);
      return 1;
  }
}

function fromRgb(
  rgb: number[],
  alpha: number,
  output: Float32Array,
  offset: number,
  model: ColorModel,
  background: readonly number[],
): void {
  if (model === 'rgba') {
    output[offset] = rgb[0]!;
    output[offset + 1] = rgb[1]!;
    output[offset + 2] = rgb[2]!;
    output[offset + 3] = alpha;
    return;
  }
  const [red, green, blue] =
    alpha === 1 ? rgb : rgb.map((value, channel) => alpha * value + (1 - alpha) * background[channel]!);
  switch (model) {
    case 'gray':
      output[offset] = LUMA[0] * red! + LUMA[1] * green! + LUMA[2] * blue!;
      return;
    case 'rgb':
      output[offset] = red!;
      output[offset + 1] = green!;
      output[offset + 2] = blue!;
      return;
    case 'cmyk': {
      const black = 1 - Math.max(red!, green!, blue!);
      const scale = black < 1 ? 1 / (1 - black) : 0;
      output[offset] = (1 - red! - black) * scale;
      output[offset + 1] = (1 - green! - black) * scale;
      output[offset + 2] = (1 - blue! - black) * scale;
      output[offset + 3] = black;
      return;
    }
    case 'hsv': {
      const largest = Math.max(red!, green!, blue!);
      const spread = largest - Math.min(red!, green!, blue!);
      let hue = 0;
      if (spread > 0) {
        if (largest === red) hue = ((green! - blue!) / spread + 6) % 6;
        else if (largest === green) hue = (blue! - red!) / spread + 2;
        else hue = (red! - green!) / spread + 4;
      }
      output[offset] = hue / 6;
      output[offset + 1] = largest > 0 ? spread / largest : 0;
      output[offset + 2] = largest;
      return;
    }
  }
}

/** HSV (hue as a fraction of a turn) to RGB, by the six 60-degree sectors of the hue circle. */
function hsvToRgb(hue: number, saturation: number, value: number, rgb: number[]): void {
  const sector = (((hue % 1) + 1) % 1) * 6;
  const index = Math.floor(sector);
  const fraction = sector - index;
  const low = value * (1 - saturation);
  const falling = value * (1 - saturation * fraction);
  const rising = value * (1 - saturation * (1 - fraction));
  const table: [number, number, number][] = [
    [value, rising, low],
    [falling, value, low],
    [low, value, rising],
    [low, falling, value],
    [rising, low, value],
    [value, low, falling],
  ];
  const [red, green, blue] = table[index % 6]!;
  rgb[0] = red;
  rgb[1] = green;
  rgb[2] = blue;
}
