// The geometry of a window sliding over an image, shared by the Convolution and Pooling pages: where
// the window sits for each output cell, and the output-size formula written out with the current
// numbers. Padding is resolved by the library (resolvePadding), so 'same' means what conv2d means.

import { resolvePadding, windowOutputSize, type Padding, type WindowParams } from 'convnet-ts';
import { element } from './ui.js';

/** One image's window geometry: the library's WindowParams without the batch, channels and dilation. */
export type SlidingWindow = Omit<WindowParams, 'batch' | 'inC' | 'dilationH' | 'dilationW'>;

/**
 * The geometry of a kSize x kSize window with `stride` and `padding` over an inH x inW input (outH or outW may be < 1).
 */
export function slidingWindow(
  inH: number,
  inW: number,
  kSize: number,
  stride: number,
  padding: Padding,
): SlidingWindow {
  const pads = resolvePadding(padding, inH, inW, kSize, kSize, stride, stride);
  return {
    inH,
    inW,
    kH: kSize,
    kW: kSize,
    strideH: stride,
    strideW: stride,
    ...pads,
    outH: windowOutputSize(inH, kSize, stride, pads.padTop, pads.padBottom),
    outW: windowOutputSize(inW, kSize, stride, pads.padLeft, pads.padRight),
  };
}

/** Output cell `index` (row-major) and the top-left corner of its window in padded-input coordinates. */
export function windowAt(
  window: SlidingWindow,
  index: number,
): { row: number; column: number; top: number; left: number } {
  const row = Math.floor(index / window.outW);
  const column = index % window.outW;
  return { row, column, top: row * window.strideH, left: column * window.strideW };
}

/** "−3" with a real minus sign, so that formulas read as maths. */
function signed(value: number): string {
  return value < 0 ? `\u2212${-value}` : String(value);
}

/**
 * One axis of the formula, e.g. "height: (28 − 3 + 2·1) / 1 + 1 = 28", with the floor spelled out when the division is
 * not exact.
 */
function axisFormula(
  axis: 'height' | 'width',
  inSize: number,
  kSize: number,
  stride: number,
  padBefore: number,
  padAfter: number,
): HTMLElement {
  const pad = padBefore === padAfter ? `2\u00b7${padBefore}` : `${padBefore} + ${padAfter}`;
  const numerator = inSize - kSize + padBefore + padAfter;
  const outSize = windowOutputSize(inSize, kSize, stride, padBefore, padAfter);
  const line = element('div', { class: 'formula-line', 'data-axis': axis });
  const exact = numerator / stride + 1;
  if (outSize < 1) {
    line.append(
      `${axis}: (${inSize} \u2212 ${kSize} + ${pad}) / ${stride} + 1 = ${signed(Math.floor(exact))}`,
      element('span', { class: 'error' }, ' \u2014 the window is larger than the padded input: nothing fits'),
    );
  } else if (Number.isInteger(exact)) {
    line.append(
      `${axis}: (${inSize} \u2212 ${kSize} + ${pad}) / ${stride} + 1 = ${numerator} / ${stride} + 1 = ${outSize}`,
    );
  } else {
    const uncovered = numerator % stride;
    const unit = axis === 'height' ? (uncovered === 1 ? 'row' : 'rows') : uncovered === 1 ? 'column' : 'columns';
    const edge = axis === 'height' ? 'bottom' : 'right';
    line.append(
      `${axis}: (${inSize} \u2212 ${kSize} + ${pad}) / ${stride} + 1 = ${numerator} / ${stride} + 1 = ` +
        `${Number(exact.toFixed(3))} \u2192 floor: ${outSize}`,
      element(
        'div',
        { class: 'formula-note' },
        `Not a whole number, so it is rounded down: the window only moves where it fits, and the last ` +
          `${uncovered} ${unit} at the ${edge} of the padded input ${uncovered === 1 ? 'is' : 'are'} never covered.`,
      ),
    );
  }
  return line;
}

/** The output-size formula (W − K + 2P) / S + 1 for both axes, with the current numbers. */
export function outputSizeFormula(window: SlidingWindow): HTMLElement {
  return element(
    'div',
    { class: 'formula output-size' },
    element(
      'div',
      { class: 'formula-line formula-general' },
      'output = (W \u2212 K + 2P) / S + 1   (W input size, K window size, P padding on each side, S stride)',
    ),
    axisFormula('height', window.inH, window.kH, window.strideH, window.padTop, window.padBottom),
    axisFormula('width', window.inW, window.kW, window.strideW, window.padLeft, window.padRight),
  );
}

/** "P = 1" or "P = 0 top, 1 bottom, ..." for the padding actually applied. */
export function describePadding(window: SlidingWindow): string {
  const { padTop, padBottom, padLeft, padRight } = window;
  if (padTop === padBottom && padTop === padLeft && padTop === padRight) return `P = ${padTop}`;
  return `P = ${padTop} top, ${padBottom} bottom, ${padLeft} left, ${padRight} right`;
}
