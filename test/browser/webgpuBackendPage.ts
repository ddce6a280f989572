// The page side of test/browser/webgpuBackend.test.ts: the same seeded CNN (conv, batch norm, ReLU,
// max-pool, dense, softmax cross-entropy) trained with fitAsync on the 'reference' backend and then
// on 'webgpu', with its loss history, final weights and predictions, and the copies the seam made.
// Leaves the figures in window.webgpuBackendResult, or why WebGPU is unavailable.

// Module by module, not through src/api.ts: the page loads unbundled, and the codecs' '#dependency/*'
// imports need a bundler.
import '../../src/autograd/grads/index.js';
import { resetTransferCounts, Tensor, transferCounts } from '../../src/core/tensor.js';
import { backendInfo } from '../../src/kernels/defaultBackend.js';
import { WebGpuUnavailableError } from '../../src/kernels/webgpu/device.js';
import { activeWebGpuBackend, initWebGpuBackend } from '../../src/kernels/webgpu/webgpuBackend.js';
import { ELU, GELU, HardSwish, LeakyReLU, ReLU, Sigmoid, SiLU, Tanh } from '../../src/layers/activations.js';
import { AvgPool2D } from '../../src/layers/avgPool2d.js';
import { Dropout } from '../../src/layers/dropout.js';
import { GlobalAveragePooling2D } from '../../src/layers/globalAveragePooling2d.js';
import type { Layer } from '../../src/layers/layer.js';
import { LayerNormalization } from '../../src/layers/layerNormalization.js';
import { Resize2D } from '../../src/layers/resize2d.js';
import { ZeroPadding2D } from '../../src/layers/zeroPadding2d.js';
import { earlyStopping } from '../../src/model/earlyStopping.js';
import { BatchNormalization } from '../../src/layers/batchNormalization.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Input } from '../../src/layers/input.js';
import { MaxPool2D } from '../../src/layers/maxPool2d.js';
import { Softmax } from '../../src/layers/softmax.js';
import { Sequential } from '../../src/model/sequential.js';
import { Model } from '../../src/model/model.js';
import { composeAugmentations, horizontalFlip, randomTranslation } from '../../src/data/augment.js';
import type { Image } from '../../src/image/image.js';
import { SGD } from '../../src/optim/sgd.js';
import { Random } from '../../src/core/random.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { registerBackend, setBackend } from '../../src/kernels/registry.js';

/** One backend's run: per-epoch losses, weights by name, predictions, and what the seam counted. */
export interface RunResult {
  losses: number[];
  accuracies: number[];
  /** Per epoch, where the run holds examples out (the layer suite): validation loss and accuracy. */
  valLosses: number[];
  valAccuracies: number[];
  /** evaluateAsync over every example after the fit. */
  evaluation: { loss: number; accuracy: number };
  weights: Record<string, number[]>;
  predictions: number[];
  /** Downloads and uploads counted over the fit. */
  transfers: { downloads: number; uploads: number };
  /** Kernel calls and command-buffer submits over the fit (WebGPU only). */
  gpuCounts?: { kernels: number; submits: number; reads: number };
}

/**
 * The async model API on one backend: classifyAsync, predictOutputs of a two-output graph, an augmented fitAsync
 * and a fitAsync on a frozen prefix's cached features (losses, progress read with read(), weights after).
 */
export interface AsyncFormsResult {
  classes: { index: number; probability: number }[][];
  outputs: Record<string, number[]>;
  augmented: { losses: number[]; progress: number[]; weights: number[][] };
  frozen: { losses: number[]; weights: number[][]; cachedFeaturesOf: string | null };
}

export interface BackendPageResult {
  unavailable?: string;
  error?: string;
  adapterName?: string;
  /** The batches of the whole fit (epochs times batches per epoch). */
  steps?: number;
  reference?: RunResult;
  webgpu?: RunResult;
  /** The async forms (AsyncFormsResult) per backend. */
  asyncForms?: { reference: AsyncFormsResult; webgpu: AsyncFormsResult };
  /** The layer suite: one small model per layer, one epoch each, by layer name, per backend. */
  layers?: Record<string, { reference: RunResult; webgpu: RunResult | { error: string } }>;
}

/**
 * The layer suite's models: each layer between the input and a dense softmax head, trained one epoch
 * (its forward pass, its backward rule and the optimizer on the backend).
 */
const LAYER_CASES: Record<string, () => Layer[]> = {
  AvgPool2D: () => [new AvgPool2D({ poolSize: 2 })],
  ZeroPadding2D: () => [new ZeroPadding2D({ padding: [1, 2] })],
  Resize2D: () => [new Resize2D({ size: [5, 6], mode: 'bilinear' })],
  GlobalAveragePooling2D: () => [new Conv2D({ filters: 5, kernelSize: 3 }), new GlobalAveragePooling2D()],
  LayerNormalization: () => [new LayerNormalization()],
  Dropout: () => [new Dropout({ rate: 0.25 })],
  Sigmoid: () => [new Sigmoid()],
  Tanh: () => [new Tanh()],
  LeakyReLU: () => [new LeakyReLU({ alpha: 0.1 })],
  ELU: () => [new ELU()],
  GELU: () => [new GELU()],
  SiLU: () => [new SiLU()],
  HardSwish: () => [new HardSwish()],
  StridedConv2D: () => [new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })],
};

const EXAMPLES = 24;
const BATCH_SIZE = 8;
const EPOCHS = 3;
const CLASSES = 3;

/** The training run's CNN: conv, batch norm, ReLU, max-pool, dense, softmax. */
function makeModel(): Sequential {
  return new Sequential(
    [
      new Input({ shape: [8, 8, 1] }),
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
      new BatchNormalization(),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: CLASSES }),
      new Softmax(),
    ],
    { seed: 7 },
  );
}

/** A layer case's model: the layers between the input and a dense softmax head. */
function layerModel(layers: Layer[]): Sequential {
  return new Sequential(
    [new Input({ shape: [8, 8, 1] }), ...layers, new Flatten(), new Dense({ units: CLASSES }), new Softmax()],
    { seed: 5 },
  );
}

function makeData(): { x: Tensor; labels: number[] } {
  const random = new Random(11);
  const values = new Float32Array(EXAMPLES * 64);
  const labels: number[] = [];
  for (let example = 0; example < EXAMPLES; example++) {
    const label = example % CLASSES;
    labels.push(label);
    for (let index = 0; index < 64; index++)
      values[example * 64 + index] = random.uniform() * 2 - 1 + (index % CLASSES === label ? 0.8 : 0);
  }
  return { x: new Tensor(values, [EXAMPLES, 8, 8, 1]), labels };
}

async function train(model: Sequential, epochs: number, validationSplit = 0): Promise<RunResult> {
  const { x, labels } = makeData();
  resetTransferCounts();
  const history = await model.fitAsync(x, labels, {
    epochs,
    batchSize: BATCH_SIZE,
    optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
    seed: 3,
    validationSplit,
    // The loss falls every epoch, so the restore puts back the last epoch's weights: the path runs, the result stays.
    callbacks: [earlyStopping({ monitor: 'loss', patience: EPOCHS, restoreBestWeights: true })],
  });
  const transfers = transferCounts();
  const gpu = activeWebGpuBackend();
  const gpuCounts = gpu === null ? null : { ...gpu.counts };
  const weights: Record<string, number[]> = {};
  for (const { name, tensor } of model.namedWeights()) weights[name] = Array.from(await tensor.data());
  const predictions = Array.from(await model.predict(x, { batchSize: 10 }).data());
  const { loss, accuracy } = await model.evaluateAsync(x, labels, { batchSize: 10 });
  return {
    losses: history.epochs.map((epoch) => epoch.loss),
    accuracies: history.epochs.map((epoch) => epoch.accuracy),
    valLosses: history.epochs.map((epoch) => epoch.valLoss ?? Number.NaN),
    valAccuracies: history.epochs.map((epoch) => epoch.valAccuracy ?? Number.NaN),
    evaluation: { loss, accuracy },
    weights,
    predictions,
    transfers,
    ...(backendInfo().active === 'webgpu' && gpuCounts !== null ? { gpuCounts } : {}),
  };
}

/** A graph with two outputs: the class probabilities, and the ReLU's feature map. */
function twoOutputModel(): Model {
  const input = new Input({ shape: [8, 8, 1] });
  const map = new ReLU().apply(new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input.output));
  const probabilities = new Softmax().apply(new Dense({ units: CLASSES }).apply(new Flatten().apply(map)));
  return new Model({ inputs: input.output, outputs: [probabilities, map] }, { seed: 9 });
}

/** The weights training changes, read back. */
async function trainableValues(model: Model): Promise<number[][]> {
  const values: number[][] = [];
  for (const weight of model.trainableWeights()) values.push(Array.from(await weight.data()));
  return values;
}

async function asyncForms(): Promise<AsyncFormsResult> {
  const { x, labels } = makeData();
  const images: Image[] = Array.from({ length: 5 }, (_, index) => ({
    width: 8,
    height: 8,
    colorModel: 'gray',
    data: Float32Array.from(x.dataSync().subarray(index * 64, (index + 1) * 64), (value) => (value + 1) / 2),
  }));
  const classified = await makeModel().classifyAsync(images, { topK: 2, batchSize: 2 });
  const classes = classified.map((row) => row.map(({ index, probability }) => ({ index, probability })));
  const outputs: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(twoOutputModel().predictOutputs(x, { batchSize: 10 })))
    outputs[name] = Array.from(await tensor.data());
  const augmentedModel = makeModel();
  const progress: number[] = [];
  const augmentedHistory = await augmentedModel.fitAsync(x, labels, {
    epochs: 2,
    batchSize: BATCH_SIZE,
    optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
    seed: 4,
    augment: composeAugmentations(randomTranslation({ maxShift: 1 }), horizontalFlip()),
    callbacks: {
      onBatchEnd: async (batch) => {
        const { loss, accuracy } = await batch.read();
        progress.push(loss, accuracy);
      },
    },
  });
  const frozenModel = makeModel().freeze('batchnormalization_1');
  let cachedFeaturesOf: string | null = null;
  const frozenHistory = await frozenModel.fitAsync(x, labels, {
    epochs: 2,
    batchSize: BATCH_SIZE,
    optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
    seed: 4,
    callbacks: {
      onTrainBegin: (info) => {
        cachedFeaturesOf = info.cachedFeaturesOf ?? null;
      },
    },
  });
  return {
    classes,
    outputs,
    augmented: {
      losses: augmentedHistory.epochs.map((epoch) => epoch.loss),
      progress,
      weights: await trainableValues(augmentedModel),
    },
    frozen: {
      losses: frozenHistory.epochs.map((epoch) => epoch.loss),
      weights: await trainableValues(frozenModel),
      cachedFeaturesOf,
    },
  };
}

async function main(): Promise<BackendPageResult> {
  registerBackend(referenceBackend);
  setBackend('reference');
  const reference = await train(makeModel(), EPOCHS);
  const referenceForms = await asyncForms();
  const layerRuns: Record<string, RunResult> = {};
  for (const [name, layers] of Object.entries(LAYER_CASES))
    layerRuns[name] = await train(layerModel(layers()), 1, 0.25);
  let adapterName: string;
  try {
    ({ adapterName } = await initWebGpuBackend());
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) return { unavailable: error.message };
    throw error;
  }
  const context = activeWebGpuBackend()!.context;
  context.device.pushErrorScope('validation');
  const webgpu = await train(makeModel(), EPOCHS);
  const webgpuForms = await asyncForms();
  const layers: Record<string, { reference: RunResult; webgpu: RunResult | { error: string } }> = {};
  for (const [name, makeLayers] of Object.entries(LAYER_CASES)) {
    let run: RunResult | { error: string };
    try {
      run = await train(layerModel(makeLayers()), 1, 0.25);
    } catch (error) {
      run = { error: String((error as Error)?.stack ?? error).slice(0, 600) };
    }
    layers[name] = { reference: layerRuns[name]!, webgpu: run };
  }
  const validation = await context.device.popErrorScope();
  if (validation !== null) return { error: `WebGPU validation error: ${validation.message}` };
  return {
    adapterName,
    steps: EPOCHS * Math.ceil(EXAMPLES / BATCH_SIZE),
    reference,
    webgpu,
    asyncForms: { reference: referenceForms, webgpu: webgpuForms },
    layers,
  };
}

const page = window as unknown as { webgpuBackendResult?: BackendPageResult };
main().then(
  (result) => {
    page.webgpuBackendResult = result;
  },
  (error: unknown) => {
    page.webgpuBackendResult = { error: String((error as Error)?.stack ?? error) };
  },
);
