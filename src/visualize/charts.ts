// Charts drawn with Chart.js on a canvas and read back as pixels: the softmax output as a bar chart
// and training curves. In the browser the canvas is an OffscreenCanvas; in Node, src/index.ts
// installs a canvas from @napi-rs/canvas (Skia, prebuilt), so the CLI writes the same charts as PNG.
// Chart.js comes through '#dependency/chartJs' (required on the first chart in Node, a static import a
// bundler keeps only where a chart is drawn) and registers its parts on the first chart, not at import.

import type { ChartConfiguration, Plugin } from 'chart.js';
import { chartJs } from '#dependency/chartJs';
import { ValueError } from '../core/errors.js';
import type { Image } from '../image/image.js';
import type { EpochLogs } from '../model/callbacks.js';

let isChartJsReady = false;

/** The part of a 2D canvas context that the charts need. */
export interface ChartContext {
  getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> };
}

/** Makes a canvas of a size; its 2D context is handed to Chart.js. */
export type CanvasFactory = (width: number, height: number) => { getContext(kind: '2d'): unknown };

let canvasFactory: CanvasFactory | null = null;

/** Sets where charts are drawn (Node: done on import of the library; the browser uses OffscreenCanvas). */
export function setCanvasFactory(factory: CanvasFactory): void {
  canvasFactory = factory;
}

function makeCanvas(width: number, height: number, factory: CanvasFactory | undefined): unknown {
  if (
    !(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width * height <= 16_000_000)
  ) {
    throw new ValueError(`chart size must be positive whole pixels, at most 16 megapixels, got ${width}x${height}`);
  }
  const chosen = factory ?? canvasFactory;
  if (chosen !== null) return chosen(width, height);
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  throw new ValueError('charts need a canvas: none is set (setCanvasFactory) and OffscreenCanvas does not exist here');
}

/** Options of the charts (probabilityChart, trainingChart). */
export interface ChartOptions {
  /** Width in pixels; default 480 (wider for many classes) for probabilityChart, 800 for trainingChart. */
  width?: number | undefined;
  /** Height in pixels; default 360 for probabilityChart, 450 for trainingChart. */
  height?: number | undefined;
  /** The title drawn above the chart; each chart has a default. */
  title?: string | undefined;
  /** Where to draw; default the one set with setCanvasFactory, or an OffscreenCanvas. */
  canvas?: CanvasFactory | undefined;
}

// Chart.js leaves the background transparent; pictures written to files read better on white.
const whiteBackground: Plugin = {
  id: 'convnetWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Draws a chart and returns its pixels as an RGB image. */
function render(config: ChartConfiguration, options: ChartOptions, defaultSize: [number, number]): Image {
  const width = options.width ?? defaultSize[0];
  const height = options.height ?? defaultSize[1];
  const canvas = makeCanvas(width, height, options.canvas) as { getContext(kind: '2d'): unknown };
  const context = canvas.getContext('2d') as ChartContext | null;
  if (context === null) throw new ValueError('charts: the canvas has no 2D context');
  const { Chart, registerables } = chartJs();
  if (!isChartJsReady) {
    Chart.register(...registerables);
    isChartJsReady = true;
  }
  config.options = { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 };
  config.plugins = [...(config.plugins ?? []), whiteBackground];
  // Chart.js accepts any 2D context with a canvas; the Node one is typed apart from the DOM's.
  const chart = new Chart(context as unknown as CanvasRenderingContext2D, config);
  try {
    const rgba = context.getImageData(0, 0, width, height).data;
    const data = new Float32Array(width * height * 3);
    for (let pixel = 0; pixel < width * height; pixel++) {
      for (let channel = 0; channel < 3; channel++) data[pixel * 3 + channel] = rgba[pixel * 4 + channel]! / 255;
    }
    return { width, height, colorModel: 'rgb', data };
  } finally {
    chart.destroy();
  }
}

/** The most classes probabilityChart draws by default: past that, the most probable ones (ImageNet has 1,000). */
export const DEFAULT_PROBABILITY_CHART_CLASSES = 20;

/** Options of probabilityChart. */
export interface ProbabilityChartOptions extends ChartOptions {
  /**
   * Draw only the `topK` most probable classes, most probable first; default all up to
   * DEFAULT_PROBABILITY_CHART_CLASSES (20), else the top 20.
   */
  topK?: number | undefined;
}

/**
 * The softmax output as a bar chart, one bar per class, the most probable one highlighted. With more
 * classes than `topK` (default 20), the `topK` most probable, most probable first: a bar per class of
 * ImageNet's 1,000 made a chart 40,000 pixels wide.
 *
 * @example
 * const chart = probabilityChart(model.predict(x).dataSync(), ['0', '1', ...]);
 */
export function probabilityChart(
  probabilities: ArrayLike<number>,
  classNames: readonly string[],
  options: ProbabilityChartOptions = {},
): Image {
  if (probabilities.length === 0 || probabilities.length !== classNames.length) {
    throw new ValueError(
      `probabilityChart: ${probabilities.length} probabilities for ${classNames.length} class names`,
    );
  }
  const topK = options.topK ?? DEFAULT_PROBABILITY_CHART_CLASSES;
  if (!Number.isSafeInteger(topK) || topK < 1)
    throw new ValueError(`probabilityChart: topK must be a positive integer, got ${topK}`);
  let indices = Array.from(probabilities, (_, index) => index);
  const isTop = indices.length > topK;
  if (isTop) indices = indices.sort((a, b) => probabilities[b]! - probabilities[a]! || a - b).slice(0, topK);
  const values = indices.map((index) => probabilities[index]! * 100);
  const labels = indices.map((index) => classNames[index]!);
  const best = values.indexOf(Math.max(...values));
  const title =
    `Softmax output: ${labels[best]} ` +
    `(${values[best]!.toFixed(1)}%)${isTop ? `; the ${topK} most probable of ${classNames.length} classes` : ''}`;
  return render(
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            label: 'probability (%)',
            data: values,
            backgroundColor: values.map((_, index) => (index === best ? '#d62728' : '#1f77b4')),
          },
        ],
      },
      options: {
        plugins: { legend: { display: false }, title: { display: true, text: options.title ?? title } },
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: 'probability (%)' } },
          x: { title: { display: true, text: 'class' } },
        },
      },
    },
    options,
    [Math.max(480, labels.length * 40), 360],
  );
}

/** Loss and accuracy during training: per epoch, and optionally the running values within epochs. */
export interface TrainingCurves {
  /** Each epoch's logs, as fit's History holds them. */
  epochs: readonly EpochLogs[];
  /** Running means within each epoch, at fractional epochs (epoch - 1 + batch / batches). */
  batches?:
    | readonly {
        /** Where in training: epoch - 1 + batch / batches. */
        position: number;
        /** The epoch's running mean loss at that batch. */
        loss: number;
        /** The epoch's running accuracy at that batch, 0 to 1. */
        accuracy: number;
      }[]
    | undefined;
}

/**
 * Training curves: loss on the left axis, accuracy (%) on the right, for the training examples and,
 * where the epochs have them, the held-out ones (named by `validationLabel`, default "validation").
 *
 * @example
 * const history = model.fit(x, y, { epochs: 4 });
 * writeFileSync('curves.png', encodePng(trainingChart(history)));
 */
export function trainingChart(
  curves: TrainingCurves,
  options: ChartOptions & { validationLabel?: string | undefined } = {},
): Image {
  if (curves.epochs.length === 0) throw new ValueError('trainingChart: no epochs to draw');
  const points = (pick: (logs: EpochLogs) => number | undefined) =>
    curves.epochs.flatMap((logs) => {
      const value = pick(logs);
      return value === undefined ? [] : [{ x: logs.epoch, y: value }];
    });
  const hasValidation = curves.epochs.some((logs) => logs.valLoss !== undefined);
  const line = (
    label: string,
    data: { x: number; y: number }[],
    color: string,
    axis: 'loss' | 'accuracy',
    dashed = false,
  ) => ({
    label,
    data,
    borderColor: color,
    backgroundColor: color,
    yAxisID: axis,
    borderDash: dashed ? [6, 4] : [],
    pointRadius: 3,
    borderWidth: 2,
  });
  const datasets = [
    line(
      'training loss',
      points((logs) => logs.loss),
      '#d62728',
      'loss',
    ),
    line(
      'training accuracy',
      points((logs) => logs.accuracy * 100),
      '#1f77b4',
      'accuracy',
    ),
  ];
  if (hasValidation) {
    const held = options.validationLabel ?? 'validation';
    datasets.push(
      line(
        `${held} loss`,
        points((logs) => logs.valLoss),
        '#ff9896',
        'loss',
        true,
      ),
    );
    datasets.push(
      line(
        `${held} accuracy`,
        points((logs) => (logs.valAccuracy === undefined ? undefined : logs.valAccuracy * 100)),
        '#aec7e8',
        'accuracy',
        true,
      ),
    );
  }
  if (curves.batches !== undefined && curves.batches.length > 0) {
    datasets.push({
      ...line(
        'running loss (within epoch)',
        curves.batches.map((batch) => ({ x: batch.position, y: batch.loss })),
        'rgba(214, 39, 40, 0.35)',
        'loss',
      ),
      pointRadius: 0,
      borderWidth: 1,
    });
  }
  const lastEpoch = curves.epochs[curves.epochs.length - 1]!.epoch;
  return render(
    {
      type: 'line',
      data: { datasets },
      options: {
        plugins: { title: { display: true, text: options.title ?? 'Training: loss and accuracy' } },
        scales: {
          x: {
            type: 'linear',
            min: curves.batches?.length ? 0 : 1,
            max: lastEpoch,
            title: { display: true, text: 'epoch' },
            ticks: { stepSize: 1 },
          },
          loss: { type: 'linear', position: 'left', min: 0, title: { display: true, text: 'loss (cross-entropy)' } },
          accuracy: {
            type: 'linear',
            position: 'right',
            max: 100,
            title: { display: true, text: 'accuracy (%)' },
            grid: { drawOnChartArea: false },
          },
        },
      },
    },
    options,
    [800, 450],
  );
}
