// The Draw page: draw a digit with the mouse or a finger; it is preprocessed the way MNIST's digits
// were (the library's mnistPreprocess) and the current model's class probabilities update as a bar chart
// while you draw. The model is the one trained on the Train page, one the CLI saved
// (`convnet train --out DIR`: model.json + weights.safetensors), loaded here with parseModel, or an
// ONNX file (`convnet export`, or a PyTorch MNIST model) loaded with importOnnx.
// Limits: an ONNX model gets the drawing as it is, values in [0, 1]; one trained on normalized inputs
// (PyTorch's MNIST mean and deviation) reads it less well.

import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import {
  ConvNetError,
  convertImage,
  featureMapPictures,
  FileFormatError,
  imageFromImageData,
  imagesToInput,
  importOnnx,
  Input,
  MAX_MANIFEST_BYTES,
  mnistPreprocess,
  MNIST_CLASS_NAMES,
  parseModel,
  ShapeError,
  Softmax,
  ValueError,
  withScope,
  type Image,
  type Model,
} from 'convnet-ts';
import { currentModel, onModelChange, setCurrentModel, type CurrentModel } from '../appState.js';
import { onHeap } from '../onHeap.js';
import type { Page } from '../page.js';
import {
  acceptDroppedFiles,
  drawImage,
  element,
  errorMessage,
  expose,
  imageCanvas,
  markReady,
  section,
} from '../ui.js';
import { formatFixed } from '../valueGrid.js';
import { fillVectorCells } from '../vectorCells.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** Drawing surface in its own pixels (CSS may show it smaller on a narrow screen). */
const CANVAS_SIZE = 280;
/** Pen width: after the digit's box is scaled to 20 pixels this is about MNIST's 2 to 3 pixel strokes. */
const PEN_WIDTH = 22;
const INPUT_SCALE = 6;
/** Far above any preset (cifar-cnn's weights are 2.8 MB), below what would stall a tab; ONNX files too. */
const MAX_WEIGHTS_BYTES = 512 * 1024 * 1024;

/** What the page shows, in numbers (window.explorer.draw). */
interface DrawStatus {
  hasModel: boolean;
  modelSource: string | null;
  classNames: string[];
  /** The model's probabilities for the drawing; null with no model or an empty canvas. */
  probabilities: number[] | null;
  topClass: number | null;
  topClassName: string | null;
  topProbability: number | null;
  /** The model's input (height x width, gray, row by row) for the drawing. */
  input: number[] | null;
  inputHeight: number;
  inputWidth: number;
  strokes: number;
  predictions: number;
  /** The softmax written out for the drawing: logits, e^(logit - largest), their sum, each divided by it. */
  softmax: SoftmaxSteps | null;
  /** Every layer's output for the drawing: name, class, shape (one example) and largest magnitude. */
  featureMaps: { layerName: string; className: string; shape: number[]; range: number; values?: number[] }[] | null;
  error: string | null;
}

interface SoftmaxSteps {
  logits: number[];
  largest: number;
  exponentials: number[];
  sum: number;
  probabilities: number[];
}

/** Vectors up to this long (dense units, classes) are shown as labelled cells rather than a picture. */
const MAX_LABELLED_VALUES = 128;

/** A positive number in 3 significant digits: 0.123, 24.5, 1.2e+5, 8.31e-6 (never a row of zeros). */
function formatPositive(value: number): string {
  return value !== 0 && (value < 1e-3 || value >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}

/**
 * softmax(z)_i = e^(z_i - max z) / sum_j e^(z_j - max z): subtracting the largest changes nothing but keeps e^ from
 * overflowing.
 */
function softmaxSteps(logits: readonly number[]): SoftmaxSteps {
  const largest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - largest));
  const sum = exponentials.reduce((total, value) => total + value, 0);
  return { logits: [...logits], largest, exponentials, sum, probabilities: exponentials.map((value) => value / sum) };
}

/** The model's logits for one image: the input of a final Softmax, or the output of a model that ends without one. */
function logitsOf(model: Model, image: Image): number[] {
  return withScope(() => {
    const input = imagesToInput(model, [image]);
    const end =
      model.layers[model.layers.length - 1] instanceof Softmax ? model.layers.length - 1 : model.layers.length;
    return Array.from(model.forward(input, { end }).dataSync());
  });
}

/** The library's typed errors by class; not error.name, which the bundler's minifier shortens. */
const ERROR_TYPES = [
  ['FileFormatError', FileFormatError],
  ['ShapeError', ShapeError],
  ['ValueError', ValueError],
  ['ConvNetError', ConvNetError],
] as const;

function errorText(error: unknown): string {
  const type = ERROR_TYPES.find(([, errorClass]) => error instanceof errorClass);
  if (type !== undefined) return `${type[0]}: ${(error as Error).message}`;
  return errorMessage(error);
}

/** The file the CLI names `name`, or else the first one ending in `extension`; nearest the top of a folder first. */
function pickFile(files: readonly File[], name: string, extension: string): File | undefined {
  const depth = (file: File) => (file.webkitRelativePath || file.name).split('/').length;
  const sorted = [...files].sort((first, second) => depth(first) - depth(second));
  return (
    sorted.find((file) => file.name === name) ?? sorted.find((file) => file.name.toLowerCase().endsWith(extension))
  );
}

/** The model's input as [height, width] of an image, or a reason it cannot take a drawing. */
function imageInputOf(model: Model): { height: number; width: number } | string {
  const input = model.layers[0];
  if (!(input instanceof Input) || input.colorModel === null || input.shape.length !== 3) {
    return (
      `this model takes inputs of shape [${model.inputShape.join(', ')}], not images, so it cannot ` +
      `classify a drawing`
    );
  }
  return { height: input.shape[0]!, width: input.shape[1]! };
}

function mount(root: HTMLElement): () => void {
  const status: DrawStatus = {
    hasModel: false,
    modelSource: null,
    classNames: [],
    probabilities: null,
    topClass: null,
    topClassName: null,
    topProbability: null,
    input: null,
    inputHeight: 28,
    inputWidth: 28,
    strokes: 0,
    predictions: 0,
    softmax: null,
    featureMaps: null,
    error: null,
  };
  expose('draw', status);

  const canvas = element('canvas', {
    id: 'draw-canvas',
    class: 'draw-canvas',
    width: String(CANVAS_SIZE),
    height: String(CANVAS_SIZE),
    'aria-label': 'Drawing area: draw a digit here',
  });
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const clearButton = element('button', { id: 'draw-clear', type: 'button', class: 'secondary' }, 'Clear');
  const inputCanvas = element('canvas', {
    id: 'draw-input',
    class: 'pixels draw-input',
    role: 'img',
    'aria-label': 'The drawing as the model sees it',
  });
  const boxLine = element('p', { class: 'explain mono', id: 'draw-box' });
  const topLine = element('p', { class: 'draw-top', id: 'draw-top' });
  const chartCanvas = element('canvas', {
    id: 'draw-chart',
    role: 'img',
    'aria-label': 'Bar chart of the class probabilities; the line above names the top class',
  });
  const sourceLine = element('p', { id: 'draw-model-source' });
  const errorLine = element('p', { class: 'error', id: 'draw-error', role: 'alert' });
  const filesInput = element('input', {
    id: 'draw-files',
    type: 'file',
    multiple: '',
    accept: '.json,.safetensors,.onnx,application/json',
  });
  const folderInput = element('input', { id: 'draw-folder', type: 'file', webkitdirectory: '' });
  const softmaxTable = element('table', { class: 'numbers softmax-steps', id: 'draw-softmax' });
  const softmaxWhy = element('p', { class: 'explain', id: 'draw-softmax-why' });
  const softmaxCard = section(
    'Softmax, step by step',
    'The last layer gives one score per class, a logit, any real number. Softmax turns them into ' +
      'probabilities in three steps: ' +
      'e to the power of each logit (the largest is subtracted first, which changes no result and keeps e^ ' +
      'from overflowing), their sum, and each divided by that sum.',
    softmaxTable,
    softmaxWhy,
  );
  const featureMapsBox = element('div', { class: 'train-gallery', id: 'draw-feature-maps' });
  const featureMapsNote = element('p', { class: 'note', id: 'draw-feature-maps-note' });
  const featureMapsCard = section(
    'Feature maps of your drawing',
    'What every layer of the model outputs for your drawing, redrawn as you draw: each convolution\u2019s ' +
      'maps (blue negative, red positive, white 0), ' +
      'the ReLU keeping their positive part (black to white), pooling halving them, then the dense layers ' +
      'and the class probabilities.',
    featureMapsNote,
    featureMapsBox,
  );
  const modelCard = section(
    'Model',
    'The model is the one trained on the Train page, or one the CLI saved or exported to ONNX. It must take ' +
      'images; the drawing is resized to its input.',
    element(
      'p',
      { class: 'explain' },
      element('code', {}, 'convnet train --out DIR'),
      ' writes ',
      element('code', {}, 'DIR/model.json'),
      ' and ',
      element('code', {}, 'DIR/weights.safetensors'),
      ': choose both files, or the folder, or drop the two files here. ',
      'Or an ONNX file: ',
      element('code', {}, 'convnet export --model DIR --out model.onnx'),
      ' writes one, and so does PyTorch.',
    ),
    sourceLine,
    element(
      'div',
      { class: 'controls' },
      element('label', { class: 'control' }, 'Files ', filesInput),
      element('label', { class: 'control' }, 'Folder ', folderInput),
    ),
    errorLine,
  );

  const chart = new Chart<'bar', number[], string>(chartCanvas, {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'probability', data: [], backgroundColor: [] as string[] }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        y: { min: 0, max: 1, ticks: { callback: (value) => `${Math.round(Number(value) * 100)}%` } },
        x: { title: { display: true, text: 'class' } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${(Number(item.raw) * 100).toFixed(1)}%` } },
      },
    },
  });

  root.append(
    element('h1', {}, 'Draw'),
    element(
      'p',
      { class: 'lead' },
      'Draw a digit and watch the network read it. Your drawing is first made to look like an MNIST digit, ' +
        'as MNIST’s own digits were: the ink’s bounding box is scaled to fit 20×20 pixels, ' +
        'then placed in a 28×28 field with its centre of mass in the middle. Draw large and centred, one ' +
        'digit per canvas.',
    ),
    element(
      'div',
      { class: 'draw-row' },
      section('Your digit', 'Mouse, pen or finger.', canvas, element('div', { class: 'controls' }, clearButton)),
      section('What the model sees', 'The model’s input, white on black in [0, 1].', inputCanvas, boxLine),
      section(
        'Probabilities',
        'The softmax output: one probability per class, summing to 100%.',
        topLine,
        element('div', { class: 'draw-chart' }, chartCanvas),
      ),
    ),
    softmaxCard,
    featureMapsCard,
    modelCard,
  );

  let model: CurrentModel | null = null;
  let isPredictionDue = false;
  let frame = 0;

  function clearCanvas(): void {
    context.fillStyle = '#000';
    context.fillRect(0, 0, CANVAS_SIZE, CANVAS_SIZE);
    status.strokes = 0;
    schedulePrediction();
  }

  function schedulePrediction(): void {
    if (isPredictionDue) return;
    isPredictionDue = true;
    frame = requestAnimationFrame(() => {
      isPredictionDue = false;
      predict();
    });
  }

  function showProbabilities(): void {
    const probabilities = status.probabilities;
    const names = status.classNames;
    const dataset = chart.data.datasets[0]!;
    chart.data.labels = names;
    dataset.data = probabilities ?? names.map(() => 0);
    dataset.backgroundColor = names.map((_, index) => (index === status.topClass ? '#d9480f' : '#2f6fdf'));
    chart.update('none');
    topLine.textContent =
      status.topClass === null
        ? model === null
          ? 'No model yet.'
          : 'Draw a digit.'
        : `It is a ${status.topClassName}: ${(status.topProbability! * 100).toFixed(1)}% sure.`;
  }

  function predict(): void {
    const height = status.inputHeight;
    const width = status.inputWidth;
    const drawing = convertImage(imageFromImageData(context.getImageData(0, 0, CANVAS_SIZE, CANVAS_SIZE)), 'gray');
    const digit = mnistPreprocess(drawing, { height, width });
    const image = digit?.image ?? {
      width,
      height,
      colorModel: 'gray' as const,
      data: new Float32Array(width * height),
    };
    drawImage(inputCanvas, image, Math.max(1, Math.round((INPUT_SCALE * 28) / Math.max(width, height))));
    status.input = digit === null ? null : Array.from(digit.image.data);
    boxLine.textContent =
      digit === null
        ? 'No ink yet.'
        : `ink box ${digit.box.height}×${digit.box.width} px (height × width), top-left at (row ` +
          `${digit.box.top}, column ${digit.box.left}); ` +
          `centre of mass at (row ${digit.centerOfMass.y.toFixed(1)}, column ` +
          `${digit.centerOfMass.x.toFixed(1)}) of ${height}×${width}`;
    if (model === null || digit === null) {
      Object.assign(status, { probabilities: null, topClass: null, topClassName: null, topProbability: null });
    } else {
      try {
        // Every class, most probable first; probabilities even for an ONNX model that outputs logits.
        const ranked = model.model.classify([digit.image], { topK: model.model.classes })[0]!;
        const probabilities = new Array<number>(ranked.length);
        for (const { index, probability } of ranked) probabilities[index] = probability;
        const best = ranked[0]!.index;
        Object.assign(status, {
          probabilities,
          topClass: best,
          topClassName: status.classNames[best] ?? String(best),
          topProbability: ranked[0]!.probability,
        });
        status.softmax = softmaxSteps(logitsOf(model.model, digit.image));
        showFeatureMaps(model.model, digit.image);
        status.predictions += 1;
      } catch (error) {
        showError(`The model failed on the drawing: ${errorText(error)}`);
        Object.assign(status, {
          probabilities: null,
          topClass: null,
          topClassName: null,
          topProbability: null,
          softmax: null,
        });
      }
    }
    if (status.probabilities === null) {
      status.softmax = null;
      status.featureMaps = null;
      featureMapsBox.replaceChildren();
      featureMapsNote.textContent = model === null ? 'No model yet.' : 'Draw a digit.';
    }
    showProbabilities();
    showSoftmax();
  }

  /** Each layer's output for the drawing, as the library draws it (featureMapPictures). */
  function showFeatureMaps(shown: Model, image: Image): void {
    try {
      const vectors = new Map<number, number[]>();
      const pictures = withScope(() => {
        const input = imagesToInput(shown, [image]);
        shown.forward(input, {
          onOutput(layerIndex, output) {
            if (output.shape.length === 2 && output.size <= MAX_LABELLED_VALUES)
              vectors.set(layerIndex, Array.from(output.dataSync()));
          },
        });
        return featureMapPictures(shown, input);
      });
      status.featureMaps = pictures.map((picture) => {
        const values = vectors.get(picture.layerIndex);
        return {
          layerName: picture.layerName,
          className: picture.className,
          shape: [...picture.shape],
          range: picture.range,
          ...(values === undefined ? {} : { values }),
        };
      });
      featureMapsNote.textContent =
        `${pictures.length} layers; each picture has its own color scale, up to ` +
        `its largest magnitude. Dense layers and the classes: one labelled cell per unit.`;
      featureMapsBox.replaceChildren(
        ...pictures.map((picture) => {
          const values = vectors.get(picture.layerIndex);
          let shownValues: HTMLElement;
          if (values === undefined) {
            shownValues = imageCanvas(picture.picture, 1, { 'data-layer': picture.layerName });
          } else {
            shownValues = element('div', { class: 'vector-cells', 'data-layer': picture.layerName });
            fillVectorCells(shownValues, values, {
              range: picture.range,
              isProbability: picture.className === 'Softmax',
              classNames: status.classNames,
            });
          }
          return element(
            'figure',
            {},
            shownValues,
            element(
              'figcaption',
              {},
              `${picture.layerName} (${picture.className}) ${picture.shape.join('\u00d7')}, up to ` +
                `${formatFixed(picture.range, 3)}`,
            ),
          );
        }),
      );
    } catch (error) {
      status.featureMaps = null;
      featureMapsBox.replaceChildren();
      featureMapsNote.textContent = `The feature maps cannot be drawn for this model: ${errorText(error)}`;
    }
  }

  /** The table of logits, exponentials and probabilities, and what the numbers say about the top class. */
  function showSoftmax(): void {
    const steps = status.softmax;
    if (steps === null) {
      softmaxTable.replaceChildren();
      softmaxWhy.textContent = model === null ? 'No model yet.' : 'Draw a digit to see its logits.';
      return;
    }
    const names = status.classNames;
    const order = steps.probabilities
      .map((_, index) => index)
      .sort((first, second) => steps.probabilities[second]! - steps.probabilities[first]!);
    softmaxTable.replaceChildren(
      element(
        'tr',
        {},
        ...[
          'class',
          'logit z',
          `z \u2212 ${formatFixed(steps.largest, 3)}`,
          'e^(z \u2212 max)',
          '\u00f7 sum',
          'probability',
        ].map((text) => element('th', {}, text)),
      ),
      ...order.map((index) =>
        element(
          'tr',
          { 'data-class': String(index), class: index === order[0] ? 'is-top' : '' },
          element('th', {}, names[index] ?? String(index)),
          element('td', {}, formatFixed(steps.logits[index]!, 3)),
          element('td', {}, formatFixed(steps.logits[index]! - steps.largest, 3)),
          element('td', {}, formatPositive(steps.exponentials[index]!)),
          element('td', {}, `/ ${formatPositive(steps.sum)}`),
          element('td', {}, `${formatPositive(steps.probabilities[index]! * 100)}%`),
        ),
      ),
      element(
        'tr',
        { class: 'softmax-total' },
        element('th', {}, 'sum'),
        element('td'),
        element('td'),
        element('td', {}, formatPositive(steps.sum)),
        element('td'),
        element('td', {}, `${(steps.probabilities.reduce((total, value) => total + value, 0) * 100).toFixed(1)}%`),
      ),
    );
    const top = order[0]!;
    const second = order[1];
    const topName = names[top] ?? String(top);
    const lead = second === undefined ? 0 : steps.logits[top]! - steps.logits[second]!;
    softmaxWhy.textContent =
      second === undefined
        ? ''
        : `Why "a ${topName}, ${(steps.probabilities[top]! * 100).toFixed(1)}% sure": the ${topName}\u2019s ` +
          `logit is ${formatFixed(lead, 2)} above the next one (${names[second] ?? second}), ` +
          `and e^${formatFixed(lead, 2)} = ${formatPositive(Math.exp(lead))}, so after the division it gets ` +
          `${formatPositive(Math.exp(lead))} times the share of the runner-up. ` +
          'The percentages always add up to 100%: softmax only shares certainty out among the classes it ' +
          'knows. It has no "none of these", ' +
          'so a scribble that is no digit at all still gets a confident answer whenever one logit stands a ' +
          'few units above the rest. ' +
          'The percentage says how much this class beats the other ' +
          `${names.length - 1}` +
          ', not how much the drawing looks like a digit.';
  }

  function showError(message: string | null): void {
    status.error = message;
    errorLine.textContent = message ?? '';
  }

  function useModel(next: CurrentModel | null): void {
    const input = next === null ? null : imageInputOf(next.model);
    if (next !== null && typeof input === 'string') {
      showError(`${next.source}: ${input}`);
      return;
    }
    model = next;
    const size = input === null || typeof input === 'string' ? { height: 28, width: 28 } : input;
    Object.assign(status, {
      hasModel: next !== null,
      modelSource: next?.source ?? null,
      classNames: next === null ? [] : [...next.classNames].slice(0, next.model.classes),
      inputHeight: size.height,
      inputWidth: size.width,
    });
    while (status.classNames.length < (next?.model.classes ?? 0))
      status.classNames.push(String(status.classNames.length));
    sourceLine.textContent =
      next === null
        ? 'No model yet: train one on the Train page, or load files saved by the CLI.'
        : `Using the model ${next.source}: input ${size.height}×${size.width}, ${next.model.classes} ` +
          `classes (${status.classNames.join(', ')}).`;
    schedulePrediction();
  }

  async function loadFiles(files: readonly File[]): Promise<void> {
    showError(null);
    const manifestFile = pickFile(files, 'model.json', '.json');
    const weightsFile = pickFile(files, 'weights.safetensors', '.safetensors');
    // A folder holding both kinds: the CLI's own files, which name the classes.
    const onnxFile = pickFile(files, 'model.onnx', '.onnx');
    if ((manifestFile === undefined || weightsFile === undefined) && onnxFile !== undefined) {
      await loadOnnx(onnxFile);
      return;
    }
    if (manifestFile === undefined || weightsFile === undefined) {
      showError(
        `Choose both files, model.json and weights.safetensors, or an ONNX file (got ` +
          `${files.map((file) => file.name).join(', ') || 'none'}).`,
      );
      return;
    }
    if (manifestFile.size > MAX_MANIFEST_BYTES || weightsFile.size > MAX_WEIGHTS_BYTES) {
      showError(
        `${manifestFile.size > MAX_MANIFEST_BYTES ? manifestFile.name : weightsFile.name} is too large for ` +
          `a model file here.`,
      );
      return;
    }
    try {
      const manifestText = await manifestFile.text();
      const weightsBytes = new Uint8Array(await weightsFile.arrayBuffer());
      // On the heap: a model loaded over another (or refused below) leaves no weights behind.
      const { model: loaded, manifest } = onHeap(() =>
        parseModel(manifestText, weightsBytes, { manifest: manifestFile.name, weights: weightsFile.name }),
      );
      const accuracy = manifest.training?.testAccuracy;
      const facts = typeof accuracy === 'number' ? `, ${(accuracy * 100).toFixed(1)}% test accuracy when saved` : '';
      const folder = (manifestFile.webkitRelativePath || '').split('/').slice(0, -1).join('/');
      const next: CurrentModel = {
        model: loaded,
        classNames: manifest.classNames ?? Array.from({ length: loaded.classes }, (_, index) => String(index)),
        source: `loaded from ${folder === '' ? '' : `${folder}/`}${manifestFile.name} + ${weightsFile.name}${facts}`,
      };
      const input = imageInputOf(loaded);
      if (typeof input === 'string') {
        showError(`${manifestFile.name}: ${input}`);
        return;
      }
      setCurrentModel(next);
    } catch (error) {
      showError(errorText(error));
    }
  }

  /**
   * An ONNX model (PyTorch's NCHW input, or Keras's NHWC through tf2onnx). The imported model runs
   * channels last, as imagesToInput lays out the drawing, whatever the layout the file declares.
   */
  async function loadOnnx(file: File): Promise<void> {
    if (file.size > MAX_WEIGHTS_BYTES) {
      showError(`${file.name} is too large for a model file here.`);
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // On the heap, as parseModel's models above.
      const { model: loaded, inputLayout, onnxInputShape } = onHeap(() => importOnnx(bytes, file.name));
      const input = imageInputOf(loaded);
      if (inputLayout === 'features' || typeof input === 'string') {
        showError(
          `${file.name}: this model takes inputs of shape [batch, ${onnxInputShape.join(', ')}], not ` +
            `images, so it cannot classify a drawing`,
        );
        return;
      }
      const folder = (file.webkitRelativePath || '').split('/').slice(0, -1).join('/');
      setCurrentModel({
        model: loaded,
        // ONNX files carry no class names: an MNIST model's are its digits, any other's their indices.
        classNames:
          loaded.classes === 10
            ? MNIST_CLASS_NAMES
            : Array.from({ length: loaded.classes }, (_, index) => String(index)),
        source:
          `loaded from ${folder === '' ? '' : `${folder}/`}${file.name} (ONNX, input [batch, ` +
          `${onnxInputShape.join(', ')}] ${inputLayout})`,
      });
    } catch (error) {
      showError(errorText(error));
    }
  }

  // Drawing: pointer events cover mouse, pen and touch alike; the canvas's touch-action: none keeps a
  // finger from scrolling the page instead.
  let lastPoint: { x: number; y: number } | null = null;
  function pointOf(event: PointerEvent): { x: number; y: number } {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * CANVAS_SIZE) / rect.width,
      y: ((event.clientY - rect.top) * CANVAS_SIZE) / rect.height,
    };
  }
  function strokeTo(point: { x: number; y: number }): void {
    context.strokeStyle = '#fff';
    context.fillStyle = '#fff';
    context.lineWidth = PEN_WIDTH;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    if (lastPoint === null) {
      context.beginPath();
      context.arc(point.x, point.y, PEN_WIDTH / 2, 0, 2 * Math.PI);
      context.fill();
    } else {
      context.beginPath();
      context.moveTo(lastPoint.x, lastPoint.y);
      context.lineTo(point.x, point.y);
      context.stroke();
    }
    lastPoint = point;
  }
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    lastPoint = null;
    status.strokes += 1;
    strokeTo(pointOf(event));
    schedulePrediction();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (lastPoint === null || !canvas.hasPointerCapture(event.pointerId)) return;
    // Coalesced events keep fast strokes smooth where the browser batches moves into one frame.
    const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const each of events.length > 0 ? events : [event]) strokeTo(pointOf(each));
    schedulePrediction();
  });
  const endStroke = (event: PointerEvent) => {
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    lastPoint = null;
  };
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  clearButton.addEventListener('click', clearCanvas);

  filesInput.addEventListener('change', () => {
    void loadFiles([...(filesInput.files ?? [])]);
    filesInput.value = '';
  });
  folderInput.addEventListener('change', () => {
    void loadFiles([...(folderInput.files ?? [])]);
    folderInput.value = '';
  });
  acceptDroppedFiles(modelCard, (files) => void loadFiles(files));

  const unsubscribe = onModelChange(useModel);
  clearCanvas();
  useModel(currentModel());
  predict();
  markReady(root);

  return () => {
    unsubscribe();
    cancelAnimationFrame(frame);
    chart.destroy();
  };
}

export const drawPage: Page = { id: 'draw', title: 'Draw', mount };
