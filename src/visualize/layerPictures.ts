// Pictures of what a model holds and computes: each conv layer's kernels as a grid, and the output
// of every layer for one input (after conv, after the activation, after pooling, down to softmax).
// Every picture is within MAX_PICTURE_PIXELS: a default scale is lowered to fit, a scale asked for
// that does not fit is refused (largestPictureScale says which scales fit a model).

import { ValueError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Image } from '../image/image.js';
import { withScope } from '../kernels/registry.js';
import { Conv2D } from '../layers/conv2d.js';
import type { Model } from '../model/model.js';
import { divergingMap, grayMap } from './colorMaps.js';
import { checkGridSize, drawGrid, largestGridScale, type GridLayout } from './grid.js';

/** Pixels per side that a tile is scaled up to at least, so small maps stay visible. */
const MIN_TILE_PIXELS = 48;

/** Options of the layer pictures (kernelPicture, featureMapPictures). */
export interface PictureOptions {
  /**
   * Pixels per value along each side; when omitted, chosen so a tile is at least 48 pixels (or less,
   * where the picture would pass MAX_PICTURE_PIXELS).
   */
  scale?: number | undefined;
  /** Background pixels between tiles (default 1). */
  gap?: number | undefined;
}

/** A picture with the layout that produced it and the value range its colors span. */
export interface LayerPicture {
  /** The layer's index in model.layers. */
  layerIndex: number;
  /** The layer's name. */
  layerName: string;
  /** The layer's class name, e.g. 'Conv2D'. */
  className: string;
  /** The values drawn, per example: [kH, kW, inC, outC] for kernels, the layer's output shape otherwise. */
  shape: Shape;
  /** How the tiles are laid out in the picture. */
  layout: GridLayout;
  /** Signed values are drawn blue (negative), white (0), red (positive); others black (0) to white. */
  isSigned: boolean;
  /** The largest magnitude drawn at full color. */
  range: number;
  /** The picture, RGB. */
  picture: Image;
}

/**
 * The layout at the scale asked for, checked against MAX_PICTURE_PIXELS (ValueError naming `what` and
 * the largest scale that fits), or without one at `preferredScale` lowered until the picture fits.
 */
function scaledLayout(
  layout: Omit<GridLayout, 'scale'>,
  preferredScale: number,
  options: PictureOptions,
  what: string,
): GridLayout {
  const scale = options.scale ?? Math.max(1, Math.min(preferredScale, largestGridScale(layout)));
  const scaled = { ...layout, scale };
  // A scale that is not a positive whole number is drawGrid's to refuse.
  if (Number.isInteger(scale) && scale >= 1) checkGridSize(scaled, what);
  return scaled;
}

/** The kernels' layout: one row per filter, one column per input channel. */
function kernelLayout(
  kernelShape: Shape,
  options: PictureOptions,
): { layout: Omit<GridLayout, 'scale'>; preferredScale: number } {
  const [kH, kW, inC, outC] = kernelShape as [number, number, number, number];
  // One input channel (a gray first layer): the filters fold into a near-square block instead of a column.
  const columns = inC === 1 ? Math.ceil(Math.sqrt(outC)) : inC;
  return {
    layout: { tiles: outC * inC, tileHeight: kH, tileWidth: kW, columns, gap: options.gap ?? 1 },
    preferredScale: Math.max(1, Math.ceil(24 / Math.max(kH, kW))),
  };
}

function largestMagnitude(values: ArrayLike<number>): { range: number; isSigned: boolean } {
  let range = 0;
  let isSigned = false;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value < 0) isSigned = true;
    range = Math.max(range, Math.abs(value));
  }
  return { range, isSigned };
}

/** t in [0, 1] for a value: zero at the middle when signed, at the bottom otherwise. */
function normalizer(range: number, isSigned: boolean): (value: number) => number {
  const scale = range > 0 ? range : 1;
  return isSigned ? (value) => 0.5 + value / (2 * scale) : (value) => value / scale;
}

/**
 * The kernels of a Conv2D layer as a grid: one row per filter, one column per input channel (for a
 * single input channel, the filters in rows of ceil(sqrt(filters))), each tile kH x kW. Weights are drawn blue
 * (negative) to red (positive), white at zero, on one scale for the whole layer so tiles compare.
 *
 * @example
 * const { picture } = kernelPicture(model, 1); // the conv layer at index 1
 * writeFileSync('kernels.png', encodePng(picture));
 */
export function kernelPicture(model: Model, layerIndex: number, options: PictureOptions = {}): LayerPicture {
  const layer = model.layers[layerIndex];
  if (!(layer instanceof Conv2D) || layer.kernel === null) {
    throw new ValueError(`kernelPicture: layer ${layerIndex} (${layer?.name ?? 'none'}) is not a built Conv2D layer`);
  }
  const kernel = layer.kernel;
  const [, kW, inC, outC] = kernel.shape as [number, number, number, number];
  const { layout: unscaled, preferredScale } = kernelLayout(kernel.shape, options);
  const layout = scaledLayout(
    unscaled,
    preferredScale,
    options,
    `kernelPicture: the kernels of layer ${layerIndex} (${layer.name})`,
  );
  const { range } = largestMagnitude(kernel.dataSync());
  const toUnit = normalizer(range, true);
  // Tile `filter * inC + channel`; the kernel is stored [kH, kW, inC, outC].
  const picture = drawGrid(
    layout,
    (tile, y, x) => toUnit(kernel.dataSync()[((y * kW + x) * inC + (tile % inC)) * outC + Math.floor(tile / inC)]!),
    divergingMap,
  );
  return {
    layerIndex,
    layerName: layer.name,
    className: layer.className,
    shape: kernel.shape,
    layout,
    isSigned: true,
    range,
    picture,
  };
}

/** The layout of one example's output: a tile per channel for [h, w, c], one near-square tile for vectors. */
function outputLayout(
  shape: Shape,
  options: PictureOptions,
): { layout: Omit<GridLayout, 'scale'>; preferredScale: number } {
  const gap = options.gap ?? 1;
  if (shape.length === 3) {
    const [height, width, channels] = shape as [number, number, number];
    const preferredScale = Math.max(1, Math.ceil(MIN_TILE_PIXELS / Math.max(height, width)));
    return {
      layout: { tiles: channels, tileHeight: height, tileWidth: width, columns: Math.ceil(Math.sqrt(channels)), gap },
      preferredScale,
    };
  }
  const size = sizeOf(shape);
  // Short vectors (class scores) read best as one strip; long ones fold into a near-square block.
  const columns = size <= 32 ? size : Math.ceil(Math.sqrt(size));
  const rows = Math.ceil(size / columns);
  return {
    layout: { tiles: 1, tileHeight: rows, tileWidth: columns, columns: 1, gap },
    preferredScale: Math.max(1, Math.ceil(MIN_TILE_PIXELS / Math.max(rows, columns / 4))),
  };
}

/**
 * The largest `scale` at which every picture of `model` (each Conv2D layer's kernels, each layer's
 * output) fits MAX_PICTURE_PIXELS; 0 when some picture does not fit even at scale 1.
 *
 * @example
 * largestPictureScale(digitsCnn()); // 36: conv2d_1's 16 maps of 28x28 are then 4037 x 4037 pixels
 */
export function largestPictureScale(model: Model, options: Omit<PictureOptions, 'scale'> = {}): number {
  const layouts = model.layerOutputShapes.map((shape) => outputLayout(shape, options).layout);
  for (const layer of model.layers) {
    if (layer instanceof Conv2D && layer.kernel !== null)
      layouts.push(kernelLayout(layer.kernel.shape, options).layout);
  }
  return Math.min(...layouts.map(largestGridScale));
}

function outputPicture(
  values: Float32Array | Float64Array,
  shape: Shape,
  options: PictureOptions,
  what: string,
): Omit<LayerPicture, 'layerIndex' | 'layerName' | 'className'> {
  const { layout: unscaled, preferredScale } = outputLayout(shape, options);
  const layout = scaledLayout(unscaled, preferredScale, options, what);
  const { range, isSigned } = largestMagnitude(values);
  const toUnit = normalizer(range, isSigned);
  const colorMap = isSigned ? divergingMap : grayMap;
  let picture: Image;
  if (shape.length === 3) {
    const [, width, channels] = shape as [number, number, number];
    picture = drawGrid(layout, (channel, y, x) => toUnit(values[(y * width + x) * channels + channel]!), colorMap);
  } else {
    picture = drawGrid(
      layout,
      (_tile, y, x) => {
        const index = y * layout.tileWidth + x;
        return index < values.length ? toUnit(values[index]!) : Number.NaN;
      },
      colorMap,
    );
  }
  return { shape, layout, isSigned, range, picture };
}

/**
 * The output of every layer for one example `input` [1, ...inputShape], as pictures: a tile per
 * channel (signed maps blue/white/red, non-negative ones black to white, one scale per layer). Layers
 * run unfused in inference mode, so a conv layer and the ReLU after it show separately.
 * Holds every picture at once (each up to MAX_PICTURE_PIXELS); {@link eachFeatureMapPicture} hands
 * them over one at a time instead.
 *
 * @example
 * for (const map of featureMapPictures(model, imagesToInput(model, [digit]))) console.log(map.layerName, map.shape);
 */
export function featureMapPictures(model: Model, input: Tensor, options: PictureOptions = {}): LayerPicture[] {
  const pictures: LayerPicture[] = [];
  eachFeatureMapPicture(model, input, (picture) => pictures.push(picture), options);
  return pictures;
}

/**
 * The pictures of {@link featureMapPictures}, each handed to `onPicture` as soon as it is drawn and
 * not kept: memory for one picture at a time, however many layers the model has.
 *
 * @example
 * eachFeatureMapPicture(model, x, (map) => writeFileSync(`${map.layerName}.png`, encodePng(map.picture)));
 */
export function eachFeatureMapPicture(
  model: Model,
  input: Tensor,
  onPicture: (picture: LayerPicture) => void,
  options: PictureOptions = {},
): void {
  if (input.shape[0] !== 1)
    throw new ValueError(
      `featureMapPictures: takes one example [1, ${formatShape(model.inputShape).slice(1, -1)}], got ` +
        `${formatShape(input.shape)}`,
    );
  withScope(() => {
    model.forward(input, {
      onOutput(layerIndex, output) {
        const layer = model.layers[layerIndex]!;
        const what = `featureMapPictures: the output of layer ${layerIndex} (${layer.name})`;
        onPicture({
          layerIndex,
          layerName: layer.name,
          className: layer.className,
          ...outputPicture(output.dataSync(), output.shape.slice(1), options, what),
        });
      },
    });
  });
}
