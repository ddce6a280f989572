// The Pooling page: max and average pooling of a feature map (the ReLU of a digit convolved with an
// edge kernel, or a small grid of numbers the user edits), window by window. The outputs are the
// library's maxPool2dWithArgmax and avgPool2d; the animation shows each window's values with the
// maximum the library recorded outlined and the average written out, both outputs filling in, and
// the output-size formula. Tests drive it through window.explorer.pooling.

import {
  avgPool2d,
  conv2d,
  heatMap,
  maxPool2dWithArgmax,
  Random,
  relu,
  Tensor,
  withScope,
  type Image,
} from 'convnet-ts';
import type { Page } from '../page.js';
import { DIGIT_SAMPLES } from '../samples.js';
import { describePadding, outputSizeFormula, slidingWindow, windowAt, type SlidingWindow } from '../slidingWindow.js';
import { createStepper } from '../stepper.js';
import { choice, element, errorMessage, expose, imageCanvas, markReady, section, slider } from '../ui.js';
import {
  fillNumberTable,
  formatFixed,
  formatValue,
  mapValues,
  NO_PADDING,
  ValueGrid,
  type GridContent,
} from '../valueGrid.js';

const POOL_SIZES = [2, 3, 4];
const MAX_STRIDE = 4;
/** Screen sizes (CSS pixels) the feature map and each output are fitted into. */
const GRID_SIDE = 320;
const OUTPUT_SIDE = 196;
const EDITABLE_SIZE = 6;

/** The 3x3 Sobel kernels the digit is convolved with to make a feature map, and where they respond positively. */
const EDGE_KERNELS: Record<string, { text: string; weights: number[]; response: string }> = {
  'edges-x': {
    text: 'vertical edges (Sobel x)',
    weights: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
    response: 'the image gets brighter to the right: the left edge of each white stroke',
  },
  'edges-y': {
    text: 'horizontal edges (Sobel y)',
    weights: [-1, -2, -1, 0, 0, 0, 1, 2, 1],
    response: 'the image gets brighter downwards: the top edge of each white stroke',
  },
};

type PoolPadding = 'valid' | 'same';

interface FeatureMap {
  height: number;
  width: number;
  values: Float32Array;
}

/** What the tests may set through window.explorer.pooling.set(...). */
interface PoolingSettings {
  featureMap?: { width: number; height: number; values: readonly number[] };
  poolSize?: number;
  stride?: number;
  padding?: PoolPadding;
}

/** A seeded grid of whole numbers 0-9, the classic pooling exercise. */
function randomGrid(seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: EDITABLE_SIZE * EDITABLE_SIZE }, () => random.integer(10));
}

/**
 * How the windows sit: overlapping, tiling or skipping values. Only along an axis with two or more
 * windows can they overlap or leave gaps between them; one window (6x6, pool 4, stride 3) does neither.
 */
function windowsText(window: SlidingWindow): string {
  const { outH, outW, kH, strideH } = window;
  if (outH < 1 || outW < 1) return 'No window fits in the map. ';
  const count = `${outH * outW} window${outH * outW === 1 ? '' : 's'} (${outH}\u00d7${outW}, height \u00d7 width)`;
  if (outH === 1 && outW === 1)
    return (
      `${count}: one window, so nothing can overlap or fall between windows; values outside it (if ` +
      `any) are never looked at. `
    );
  if (strideH === kH) return `${count}. Stride = pool size: the windows tile the map without overlapping. `;
  if (strideH < kH)
    return (
      `${count}. Stride < pool size: neighbouring windows overlap by ${kH - strideH} ` +
      `row${kH - strideH === 1 ? '' : 's'} or column${kH - strideH === 1 ? '' : 's'}, so a value can count ` +
      `in more than one window. `
    );
  return (
    `${count}. Stride > pool size: ${strideH - kH} row${strideH - kH === 1 ? '' : 's'} or ` +
    `column${strideH - kH === 1 ? '' : 's'} between neighbouring windows are never looked at. `
  );
}

export const poolingPage: Page = {
  id: 'pooling',
  title: 'Pooling',
  mount(root) {
    let sourceKind = 'edges-x';
    let digitId = DIGIT_SAMPLES[0]!.id;
    let digit: Image | null = null;
    let gridSeed = 1;
    let gridValues = randomGrid(gridSeed);
    let featureMap: FeatureMap | null = null;
    let poolSize = 2;
    let stride = 2;
    let poolPadding: PoolPadding = 'valid';
    let geometry: SlidingWindow | null = null;
    let maxOutput: Float32Array | null = null;
    let argmax: Int32Array | null = null;
    let averageOutput: Float32Array | null = null;
    let computeError: string | null = null;
    let loadToken = 0;
    let isMounted = true;

    const inputGrid = new ValueGrid({ id: 'pool-input-grid', 'aria-label': 'The feature map with the pooling window' });
    const maxGrid = new ValueGrid({ id: 'pool-max-grid', 'aria-label': 'Max pooling output' });
    const averageGrid = new ValueGrid({ id: 'pool-average-grid', 'aria-label': 'Average pooling output' });
    const stepper = createStepper(() => showPosition(), { idPrefix: 'pool', speed: 5 });

    // ---- The feature map ----
    const sourceChoice = choice(
      'Feature map',
      [
        { value: 'edges-x', text: 'digit \u2192 vertical edges \u2192 ReLU' },
        { value: 'edges-y', text: 'digit \u2192 horizontal edges \u2192 ReLU' },
        { value: 'grid', text: `${EDITABLE_SIZE}\u00d7${EDITABLE_SIZE} numbers you can edit` },
      ],
      sourceKind,
      (value) => {
        sourceKind = value;
        void makeFeatureMap();
      },
      'pool-source',
    );
    const customOption = element('option', { value: 'custom' }, 'Set from code');
    customOption.hidden = true;
    sourceChoice.select.append(customOption);
    const digitChoice = choice(
      'Digit',
      DIGIT_SAMPLES.map((sample) => ({ value: sample.id, text: sample.text })),
      digitId,
      (value) => {
        digitId = value;
        digit = null;
        void makeFeatureMap();
      },
      'pool-digit',
    );
    const pipeline = element('div', { class: 'row pool-pipeline', id: 'pool-pipeline' });
    const gridEditor = element('table', { class: 'kernel-editor pool-editor', id: 'pool-editor' });
    const shuffle = element('button', { class: 'secondary', id: 'pool-shuffle' }, 'New random numbers');
    shuffle.addEventListener('click', () => {
      gridValues = randomGrid(++gridSeed);
      void makeFeatureMap();
    });
    const editorBlock = element('div', { class: 'pool-editor-block' }, gridEditor, shuffle);
    const sourceExplain = element('p', { class: 'explain', id: 'pool-source-explain' });
    const sourceError = element('p', { class: 'error', role: 'alert' });

    // ---- Pooling controls ----
    const sizeChoice = choice(
      'Pool size',
      POOL_SIZES.map((size) => ({ value: String(size), text: `${size}\u00d7${size}` })),
      String(poolSize),
      (value) => {
        poolSize = Number(value);
        // Pooling usually tiles the map: stride = pool size, so the windows neither overlap nor skip.
        setStride(poolSize);
        compute();
      },
      'pool-size',
    );
    const strideSlider = slider('Stride S', { min: 1, max: MAX_STRIDE, value: stride, id: 'pool-stride' }, (value) => {
      stride = value;
      compute();
    });
    const paddingChoice = choice(
      'Padding',
      [
        { value: 'valid', text: "'valid' (none)" },
        { value: 'same', text: "'same' (output \u2248 input / S)" },
      ],
      poolPadding,
      (value) => {
        poolPadding = value as PoolPadding;
        compute();
      },
      'pool-padding',
    );
    const geometryExplain = element('p', { class: 'explain', id: 'pool-geometry-explain' });

    // ---- The animation ----
    const windowTable = element('table', { class: 'numbers pool-window', id: 'pool-window' });
    const windowCaption = element('p', { class: 'products-caption', id: 'pool-window-caption' });
    const maxLine = element('p', { class: 'sum-line', id: 'pool-max-line' });
    const averageLine = element('p', { class: 'sum-line', id: 'pool-average-line' });
    const inputTitle = element('figcaption', { class: 'grid-title' });
    const maxTitle = element('figcaption', { class: 'grid-title' });
    const averageTitle = element('figcaption', { class: 'grid-title' });
    const legend = element('p', { class: 'note', id: 'pool-legend' });
    const computeErrorLine = element('p', { class: 'error', id: 'pool-error', role: 'alert' });
    const formulaHolder = element('div', { id: 'pool-formula' });
    for (const grid of [maxGrid, averageGrid]) {
      grid.onCellClick(({ row, column }) => {
        if (geometry === null) return;
        stepper.pause();
        stepper.goTo(row * geometry.outW + column);
      });
    }

    root.append(
      element('h1', {}, 'Pooling'),
      element(
        'p',
        { class: 'lead' },
        'Pooling shrinks a feature map by summarizing each window with one number. Max pooling keeps the ' +
          'strongest response in the window, ' +
          'so a feature still counts if it shifts a little within the window; average pooling keeps the ' +
          'mean. There are no weights to learn. ' +
          'The outputs below are the library\u2019s maxPool2d and avgPool2d, replayed one window at a time.',
      ),
      section(
        'Feature map',
        'Pooling works on what a convolution layer produces. Here: a digit convolved with an edge kernel, ' +
          'then ReLU (negatives become 0), or a grid of numbers to try by hand.',
        element('div', { class: 'controls' }, sourceChoice.root, digitChoice.root),
        sourceError,
        pipeline,
        editorBlock,
        sourceExplain,
      ),
      section(
        'Pooling window by window',
        'The blue square is the window; the table lists its values. Max pooling takes the outlined largest ' +
          'one (where the library recorded it), average pooling their mean. Both outputs fill in side by ' +
          'side; click an output cell to jump there.',
        element('div', { class: 'controls' }, sizeChoice.root, strideSlider.root, paddingChoice.root),
        geometryExplain,
        stepper.root,
        computeErrorLine,
        element(
          'div',
          { class: 'row pool-stage' },
          element('figure', {}, inputTitle, inputGrid.canvas),
          element('div', { class: 'pool-window-panel' }, windowCaption, windowTable, maxLine, averageLine),
          element('figure', {}, maxTitle, maxGrid.canvas),
          element('figure', {}, averageTitle, averageGrid.canvas),
        ),
        legend,
      ),
      section(
        'Output size',
        'The same formula as for a convolution, with K the pool size. With stride = pool size and no ' +
          'padding, it is simply the input size divided by K, rounded down.',
        formulaHolder,
      ),
    );

    function setStride(value: number): void {
      stride = value;
      strideSlider.set(value);
    }

    function buildGridEditor(): void {
      fillNumberTable(
        gridEditor,
        EDITABLE_SIZE,
        EDITABLE_SIZE,
        gridValues,
        (row, column) => `value row ${row + 1} column ${column + 1}`,
        (index, value) => {
          gridValues[index] = value;
          featureMap = { height: EDITABLE_SIZE, width: EDITABLE_SIZE, values: Float32Array.from(gridValues) };
          compute();
        },
      );
    }

    /** The feature map of the chosen source: the library's conv2d and relu on a digit, or the edited grid. */
    async function makeFeatureMap(): Promise<void> {
      // A newer choice wins over a digit still loading for an older one.
      const token = ++loadToken;
      const isDigit = sourceKind in EDGE_KERNELS;
      digitChoice.root.hidden = !isDigit;
      editorBlock.hidden = sourceKind !== 'grid';
      pipeline.hidden = !isDigit;
      customOption.hidden = sourceKind !== 'custom';
      sourceChoice.select.value = sourceKind;
      if (sourceKind === 'grid') {
        featureMap = { height: EDITABLE_SIZE, width: EDITABLE_SIZE, values: Float32Array.from(gridValues) };
        buildGridEditor();
        sourceExplain.textContent = 'Type any number into the grid; pooling is recomputed as you type.';
        compute();
        return;
      }
      if (!isDigit) {
        sourceExplain.textContent = 'A feature map set from code (window.explorer.pooling.set).';
        return;
      }
      if (digit === null) {
        try {
          const loaded = await DIGIT_SAMPLES.find((sample) => sample.id === digitId)!.load();
          if (token !== loadToken || !isMounted) return;
          digit = loaded;
          sourceError.textContent = '';
        } catch (error) {
          if (token === loadToken) sourceError.textContent = errorMessage(error);
          return;
        }
      }
      const kernel = EDGE_KERNELS[sourceKind]!;
      // In a scope, copied out: op outputs live in the backend's memory, which the scope frees again.
      const source = digit;
      const values = withScope(() =>
        Float32Array.from(
          relu(
            conv2d(
              new Tensor(source.data, [1, source.height, source.width, 1]),
              Tensor.fromArray(kernel.weights, [3, 3, 1, 1]),
              null,
              { padding: 'same' },
            ),
          ).dataSync(),
        ),
      );
      featureMap = { height: digit.height, width: digit.width, values };
      const high = Math.max(...featureMap.values);
      pipeline.replaceChildren(
        element('figure', {}, imageCanvas(digit, 3), element('figcaption', {}, 'digit')),
        element('span', { class: 'pipeline-arrow' }, '\u2192 conv2d'),
        element('figure', {}, kernelTable(kernel.weights), element('figcaption', {}, kernel.text)),
        element('span', { class: 'pipeline-arrow' }, '\u2192 ReLU \u2192'),
        element(
          'figure',
          {},
          featurePicture(featureMap, high),
          element('figcaption', {}, `feature map ${featureMap.height}\u00d7${featureMap.width}`),
        ),
      );
      sourceExplain.textContent =
        `The ${kernel.text} kernel is positive where ${kernel.response}, negative ` +
        `on the opposite edge; ReLU keeps only the positive responses (0 to ${formatValue(high, 2)}).`;
      compute();
    }

    function kernelTable(weights: readonly number[]): HTMLTableElement {
      const table = element('table', { class: 'numbers small-kernel' });
      for (let row = 0; row < 3; row++)
        table.append(
          element(
            'tr',
            {},
            ...weights.slice(row * 3, row * 3 + 3).map((weight) => element('td', {}, formatValue(weight))),
          ),
        );
      return table;
    }

    function featurePicture(map: FeatureMap, high: number): HTMLCanvasElement {
      const canvas = element('canvas', { class: 'pixels' });
      canvas.width = map.width;
      canvas.height = map.height;
      canvas.style.width = `${map.width * 3}px`;
      canvas.style.height = `${map.height * 3}px`;
      canvas
        .getContext('2d')!
        .putImageData(new ImageData(mapValues(map.values, heatMap, 0, high || 1), map.width, map.height), 0, 0);
      return canvas;
    }

    /** Runs the library's pooling on the feature map and redraws the grids. */
    function compute(): void {
      if (featureMap === null) return;
      const map = featureMap;
      const padding = poolPadding;
      geometry = slidingWindow(map.height, map.width, poolSize, stride, padding);
      formulaHolder.replaceChildren(outputSizeFormula(geometry));
      geometryExplain.textContent =
        windowsText(geometry) +
        (padding === 'same'
          ? `'same' pads ${describePadding(geometry)}; padded cells are ignored, not zeros: they count ` +
            `neither for the maximum nor in the average\u2019s divisor.`
          : '');
      maxOutput = null;
      averageOutput = null;
      argmax = null;
      computeError = null;
      try {
        const x = new Tensor(map.values, [1, map.height, map.width, 1]);
        const options = { poolSize, strides: stride, padding };
        withScope(() => {
          const max = maxPool2dWithArgmax(x, options);
          maxOutput = Float32Array.from(max.output.dataSync());
          argmax = Int32Array.from(max.argmax);
          averageOutput = Float32Array.from(avgPool2d(x, options).dataSync());
        });
      } catch (error) {
        computeError = errorMessage(error);
      }
      computeErrorLine.textContent = computeError ?? '';
      drawGrids();
      stepper.setCount(maxOutput === null ? 0 : geometry.outH * geometry.outW, 'no window fits: nothing to play');
      showPosition();
    }

    function drawGrids(): void {
      if (featureMap === null || geometry === null) return;
      const map = featureMap;
      const g = geometry;
      const rows = g.inH + g.padTop + g.padBottom;
      const columns = g.inW + g.padLeft + g.padRight;
      const cell = Math.max(3, Math.min(44, Math.floor(GRID_SIDE / Math.max(rows, columns))));
      let low = 0;
      let high = 0;
      for (const value of map.values) {
        low = Math.min(low, value);
        high = Math.max(high, value);
      }
      if (high === low) high = low + 1;
      const content: GridContent = {
        height: map.height,
        width: map.width,
        rgba: mapValues(map.values, heatMap, low, high),
        padding: { top: g.padTop, bottom: g.padBottom, left: g.padLeft, right: g.padRight },
        paddingKind: 'ignored',
        label: (row, column) => formatValue(map.values[row * map.width + column]!),
      };
      inputGrid.setContent(content, cell);
      inputTitle.textContent = `Feature map ${map.height}\u00d7${map.width}`;
      legend.textContent =
        `Colors: black ${formatValue(low)}, through red and yellow, to white ` +
        `${formatValue(high)}, the same scale in all three ` +
        `maps.${g.padTop + g.padBottom + g.padLeft + g.padRight > 0 ? ' Hatched: padding, ignored by both.' : ''}`;
      // Outputs line up with the input (one cell per stride of input cells) where the two of them fit beside it.
      const outputCell = Math.max(3, Math.min(44, cell * stride, Math.floor(OUTPUT_SIDE / Math.max(g.outH, g.outW))));
      for (const [grid, values, title, name] of [
        [maxGrid, maxOutput, maxTitle, 'Max'],
        [averageGrid, averageOutput, averageTitle, 'Average'],
      ] as const) {
        if (values === null) {
          grid.setContent({ height: 1, width: 1, rgba: new Uint8ClampedArray([246, 247, 250, 255]) }, outputCell);
          title.textContent = `${name} pooling: no output`;
          continue;
        }
        grid.setContent(
          {
            height: g.outH,
            width: g.outW,
            rgba: mapValues(values, heatMap, low, high),
            padding: NO_PADDING,
            label: (row, column) => formatValue(values[row * g.outW + column]!),
          },
          outputCell,
        );
        title.textContent = `${name} pooling ${g.outH}\u00d7${g.outW}`;
      }
    }

    /** The values of the window at `index`, the library's maximum in it, and the average written out. */
    function windowValues(index: number): { values: (number | null)[]; maxCell: number; sum: number; count: number } {
      const g = geometry!;
      const map = featureMap!;
      const { top, left } = windowAt(g, index);
      const values: (number | null)[] = [];
      let maxCell = -1;
      let sum = 0;
      let count = 0;
      const argmaxIndex = argmax![index]!;
      for (let row = 0; row < poolSize; row++) {
        for (let column = 0; column < poolSize; column++) {
          const y = top + row - g.padTop;
          const x = left + column - g.padLeft;
          if (y < 0 || y >= map.height || x < 0 || x >= map.width) {
            values.push(null);
            continue;
          }
          const value = map.values[y * map.width + x]!;
          if (y * map.width + x === argmaxIndex) maxCell = values.length;
          values.push(value);
          sum += value;
          count++;
        }
      }
      return { values, maxCell, sum, count };
    }

    function showPosition(): void {
      if (!isMounted || geometry === null || featureMap === null) return;
      if (maxOutput === null || averageOutput === null || argmax === null) {
        inputGrid.draw();
        maxGrid.draw();
        averageGrid.draw();
        windowTable.replaceChildren();
        windowCaption.textContent = maxLine.textContent = averageLine.textContent = '';
        return;
      }
      const g = geometry;
      const index = stepper.index;
      const { row, column, top, left } = windowAt(g, index);
      const argmaxIndex = argmax[index]!;
      const maxRow = Math.floor(argmaxIndex / featureMap.width) + g.padTop;
      const maxColumn = (argmaxIndex % featureMap.width) + g.padLeft;
      inputGrid.draw({
        window: { top, left, height: poolSize, width: poolSize },
        marked: [{ row: maxRow, column: maxColumn }],
      });
      maxGrid.draw({ revealed: index + 1, marked: [{ row, column }] });
      averageGrid.draw({ revealed: index + 1, marked: [{ row, column }] });

      const { values, maxCell, sum, count } = windowValues(index);
      windowTable.replaceChildren();
      for (let windowRow = 0; windowRow < poolSize; windowRow++) {
        const tableRow = element('tr');
        for (let windowColumn = 0; windowColumn < poolSize; windowColumn++) {
          const cell = windowRow * poolSize + windowColumn;
          const value = values[cell] ?? null;
          tableRow.append(
            value === null
              ? element('td', { class: 'padding', title: 'padding: ignored' }, '\u2014')
              : element('td', { class: cell === maxCell ? 'is-max' : '' }, formatValue(value, 3)),
          );
        }
        windowTable.append(tableRow);
      }
      windowCaption.textContent =
        `Window at row ${top}, column ` +
        `${left}${g.padTop + g.padLeft > 0 ? ' of the padded map' : ''} (${count} ` +
        `value${count === 1 ? '' : 's'}${count < poolSize * poolSize ? ', \u2014 = padding' : ''})`;
      const maxValue = maxOutput[index]!;
      const averageValue = averageOutput[index]!;
      maxLine.replaceChildren(
        'max = ',
        element('strong', { id: 'pool-max' }, formatFixed(maxValue)),
        ` (outlined) \u2192 max output row ${row}, column ${column}`,
      );
      averageLine.replaceChildren(
        `average = ${formatValue(sum, 3)} / ${count} = `,
        element('strong', { id: 'pool-average' }, formatFixed(sum / count)),
        ` \u2192 average output row ${row}, column ${column} (avgPool2d: ${formatFixed(averageValue)})`,
      );
    }

    function apply(settings: PoolingSettings): void {
      if (settings.featureMap !== undefined) {
        const { width, height, values } = settings.featureMap;
        if (values.length !== width * height)
          throw new Error(
            `pooling.set: a ${height}x${width} feature map has ${width * height} values, got ${values.length}`,
          );
        sourceKind = 'custom';
        featureMap = { height, width, values: Float32Array.from(values) };
        void makeFeatureMap();
      }
      if (settings.poolSize !== undefined) {
        poolSize = settings.poolSize;
        if (sizeChoice.select.querySelector(`option[value="${poolSize}"]`) === null)
          sizeChoice.select.append(element('option', { value: String(poolSize) }, `${poolSize}\u00d7${poolSize}`));
        sizeChoice.select.value = String(poolSize);
        setStride(poolSize);
      }
      if (settings.stride !== undefined) setStride(settings.stride);
      if (settings.padding !== undefined) {
        poolPadding = settings.padding;
        paddingChoice.select.value = poolPadding;
      }
      compute();
    }

    expose('pooling', {
      get input() {
        return featureMap === null
          ? null
          : { width: featureMap.width, height: featureMap.height, values: Array.from(featureMap.values) };
      },
      get poolSize() {
        return poolSize;
      },
      get stride() {
        return stride;
      },
      get padding() {
        return geometry === null
          ? null
          : {
              mode: poolPadding,
              top: geometry.padTop,
              bottom: geometry.padBottom,
              left: geometry.padLeft,
              right: geometry.padRight,
            };
      },
      get max() {
        if (maxOutput === null || argmax === null || geometry === null) return null;
        return {
          height: geometry.outH,
          width: geometry.outW,
          values: Array.from(maxOutput),
          argmax: Array.from(argmax),
        };
      },
      get average() {
        if (averageOutput === null || geometry === null) return null;
        return { height: geometry.outH, width: geometry.outW, values: Array.from(averageOutput) };
      },
      get error() {
        return computeError;
      },
      get position() {
        if (maxOutput === null || averageOutput === null || geometry === null) return null;
        const { row, column, top, left } = windowAt(geometry, stepper.index);
        const { values, maxCell, sum, count } = windowValues(stepper.index);
        return {
          index: stepper.index,
          count: stepper.count,
          row,
          column,
          top,
          left,
          values,
          maxCell,
          shownMax: values[maxCell],
          shownAverage: sum / count,
          max: maxOutput[stepper.index],
          average: averageOutput[stepper.index],
        };
      },
      get isPlaying() {
        return stepper.isPlaying;
      },
      /** Sets any of: featureMap, poolSize (stride follows it unless given), stride, padding (see PoolingSettings). */
      set(settings: PoolingSettings) {
        apply(settings);
      },
      goTo: (index: number) => stepper.goTo(index),
      play: () => stepper.play(),
      pause: () => stepper.pause(),
    });

    void makeFeatureMap().then(() => {
      if (!isMounted) return;
      stepper.play();
      markReady(root);
    });

    return () => {
      isMounted = false;
      loadToken++;
      stepper.dispose();
    };
  },
};
