// The Train page: a digit CNN trained live on the bundled MNIST sample by the library in a Web Worker
// (train/trainWorker.ts), with loss and accuracy curves (Chart.js), each conv layer's kernels, and
// every layer's feature maps for a chosen test digit, all updating as it learns. Start, pause,
// resume, reset, learning rate and network are the controls; each model the worker hands over after
// a test evaluation becomes the app's current model, which the Draw page classifies with.

import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { imageFromPixels } from 'convnet-ts';
import { describeWorkerBackend } from '../backendChoice.js';
import type { Page } from '../page.js';
import { TRAINABLE_PRESETS, type PictureMessage, type TrainablePreset } from '../train/protocol.js';
import { trainingSession, type TrainingSession } from '../train/trainingSession.js';
import { choice, element, expose, imageCanvas, markReady, section } from '../ui.js';
import { formatValue } from '../valueGrid.js';
import { fillVectorCells } from '../vectorCells.js';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Legend,
  Tooltip,
);

const DEFAULT_PRESET: TrainablePreset = 'digits-cnn';
/** Adam's rate in the CLI's digit recipe: reaches ~97% on this sample in a few epochs. */
const DEFAULT_LEARNING_RATE = 0.003;
const LEARNING_RATE_EXPONENTS = { min: -4, max: -1, step: 0.05 };

const PRESET_TEXT: Record<TrainablePreset, string> = {
  'digits-cnn': 'digits-cnn: conv 16, conv 32, dense 64 (106k weights)',
  'mnist-cnn': 'mnist-cnn: conv 32, conv 64, dense 128 (420k weights, slower)',
  lenet5: 'LeNet-5 (1998): 5x5 convs, tanh, average pooling (61k weights)',
};

/** A learning rate as people write it: 0.003, 0.0003 as 3.0e-4. */
function formatRate(rate: number): string {
  return rate >= 0.001 ? String(Number(rate.toPrecision(2))) : rate.toExponential(1);
}

/** 10^exponent, rounded to two significant digits so the slider lands on readable rates. */
function rateOfExponent(exponent: number): number {
  return Number((10 ** exponent).toPrecision(2));
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** Draws a picture's RGBA bytes into its canvas (the library already scaled it up, tile by tile). */
function paint(canvas: HTMLCanvasElement, picture: PictureMessage): void {
  if (canvas.width !== picture.width || canvas.height !== picture.height) {
    canvas.width = picture.width;
    canvas.height = picture.height;
    canvas.style.width = `${picture.width}px`;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(picture.rgba, picture.width, picture.height), 0, 0);
}

/**
 * Keeps one captioned canvas per picture in `container` (or, for a short vector, a row of labelled
 * cells), rebuilt only when the layers change (a new network), repainted in place otherwise so the
 * page does not jump while it learns.
 */
function pictureGallery(
  container: HTMLElement,
  captionOf: (picture: PictureMessage) => string,
  classNamesOf: () => readonly string[] = () => [],
): (pictures: readonly PictureMessage[]) => void {
  let key = '';
  let figures: { canvas: HTMLCanvasElement; cells: HTMLElement; caption: HTMLElement }[] = [];
  return (pictures) => {
    const nextKey = pictures
      .map((picture) => `${picture.layerIndex}:${picture.layerName}:${picture.shape.join('x')}`)
      .join('|');
    if (nextKey !== key) {
      key = nextKey;
      figures = pictures.map((picture) => ({
        canvas: element('canvas', { class: 'pixels', 'data-layer': picture.layerName }),
        cells: element('div', { class: 'vector-cells', 'data-layer': picture.layerName }),
        caption: element('figcaption'),
      }));
      container.replaceChildren(
        ...figures.map(({ canvas, cells, caption }, index) =>
          element('figure', {}, pictures[index]!.values === undefined ? canvas : cells, caption),
        ),
      );
    }
    pictures.forEach((picture, index) => {
      if (picture.values === undefined) paint(figures[index]!.canvas, picture);
      else
        fillVectorCells(figures[index]!.cells, picture.values, {
          range: picture.range,
          isProbability: picture.className === 'Softmax',
          classNames: classNamesOf(),
        });
      figures[index]!.caption.textContent = captionOf(picture);
    });
  };
}

function kernelCaption(picture: PictureMessage): string {
  const [kH, kW, inC, outC] = picture.shape as [number, number, number, number];
  return `${picture.layerName}: ${outC} filters of ${kH}×${kW}×${inC}, weights within ±${picture.range.toFixed(2)}`;
}

function featureMapCaption(picture: PictureMessage): string {
  const shape = picture.shape.join('×');
  const channels = picture.shape.length === 3 ? `, ${picture.shape[2]} map${picture.shape[2] === 1 ? '' : 's'}` : '';
  return `${picture.layerName} (${picture.className}) ${shape}${channels}`;
}

function lineChart(
  canvas: HTMLCanvasElement,
  datasets: ChartDataset<'line', { x: number; y: number }[]>[],
  yAxis: { type: 'linear' | 'logarithmic'; title: string; min?: number; max?: number; isPercent?: boolean },
): Chart<'line', { x: number; y: number }[]> {
  return new Chart<'line', { x: number; y: number }[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { type: 'linear', title: { display: true, text: 'step (batch of 64)' }, min: 0 },
        y: {
          type: yAxis.type,
          title: { display: true, text: yAxis.title },
          ...(yAxis.min === undefined ? {} : { min: yAxis.min }),
          ...(yAxis.max === undefined ? {} : { max: yAxis.max }),
          ...(yAxis.isPercent === true
            ? { ticks: { callback: (value: string | number) => `${Math.round(Number(value) * 100)}%` } }
            : {}),
        },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

function curve(
  label: string,
  color: string,
  options: Partial<ChartDataset<'line'>> = {},
): ChartDataset<'line', { x: number; y: number }[]> {
  return {
    label,
    data: [],
    borderColor: color,
    backgroundColor: color,
    borderWidth: 1.5,
    pointRadius: 0,
    ...options,
  } as ChartDataset<'line', { x: number; y: number }[]>;
}

function mount(root: HTMLElement): () => void {
  const session: TrainingSession = trainingSession(DEFAULT_PRESET, DEFAULT_LEARNING_RATE);
  const status = session.status;
  expose('train', status);

  const startButton = element('button', { id: 'train-start', type: 'button' }, 'Start');
  const pauseButton = element('button', { id: 'train-pause', type: 'button', class: 'secondary' }, 'Pause');
  const resumeButton = element('button', { id: 'train-resume', type: 'button' }, 'Resume');
  const resetButton = element('button', { id: 'train-reset', type: 'button', class: 'secondary' }, 'Reset');
  startButton.addEventListener('click', () => session.send({ type: 'start' }));
  pauseButton.addEventListener('click', () => session.send({ type: 'pause' }));
  resumeButton.addEventListener('click', () => session.send({ type: 'resume' }));
  resetButton.addEventListener('click', () => {
    session.reset(status.preset);
    resetCharts();
  });

  const network = choice(
    'Network',
    TRAINABLE_PRESETS.map((name) => ({ value: name, text: PRESET_TEXT[name] })),
    status.preset,
    (value) => {
      session.reset(value as TrainablePreset);
      resetCharts();
    },
    'train-model',
  );

  const rateInput = element('input', {
    id: 'train-learning-rate',
    type: 'range',
    min: String(LEARNING_RATE_EXPONENTS.min),
    max: String(LEARNING_RATE_EXPONENTS.max),
    step: String(LEARNING_RATE_EXPONENTS.step),
    value: String(Math.log10(status.learningRate)),
    'aria-label': 'Learning rate (logarithmic)',
  });
  const rateShown = element('output', {}, formatRate(status.learningRate));
  rateInput.addEventListener('input', () => {
    const rate = rateOfExponent(Number(rateInput.value));
    rateShown.textContent = formatRate(rate);
    session.send({ type: 'setLearningRate', learningRate: rate });
  });
  const rateControl = element(
    'label',
    { class: 'control', title: 'Logarithmic: each notch of the slider multiplies the rate by the same factor' },
    'Learning rate ',
    rateInput,
    rateShown,
  );

  const statusLine = element('p', { class: 'mono train-status', id: 'train-status' });
  const accuracyLine = element('p', { class: 'train-accuracy', id: 'train-accuracy' });
  const errorLine = element('p', { class: 'error', id: 'train-error', role: 'alert' });

  const lossCanvas = element('canvas', {
    id: 'train-loss-chart',
    role: 'img',
    'aria-label': 'Training and test loss per step; the status above gives the latest numbers',
  });
  const accuracyCanvas = element('canvas', {
    id: 'train-accuracy-chart',
    role: 'img',
    'aria-label': 'Training and test accuracy per step; the status above gives the latest test accuracy',
  });
  const lossChart = lineChart(
    lossCanvas,
    [
      curve('training loss (mean of 4 batches)', '#2f6fdf'),
      curve('test loss (2,000 digits)', '#d9480f', { pointRadius: 2, borderWidth: 2 }),
    ],
    { type: 'logarithmic', title: 'cross-entropy loss' },
  );
  const accuracyChart = lineChart(
    accuracyCanvas,
    [
      curve('training accuracy (mean of 4 batches)', '#2f6fdf'),
      curve('test accuracy (2,000 digits)', '#d9480f', { pointRadius: 2, borderWidth: 2 }),
    ],
    { type: 'linear', title: 'accuracy', min: 0, max: 1, isPercent: true },
  );

  const kernelsBox = element('div', { class: 'train-gallery', id: 'train-kernels' });
  const featureMapsBox = element('div', { class: 'train-gallery', id: 'train-feature-maps' });
  const showKernels = pictureGallery(kernelsBox, kernelCaption);
  const showFeatureMaps = pictureGallery(featureMapsBox, featureMapCaption, () => status.classNames);
  const backpropBox = element('div', { class: 'train-gallery', id: 'train-backprop' });
  const showBackpropPictures = pictureGallery(backpropBox, (picture) =>
    picture.shape.length === 4
      ? `\u2202L/\u2202W: the gradient of ${picture.layerName.replace(/ dWeight$/, '')}\u2019s ` +
        `${picture.shape[3]} kernels, within \u00b1${picture.range.toExponential(1)}`
      : `\u2202L/\u2202map: the gradient of its ${picture.shape[2]} feature maps ` +
        `${picture.shape[0]}\u00d7${picture.shape[1]}, within \u00b1${picture.range.toExponential(1)}`,
  );
  const backpropLine = element('p', { class: 'explain', id: 'train-backprop-line' });
  const backpropStepLine = element('p', { class: 'explain', id: 'train-backprop-step' });
  const strip = element('div', {
    class: 'train-strip',
    id: 'train-digits',
    role: 'listbox',
    'aria-label': 'Test digits',
  });
  const predictionLine = element('p', { class: 'train-prediction', id: 'train-prediction' });

  root.append(
    element('h1', {}, 'Train'),
    element(
      'p',
      { class: 'lead' },
      'A convolutional network learns to read handwritten digits, here in your browser. The 10,000 training ' +
        'digits of the bundled MNIST sample go through it in batches of 64; ' +
        'after each batch (one step) the optimizer, Adam, moves every weight a little against the gradient ' +
        'of the loss. Every 50 steps the network is scored on 2,000 test digits it never trains on.',
    ),
    section(
      'Training',
      'Training runs in a Web Worker, so the page stays responsive: on the GPU through WebGPU where the ' +
        'browser offers it (add ?backend=wasm to the address to use WebAssembly instead), with the ' +
        'library’s WebAssembly backend otherwise. ' +
        'It pauses when you leave this page; ' +
        'after every test score the network becomes the current model of the Draw page. A learning rate too ' +
        'high makes the loss jump about, or stalls it for good when the ReLUs die (their maps turn black); ' +
        'too low, and it creeps. Changing the network starts over.',
      element(
        'div',
        { class: 'controls' },
        startButton,
        pauseButton,
        resumeButton,
        resetButton,
        network.root,
        rateControl,
      ),
      accuracyLine,
      statusLine,
      errorLine,
    ),
    element(
      'div',
      { class: 'train-charts' },
      section(
        'Loss',
        'Cross-entropy of the true class (log scale): it falls as the network grows confident and right.',
        element('div', { class: 'train-chart' }, lossCanvas),
      ),
      section(
        'Accuracy',
        'The share of digits classified correctly: on the batches it trains on, and on the held-out test digits.',
        element('div', { class: 'train-chart' }, accuracyCanvas),
      ),
    ),
    section(
      'Kernels',
      'The filters of each convolution layer, one tile per filter and input channel: blue is negative, red ' +
        'positive, white zero. ' +
        'They start as random noise and settle into edge and stroke detectors.',
      kernelsBox,
    ),
    section(
      'Feature maps',
      'What every layer outputs for one test digit (pick another below): the input, each convolution’s maps ' +
        '(blue negative, red positive), ' +
        'the ReLU keeping the positive part (black to white), pooling halving the size, then the dense ' +
        'layers (each cell a unit: its number over its value) and the ten class probabilities.',
      strip,
      predictionLine,
      featureMapsBox,
    ),
    section(
      'Backpropagation, one step',
      'How the network learns from this digit. The loss is \u2212ln of the probability it gives the true ' +
        'class. Backpropagation ' +
        'runs the layers backwards and gives, for every number in the network, how much the loss would ' +
        'change if that number grew a little: its gradient. ' +
        'Below, the gradients at the first convolution (the library\u2019s GradientTape): of its output ' +
        'feature maps (\u2202L/\u2202map: red where a larger value would raise the loss, blue where it ' +
        'would lower it), ' +
        'and of its kernels (\u2202L/\u2202W). Conv backward is itself a convolution: \u2202L/\u2202W[i, j] ' +
        'of a filter is the sum over its map of the input pixel under weight [i, j] times \u2202L/\u2202map there.',
      backpropLine,
      backpropBox,
      backpropStepLine,
    ),
  );

  let isChartUpdateDue = false;
  let frame = 0;
  function scheduleCharts(): void {
    if (isChartUpdateDue) return;
    isChartUpdateDue = true;
    frame = requestAnimationFrame(() => {
      isChartUpdateDue = false;
      lossChart.update('none');
      accuracyChart.update('none');
    });
  }

  function fillCharts(): void {
    lossChart.data.datasets[0]!.data = status.lossHistory.map((point) => ({ x: point.step, y: point.loss }));
    lossChart.data.datasets[1]!.data = status.testHistory.map((point) => ({ x: point.step, y: point.loss }));
    accuracyChart.data.datasets[0]!.data = status.lossHistory.map((point) => ({ x: point.step, y: point.accuracy }));
    accuracyChart.data.datasets[1]!.data = status.testHistory.map((point) => ({ x: point.step, y: point.accuracy }));
    scheduleCharts();
  }

  function resetCharts(): void {
    for (const chart of [lossChart, accuracyChart]) for (const dataset of chart.data.datasets) dataset.data = [];
    scheduleCharts();
  }

  function showControls(): void {
    const { state, isReady } = status;
    startButton.disabled = !isReady || state !== 'idle';
    pauseButton.disabled = !isReady || state !== 'running';
    resumeButton.disabled = !isReady || state !== 'paused';
    resetButton.disabled = !isReady || (state === 'idle' && status.step === 0);
    network.select.value = status.preset;
    network.select.disabled = !isReady;
    rateInput.disabled = !isReady;
  }

  function showStatus(): void {
    // First: an error of the start-up (the sample failed to load) comes before 'ready', or instead of it.
    errorLine.textContent = status.error ?? '';
    if (!status.isReady) {
      statusLine.textContent = 'Loading the MNIST sample and starting the worker…';
      return;
    }
    const backend = status.backend;
    const where = backend === null ? '' : `worker: ${describeWorkerBackend(backend)}`;
    // Only while it runs: a paused run trains no images, whatever speed it last had.
    const speed =
      status.state === 'running' && status.imagesPerSecond > 0
        ? `${Math.round(status.imagesPerSecond).toLocaleString('en-US')} img/s`
        : '— img/s';
    statusLine.textContent = [
      `${status.state}`,
      `step ${status.step}`,
      `epoch ${status.epoch.toFixed(2)}`,
      speed,
      `lr ${formatRate(status.learningRate)}`,
      where,
    ].join(' · ');
    accuracyLine.textContent =
      status.testAccuracy === null
        ? `Test accuracy: not measured yet (${status.parameterCount.toLocaleString('en-US')} weights, ` +
          `random at first: about 10% right by chance)`
        : `Test accuracy ${percent(status.testAccuracy)} on ${status.testCount.toLocaleString('en-US')} ` +
          `digits, at step ${status.testHistory.at(-1)?.step ?? 0}`;
  }

  let stripKey = '';
  function showStrip(): void {
    const digits = status.digits;
    if (digits === null) return;
    const key = digits.indices.join(',');
    if (key !== stripKey) {
      stripKey = key;
      const size = digits.height * digits.width;
      strip.replaceChildren(
        ...digits.indices.map((index, position) => {
          const image = imageFromPixels(
            digits.pixels.subarray(position * size, (position + 1) * size),
            digits.width,
            digits.height,
            'gray',
          );
          const name = `Test digit #${index}, labelled ${digits.labels[position]}`;
          const button = element(
            'button',
            {
              type: 'button',
              class: 'train-digit',
              role: 'option',
              'data-index': String(index),
              title: name,
              'aria-label': name,
            },
            imageCanvas(image, 2),
          );
          button.addEventListener('click', () => session.send({ type: 'selectDigit', index }));
          return button;
        }),
      );
    }
    for (const button of strip.querySelectorAll<HTMLButtonElement>('button')) {
      const isSelected = Number(button.dataset.index) === status.digitIndex;
      button.classList.toggle('selected', isSelected);
      button.setAttribute('aria-selected', String(isSelected));
    }
  }

  /**
   * The backpropagation section: the loss, both gradients, and what one step of gradient descent would do to the weight
   * with the largest gradient.
   */
  function showBackprop(pictures: NonNullable<typeof session.pictures>): void {
    const backprop = pictures.backprop;
    showBackpropPictures([backprop.pictures.dWeight, backprop.pictures.dOut]);
    const names = status.classNames;
    backpropLine.textContent =
      `Test digit #${pictures.digitIndex}, labelled ${names[backprop.label] ?? backprop.label}: the network ` +
      `gives that class ` +
      `${percent(pictures.probabilities[backprop.label] ?? 0)}, so the loss is \u2212ln ` +
      `${formatValue(pictures.probabilities[backprop.label] ?? 0, 4)} = ${backprop.loss.toFixed(4)}.`;
    let largest = 0;
    backprop.dWeight.values.forEach((value, index) => {
      if (Math.abs(value) > Math.abs(backprop.dWeight.values[largest]!)) largest = index;
    });
    const [, kW, inC, outC] = backprop.dWeight.shape as [number, number, number, number];
    const filter = largest % outC;
    const channel = Math.floor(largest / outC) % inC;
    const column = Math.floor(largest / (outC * inC)) % kW;
    const row = Math.floor(largest / (outC * inC * kW));
    const weight = backprop.kernel.values[largest]!;
    const gradient = backprop.dWeight.values[largest]!;
    const rate = status.learningRate;
    backpropStepLine.textContent =
      `One step: gradient descent moves each weight against its gradient, w \u2190 w \u2212 learning rate ` +
      `\u00d7 \u2202L/\u2202w. ` +
      `The weight with the largest gradient here, row ${row}, column ` +
      `${column}${inC > 1 ? `, channel ${channel}` : ''} of filter ${filter}, is ${weight.toFixed(4)} with ` +
      `gradient ${gradient.toExponential(3)}: ` +
      `at learning rate ${formatRate(rate)} a plain step makes it ${(weight - rate * gradient).toFixed(4)}, ` +
      `a change of ${(-rate * gradient).toExponential(2)}. ` +
      'Adam, which trains here, divides each step by a running size of that weight\u2019s gradients, so its ' +
      'steps are about the learning rate whatever the gradient\u2019s scale; ' +
      'and training averages the gradients of a batch of 64 digits, not one.';
  }

  function showPictures(): void {
    const pictures = session.pictures;
    if (pictures === null) return;
    showKernels(pictures.kernels);
    showFeatureMaps(pictures.featureMaps);
    showBackprop(pictures);
    const probabilities = pictures.probabilities;
    let best = 0;
    probabilities.forEach((value, index) => {
      if (value > probabilities[best]!) best = index;
    });
    const names = status.classNames;
    const verdict = best === pictures.digitLabel ? 'right' : 'wrong';
    predictionLine.textContent =
      `Test digit #${pictures.digitIndex}, labelled ${names[pictures.digitLabel] ?? pictures.digitLabel}: ` +
      `the network says ${names[best] ?? best} (${percent(probabilities[best] ?? 0)}), ${verdict}. Pictures ` +
      `from step ${pictures.step}.`;
  }

  function showAll(): void {
    showControls();
    showStatus();
    showStrip();
    showPictures();
    fillCharts();
    if (status.isReady && session.pictures !== null) markReady(root);
  }

  const unsubscribe = session.subscribe((message) => {
    switch (message.type) {
      case 'progress':
        lossChart.data.datasets[0]!.data.push({ x: message.step, y: message.loss });
        accuracyChart.data.datasets[0]!.data.push({ x: message.step, y: message.accuracy });
        scheduleCharts();
        showStatus();
        return;
      case 'evaluation':
        lossChart.data.datasets[1]!.data.push({ x: message.step, y: message.testLoss });
        accuracyChart.data.datasets[1]!.data.push({ x: message.step, y: message.testAccuracy });
        scheduleCharts();
        showStatus();
        return;
      case 'pictures':
        showStrip();
        showPictures();
        if (status.isReady) markReady(root);
        return;
      default:
        showControls();
        showStatus();
        showStrip();
    }
  });
  showAll();

  return () => {
    // Leaving the page pauses training: the worker and what it learnt stay for when you come back.
    // Sent whatever the state shown: a Start the worker has not confirmed yet is still paused (it
    // handles messages in order and ignores a pause when not running).
    session.send({ type: 'pause' });
    unsubscribe();
    cancelAnimationFrame(frame);
    lossChart.destroy();
    accuracyChart.destroy();
  };
}

export const trainPage: Page = { id: 'train', title: 'Train', mount };
