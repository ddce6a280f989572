// The Teach page's worker: loads the network (a bundled one or the user's files, through the Model
// page's loadModelFiles), cuts it before its classifier, puts a new head on it with the backbone frozen
// (addClassifierHead) and trains that head on the user's pictures with fitAsync, which computes the
// backbone's features once per picture (FitOptions.cacheFrozenFeatures); then classifies camera frames
// and saves the whole network as model files or ONNX. All of it off the page's main thread, on WebGPU
// where the browser has an adapter (the features cached on the GPU, frames classified with classifyAsync,
// the files saved from a host twin), on WebAssembly otherwise: see ../workerBackend.ts.

import { Adam, addClassifierHead, exportOnnx, imagesToInput, serializeModel, type Model } from 'convnet-ts';
import { describeWorkerBackend, type BackendChoice, type WorkerBackend } from '../backendChoice.js';
import { fetchModelFiles, loadModelFiles, type NamedBytes } from '../model/modelFiles.js';
import { pictureImage } from '../model/pictureImage.js';
import { onHeap } from '../onHeap.js';
import { hostModel, onCpu, startWorkerBackend } from '../workerBackend.js';
import { workerPort } from '../workerSession.js';
import type {
  BackboneDescription,
  EpochFigures,
  FromTeachWorker,
  ModelFile,
  PictureSource,
  TeachClass,
  ToTeachWorker,
} from './protocol.js';

/** Pictures per training batch: a few dozen pictures make one to a few batches. */
const BATCH_SIZE = 16;

const { post, answer, listen } = workerPort<ToTeachWorker, FromTeachWorker>();

let backbone: Model | null = null;
let backboneName = '';
let taught: Model | null = null;
/** How the taught model was made (the backbone's files, its cut, the head's options), to make its host twin. */
let taughtRecipe: { files: NamedBytes[]; cutAt: string; classNames: string[] } | null = null;
let backboneFiles: { files: NamedBytes[]; cutAt: string } | null = null;
let training: AbortController | null = null;
/** The page's choice of backend ('init', its first message), then the backend the worker started. */
let choose: (choice: BackendChoice) => void = () => undefined;
const started: Promise<WorkerBackend> = new Promise<BackendChoice>((resolve) => {
  choose = resolve;
}).then(startWorkerBackend);

/**
 * Where the network's own classifier starts: the input of its last layer with weights (the final
 * Dense, or an imported Gemm). The backbone is everything up to that input.
 */
function classifierInput(model: Model): string {
  for (let index = model.layers.length - 1; index > 0; index--) {
    if (model.layers[index]!.weights().length === 0) continue;
    const input = model.nodes[index]!.inputs[0];
    if (input === undefined || input === 0) break;
    return model.layers[input]!.name;
  }
  throw new Error(
    `${model.layers.length} layers and no classifier to replace: the network needs a layer with weights ` +
      `after its input`,
  );
}

async function loadBackbone(id: number, files: ModelFile[], name: string | undefined): Promise<void> {
  post({ type: 'progress', id, text: 'reading the files', done: 0, total: 2 });
  const named = await fetchModelFiles(files);
  await started;
  post({ type: 'progress', id, text: 'building the network', done: 1, total: 2 });
  const loaded = onHeap(() => loadModelFiles(named));
  loaded.model.setPreprocessing(loaded.preprocessing ?? undefined);
  if (loaded.model.inputShape.length !== 3)
    throw new Error(`${loaded.name} takes vectors of ${loaded.model.inputShape[0]} values, not pictures`);
  const cutAt = classifierInput(loaded.model);
  backbone = loaded.model.featureExtractor(cutAt);
  backboneName = name ?? loaded.name;
  backboneFiles = { files: named, cutAt };
  taught = null;
  taughtRecipe = null;
  const description: BackboneDescription = {
    name: backboneName,
    inputShape: [...backbone.inputShape],
    cutAt,
    featureShape: [...backbone.outputShape],
    layerCount: backbone.layers.length,
  };
  post({ type: 'backbone', id, backbone: description });
}

async function train(id: number, classes: TeachClass[], epochs: number, learningRate: number): Promise<void> {
  if (backbone === null) throw new Error('Choose a network first.');
  if (classes.length < 2)
    throw new Error(`Make at least two classes to tell apart (there ${classes.length === 1 ? 'is one' : 'are none'}).`);
  const empty = classes.find((taughtClass) => taughtClass.pictures.length === 0);
  if (empty !== undefined)
    throw new Error(`The class '${empty.name}' has no pictures: take some with the camera or choose files.`);
  const total = classes.reduce((sum, taughtClass) => sum + taughtClass.pictures.length, 0);
  post({
    type: 'progress',
    id,
    text: `fitting ${total} pictures to ${backbone.inputShape.join('×')}`,
    done: 0,
    total: epochs,
  });
  const images = classes.flatMap((taughtClass) => taughtClass.pictures.map(pictureImage));
  const labels = classes.flatMap((taughtClass, index) => taughtClass.pictures.map(() => index));
  const x = imagesToInput(backbone, images);
  const base = backbone;
  const recipe = { ...backboneFiles!, classNames: classes.map((taughtClass) => taughtClass.name) };
  // A new head on the shared backbone each time: the backbone's weights stay those of the file.
  const model = onHeap(() => withHead(base, recipe.classNames));
  const history: EpochFigures[] = [];
  let cachedFeaturesOf: string | null = null;
  training = new AbortController();
  let isStopped = false;
  try {
    await model.fitAsync(x, labels, {
      epochs,
      batchSize: BATCH_SIZE,
      optimizer: new Adam({ learningRate }),
      signal: training.signal,
      callbacks: {
        onTrainBegin: (info) => {
          cachedFeaturesOf = info.cachedFeaturesOf ?? null;
        },
        onEpochEnd: (logs) => {
          const figures = { epoch: logs.epoch, epochs, loss: logs.loss, accuracy: logs.accuracy };
          history.push(figures);
          post({ type: 'epoch', id, figures });
        },
      },
    });
  } catch (error) {
    if (!training.signal.aborted) throw error;
    isStopped = true;
  } finally {
    training = null;
  }
  taught = model;
  taughtRecipe = recipe;
  post({
    type: 'trained',
    id,
    history,
    isStopped,
    cachedFeaturesOf,
    backend: describeWorkerBackend(await started),
    classNames: classes.map((taughtClass) => taughtClass.name),
  });
}

/** The classifier the page trains: `base` with a new head (Dense and Softmax) for `classNames`. */
function withHead(base: Model, classNames: string[]): Model {
  return addClassifierHead(base, { classes: classNames.length, classNames, seed: 1 });
}

async function predict(id: number, picture: PictureSource): Promise<void> {
  if (taught === null) throw new Error('Train the classes first.');
  const [top] = await taught.classifyAsync([pictureImage(picture)], { topK: taught.classes });
  post({ type: 'prediction', id, top: top! });
}

async function save(id: number, format: 'convnet' | 'onnx'): Promise<void> {
  if (taught === null || taughtRecipe === null) throw new Error('Train the classes first.');
  const { files, cutAt, classNames } = taughtRecipe;
  // On WebGPU, a twin made from the same files, with the trained weights read back into it.
  const model = await hostModel(taught, () => {
    const loaded = loadModelFiles(files);
    loaded.model.setPreprocessing(loaded.preprocessing ?? undefined);
    return withHead(loaded.model.featureExtractor(cutAt), classNames);
  });
  const stem = `taught-${backboneName.replace(/\.[^.]*$/, '').replace(/[^\w-]+/g, '-')}`;
  if (format === 'onnx') {
    const bytes = new Uint8Array(onCpu(() => exportOnnx(model)));
    post({ type: 'saved', id, files: [{ name: `${stem}.onnx`, bytes }] }, [bytes.buffer]);
    return;
  }
  const { manifest, weights } = onCpu(() => serializeModel(model));
  const manifestBytes = new TextEncoder().encode(manifest);
  const weightBytes = new Uint8Array(weights);
  post(
    {
      type: 'saved',
      id,
      files: [
        { name: 'model.json', bytes: manifestBytes },
        { name: 'weights.safetensors', bytes: weightBytes },
      ],
    },
    [manifestBytes.buffer, weightBytes.buffer],
  );
}

function handle(message: ToTeachWorker): void {
  const { id } = message;
  switch (message.type) {
    case 'init':
      choose(message.backend);
      return;
    case 'loadBackbone':
      answer(id, 'backbone', () => loadBackbone(id, message.files, message.name));
      return;
    case 'train':
      answer(id, 'train', async () => {
        await started;
        await train(id, message.classes, message.epochs, message.learningRate);
      });
      return;
    case 'stop':
      training?.abort();
      return;
    case 'predict':
      answer(id, 'predict', () => predict(id, message.picture));
      return;
    case 'save':
      answer(id, 'save', () => save(id, message.format));
      return;
  }
}

// The worker's own copy of the library: its backend starts at the page's 'init' (startWorkerBackend), and
// every request waits for it.
listen(handle);
