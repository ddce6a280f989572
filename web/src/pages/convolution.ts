// The Convolution page: an input image, a kernel (presets or typed in), kernel size, stride and
// padding; the output is the library's conv2d, and an animation replays it one window position at a
// time with that position's K x K products and their sum, the output filling in cell by cell, and
// the output-size formula with the current numbers. Color images are either converted to gray or
// convolved channel by channel (conv2d with groups = 3). Tests drive it through window.explorer.convolution.

import { conv2d, convertImage, Tensor, divergingMap, grayMap, withScope, type Image, type Padding } from 'convnet-ts';
import type { Page } from '../page.js';
import { imageDropZone, prepareImage, SAMPLES } from '../samples.js';
import { describePadding, outputSizeFormula, slidingWindow, windowAt, type SlidingWindow } from '../slidingWindow.js';
import { createStepper } from '../stepper.js';
import { choice, element, errorMessage, expose, markReady, section, slider } from '../ui.js';
import {
  fillNumberTable,
  formatFixed,
  formatValue,
  mapValues,
  rgbValues,
  ValueGrid,
  type GridContent,
} from '../valueGrid.js';

const KERNEL_SIZES = [3, 5, 7];
const MAX_STRIDE = 5;
const MAX_PADDING = 6;
/** Screen size (CSS pixels) the padded input is fitted into; the output uses the same cell size. */
const GRID_SIDE = 330;
const CHANNEL_NAMES = ['red', 'green', 'blue'];

type PaddingMode = 'valid' | 'same' | 'explicit';
type ColorMode = 'gray' | 'channels';

/** Row n - 1 of Pascal's triangle: n binomial weights, the discrete stand-in for a Gaussian. */
function binomial(n: number): number[] {
  let row = [1];
  for (let index = 1; index < n; index++) row = [...row, 0].map((value, position) => value + (row[position - 1] ?? 0));
  return row;
}

/** The K x K kernel whose entry [i, j] is column[i] * row[j]. */
function outer(column: readonly number[], row: readonly number[]): number[] {
  return column.flatMap((a) => row.map((b) => a * b));
}

/** 1 at the centre of a K x K kernel, 0 elsewhere. */
function delta(size: number): number[] {
  const values = new Array<number>(size * size).fill(0);
  values[(size * size - 1) / 2] = 1;
  return values;
}

/** The derivative taps of a K-tap Sobel filter: [-1, 0, 1] smoothed by binomial weights (as OpenCV builds it). */
function sobelDerivative(size: number): number[] {
  const smoothing = binomial(size - 2);
  return Array.from({ length: size }, (_, index) => (smoothing[index - 2] ?? 0) - (smoothing[index] ?? 0));
}

interface KernelPreset {
  id: string;
  text: string;
  explain(size: number): string;
  make(size: number): number[];
}

const PRESETS: readonly KernelPreset[] = [
  {
    id: 'edge',
    text: 'Edge (Laplacian)',
    explain: (size) =>
      `The centre weighs ${size * size - 1}, each neighbour \u22121: where the image is flat they cancel to ` +
      `0, so only edges and thin strokes remain.`,
    make: (size) => delta(size).map((value) => value * size * size - 1),
  },
  {
    id: 'sobel-x',
    text: 'Vertical edges (Sobel x)',
    explain: () =>
      'Right columns minus left columns, smoothed down the rows: positive where the image gets brighter to ' +
      'the right, negative where it gets darker.',
    make: (size) => outer(binomial(size), sobelDerivative(size)),
  },
  {
    id: 'sobel-y',
    text: 'Horizontal edges (Sobel y)',
    explain: () => 'Lower rows minus upper rows: positive where the image gets brighter downwards.',
    make: (size) => outer(sobelDerivative(size), binomial(size)),
  },
  {
    id: 'box-blur',
    text: 'Blur (box)',
    explain: (size) =>
      `Every weight is 1/${size * size}: each output is the plain mean of its ${size}\u00d7${size} neighbourhood.`,
    make: (size) => new Array<number>(size * size).fill(1 / (size * size)),
  },
  {
    id: 'gaussian-blur',
    text: 'Blur (Gaussian)',
    explain: () =>
      'Binomial weights, a close cousin of a Gaussian: nearer pixels count more, which blurs more ' +
      'smoothly than the box.',
    make: (size) => {
      const weights = binomial(size);
      const total = 4 ** (size - 1);
      return outer(weights, weights).map((value) => value / total);
    },
  },
  {
    id: 'sharpen',
    text: 'Sharpen',
    explain: (size) =>
      size === 3
        ? 'The pixel times 5 minus its four neighbours: it is pushed away from its surroundings, so edges get crisper.'
        : 'Twice the pixel minus a Gaussian blur (an unsharp mask): what the blur would remove is added once more.',
    make: (size) => {
      if (size === 3) return [0, -1, 0, -1, 5, -1, 0, -1, 0];
      const weights = binomial(size);
      const total = 4 ** (size - 1);
      const blur = outer(weights, weights);
      return delta(size).map((value, index) => 2 * value - blur[index]! / total);
    },
  },
  {
    id: 'emboss',
    text: 'Emboss',
    explain: () => 'Lower-right minus upper-left, plus the pixel itself: edges look raised, as if lit from one side.',
    make: (size) => {
      const centre = (size - 1) / 2;
      return Array.from({ length: size * size }, (_, index) => {
        const row = Math.floor(index / size);
        const column = index % size;
        return (row + column - 2 * centre) / centre + (row === centre && column === centre ? 1 : 0);
      });
    },
  },
  {
    id: 'identity',
    text: 'Identity',
    explain: () =>
      'A single 1 in the middle: every output equals the input pixel under the centre, so the image comes ' +
      'out unchanged (cropped by the padding choice).',
    make: (size) => delta(size),
  },
  {
    id: 'custom',
    text: 'Typed in',
    explain: () => 'Your own weights: type any number into the grid.',
    make: (size) => delta(size),
  },
];

/** A kernel of `size` holding `values` (of another size) centred: cropped when smaller, zeros around when larger. */
function recentre(values: Float32Array, oldSize: number, size: number): number[] {
  const shift = (oldSize - size) / 2;
  return Array.from({ length: size * size }, (_, index) => {
    const row = Math.floor(index / size) + shift;
    const column = (index % size) + shift;
    return row >= 0 && row < oldSize && column >= 0 && column < oldSize ? values[row * oldSize + column]! : 0;
  });
}

/** What P rings of zeros let a K x K window do: centre on the border pixels only once P reaches (K - 1) / 2. */
function explicitPaddingText(pad: number, kernelSize: number): string {
  const rings =
    `${pad} ring${pad === 1 ? '' : 's'} of zeros around the image: the window reaches ${pad} ` +
    `pixel${pad === 1 ? '' : 's'} past the border`;
  if (kernelSize % 2 === 0) return `${rings}.`;
  const centring = (kernelSize - 1) / 2;
  return pad >= centring
    ? `${rings}, so it can centre on every border ` +
        `pixel${pad === centring ? ' and, at stride 1, the output keeps the input size' : ''}.`
    : `${rings}; to centre on a border pixel a ${kernelSize}\u00d7${kernelSize} window needs P = ${centring}.`;
}

/** What the tests may set through window.explorer.convolution.set(...). */
interface ConvolutionSettings {
  /** A gray (channels 1, default) or RGB (channels 3) image, values in HWC order. */
  image?: { width: number; height: number; values: readonly number[]; channels?: 1 | 3 };
  /** K x K weights, row by row; sets the kernel size to K. */
  kernel?: readonly number[];
  preset?: string;
  kernelSize?: number;
  stride?: number;
  padding?: 'valid' | 'same' | number;
  colorMode?: ColorMode;
  /** The layer section: one factor per input channel (its kernel slice is the kernel times it), and the bias. */
  layerChannelWeights?: readonly number[];
  layerBias?: number;
}

/** Default factors of the layer section's three kernel slices: red and blue pull opposite ways, green counts most. */
const LAYER_CHANNEL_WEIGHTS = [0.5, 1, -0.5];
const LAYER_BIAS = 0.1;

export const convolutionPage: Page = {
  id: 'convolution',
  title: 'Convolution',
  mount(root) {
    let source: Image | null = null;
    let sourceId = SAMPLES[0]!.id;
    let colorMode: ColorMode = 'gray';
    let shownChannel = 0;
    let kernelSize = 3;
    let presetId = 'edge';
    let kernel = Float32Array.from(PRESETS[0]!.make(kernelSize));
    let stride = 1;
    let paddingMode: PaddingMode = 'valid';
    let explicitPadding = 1;
    // Derived by compute():
    let input: Image | null = null;
    let geometry: SlidingWindow | null = null;
    let output: Float32Array | null = null;
    let computeError: string | null = null;
    // The layer section: the source's every channel, one slice per channel, a bias.
    let layerChannelWeights = [...LAYER_CHANNEL_WEIGHTS];
    let layerBias = LAYER_BIAS;
    let layerOutput: Float32Array | null = null;
    let loadToken = 0;
    let isMounted = true;

    const inputGrid = new ValueGrid({ id: 'conv-input-grid', 'aria-label': 'The padded input with the window' });
    const outputGrid = new ValueGrid({ id: 'conv-output-grid', 'aria-label': 'The output feature map' });
    const layerGrid = new ValueGrid({ id: 'conv-layer-grid', 'aria-label': 'The layer\u2019s output feature map' });
    const stepper = createStepper(() => showPosition(), { idPrefix: 'conv', speed: 10 });

    // ---- Input controls ----
    const sampleChoice = choice(
      'Input',
      SAMPLES.map((sample) => ({ value: sample.id, text: sample.text })),
      sourceId,
      (value) => void loadSample(value),
      'conv-sample',
    );
    const customOption = element('option', { value: 'custom' }, 'Your image');
    customOption.hidden = true;
    sampleChoice.select.append(customOption);
    const inputNote = element('p', { class: 'note', id: 'conv-input-note' });
    const inputError = element('p', { class: 'error', id: 'conv-input-error', role: 'alert' });
    const dropZone = imageDropZone(
      'conv',
      (image, name) => useImage(image, name),
      (message) => {
        inputError.textContent = message;
      },
    );
    const colorChoice = choice(
      'Color image',
      [
        { value: 'gray', text: 'convert to gray, then convolve' },
        { value: 'channels', text: 'convolve R, G and B separately' },
      ],
      colorMode,
      (value) => {
        colorMode = value as ColorMode;
        compute();
      },
      'conv-color',
    );
    const channelChoice = choice(
      'Show the sums of',
      CHANNEL_NAMES.map((name, index) => ({ value: String(index), text: name })),
      '0',
      (value) => {
        shownChannel = Number(value);
        showPosition();
      },
      'conv-channel',
    );
    const colorExplain = element(
      'p',
      { class: 'explain' },
      'A color image has three channels. "Convert to gray" mixes them first (luma: 0.299 R + 0.587 G + ' +
        '0.114 B) and convolves that one channel. ' +
        '"Separately" applies the same kernel to R, G and B on their own (a depthwise convolution: conv2d ' +
        'with groups = 3) and gives a color output. ' +
        'A layer of a CNN does a third thing: its kernel has one K\u00d7K slice per input channel, and it ' +
        'sums over all of them into one number.',
    );
    const colorControls = element(
      'div',
      { class: 'conv-color' },
      element('div', { class: 'controls' }, colorChoice.root, channelChoice.root),
      colorExplain,
    );

    // ---- Kernel controls ----
    const presetChoice = choice(
      'Kernel',
      PRESETS.map((preset) => ({ value: preset.id, text: preset.text })),
      presetId,
      (value) => {
        presetId = value;
        const preset = PRESETS.find((candidate) => candidate.id === value)!;
        // "Typed in" starts from the weights already there, so switching to it changes nothing yet.
        if (value !== 'custom') kernel = Float32Array.from(preset.make(kernelSize));
        buildKernelEditor();
        compute();
      },
      'conv-preset',
    );
    const sizeChoice = choice(
      'Size',
      KERNEL_SIZES.map((size) => ({ value: String(size), text: `${size}\u00d7${size}` })),
      String(kernelSize),
      (value) => {
        setKernelSize(Number(value));
        compute();
      },
      'conv-kernel-size',
    );
    const kernelEditor = element('table', { class: 'kernel-editor', id: 'conv-kernel' });
    const kernelExplain = element('p', { class: 'explain', id: 'conv-kernel-explain' });
    const kernelSum = element('p', { class: 'note', id: 'conv-kernel-sum' });

    // ---- Geometry controls ----
    const strideSlider = slider('Stride S', { min: 1, max: MAX_STRIDE, value: stride, id: 'conv-stride' }, (value) => {
      stride = value;
      compute();
    });
    const paddingChoice = choice(
      'Padding',
      [
        { value: 'valid', text: "'valid' (none)" },
        { value: 'same', text: "'same' (output \u2248 input / S)" },
        { value: 'explicit', text: 'P zeros on each side' },
      ],
      paddingMode,
      (value) => {
        paddingMode = value as PaddingMode;
        compute();
      },
      'conv-padding',
    );
    const paddingAmount = element('input', {
      type: 'number',
      min: '0',
      max: String(MAX_PADDING),
      step: '1',
      value: String(explicitPadding),
      id: 'conv-padding-amount',
      'aria-label': 'Padding P',
    });
    paddingAmount.addEventListener('input', () => {
      const value = Number(paddingAmount.value);
      const isValid = paddingAmount.value !== '' && Number.isInteger(value) && value >= 0 && value <= MAX_PADDING;
      paddingAmount.classList.toggle('invalid', !isValid);
      // Say what is allowed, not only that this is not it.
      paddingAmountError.textContent = isValid
        ? ''
        : `P is a whole number from 0 to ` +
          `${MAX_PADDING}${paddingAmount.value === '' ? '' : ` (not ${paddingAmount.value})`}; the output ` +
          `still uses P = ${explicitPadding}.`;
      if (!isValid) return;
      explicitPadding = value;
      compute();
    });
    const paddingAmountLabel = element('label', { class: 'control' }, `P (0 to ${MAX_PADDING}) `, paddingAmount);
    const paddingAmountError = element('p', { class: 'error', id: 'conv-padding-error', role: 'alert' });
    const paddingExplain = element('p', { class: 'explain', id: 'conv-padding-explain' });

    // ---- The animation ----
    const productsTable = element('table', { class: 'numbers products', id: 'conv-products' });
    const productsCaption = element('p', { class: 'products-caption', id: 'conv-products-caption' });
    const sumLine = element('p', { class: 'sum-line', id: 'conv-sum-line' });
    const inputLegend = element('figcaption', { id: 'conv-input-legend' });
    const outputLegend = element('figcaption', { id: 'conv-output-legend' });
    const outputTitle = element('figcaption', { class: 'grid-title', id: 'conv-output-title' });
    const inputTitle = element('figcaption', { class: 'grid-title', id: 'conv-input-title' });
    const computeErrorLine = element('p', { class: 'error', id: 'conv-error', role: 'alert' });
    const formulaHolder = element('div', { id: 'conv-formula' });
    // ---- The layer: several input channels and a bias ----
    const layerWeightInputs = CHANNEL_NAMES.map((name, channel) => {
      const input = element('input', {
        type: 'number',
        step: '0.1',
        value: String(layerChannelWeights[channel]),
        id: `conv-layer-weight-${channel}`,
        'aria-label': `Factor of the ${name} slice`,
      });
      input.addEventListener('input', () => {
        const value = Number(input.value);
        const isValid = input.value.trim() !== '' && Number.isFinite(value);
        input.classList.toggle('invalid', !isValid);
        if (!isValid) return;
        layerChannelWeights[channel] = value;
        compute();
      });
      return { input, label: element('label', { class: 'control' }, `${name} slice = kernel \u00d7 `, input) };
    });
    const layerBiasInput = element('input', {
      type: 'number',
      step: '0.1',
      value: String(layerBias),
      id: 'conv-layer-bias',
      'aria-label': 'Bias',
    });
    layerBiasInput.addEventListener('input', () => {
      const value = Number(layerBiasInput.value);
      const isValid = layerBiasInput.value.trim() !== '' && Number.isFinite(value);
      layerBiasInput.classList.toggle('invalid', !isValid);
      if (!isValid) return;
      layerBias = value;
      compute();
    });
    const layerNote = element('p', { class: 'note', id: 'conv-layer-note' });
    const layerTable = element('table', { class: 'numbers layer-sums', id: 'conv-layer-sums' });
    const layerSumLine = element('p', { class: 'sum-line', id: 'conv-layer-sum-line' });
    const layerTitle = element('figcaption', { class: 'grid-title', id: 'conv-layer-title' });
    layerGrid.onCellClick(({ row, column }) => {
      if (geometry === null) return;
      stepper.pause();
      stepper.goTo(row * geometry.outW + column);
    });

    outputGrid.onCellClick(({ row, column }) => {
      if (geometry === null) return;
      stepper.pause();
      stepper.goTo(row * geometry.outW + column);
    });

    root.append(
      element('h1', {}, 'Convolution'),
      element(
        'p',
        { class: 'lead' },
        'A convolution slides a small grid of weights, the kernel, over an image. At each position it ' +
          'multiplies every weight by the pixel under it ' +
          'and adds the products up: that sum is one pixel of the output, the feature map. The ' +
          'library\u2019s conv2d computes the whole map; ' +
          'the animation below replays it one position at a time. (Strictly this is cross-correlation, the ' +
          'kernel is not flipped, as in every CNN library.)',
      ),
      section(
        'Input and kernel',
        'Choose an image and a kernel. Every control recomputes the output at once.',
        element(
          'div',
          { class: 'conv-setup' },
          element(
            'div',
            { class: 'conv-setup-input' },
            element('div', { class: 'controls' }, sampleChoice.root),
            dropZone,
            inputNote,
            inputError,
            colorControls,
          ),
          element(
            'div',
            { class: 'conv-setup-kernel' },
            element('div', { class: 'controls' }, presetChoice.root, sizeChoice.root),
            kernelEditor,
            kernelExplain,
            kernelSum,
          ),
          element(
            'div',
            { class: 'conv-setup-geometry' },
            element('div', { class: 'controls' }, strideSlider.root),
            element('div', { class: 'controls' }, paddingChoice.root, paddingAmountLabel),
            paddingAmountError,
            paddingExplain,
          ),
        ),
      ),
      section(
        'Sliding the window',
        'The blue square is the window on the (padded) input; the table multiplies each of its pixels by ' +
          'the kernel weight over it and adds the products; the sum lands in the outlined output cell. ' +
          'Play, step, or click an output cell to jump there.',
        stepper.root,
        computeErrorLine,
        element(
          'div',
          { class: 'row conv-stage' },
          element('figure', {}, inputTitle, inputGrid.canvas, inputLegend),
          element('div', { class: 'conv-products' }, productsCaption, productsTable, sumLine),
          element('figure', {}, outputTitle, outputGrid.canvas, outputLegend),
        ),
      ),
      section(
        'One layer: several input channels and a bias',
        'A convolution layer of a CNN reads every channel of its input at once. Its kernel for one output ' +
          'map has one K\u00d7K slice per input channel; ' +
          'at each position it takes the window\u2019s products and their sum in every channel, as above, ' +
          'adds the channels\u2019 sums together, and adds one more number, the bias, ' +
          'which the layer learns like a weight: it shifts the whole map up or down. Here each slice is the ' +
          'kernel above times a factor you choose; the output is the library\u2019s conv2d with a bias, at ' +
          'the same window position.',
        element(
          'div',
          { class: 'controls' },
          ...layerWeightInputs.map((entry) => entry.label),
          element('label', { class: 'control' }, 'bias b = ', layerBiasInput),
        ),
        layerNote,
        element(
          'div',
          { class: 'row conv-stage' },
          element('div', { class: 'conv-products' }, layerTable, layerSumLine),
          element('figure', {}, layerTitle, layerGrid.canvas),
        ),
      ),
      section(
        'Output size',
        'How many positions the window takes along each axis: the padded input size minus the kernel size, ' +
          'divided by the stride, plus the first position.',
        formulaHolder,
      ),
    );

    function setKernelSize(size: number): void {
      const preset = PRESETS.find((candidate) => candidate.id === presetId)!;
      kernel = Float32Array.from(presetId === 'custom' ? recentre(kernel, kernelSize, size) : preset.make(size));
      kernelSize = size;
      sizeChoice.select.value = String(size);
      buildKernelEditor();
    }

    /** The grid of number inputs, one per weight; typing switches the preset to "Typed in". */
    function buildKernelEditor(): void {
      fillNumberTable(
        kernelEditor,
        kernelSize,
        kernelSize,
        kernel,
        (row, column) => `weight row ${row + 1} column ${column + 1}`,
        (index, value) => {
          kernel[index] = value;
          presetId = 'custom';
          presetChoice.select.value = 'custom';
          compute();
        },
      );
    }

    function padding(): Padding {
      return paddingMode === 'explicit' ? explicitPadding : paddingMode;
    }

    /** Runs the library's conv2d on the current settings and redraws everything but the position. */
    function compute(): void {
      if (source === null) return;
      const isColor = source.colorModel === 'rgb';
      colorControls.hidden = !isColor;
      channelChoice.root.hidden = colorMode !== 'channels';
      input = isColor && colorMode === 'gray' ? convertImage(source, 'gray') : source;
      const channels = input.colorModel === 'rgb' ? 3 : 1;
      paddingAmountLabel.hidden = paddingAmountError.hidden = paddingMode !== 'explicit';
      const preset = PRESETS.find((candidate) => candidate.id === presetId)!;
      kernelExplain.textContent = preset.explain(kernelSize);
      const total = kernel.reduce((sum, value) => sum + value, 0);
      kernelSum.textContent =
        Math.abs(total - 1) < 1e-6
          ? 'The weights sum to 1: a flat area keeps its brightness.'
          : Math.abs(total) < 1e-6
            ? 'The weights sum to 0: a flat area gives 0, only changes show.'
            : `The weights sum to ${formatValue(total, 3)}: a flat area is multiplied by that.`;

      geometry = slidingWindow(input.height, input.width, kernelSize, stride, padding());
      paddingExplain.textContent =
        paddingMode === 'valid'
          ? 'No padding: the window stays inside the image, so the output is smaller by K \u2212 1 (before the stride).'
          : paddingMode === 'same'
            ? `'same' adds just enough zeros (${describePadding(geometry)}) for the output to be the input ` +
              `size divided by the stride, rounded up; an odd total puts the extra row or column at the ` +
              `bottom or right.`
            : explicitPaddingText(explicitPadding, kernelSize);
      formulaHolder.replaceChildren(outputSizeFormula(geometry));

      output = null;
      computeError = null;
      try {
        const filterValues = new Float32Array(kernelSize * kernelSize * channels);
        for (let index = 0; index < kernel.length; index++)
          filterValues.fill(kernel[index]!, index * channels, (index + 1) * channels);
        const image = input;
        // In a scope, copied out: op outputs live in the backend's memory, which the scope frees again.
        output = withScope(() =>
          Float32Array.from(
            conv2d(
              new Tensor(image.data, [1, image.height, image.width, channels]),
              new Tensor(filterValues, [kernelSize, kernelSize, 1, channels]),
              null,
              { strides: stride, padding: padding(), groups: channels },
            ).dataSync(),
          ),
        );
      } catch (error) {
        computeError = errorMessage(error);
      }
      computeErrorLine.textContent = computeError ?? '';
      computeLayer();
      drawGrids(channels);
      stepper.setCount(output === null ? 0 : geometry.outH * geometry.outW, 'no window fits: nothing to play');
      showPosition();
    }

    /**
     * The layer section's output: conv2d over every channel of the source, one filter (the kernel times each channel's
     * factor), and the bias.
     */
    function computeLayer(): void {
      layerOutput = null;
      if (source === null || output === null) return;
      const image = source;
      const channels = image.colorModel === 'rgb' ? 3 : 1;
      for (const [channel, entry] of layerWeightInputs.entries()) entry.label.hidden = channel >= channels;
      const filterValues = new Float32Array(kernelSize * kernelSize * channels);
      for (let index = 0; index < kernel.length; index++) {
        for (let channel = 0; channel < channels; channel++)
          filterValues[index * channels + channel] = kernel[index]! * layerChannelWeights[channel]!;
      }
      try {
        layerOutput = withScope(() =>
          Float32Array.from(
            conv2d(
              new Tensor(image.data, [1, image.height, image.width, channels]),
              new Tensor(filterValues, [kernelSize, kernelSize, channels, 1]),
              Tensor.fromArray([layerBias], [1]),
              { strides: stride, padding: padding() },
            ).dataSync(),
          ),
        );
      } catch (error) {
        layerNote.textContent = errorMessage(error);
        return;
      }
      layerNote.textContent =
        channels === 3
          ? `The input, ${image.height}\u00d7${image.width}\u00d73, goes in with all three channels (before ` +
            `any conversion to gray); the filter is ${kernelSize}\u00d7${kernelSize}\u00d73, plus 1 bias: ` +
            `${kernelSize * kernelSize * 3 + 1} numbers the layer learns.`
          : `This input has one channel, so the layer has one slice (${kernelSize * kernelSize} weights) ` +
            `and a bias. Choose the color photo to see three channels added up.`;
      const g = geometry!;
      let extent = 0;
      for (const value of layerOutput) extent = Math.max(extent, Math.abs(value));
      const values = layerOutput;
      const cell = Math.max(3, Math.min(40, Math.floor(GRID_SIDE / Math.max(g.outH, g.outW))));
      layerGrid.setContent(
        {
          height: g.outH,
          width: g.outW,
          rgba: mapValues(values, divergingMap, -(extent || 1), extent || 1),
          label: (row, column) => formatValue(values[row * g.outW + column]!),
        },
        cell,
      );
      layerTitle.textContent =
        `Layer output ${g.outH}\u00d7${g.outW}\u00d71 (conv2d, ${channels} input ` +
        `channel${channels === 1 ? '' : 's'}, bias); blue negative, red positive (\u00b1${formatValue(extent, 3)})`;
    }

    /**
     * Each channel's window sum at `index` (its slice: the kernel times the channel's factor), the bias, and their
     * total.
     */
    function layerSums(index: number): { channelSums: number[]; bias: number; total: number } {
      const g = geometry!;
      const image = source!;
      const channels = image.colorModel === 'rgb' ? 3 : 1;
      const { top, left } = windowAt(g, index);
      const channelSums = new Array<number>(channels).fill(0);
      for (let row = 0; row < kernelSize; row++) {
        for (let column = 0; column < kernelSize; column++) {
          const y = top + row - g.padTop;
          const x = left + column - g.padLeft;
          if (y < 0 || y >= image.height || x < 0 || x >= image.width) continue;
          for (let channel = 0; channel < channels; channel++) {
            channelSums[channel]! +=
              image.data[(y * image.width + x) * channels + channel]! *
              kernel[row * kernelSize + column]! *
              layerChannelWeights[channel]!;
          }
        }
      }
      const total = channelSums.reduce((sum, value) => sum + value, 0) + layerBias;
      return { channelSums, bias: layerBias, total };
    }

    function showLayerPosition(index: number): void {
      if (layerOutput === null || geometry === null || source === null) {
        layerGrid.draw();
        layerTable.replaceChildren();
        layerSumLine.textContent = '';
        return;
      }
      const { row, column } = windowAt(geometry, index);
      layerGrid.draw({ revealed: index + 1, marked: [{ row, column }] });
      const { channelSums, bias, total } = layerSums(index);
      const names = channelSums.length === 3 ? CHANNEL_NAMES : ['gray'];
      layerTable.replaceChildren(
        element(
          'tr',
          {},
          element('th', {}, 'channel'),
          element('th', {}, `window \u00b7 slice (${kernelSize * kernelSize} products)`),
          element('th', {}, 'sum'),
        ),
        ...channelSums.map((sum, channel) =>
          element(
            'tr',
            { 'data-channel': String(channel) },
            element('th', {}, names[channel]!),
            element('td', {}, `kernel \u00d7 ${formatValue(layerChannelWeights[channel]!, 3)}`),
            element('td', {}, formatFixed(sum)),
          ),
        ),
        element(
          'tr',
          { class: 'layer-bias' },
          element('th', {}, 'bias'),
          element('td', {}, '+ b'),
          element('td', {}, formatFixed(bias)),
        ),
      );
      layerSumLine.replaceChildren(
        `${[...channelSums, bias]
          .map((term, position) =>
            position === 0 ? formatFixed(term) : `${term < 0 ? ' \u2212 ' : ' + '}${formatFixed(Math.abs(term))}`,
          )
          .join('')
          .replace(/^-/, '\u2212')} = `,
        element('strong', { id: 'conv-layer-total' }, formatFixed(total)),
        ` \u2192 layer output row ${row}, column ${column}. conv2d computed `,
        element('strong', { id: 'conv-layer-value' }, formatFixed(layerOutput[row * geometry.outW + column]!)),
        ' there.',
      );
    }

    function drawGrids(channels: number): void {
      if (input === null || geometry === null) return;
      const g = geometry;
      const rows = g.inH + g.padTop + g.padBottom;
      const columns = g.inW + g.padLeft + g.padRight;
      const cell = Math.max(3, Math.min(40, Math.floor(GRID_SIDE / Math.max(rows, columns))));
      const image = input;
      const inputContent: GridContent = {
        height: image.height,
        width: image.width,
        rgba: channels === 3 ? rgbValues(image.data) : mapValues(image.data, grayMap, 0, 1),
        padding: { top: g.padTop, bottom: g.padBottom, left: g.padLeft, right: g.padRight },
        paddingKind: 'zeros',
        label: channels === 1 ? (row, column) => formatValue(image.data[row * image.width + column]!) : undefined,
      };
      inputGrid.setContent(inputContent, cell);
      inputTitle.textContent =
        `Input ${image.height}\u00d7${image.width}${channels === 3 ? '\u00d73' : ''} ` +
        `(height \u00d7 width${channels === 3 ? ' \u00d7 channels' : ''})${rows === image.height && columns === image.width ? '' : `, padded to ${rows}\u00d7${columns}`}`;
      inputLegend.textContent =
        channels === 3 ? 'Hatched: zero padding.' : 'Pixel values 0 (black) to 1 (white). Hatched: zero padding.';
      if (output === null) {
        outputGrid.setContent({ height: 1, width: 1, rgba: new Uint8ClampedArray([246, 247, 250, 255]) }, cell);
        outputTitle.textContent = 'No output';
        outputLegend.textContent = '';
        return;
      }
      const values = output;
      let rgba: Uint8ClampedArray;
      if (channels === 3) {
        rgba = rgbValues(values);
        outputLegend.textContent =
          'Each channel clipped to [0, 1] and shown as color, as an image editor would; the numbers are not clipped.';
      } else {
        let low = Infinity;
        let high = -Infinity;
        for (const value of values) {
          low = Math.min(low, value);
          high = Math.max(high, value);
        }
        if (low >= 0 && high <= 1) {
          rgba = mapValues(values, grayMap, 0, 1);
          outputLegend.textContent = 'Shown like the input: 0 black, 1 white.';
        } else if (low >= 0) {
          rgba = mapValues(values, grayMap, 0, high);
          outputLegend.textContent = `0 black up to the largest value, ${formatValue(high, 3)}, white.`;
        } else {
          const extent = Math.max(-low, high);
          rgba = mapValues(values, divergingMap, -extent, extent);
          outputLegend.textContent = `Blue negative, white 0, red positive (\u00b1${formatValue(extent, 3)}).`;
        }
      }
      // An output cell spans the stride's worth of input cells, so output and input line up, unless that is too large
      // to fit.
      const outputCell = Math.max(3, Math.min(40, cell * stride, Math.floor(GRID_SIDE / Math.max(g.outH, g.outW))));
      outputGrid.setContent(
        {
          height: g.outH,
          width: g.outW,
          rgba,
          label: channels === 1 ? (row, column) => formatValue(values[row * g.outW + column]!) : undefined,
        },
        outputCell,
      );
      outputTitle.textContent = `Output ${g.outH}\u00d7${g.outW}${channels === 3 ? '\u00d73' : ''} (conv2d)`;
    }

    /** The products of the window at `index` for one channel: K x K input values, weights, products and their sum. */
    function windowProducts(
      index: number,
      channel: number,
    ): { inputs: number[]; isPadding: boolean[]; products: number[]; sum: number } {
      const g = geometry!;
      const image = input!;
      const channels = image.colorModel === 'rgb' ? 3 : 1;
      const { top, left } = windowAt(g, index);
      const inputs: number[] = [];
      const isPadding: boolean[] = [];
      const products: number[] = [];
      let sum = 0;
      for (let row = 0; row < kernelSize; row++) {
        for (let column = 0; column < kernelSize; column++) {
          const y = top + row - g.padTop;
          const x = left + column - g.padLeft;
          const isInside = y >= 0 && y < image.height && x >= 0 && x < image.width;
          const value = isInside ? image.data[(y * image.width + x) * channels + channel]! : 0;
          const product = value * kernel[row * kernelSize + column]!;
          inputs.push(value);
          isPadding.push(!isInside);
          products.push(product);
          sum += product;
        }
      }
      return { inputs, isPadding, products, sum };
    }

    /** Draws the window at the stepper's position and the products table for it. */
    function showPosition(): void {
      if (!isMounted || geometry === null || input === null) return;
      showLayerPosition(stepper.index);
      if (output === null) {
        inputGrid.draw();
        outputGrid.draw();
        productsTable.replaceChildren();
        productsCaption.textContent = '';
        sumLine.textContent = '';
        return;
      }
      const index = stepper.index;
      const { row, column, top, left } = windowAt(geometry, index);
      inputGrid.draw({ window: { top, left, height: kernelSize, width: kernelSize } });
      outputGrid.draw({ revealed: index + 1, marked: [{ row, column }] });
      const channels = input.colorModel === 'rgb' ? 3 : 1;
      const channel = channels === 3 ? shownChannel : 0;
      const { inputs, isPadding, products, sum } = windowProducts(index, channel);
      productsTable.replaceChildren();
      for (let windowRow = 0; windowRow < kernelSize; windowRow++) {
        const tableRow = element('tr');
        for (let windowColumn = 0; windowColumn < kernelSize; windowColumn++) {
          const cell = windowRow * kernelSize + windowColumn;
          const product = products[cell]!;
          const tone = product > 0 ? 'positive' : product < 0 ? 'negative' : 'zero';
          tableRow.append(
            element(
              'td',
              { class: tone, title: `input ${inputs[cell]} \u00d7 weight ${kernel[cell]} = ${product}` },
              element(
                'span',
                { class: 'factors' },
                `${isPadding[cell] ? '0\u1d56' : formatValue(inputs[cell]!)} \u00d7 ${formatValue(kernel[cell]!, 3)}`,
              ),
              element('span', { class: 'product' }, formatValue(product, 3)),
            ),
          );
        }
        productsTable.append(tableRow);
      }
      const channelText = channels === 3 ? ` of the ${CHANNEL_NAMES[channel]} channel` : '';
      productsCaption.textContent =
        `Window at row ${top}, column ${left} of the padded ` +
        `input${channelText}: pixel \u00d7 weight (\u1d56 = padding zero)`;
      const libraryValue = output[(row * geometry.outW + column) * channels + channel]!;
      sumLine.replaceChildren(
        `Sum of the ${kernelSize * kernelSize} products = `,
        element('strong', { id: 'conv-sum' }, formatFixed(sum)),
        ` \u2192 output row ${row}, column ${column}${channels === 3 ? `, ${CHANNEL_NAMES[channel]}` : ''}. ` +
          `conv2d computed `,
        element('strong', { id: 'conv-output-value' }, formatFixed(libraryValue)),
        ' there.',
      );
    }

    /** Makes `image` the input (shrunk if large) and recomputes. */
    function useImage(image: Image, name: string, id = 'custom'): void {
      const prepared = prepareImage(image);
      source = prepared.image;
      sourceId = id;
      customOption.hidden = id !== 'custom';
      if (id === 'custom') customOption.textContent = `Your image: ${name}`;
      sampleChoice.select.value = id;
      inputError.textContent = '';
      const model = source.colorModel === 'rgb' ? 'color (RGB)' : 'gray';
      inputNote.textContent =
        `${name}: ${source.height}\u00d7${source.width} (height \u00d7 width), ` +
        `${model}${prepared.note ? `; ${prepared.note}` : ''}.`;
      compute();
    }

    async function loadSample(id: string): Promise<void> {
      const sample = SAMPLES.find((candidate) => candidate.id === id);
      if (sample === undefined) return;
      const token = ++loadToken;
      try {
        const image = await sample.load();
        if (token !== loadToken || !isMounted) return;
        useImage(image, sample.text, sample.id);
      } catch (error) {
        if (token === loadToken) inputError.textContent = errorMessage(error);
      }
    }

    function apply(settings: ConvolutionSettings): void {
      if (settings.image !== undefined) {
        const { width, height, values } = settings.image;
        const channels = settings.image.channels ?? 1;
        loadToken++;
        useImage(
          { width, height, colorModel: channels === 3 ? 'rgb' : 'gray', data: Float32Array.from(values) },
          'set from code',
        );
      }
      if (settings.layerChannelWeights !== undefined) {
        layerChannelWeights = CHANNEL_NAMES.map(
          (_, channel) => settings.layerChannelWeights![channel] ?? LAYER_CHANNEL_WEIGHTS[channel]!,
        );
        layerWeightInputs.forEach((entry, channel) => {
          entry.input.value = String(layerChannelWeights[channel]);
        });
      }
      if (settings.layerBias !== undefined) {
        layerBias = settings.layerBias;
        layerBiasInput.value = String(layerBias);
      }
      if (settings.colorMode !== undefined) {
        colorMode = settings.colorMode;
        colorChoice.select.value = colorMode;
      }
      if (settings.kernelSize !== undefined) setKernelSize(settings.kernelSize);
      if (settings.preset !== undefined) {
        presetId = settings.preset;
        presetChoice.select.value = presetId;
        kernel = Float32Array.from(PRESETS.find((preset) => preset.id === presetId)!.make(kernelSize));
      }
      if (settings.kernel !== undefined) {
        const size = Math.round(Math.sqrt(settings.kernel.length));
        if (size * size !== settings.kernel.length)
          throw new Error(`convolution.set: a kernel has K x K weights, got ${settings.kernel.length}`);
        kernelSize = size;
        if (!KERNEL_SIZES.includes(size) && sizeChoice.select.querySelector(`option[value="${size}"]`) === null) {
          sizeChoice.select.append(element('option', { value: String(size) }, `${size}\u00d7${size}`));
        }
        sizeChoice.select.value = String(size);
        kernel = Float32Array.from(settings.kernel);
        presetId = 'custom';
        presetChoice.select.value = 'custom';
      }
      buildKernelEditor();
      if (settings.stride !== undefined) {
        stride = settings.stride;
        strideSlider.set(stride);
      }
      if (settings.padding !== undefined) {
        paddingMode = typeof settings.padding === 'number' ? 'explicit' : settings.padding;
        if (typeof settings.padding === 'number') {
          explicitPadding = settings.padding;
          paddingAmount.value = String(explicitPadding);
          paddingAmount.classList.remove('invalid');
          paddingAmountError.textContent = '';
        }
        paddingChoice.select.value = paddingMode;
      }
      compute();
    }

    expose('convolution', {
      get input() {
        return input === null
          ? null
          : {
              width: input.width,
              height: input.height,
              channels: input.colorModel === 'rgb' ? 3 : 1,
              values: Array.from(input.data),
            };
      },
      get kernel() {
        return { size: kernelSize, preset: presetId, values: Array.from(kernel) };
      },
      get stride() {
        return stride;
      },
      get padding() {
        return geometry === null
          ? null
          : {
              mode: paddingMode,
              top: geometry.padTop,
              bottom: geometry.padBottom,
              left: geometry.padLeft,
              right: geometry.padRight,
            };
      },
      get output() {
        if (output === null || geometry === null || input === null) return null;
        return {
          height: geometry.outH,
          width: geometry.outW,
          channels: input.colorModel === 'rgb' ? 3 : 1,
          values: Array.from(output),
        };
      },
      get error() {
        return computeError;
      },
      get position() {
        if (output === null || geometry === null || input === null) return null;
        const channels = input.colorModel === 'rgb' ? 3 : 1;
        const channel = channels === 3 ? shownChannel : 0;
        const { row, column, top, left } = windowAt(geometry, stepper.index);
        const { inputs, products, sum } = windowProducts(stepper.index, channel);
        return {
          index: stepper.index,
          count: stepper.count,
          row,
          column,
          top,
          left,
          channel,
          inputs,
          products,
          sum,
          outputValue: output[(row * geometry.outW + column) * channels + channel],
        };
      },
      /**
       * The layer section: its input (every channel of the source), factors, bias, output, and the sums at the
       * position.
       */
      get layer() {
        if (layerOutput === null || geometry === null || source === null) return null;
        const { row, column } = windowAt(geometry, stepper.index);
        return {
          input: {
            width: source.width,
            height: source.height,
            channels: source.colorModel === 'rgb' ? 3 : 1,
            values: Array.from(source.data),
          },
          channelWeights: [...layerChannelWeights],
          bias: layerBias,
          output: { height: geometry.outH, width: geometry.outW, values: Array.from(layerOutput) },
          position: {
            row,
            column,
            ...layerSums(stepper.index),
            outputValue: layerOutput[row * geometry.outW + column],
          },
        };
      },
      get isPlaying() {
        return stepper.isPlaying;
      },
      /**
       * Sets any of: image, kernel, preset, kernelSize, stride, padding, colorMode, layerChannelWeights, layerBias (see
       * ConvolutionSettings).
       */
      set(settings: ConvolutionSettings) {
        apply(settings);
      },
      /** Loads a built-in input by id ('digit-3', 'shapes', 'tiny', 'rose', ...); resolves once it is shown. */
      loadSample,
      goTo: (index: number) => stepper.goTo(index),
      play: () => stepper.play(),
      pause: () => stepper.pause(),
    });

    buildKernelEditor();
    void loadSample(sourceId).then(() => {
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
