// The Model page's worker: loads the user's model, fits a picture to its input, runs every layer and
// draws the first page of each layer's column, off the page's main thread. The library's WebAssembly
// backend starts here (with kernel workers of its own when the page is cross-origin isolated, one
// thread otherwise). It keeps every layer's output for the last picture (one example: ResNet-50's
// are ~40 MB), so paging a column or asking for a layer's values costs no second forward pass.

import {
  backendInfo,
  imagesToInput,
  imageToImageData,
  type Input,
  parseLabels,
  ready,
  resizeForInput,
  convertImage,
  explainValue,
  gradCam,
  gradCamLayers,
  layerOutputs,
  type Image,
  type LayerOutputs,
  type Model,
  type Tensor,
} from 'convnet-ts';
import { onHeap } from '../onHeap.js';
import { workerPort } from '../workerSession.js';
import { drawColumnPage, valueRange } from './columnPictures.js';
import { describeLayers } from './layerInfo.js';
import { fetchModelFiles, loadModelFiles, type LoadedFiles } from './modelFiles.js';
import { pictureImage } from './pictureImage.js';
import type {
  FromModelWorker,
  LayerResult,
  ModelDescription,
  ModelFile,
  PictureSource,
  ToModelWorker,
  TopClass,
} from './protocol.js';

const TOP_CLASSES = 5;

const { post, answer, listen } = workerPort<ToModelWorker, FromModelWorker>();

interface Outputs {
  layers: LayerOutputs;
  ranges: { range: number; isSigned: boolean }[];
  /** The model's input for the picture and the picture fitted to it: Grad-CAM runs them again. */
  input: Tensor;
  fitted: Image;
}

let loaded: LoadedFiles | null = null;
let description: ModelDescription | null = null;
/** The model's own class names, for a labels file taken back. */
let ownClassNames: { names: string[]; source: string } | null = null;
let outputs: Outputs | null = null;

function describe(current: LoadedFiles): ModelDescription {
  const { model } = current;
  const input = model.layers[0] as Input;
  const shape = model.inputShape;
  return {
    name: current.name,
    format: current.format,
    layers: describeLayers(model),
    parameterCount: model.namedWeights().reduce((sum, weight) => sum + weight.tensor.size, 0),
    input:
      shape.length === 3
        ? { height: shape[0]!, width: shape[1]!, channels: shape[2]!, colorModel: input.colorModel }
        : { height: 1, width: 1, channels: shape[0] ?? 1, colorModel: null },
    preprocessing: current.preprocessing,
    preprocessingSource: current.preprocessingSource,
    classNames: current.classNames,
    classNamesSource: current.classNamesSource,
    output: model.output,
    gradCamLayers: gradCamLayers(model).map((layer) => ({
      index: layer.layerIndex,
      name: layer.layerName,
      className: layer.className,
      shape: [...layer.shape],
    })),
  };
}

async function loadModel(id: number, files: ModelFile[]): Promise<void> {
  post({ type: 'progress', id, done: 0, total: 2, text: 'reading the files' });
  const named = await fetchModelFiles(files);
  post({ type: 'progress', id, done: 1, total: 2, text: 'building the model' });
  // On the heap: a model replaced by the next one goes with it (see onHeap.ts).
  const next = onHeap(() => loadModelFiles(named));
  next.model.setPreprocessing(next.preprocessing ?? undefined);
  loaded = next;
  outputs = null;
  ownClassNames = { names: next.classNames, source: next.classNamesSource };
  description = describe(next);
  post({ type: 'model', id, model: description });
}

function softmaxTop(scores: Float32Array | Float64Array, isLogits: boolean, names: readonly string[]): TopClass[] {
  let largest = -Infinity;
  for (const score of scores) largest = Math.max(largest, score);
  const probabilities = Float64Array.from(scores, (score) => (isLogits ? Math.exp(score - largest) : score));
  const sum = isLogits ? probabilities.reduce((total, value) => total + value, 0) : 1;
  return [...probabilities.keys()]
    .sort((a, b) => probabilities[b]! - probabilities[a]!)
    .slice(0, TOP_CLASSES)
    .map((index) => ({ index, name: names[index] ?? String(index), probability: probabilities[index]! / sum }));
}

function run(id: number, picture: PictureSource): void {
  if (loaded === null || description === null) throw new Error('Choose a model first.');
  const { model } = loaded;
  if (model.inputShape.length !== 3)
    throw new Error(`${loaded.name} takes vectors of ${model.inputShape[0]} values, not pictures.`);
  const image = pictureImage(picture);
  const total = model.layers.length;
  post({ type: 'progress', id, done: 0, total, text: 'fitting the picture' });
  const input = imagesToInput(model, [image]);
  const [height, width] = model.inputShape as [number, number, number];
  const fitted = resizeForInput(image, width, height, model.preprocessing);
  const shown = imageToImageData(
    description.input.colorModel === null || fitted.colorModel === description.input.colorModel
      ? fitted
      : convertImage(fitted, description.input.colorModel),
  );

  const started = performance.now();
  // One report per layer as it finishes: the page's bar moves through the pass, not by stage only.
  const computed = layerOutputs(model, input, {
    onLayer: (layer) =>
      post({
        type: 'progress',
        id,
        done: layer.layerIndex + 1,
        total,
        text: `layer ${layer.layerIndex + 1} of ${total}: ${layer.layerName}`,
      }),
  });
  const values = computed.layers.map((layer) => layer.values);
  const forwardMs = performance.now() - started;
  post({ type: 'progress', id, done: total, total, text: 'drawing the columns' });
  const drawStarted = performance.now();
  const ranges = values.map(valueRange);
  outputs = { layers: computed, ranges, input, fitted };
  const layers: LayerResult[] = values.map((layerValues, layerIndex) => ({
    layerIndex,
    ...ranges[layerIndex]!,
    column: drawColumnPage(
      layerIndex,
      layerValues,
      model.layerOutputShapes[layerIndex]!,
      ranges[layerIndex]!.range,
      ranges[layerIndex]!.isSigned,
      0,
    ),
  }));
  const drawMs = performance.now() - drawStarted;
  const top = softmaxTop(values[total - 1]!, model.output === 'logits', description.classNames);
  const rgba = new Uint8ClampedArray(shown.data);
  post(
    { type: 'result', id, fitted: { width: shown.width, height: shown.height, rgba }, layers, top, forwardMs, drawMs },
    [rgba.buffer, ...layers.map((layer) => layer.column.rgba.buffer)],
  );
}

function setLabels(id: number, name: string, text: string | null): void {
  if (loaded === null || description === null || ownClassNames === null) throw new Error('Choose a model first.');
  const names = text === null ? ownClassNames.names : parseLabels(text, name, loaded.model.classes);
  description = {
    ...description,
    classNames: names,
    classNamesSource: text === null ? ownClassNames.source : `labels file ${name}`,
  };
  post({ type: 'model', id, model: description });
}

function setPreprocessing(id: number, preprocessing: ModelDescription['preprocessing']): void {
  if (loaded === null || description === null) throw new Error('Choose a model first.');
  loaded.model.setPreprocessing(preprocessing ?? undefined);
  description = { ...description, preprocessing: loaded.model.preprocessing ?? null, preprocessingSource: 'user' };
  post({ type: 'model', id, model: description });
}

/**
 * Grad-CAM (the library's) for the last picture: the heat at the layer's resolution and its overlay on the fitted
 * picture.
 */
function explainClass(id: number, classIndex: number, layerName: string): void {
  if (loaded === null || outputs === null) throw new Error('Run a picture first.');
  post({
    type: 'progress',
    id,
    done: 0,
    total: 2,
    text: `Grad-CAM: the pass to the logits and the gradient back to ${layerName}`,
  });
  const started = performance.now();
  const result = gradCam(loaded.model, outputs.input, outputs.fitted, { classIndex, layerName });
  post({ type: 'progress', id, done: 1, total: 2, text: 'Grad-CAM: drawing the heat map' });
  const heat = Float32Array.from(result.heat.data);
  const overlay = new Uint8ClampedArray(imageToImageData(result.overlay).data);
  post(
    {
      type: 'gradCam',
      id,
      classIndex: result.classIndex,
      layerName: result.layerName,
      heat: { width: result.heat.width, height: result.heat.height, values: heat },
      overlay: { width: result.overlay.width, height: result.overlay.height, rgba: overlay },
      ms: performance.now() - started,
    },
    [heat.buffer, overlay.buffer],
  );
}

function layerOf(model: Model, layerIndex: number): number {
  if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= model.layers.length)
    throw new RangeError(`no layer ${layerIndex}: the model has ${model.layers.length}`);
  if (outputs === null) throw new Error('Run a picture first.');
  return layerIndex;
}

function handle(message: ToModelWorker): void {
  const { id } = message;
  switch (message.type) {
    case 'loadModel':
      answer(id, 'model', () => loadModel(id, message.files));
      return;
    case 'setLabels':
      attempt(id, 'labels', () => setLabels(id, message.name, message.text));
      return;
    case 'setPreprocessing':
      attempt(id, 'preprocessing', () => setPreprocessing(id, message.preprocessing));
      return;
    case 'run':
      attempt(id, 'picture', () => run(id, message.picture));
      return;
    case 'page':
      attempt(id, 'page', () => {
        const layerIndex = layerOf(loaded!.model, message.layerIndex);
        const { range, isSigned } = outputs!.ranges[layerIndex]!;
        const column = drawColumnPage(
          layerIndex,
          outputs!.layers.layers[layerIndex]!.values,
          loaded!.model.layerOutputShapes[layerIndex]!,
          range,
          isSigned,
          message.page,
        );
        post({ type: 'page', id, column }, [column.rgba.buffer]);
      });
      return;
    case 'values':
      attempt(id, 'values', () => {
        const layerIndex = layerOf(loaded!.model, message.layerIndex);
        const values = Float32Array.from(outputs!.layers.layers[layerIndex]!.values);
        post({ type: 'values', id, layerIndex, shape: [...loaded!.model.layerOutputShapes[layerIndex]!], values }, [
          values.buffer,
        ]);
      });
      return;
    case 'gradCam':
      attempt(id, 'gradCam', () => explainClass(id, message.classIndex, message.layerName));
      return;
    case 'explain':
      attempt(id, 'explain', () => {
        const layerIndex = layerOf(loaded!.model, message.layerIndex);
        post({
          type: 'explanation',
          id,
          explanation: explainValue(outputs!.layers, layerIndex, message.position),
        });
      });
      return;
  }
}

/** Answers request `id` with `body`, or with an error while no model is loaded. */
function attempt(id: number, during: Extract<FromModelWorker, { type: 'error' }>['during'], body: () => void): void {
  if (loaded === null) post({ type: 'error', id, during, message: 'Choose a model first.' });
  else answer(id, during, body);
}

// The worker's own copy of the library: its fast kernels start before the first message is taken.
ready()
  .catch(() => undefined)
  .then(() => {
    const info = backendInfo();
    listen(handle);
    post({
      type: 'ready',
      backend: {
        active: info.active,
        threads: info.wasm?.threads ?? 1,
        isIsolated: globalThis.crossOriginIsolated === true,
      },
    });
  });
