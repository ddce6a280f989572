// The pixels of one page of a layer's column (run in the Model page's worker): the feature maps of an
// [h, w, c] output as tiles stacked top to bottom, or a vector's values as a strip of one-pixel cells.
// Colors are the library's (visualize/colorMaps): blue-white-red where the layer has negative values,
// black-white otherwise, one range per layer so that its maps compare. Only one page is ever drawn:
// ResNet-50's 2,048 maps cost one page (8 tiles), not 2,048.

import { divergingMap, grayMap } from 'convnet-ts';
import { MAPS_PER_PAGE, VALUES_PER_PAGE, type ColumnPage } from './protocol.js';

/**
 * Pixels a map tile is drawn at at least (small maps scaled up by a whole number, so a gap stays a thin line on
 * screen).
 */
const TILE_PIXELS = 84;
/** Background pixels between tiles, at the tile's drawn size. */
const MAP_GAP = 3;

/** The largest magnitude and whether any value is negative. */
export function valueRange(values: Float32Array | Float64Array): { range: number; isSigned: boolean } {
  let range = 0;
  let isSigned = false;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value < 0) isSigned = true;
    const magnitude = Math.abs(value);
    if (magnitude > range) range = magnitude;
  }
  return { range, isSigned };
}

/** Whether a per-example shape is drawn as maps ([h, w, c]) or as a strip of values. */
export function isMaps(shape: readonly number[]): boolean {
  return shape.length === 3;
}

/** How many pages a layer's column has. */
export function pageCount(shape: readonly number[]): number {
  const items = isMaps(shape) ? shape[2]! : shape.reduce((product, size) => product * size, 1);
  return Math.max(1, Math.ceil(items / (isMaps(shape) ? MAPS_PER_PAGE : VALUES_PER_PAGE)));
}

/**
 * Page `page` of the column of `values` (one example's output, shape `shape`, channels last), colored
 * over [-range, range] (isSigned) or [0, range].
 */
export function drawColumnPage(
  layerIndex: number,
  values: Float32Array | Float64Array,
  shape: readonly number[],
  range: number,
  isSigned: boolean,
  page: number,
): ColumnPage {
  const pages = pageCount(shape);
  const current = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const fullColor = range > 0 ? range : 1;
  const colorOf = isSigned ? divergingMap : grayMap;
  const toUnit = isSigned ? (value: number) => 0.5 + value / (2 * fullColor) : (value: number) => value / fullColor;
  const rgb = new Float32Array(3);
  const paint = (rgba: Uint8ClampedArray, pixel: number, value: number) => {
    colorOf(toUnit(value), rgb, 0);
    rgba[pixel * 4] = rgb[0]! * 255;
    rgba[pixel * 4 + 1] = rgb[1]! * 255;
    rgba[pixel * 4 + 2] = rgb[2]! * 255;
    rgba[pixel * 4 + 3] = 255;
  };

  if (!isMaps(shape)) {
    const first = current * VALUES_PER_PAGE;
    const tiles = Math.min(VALUES_PER_PAGE, values.length - first);
    const rgba = new Uint8ClampedArray(tiles * 4);
    for (let index = 0; index < tiles; index++) paint(rgba, index, values[first + index]!);
    return {
      layerIndex,
      page: current,
      pageCount: pages,
      first,
      tiles,
      tileWidth: 1,
      tileHeight: 1,
      scale: 1,
      gap: 0,
      kind: 'values',
      width: 1,
      height: tiles,
      rgba,
    };
  }

  const [height, width, channels] = shape as [number, number, number];
  const scale = Math.max(1, Math.floor(TILE_PIXELS / Math.max(height, width)));
  const tileWidth = width * scale;
  const tileHeight = height * scale;
  const first = current * MAPS_PER_PAGE;
  const tiles = Math.min(MAPS_PER_PAGE, channels - first);
  const pictureHeight = tiles * tileHeight + (tiles - 1) * MAP_GAP;
  // Gaps stay transparent: the page's background shows between the maps.
  const rgba = new Uint8ClampedArray(tileWidth * pictureHeight * 4);
  for (let tile = 0; tile < tiles; tile++) {
    const channel = first + tile;
    const top = tile * (tileHeight + MAP_GAP);
    for (let pixelRow = 0; pixelRow < tileHeight; pixelRow++) {
      const row = Math.floor(pixelRow / scale);
      for (let pixelColumn = 0; pixelColumn < tileWidth; pixelColumn++) {
        const column = Math.floor(pixelColumn / scale);
        paint(rgba, (top + pixelRow) * tileWidth + pixelColumn, values[(row * width + column) * channels + channel]!);
      }
    }
  }
  return {
    layerIndex,
    page: current,
    pageCount: pages,
    first,
    tiles,
    tileWidth,
    tileHeight,
    scale,
    gap: MAP_GAP,
    kind: 'maps',
    width: tileWidth,
    height: pictureHeight,
    rgba,
  };
}
