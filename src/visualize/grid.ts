// Pictures of many small maps side by side (kernels, feature maps): tiles of one size laid out in
// rows, each value drawn as a scale x scale square, with a gap of background between tiles. A
// picture has at most MAX_PICTURE_PIXELS pixels (src/core/limits.ts).

import { ValueError } from '../core/errors.js';
import { MAX_PICTURE_PIXELS } from '../core/limits.js';
import type { Image } from '../image/image.js';
import type { ColorMap } from './colorMaps.js';

/** How tiles are laid out in a grid picture; gridSize gives its size in pixels. */
export interface GridLayout {
  /** Tiles in the grid (one per channel, or per filter and input channel). */
  tiles: number;
  /** Values per tile, vertically (before scaling). */
  tileHeight: number;
  /** Values per tile, horizontally (before scaling). */
  tileWidth: number;
  /** Tiles per row of the grid. */
  columns: number;
  /** Pixels per value along each side. */
  scale: number;
  /** Background pixels between tiles and around them. */
  gap: number;
}

/** Rows of the layout: tiles fill rows of `columns`, the last row possibly short. */
export function gridRows(layout: GridLayout): number {
  return Math.ceil(layout.tiles / layout.columns);
}

/**
 * The picture's size: columns * (tileWidth * scale) + (columns + 1) * gap wide, and likewise
 * rows * (tileHeight * scale) + (rows + 1) * gap high.
 */
export function gridSize(layout: GridLayout): { width: number; height: number } {
  const rows = gridRows(layout);
  return {
    width: layout.columns * layout.tileWidth * layout.scale + (layout.columns + 1) * layout.gap,
    height: rows * layout.tileHeight * layout.scale + (rows + 1) * layout.gap,
  };
}

function pixelsAt(layout: Omit<GridLayout, 'scale'>, scale: number): number {
  const { width, height } = gridSize({ ...layout, scale });
  return width * height;
}

/**
 * The largest scale at which the layout's picture has at most MAX_PICTURE_PIXELS pixels; 0 when not
 * even scale 1 fits.
 *
 * @example
 * largestGridScale({ tiles: 16, tileHeight: 28, tileWidth: 28, columns: 4, gap: 1 }); // 36: 4037 x 4037 pixels
 */
export function largestGridScale(layout: Omit<GridLayout, 'scale'>): number {
  if (pixelsAt(layout, 1) > MAX_PICTURE_PIXELS) return 0;
  // The picture is at least scale pixels a side, so doubling passes the limit within 13 steps.
  let fits = 1;
  let tooLarge = 2;
  while (pixelsAt(layout, tooLarge) <= MAX_PICTURE_PIXELS) {
    fits = tooLarge;
    tooLarge *= 2;
  }
  while (tooLarge - fits > 1) {
    const middle = Math.floor((fits + tooLarge) / 2);
    if (pixelsAt(layout, middle) <= MAX_PICTURE_PIXELS) fits = middle;
    else tooLarge = middle;
  }
  return fits;
}

/**
 * Throws ValueError, naming `what` and the largest scale that fits, if the layout's picture is over MAX_PICTURE_PIXELS.
 */
export function checkGridSize(layout: GridLayout, what: string): void {
  const { width, height } = gridSize(layout);
  if (width * height <= MAX_PICTURE_PIXELS) return;
  const largest = largestGridScale(layout);
  const advice = largest === 0 ? 'not even scale 1 fits' : `the largest scale that fits is ${largest}`;
  throw new ValueError(
    `${what}: scale ${layout.scale} makes a picture of ${width}x${height} pixels, more than the ` +
      `${MAX_PICTURE_PIXELS} (MAX_PICTURE_PIXELS) a picture may have; ${advice}`,
  );
}

/**
 * Draws the grid: `value(tile, y, x)` gives each value as t in [0, 1] for `colorMap`, or NaN for
 * background (cells past the end of a vector laid out as a rectangle). Throws ValueError for a
 * layout that is not whole positive numbers, or whose picture is over MAX_PICTURE_PIXELS.
 */
export function drawGrid(
  layout: GridLayout,
  value: (tile: number, y: number, x: number) => number,
  colorMap: ColorMap,
  background = 0.85,
): Image {
  for (const key of ['tiles', 'tileHeight', 'tileWidth', 'columns', 'scale'] as const) {
    if (!Number.isInteger(layout[key]) || layout[key] < 1)
      throw new ValueError(`drawGrid: ${key} must be a positive integer, got ${layout[key]}`);
  }
  if (!Number.isInteger(layout.gap) || layout.gap < 0)
    throw new ValueError(`drawGrid: gap must be a whole number >= 0, got ${layout.gap}`);
  checkGridSize(layout, 'drawGrid');
  const { width, height } = gridSize(layout);
  const data = new Float32Array(width * height * 3).fill(background);
  const rgb = new Float32Array(3);
  const { tileHeight, tileWidth, scale, gap, columns } = layout;
  for (let tile = 0; tile < layout.tiles; tile++) {
    const top = gap + Math.floor(tile / columns) * (tileHeight * scale + gap);
    const left = gap + (tile % columns) * (tileWidth * scale + gap);
    for (let y = 0; y < tileHeight; y++) {
      for (let x = 0; x < tileWidth; x++) {
        const t = value(tile, y, x);
        if (Number.isNaN(t)) continue;
        colorMap(t, rgb, 0);
        for (let dy = 0; dy < scale; dy++) {
          let offset = ((top + y * scale + dy) * width + left + x * scale) * 3;
          for (let dx = 0; dx < scale; dx++, offset += 3) data.set(rgb, offset);
        }
      }
    }
  }
  return { width, height, colorModel: 'rgb', data };
}
