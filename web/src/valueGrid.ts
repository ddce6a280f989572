// A canvas that shows a grid of values cell by cell, for the window animations of the Convolution
// and Pooling pages: an optional border of padding cells, the sliding window drawn over it, cells
// revealed one by one in row-major order (an output filling in), and the numbers themselves once
// cells are large enough to hold them. Values become colors through the library's color maps.
// Also the table of number inputs the same pages edit a kernel or a feature map in.

import type { ColorMap } from 'convnet-ts';
import { element } from './ui.js';

/** Cells at least this large (CSS pixels) carry their value as text. */
const LABEL_MIN_CELL = 26;
/** Cells at least this large get grid lines. */
const LINES_MIN_CELL = 7;

export interface GridPadding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export const NO_PADDING: GridPadding = { top: 0, bottom: 0, left: 0, right: 0 };

/** What a grid shows: height x width cells colored by `rgba` (4 bytes per cell, row-major). */
export interface GridContent {
  height: number;
  width: number;
  rgba: Uint8ClampedArray;
  /** The text of a cell (in unpadded coordinates), drawn when cells are large enough. */
  label?: (row: number, column: number) => string;
  /** Padding cells hold zeros (convolution) or are left out of the window (pooling). */
  padding?: GridPadding;
  paddingKind?: 'zeros' | 'ignored';
}

/** What is drawn over the cells; every coordinate is in the padded grid. */
export interface GridOverlay {
  /** The window: its top-left cell and size. */
  window?: { top: number; left: number; height: number; width: number };
  /** Cells outlined in the warm color (the current output cell, the maximum of a window). */
  marked?: readonly { row: number; column: number }[];
  /** Cells shown, counted row-major from the top-left (the rest look empty); default all. */
  revealed?: number;
}

/** RGBA bytes of `values` (one channel, row-major) through `map`, with t = (value - low) / (high - low). */
export function mapValues(
  values: ArrayLike<number>,
  map: ColorMap,
  low: number,
  high: number,
): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(values.length * 4);
  const rgb = new Float32Array(3);
  const range = high - low || 1;
  for (let index = 0; index < values.length; index++) {
    map((values[index]! - low) / range, rgb, 0);
    rgba[index * 4] = Math.round(rgb[0]! * 255);
    rgba[index * 4 + 1] = Math.round(rgb[1]! * 255);
    rgba[index * 4 + 2] = Math.round(rgb[2]! * 255);
    rgba[index * 4 + 3] = 255;
  }
  return rgba;
}

/** RGBA bytes of interleaved RGB values in [0, 1] (clamped). */
export function rgbValues(values: ArrayLike<number>): Uint8ClampedArray<ArrayBuffer> {
  const count = values.length / 3;
  const rgba = new Uint8ClampedArray(count * 4);
  for (let index = 0; index < count; index++) {
    for (let channel = 0; channel < 3; channel++)
      rgba[index * 4 + channel] = Math.round(Math.min(Math.max(values[index * 3 + channel]!, 0), 1) * 255);
    rgba[index * 4 + 3] = 255;
  }
  return rgba;
}

/** A number as a cell or a table shows it: at most `digits` decimals, no trailing zeros, a real minus sign. */
export function formatValue(value: number, digits = 2): string {
  const rounded = Number(value.toFixed(digits));
  const text = String(Object.is(rounded, -0) ? 0 : rounded);
  return text.replace('-', '\u2212');
}

/**
 * `value` with exactly `digits` decimals, as toFixed writes it, except that a value that rounds to zero
 * is "0.0000", never "-0.0000": a sum of products and the library's output for it then read alike.
 */
export function formatFixed(value: number, digits = 4): string {
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/**
 * A table of text inputs, one per value of a rows x columns grid (a kernel's weights, a feature map's
 * values), in `table`. A typed number (a real minus sign is read too) goes to `onEdit` with its
 * row-major index; anything else marks the input invalid and changes nothing.
 */
export function fillNumberTable(
  table: HTMLTableElement,
  rows: number,
  columns: number,
  values: ArrayLike<number>,
  describe: (row: number, column: number) => string,
  onEdit: (index: number, value: number) => void,
): void {
  table.replaceChildren();
  for (let row = 0; row < rows; row++) {
    const tableRow = element('tr');
    for (let column = 0; column < columns; column++) {
      const index = row * columns + column;
      const text = formatValue(values[index]!, 4).replace('\u2212', '-');
      const input = element('input', {
        type: 'text',
        inputmode: 'decimal',
        value: text,
        'aria-label': describe(row, column),
      });
      input.addEventListener('input', () => {
        const value = Number(input.value.replace('\u2212', '-'));
        const isValid = input.value.trim() !== '' && Number.isFinite(value);
        input.classList.toggle('invalid', !isValid);
        if (isValid) onEdit(index, value);
      });
      tableRow.append(element('td', {}, input));
    }
    table.append(tableRow);
  }
}

export class ValueGrid {
  readonly canvas: HTMLCanvasElement;
  private content: GridContent | null = null;
  private bitmap: HTMLCanvasElement = document.createElement('canvas');
  private cell = 10;

  constructor(attributes: Record<string, string> = {}) {
    this.canvas = element('canvas', { class: 'value-grid', role: 'img', ...attributes });
  }

  /** The padded grid's size in cells. */
  get rows(): number {
    const padding = this.content?.padding ?? NO_PADDING;
    return (this.content?.height ?? 0) + padding.top + padding.bottom;
  }

  get columns(): number {
    const padding = this.content?.padding ?? NO_PADDING;
    return (this.content?.width ?? 0) + padding.left + padding.right;
  }

  /** Replaces what the grid shows, at `cell` CSS pixels per cell. Call draw() afterwards. */
  setContent(content: GridContent, cell: number): void {
    this.content = content;
    this.cell = cell;
    this.bitmap.width = content.width;
    this.bitmap.height = content.height;
    const pixels = new ImageData(new Uint8ClampedArray(content.rgba), content.width, content.height);
    this.bitmap.getContext('2d')!.putImageData(pixels, 0, 0);
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.columns * cell * ratio);
    this.canvas.height = Math.round(this.rows * cell * ratio);
    // Only the width: CSS may shrink it on a narrow screen, and the height follows the aspect ratio.
    this.canvas.style.width = `${this.columns * cell}px`;
  }

  /** Calls `listener` with the padded-grid cell that a click lands on. */
  onCellClick(listener: (cell: { row: number; column: number }) => void): void {
    this.canvas.addEventListener('click', (event) => {
      const cell = this.cellAt(event);
      if (cell !== null) listener(cell);
    });
  }

  /** The padded-grid cell under a mouse event, or null; by the size the canvas is shown at. */
  private cellAt(event: MouseEvent): { row: number; column: number } | null {
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left - this.canvas.clientLeft;
    const y = event.clientY - box.top - this.canvas.clientTop;
    const row = Math.floor((y / this.canvas.clientHeight) * this.rows);
    const column = Math.floor((x / this.canvas.clientWidth) * this.columns);
    return row >= 0 && row < this.rows && column >= 0 && column < this.columns ? { row, column } : null;
  }

  draw(overlay: GridOverlay = {}): void {
    const content = this.content;
    if (content === null) return;
    const context = this.canvas.getContext('2d')!;
    const ratio = this.canvas.width / (this.columns * this.cell || 1);
    const cell = this.cell;
    const padding = content.padding ?? NO_PADDING;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, this.columns * cell, this.rows * cell);
    if (padding.top + padding.bottom + padding.left + padding.right > 0) this.drawPadding(context, content, padding);

    // The cells shown: whole rows, then the start of the current row.
    const revealed = Math.min(overlay.revealed ?? content.height * content.width, content.height * content.width);
    const fullRows = Math.floor(revealed / content.width);
    const partial = revealed % content.width;
    const x0 = padding.left * cell;
    const y0 = padding.top * cell;
    context.fillStyle = '#f1f3f7';
    context.fillRect(x0, y0, content.width * cell, content.height * cell);
    context.imageSmoothingEnabled = false;
    if (fullRows > 0)
      context.drawImage(this.bitmap, 0, 0, content.width, fullRows, x0, y0, content.width * cell, fullRows * cell);
    if (partial > 0)
      context.drawImage(this.bitmap, 0, fullRows, partial, 1, x0, y0 + fullRows * cell, partial * cell, cell);

    if (cell >= LINES_MIN_CELL) this.drawLines(context);
    if (cell >= LABEL_MIN_CELL && content.label !== undefined) this.drawLabels(context, content, padding, revealed);

    if (overlay.window !== undefined) {
      const { top, left, height, width } = overlay.window;
      context.fillStyle = 'rgba(47, 111, 223, 0.18)';
      context.fillRect(left * cell, top * cell, width * cell, height * cell);
      context.lineWidth = 3;
      context.strokeStyle = '#2f6fdf';
      context.strokeRect(left * cell + 1.5, top * cell + 1.5, width * cell - 3, height * cell - 3);
    }
    for (const mark of overlay.marked ?? []) {
      context.lineWidth = 2;
      context.strokeStyle = '#d9480f';
      context.strokeRect(mark.column * cell + 1, mark.row * cell + 1, cell - 2, cell - 2);
    }
  }

  /** The padding band: hatched, so it reads as "not part of the image". */
  private drawPadding(context: CanvasRenderingContext2D, content: GridContent, padding: GridPadding): void {
    const cell = this.cell;
    const width = this.columns * cell;
    const height = this.rows * cell;
    context.save();
    context.fillStyle = content.paddingKind === 'ignored' ? '#f4f4f4' : '#e8ecf4';
    context.fillRect(0, 0, width, height);
    context.beginPath();
    context.rect(0, 0, width, height);
    context.rect(padding.left * cell, padding.top * cell, content.width * cell, content.height * cell);
    context.clip('evenodd');
    context.strokeStyle = 'rgba(91, 100, 116, 0.25)';
    context.lineWidth = 1;
    context.beginPath();
    for (let offset = -height; offset < width; offset += 6) {
      context.moveTo(offset, height);
      context.lineTo(offset + height, 0);
    }
    context.stroke();
    context.restore();
  }

  private drawLines(context: CanvasRenderingContext2D): void {
    const cell = this.cell;
    context.strokeStyle = 'rgba(29, 35, 48, 0.12)';
    context.lineWidth = 1;
    context.beginPath();
    for (let row = 0; row <= this.rows; row++) {
      context.moveTo(0, row * cell + 0.5);
      context.lineTo(this.columns * cell, row * cell + 0.5);
    }
    for (let column = 0; column <= this.columns; column++) {
      context.moveTo(column * cell + 0.5, 0);
      context.lineTo(column * cell + 0.5, this.rows * cell);
    }
    context.stroke();
  }

  private drawLabels(
    context: CanvasRenderingContext2D,
    content: GridContent,
    padding: GridPadding,
    revealed: number,
  ): void {
    const cell = this.cell;
    context.font = `${Math.max(9, Math.floor(cell * 0.34))}px ui-monospace, Menlo, monospace`;
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    for (let row = 0; row < this.rows; row++) {
      for (let column = 0; column < this.columns; column++) {
        const imageRow = row - padding.top;
        const imageColumn = column - padding.left;
        const isInside = imageRow >= 0 && imageRow < content.height && imageColumn >= 0 && imageColumn < content.width;
        let text: string;
        if (isInside) {
          const index = imageRow * content.width + imageColumn;
          if (index >= revealed) continue;
          text = content.label!(imageRow, imageColumn);
          const luma =
            0.299 * content.rgba[index * 4]! +
            0.587 * content.rgba[index * 4 + 1]! +
            0.114 * content.rgba[index * 4 + 2]!;
          context.fillStyle = luma > 140 ? '#1d2330' : '#ffffff';
        } else {
          if (content.paddingKind === 'ignored') continue;
          text = '0';
          context.fillStyle = '#5b6474';
        }
        context.fillText(text, (column + 0.5) * cell, (row + 0.5) * cell);
      }
    }
  }
}
