// The Teach page's worker: loads the network (a bundled one or the user's files, through the Model
// page's loadModelFiles), cuts it before its classifier, puts a new head on it with the backbone frozen
// (addClassifierHead) and trains that head on the user's pictures with fitAsync, which computes the
// backbone's features once per picture (FitOptions.cacheFrozenFeatures); then classifies camera frames
// and saves the whole network as model files or ONNX. All of it off the page's main thread.

import { Adam, addClassifierHead, exportOnnx, imagesToInput, ready, serializeModel, type Model } from 'convnet-ts';
import { fetchModelFiles, loadModelFiles } from '../model/modelFiles.js';
import { pictureImage } from '../model/pictureImage.js';
import { onHeap } from '../onHeap.js';
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
let training: AbortController | null = null;

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
  post({ type: 'progress', id, text: 'building the network', done: 1, total: 2 });
  const loaded = onHeap(() => loadModelFiles(named));
  loaded.model.setPreprocessing(loaded.preprocessing ?? undefined);
  if (loaded.model.inputShape.length !== 3)
    throw new Error(`${loaded.name} takes vectors of ${loaded.model.inputShape[0]} values, not pictures`);
  const cutAt = classifierInput(loaded.model);
  backbone = loaded.model.featureExtractor(cutAt);
  backboneName = name ?? loaded.name;
  taught = null;
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
  // A new head on the shared backbone each time: the backbone's weights stay those of the file.
  const model = onHeap(() =>
    addClassifierHead(base, {
      classes: classes.length,
      classNames: classes.map((taughtClass) => taughtClass.name),
      seed: 1,
    }),
  );
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
  post({
    type: 'trained',
    id,
    history,
    isStopped,
    cachedFeaturesOf,
    classNames: classes.map((taughtClass) => taughtClass.name),
  });
}

function predict(id: number, picture: PictureSource): void {
  if (taught === null) throw new Error('Train the classes first.');
  const [top] = taught.classify([pictureImage(picture)], { topK: taught.classes });
  post({ type: 'prediction', id, top: top! });
}

function save(id: number, format: 'convnet' | 'onnx'): void {
  if (taught === null) throw new Error('Train the classes first.');
  const stem = `taught-${backboneName.replace(/\.[^.]*$/, '').replace(/[^\w-]+/g, '-')}`;
  if (format === 'onnx') {
    const bytes = new Uint8Array(exportOnnx(taught));
    post({ type: 'saved', id, files: [{ name: `${stem}.onnx`, bytes }] }, [bytes.buffer]);
    return;
  }
  const { manifest, weights } = serializeModel(taught);
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
    case 'loadBackbone':
      answer(id, 'backbone', () => loadBackbone(id, message.files, message.name));
      return;
    case 'train':
      answer(id, 'train', () => train(id, message.classes, message.epochs, message.learningRate));
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

// The worker's own copy of the library: its fast kernels start before the first message is taken.
ready()
  .catch(() => undefined)
  .then(() => listen(handle));
