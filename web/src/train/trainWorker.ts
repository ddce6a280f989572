// The Train page's worker: trains a digit CNN on the bundled MNIST sample with the library, off the
// page's main thread, on WebGPU where the browser has an adapter (and the page did not ask for
// WebAssembly), on the WebAssembly backend otherwise (with kernel workers of its own when the page is
// cross-origin isolated, one thread otherwise): see ../workerBackend.ts.
// Training runs as a loop of small fitAsync calls (a chunk of a few batches, in an example order this
// worker shuffles each epoch), yielding to the event loop between chunks so that pause, resume,
// learning-rate and reset messages are handled within one chunk (~0.1 s). On WebGPU, values are read
// back with `await data()`: the pictures are drawn from a host twin of the model (hostModel).

import {
  Adam,
  Conv2D,
  datasetToTensor,
  divergingMap,
  drawGrid,
  featureMapPictures,
  GradientTape,
  imageToImageData,
  kernelPicture,
  MNIST_CLASS_NAMES,
  NonFiniteLossError,
  PRESETS,
  Random,
  serializeModel,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  withScope,
  type ImageDataset,
  type LayerPicture,
  type PictureOptions,
  type Model,
} from 'convnet-ts';
import { errorMessage } from '../ui.js';
import type { BackendChoice } from '../backendChoice.js';
import { hostModel, onCpu, startWorkerBackend } from '../workerBackend.js';
import { workerPort } from '../workerSession.js';
import { loadMnistSample } from './mnistSample.js';
import type {
  BackpropMessage,
  DigitStrip,
  FromWorker,
  PictureMessage,
  ProgressMessage,
  ToWorker,
  TrainablePreset,
  TrainingState,
} from './protocol.js';

const BATCH_SIZE = 64;
/** Batches per fit call: ~60 ms of work on two threads, so a pause lands within a blink. */
const BATCHES_PER_CHUNK = 4;
/** Test accuracy (all 2,000 test digits) every this many steps, and when training pauses. */
const EVALUATE_EVERY_STEPS = 50;
/** Test digits per evaluate call; the worker yields between slices. */
const EVALUATION_SLICE = 500;
/** Kernels and feature maps are redrawn at most this often while training. */
const PICTURES_EVERY_MS = 400;
/** One seed for the weights and the example order, so a reset repeats the same run. */
const SEED = 1;
/** Test digits in the page's strip: the first of each class, twice over. */
const STRIP_PER_CLASS = 2;

interface Session {
  preset: TrainablePreset;
  model: Model;
  optimizer: Adam;
  random: Random;
  /** The training examples' order for the current epoch; `cursor` is the next one to take. */
  order: Int32Array;
  cursor: number;
  epochsDone: number;
  step: number;
  /** The page's number for this run (see 'reset' in protocol.ts); a loop or evaluation of an older run stops. */
  run: number;
  lastTestAccuracy: number | null;
  lastEvaluationStep: number;
  lastPicturesAt: number;
}

const { post, listen } = workerPort<ToWorker, FromWorker>();

let train: ImageDataset;
let test: ImageDataset;
let testInput: Tensor;
let session: Session | null = null;
let state: TrainingState = 'idle';
let learningRate = 0.003;
let digitIndex = 0;
/** Examples per second, smoothed over recent chunks. */
let imagesPerSecond = 0;
/** The current run's number. */
let run = 0;
let isLoopActive = false;
/** Set by a pause: the loop then draws the pictures and evaluates once more before it stops. */
let isPauseReportDue = false;

/** Waits for one turn of the event loop (a macrotask), so queued messages run; no 4 ms timer clamp. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

function parameterCount(model: Model): number {
  return model.trainableWeights().reduce((sum, weight) => sum + weight.size, 0);
}

function newSession(preset: TrainablePreset, runNumber: number): Session {
  const model = PRESETS[preset]!({ seed: SEED });
  const random = new Random(SEED);
  const order = Int32Array.from({ length: train.count }, (_, index) => index);
  random.shuffle(order);
  run = runNumber;
  return {
    preset,
    model,
    optimizer: new Adam({ learningRate }),
    random,
    order,
    cursor: 0,
    epochsDone: 0,
    step: 0,
    run,
    lastTestAccuracy: null,
    lastEvaluationStep: 0,
    lastPicturesAt: 0,
  };
}

function postState(): void {
  if (session === null) return;
  post({
    type: 'state',
    run,
    state,
    step: session.step,
    learningRate,
    preset: session.preset,
    parameterCount: parameterCount(session.model),
  });
}

/** One fitAsync call over the next few batches of the epoch's order; the epoch wraps (and reshuffles) at its end. */
async function trainChunk(current: Session): Promise<ProgressMessage> {
  const size = Math.min(BATCH_SIZE * BATCHES_PER_CHUNK, train.count - current.cursor);
  const indices = current.order.subarray(current.cursor, current.cursor + size);
  const input = datasetToTensor(train, { indices });
  const labels = Uint8Array.from(indices, (index) => train.labels[index]!);
  current.optimizer.learningRate = learningRate;
  const started = performance.now();
  const history = await current.model.fitAsync(input, labels, {
    epochs: 1,
    batchSize: BATCH_SIZE,
    shuffle: false,
    optimizer: current.optimizer,
  });
  const seconds = (performance.now() - started) / 1000;
  const rate = size / Math.max(seconds, 1e-6);
  imagesPerSecond = imagesPerSecond === 0 ? rate : 0.8 * imagesPerSecond + 0.2 * rate;
  current.step += Math.ceil(size / BATCH_SIZE);
  current.cursor += size;
  if (current.cursor >= train.count) {
    current.cursor = 0;
    current.epochsDone += 1;
    current.random.shuffle(current.order);
  }
  const logs = history.epochs[0]!;
  return {
    type: 'progress',
    run: current.run,
    step: current.step,
    epoch: epochOf(current),
    batchSize: BATCH_SIZE,
    imagesPerSecond,
    loss: logs.loss,
    accuracy: logs.accuracy,
    learningRate,
  };
}

function epochOf(current: Session): number {
  return current.epochsDone + current.cursor / train.count;
}

/** Test loss and accuracy over all test digits, a slice at a time; dropped when a reset overtakes it. */
async function evaluateTest(current: Session): Promise<void> {
  let lossSum = 0;
  let correct = 0;
  const exampleSize = test.height * test.width * test.channels;
  for (let start = 0; start < test.count; start += EVALUATION_SLICE) {
    const count = Math.min(EVALUATION_SLICE, test.count - start);
    const slice = new Tensor(testInput.dataSync().subarray(start * exampleSize, (start + count) * exampleSize), [
      count,
      test.height,
      test.width,
      test.channels,
    ]);
    const result = await current.model.evaluateAsync(slice, test.labels.subarray(start, start + count));
    lossSum += result.loss * count;
    correct += Math.round(result.accuracy * count);
    await yieldToEventLoop();
    if (current.run !== run) return;
  }
  current.lastTestAccuracy = correct / test.count;
  current.lastEvaluationStep = current.step;
  post({
    type: 'evaluation',
    run: current.run,
    step: current.step,
    epoch: epochOf(current),
    testLoss: lossSum / test.count,
    testAccuracy: current.lastTestAccuracy,
    testCount: test.count,
  });
  await postModel(current);
}

/** The model to draw and save from: the trained one, or on WebGPU its host twin with the weights read back. */
function picturedModel(current: Session): Promise<Model> {
  return hostModel(current.model, () => PRESETS[current.preset]!({ seed: SEED }));
}

/**
 * The model's two files after every test evaluation, for the page to load as the current model (the Draw page
 * classifies with it).
 */
async function postModel(current: Session): Promise<void> {
  const model = await picturedModel(current);
  const { manifest, weights } = onCpu(() =>
    serializeModel(model, {
      classNames: MNIST_CLASS_NAMES,
      training: {
        dataset: 'mnist-sample',
        preset: current.preset,
        steps: current.step,
        batchSize: BATCH_SIZE,
        testAccuracy: current.lastTestAccuracy,
      },
    }),
  );
  const bytes = weights.slice();
  post(
    {
      type: 'model',
      run: current.run,
      step: current.step,
      testAccuracy: current.lastTestAccuracy,
      preset: current.preset,
      manifest,
      weights: bytes,
    },
    [bytes.buffer],
  );
}

function pictureMessage(picture: LayerPicture): PictureMessage {
  const { data, width, height } = imageToImageData(picture.picture);
  return {
    layerIndex: picture.layerIndex,
    layerName: picture.layerName,
    className: picture.className,
    shape: [...picture.shape],
    range: picture.range,
    width,
    height,
    rgba: data,
  };
}

/**
 * How large to draw a conv layer's kernels: a gray first layer's few filters large (tiles of ~36 px,
 * 3 px apart), a deeper layer's filters x channels grid (512 tiles in digits-cnn's second layer) at
 * ~12 px a tile.
 */
function kernelPictureOptions(model: Model, layerIndex: number): PictureOptions {
  const [kH, kW, inC] = (model.layers[layerIndex] as Conv2D).kernel!.shape as [number, number, number, number];
  const tilePixels = inC === 1 ? 36 : 12;
  return { scale: Math.max(1, Math.ceil(tilePixels / Math.max(kH, kW))), gap: inC === 1 ? 3 : 1 };
}

/** Vectors up to this long (a dense layer's units, the classes) are sent as numbers too, for labelled cells. */
const MAX_LABELLED_VALUES = 128;

/**
 * A signed array as a grid picture: `tiles` tiles of tileHeight x tileWidth, value(tile, y, x), blue negative, red
 * positive.
 */
function signedPicture(
  name: string,
  shape: number[],
  tiles: number,
  tileHeight: number,
  tileWidth: number,
  scale: number,
  value: (tile: number, y: number, x: number) => number,
): PictureMessage {
  let range = 0;
  for (let tile = 0; tile < tiles; tile++)
    for (let y = 0; y < tileHeight; y++)
      for (let x = 0; x < tileWidth; x++) range = Math.max(range, Math.abs(value(tile, y, x)));
  const unit = range > 0 ? range : 1;
  const layout = { tiles, tileHeight, tileWidth, columns: Math.ceil(Math.sqrt(tiles)), scale, gap: 2 };
  const { data, width, height } = imageToImageData(
    drawGrid(layout, (tile, y, x) => 0.5 + value(tile, y, x) / (2 * unit), divergingMap),
  );
  return { layerIndex: -1, layerName: name, className: 'gradient', shape, range, width, height, rgba: data };
}

/**
 * The loss of the digit and its gradients at the first conv layer, by the library's GradientTape: the
 * model runs to its logits (the softmax is fused into the cross-entropy, as in training), the tape
 * records every op on the weights, and one backward pass gives dWeight and dOut together.
 */
function backpropStep(model: Model, input: Tensor, label: number): BackpropMessage {
  const convIndex = model.layers.findIndex((layer) => layer instanceof Conv2D);
  const conv = model.layers[convIndex] as Conv2D;
  const end = model.layers[model.layers.length - 1] instanceof Softmax ? model.layers.length - 1 : model.layers.length;
  return withScope(() => {
    const tape = new GradientTape(model.trainableWeights());
    const targets = Tensor.zeros([1, model.classes]);
    targets.dataSync()[label] = 1;
    let convInput: Tensor | null = null;
    let featureMap: Tensor | null = null;
    const { loss } = tape.run(() =>
      softmaxCrossEntropy(
        model.forward(input, {
          end,
          onOutput(layerIndex, output) {
            if (layerIndex === convIndex - 1) convInput = output;
            if (layerIndex === convIndex) featureMap = output;
          },
        }),
        targets,
      ),
    );
    const kernel = conv.kernel!;
    const map = featureMap! as Tensor;
    const [dWeight, dOut] = tape.gradient(loss, [kernel, map]) as [Tensor, Tensor];
    const [kH, kW, inC, outC] = kernel.shape as [number, number, number, number];
    const [, outH, outW] = map.shape as [number, number, number, number];
    const dWeightValues = Array.from(dWeight.dataSync());
    const dOutValues = Array.from(dOut.dataSync());
    const dBias = Array.from({ length: outC }, (_, filter) => {
      let sum = 0;
      for (let index = filter; index < dOutValues.length; index += outC) sum += dOutValues[index]!;
      return sum;
    });
    const inputTensor = (convInput ?? input) as Tensor;
    return {
      layerName: conv.name,
      label,
      loss: loss.dataSync()[0]!,
      input: { shape: inputTensor.shape.slice(1), values: Array.from(inputTensor.dataSync()) },
      kernel: { shape: [...kernel.shape], values: Array.from(kernel.dataSync()) },
      dWeight: { shape: [...dWeight.shape], values: dWeightValues },
      dBias,
      dOut: { shape: [outH, outW, outC], values: dOutValues },
      pictures: {
        dWeight: signedPicture(
          `${conv.name} dWeight`,
          [...kernel.shape],
          inC * outC,
          kH,
          kW,
          12,
          (tile, y, x) => dWeightValues[((y * kW + x) * inC + (tile % inC)) * outC + Math.floor(tile / inC)]!,
        ),
        dOut: signedPicture(
          `${conv.name} dOut`,
          [outH, outW, outC],
          outC,
          outH,
          outW,
          2,
          (tile, y, x) => dOutValues[(y * outW + x) * outC + tile]!,
        ),
      },
    };
  });
}

/** The values of every short vector layer (dense units, class probabilities) for one example, by layer index. */
function vectorValues(model: Model, input: Tensor): Map<number, number[]> {
  const values = new Map<number, number[]>();
  withScope(() => {
    model.forward(input, {
      onOutput(layerIndex, output) {
        if (output.shape.length === 2 && output.size <= MAX_LABELLED_VALUES)
          values.set(layerIndex, Array.from(output.dataSync()));
      },
    });
  });
  return values;
}

/**
 * Every conv layer's kernels and every layer's output for the chosen test digit, as RGBA bytes: drawn on the
 * CPU backend, from the host twin on WebGPU.
 */
async function postPictures(current: Session): Promise<void> {
  const model = await picturedModel(current);
  onCpu(() => drawPictures(current, model));
}

function drawPictures(current: Session, model: Model): void {
  const kernels = model.layers.flatMap((layer, index) =>
    layer instanceof Conv2D ? [pictureMessage(kernelPicture(model, index, kernelPictureOptions(model, index)))] : [],
  );
  const input = datasetToTensor(test, { indices: [digitIndex] });
  const vectors = vectorValues(model, input);
  const featureMaps = featureMapPictures(model, input).map((picture) => {
    const message = pictureMessage(picture);
    const values = vectors.get(picture.layerIndex);
    return values === undefined ? message : { ...message, values };
  });
  const backprop = backpropStep(model, input, test.labels[digitIndex]!);
  const probabilities = Array.from(model.predict(input).dataSync());
  current.lastPicturesAt = performance.now();
  const transfer = [...kernels, ...featureMaps, backprop.pictures.dWeight, backprop.pictures.dOut].map(
    (picture) => picture.rgba.buffer,
  );
  post(
    {
      type: 'pictures',
      run: current.run,
      step: current.step,
      digitIndex,
      digitLabel: test.labels[digitIndex]!,
      probabilities,
      kernels,
      featureMaps,
      backprop,
    },
    transfer,
  );
}

/** Trains while running; after a pause, reports once where it stopped. One loop at a time. */
async function runLoop(): Promise<void> {
  isLoopActive = true;
  try {
    while (session !== null) {
      const current = session;
      if (state === 'running') {
        await trainAndReport(current);
      } else if (isPauseReportDue) {
        isPauseReportDue = false;
        // Paused: show where it stopped, and hand over the model as it is now.
        await postPictures(current);
        if (current.lastEvaluationStep !== current.step) await evaluateTest(current);
      } else {
        return;
      }
      await yieldToEventLoop();
    }
  } finally {
    isLoopActive = false;
  }
}

function ensureLoop(): void {
  if (!isLoopActive) void runLoop();
}

async function trainAndReport(current: Session): Promise<void> {
  let progress: ProgressMessage;
  try {
    progress = await trainChunk(current);
  } catch (error) {
    state = 'paused';
    isPauseReportDue = false;
    postState();
    const advice = error instanceof NonFiniteLossError ? ' Reset, then train with a lower learning rate.' : '';
    post({ type: 'error', message: `${errorMessage(error)}${advice}` });
    return;
  }
  post(progress);
  if (current.step - current.lastEvaluationStep >= EVALUATE_EVERY_STEPS) await evaluateTest(current);
  if (current.run === run && performance.now() - current.lastPicturesAt >= PICTURES_EVERY_MS)
    await postPictures(current);
}

function stripOfDigits(): DigitStrip {
  const indices: number[] = [];
  for (let label = 0; label < MNIST_CLASS_NAMES.length; label++) {
    let found = 0;
    for (let index = 0; index < test.count && found < STRIP_PER_CLASS; index++) {
      if (test.labels[index] === label) {
        indices.push(index);
        found += 1;
      }
    }
  }
  const exampleSize = test.height * test.width;
  const pixels = new Uint8Array(indices.length * exampleSize);
  indices.forEach((index, position) => {
    pixels.set(test.images.subarray(index * exampleSize, (index + 1) * exampleSize), position * exampleSize);
  });
  return {
    indices,
    labels: indices.map((index) => test.labels[index]!),
    height: test.height,
    width: test.width,
    pixels,
  };
}

async function initialize(preset: TrainablePreset, rate: number, choice: BackendChoice): Promise<void> {
  learningRate = rate;
  // The worker's own copy of the library: its backend starts here, before the first op.
  const backend = await startWorkerBackend(choice);
  ({ train, test } = await loadMnistSample());
  testInput = datasetToTensor(test);
  session = newSession(preset, 0);
  const digits = stripOfDigits();
  digitIndex = digits.indices[0]!;
  post(
    {
      type: 'ready',
      backend,
      trainCount: train.count,
      testCount: test.count,
      classNames: [...MNIST_CLASS_NAMES],
      digits,
      parameterCount: parameterCount(session.model),
    },
    [digits.pixels.buffer],
  );
  postState();
  await postPictures(session);
}

function handle(message: ToWorker): void {
  if (message.type === 'init') {
    initialize(message.preset, message.learningRate, message.backend).catch((error: unknown) =>
      post({ type: 'error', message: `Loading the MNIST sample failed: ${errorMessage(error)}` }),
    );
    return;
  }
  const current = session;
  if (current === null) return;
  switch (message.type) {
    case 'start':
    case 'resume':
      if (state === 'running') return;
      state = 'running';
      postState();
      ensureLoop();
      return;
    case 'pause':
      if (state !== 'running') return;
      state = 'paused';
      isPauseReportDue = true;
      postState();
      ensureLoop();
      return;
    case 'reset':
      state = 'idle';
      isPauseReportDue = false;
      session = newSession(message.preset, message.run);
      imagesPerSecond = 0;
      postState();
      void postPictures(session);
      return;
    case 'setLearningRate':
      if (!(message.learningRate > 0 && Number.isFinite(message.learningRate))) return;
      learningRate = message.learningRate;
      postState();
      return;
    case 'selectDigit':
      if (!Number.isInteger(message.index) || message.index < 0 || message.index >= test.count) return;
      digitIndex = message.index;
      void postPictures(current);
      return;
  }
}

listen(handle);
