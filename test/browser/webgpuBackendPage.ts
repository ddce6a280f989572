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
import { ReLU } from '../../src/layers/activations.js';
import { BatchNormalization } from '../../src/layers/batchNormalization.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Input } from '../../src/layers/input.js';
import { MaxPool2D } from '../../src/layers/maxPool2d.js';
import { Softmax } from '../../src/layers/softmax.js';
import { Sequential } from '../../src/model/sequential.js';
import { SGD } from '../../src/optim/sgd.js';
import { Random } from '../../src/core/random.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { registerBackend, setBackend } from '../../src/kernels/registry.js';

/** One backend's run: per-epoch losses, weights by name, predictions, and what the seam counted. */
export interface RunResult {
  losses: number[];
  accuracies: number[];
  weights: Record<string, number[]>;
  predictions: number[];
  /** Downloads and uploads counted over the fit. */
  transfers: { downloads: number; uploads: number };
  /** Kernel calls and command-buffer submits over the fit (WebGPU only). */
  gpuCounts?: { kernels: number; submits: number; reads: number };
}

export interface BackendPageResult {
  unavailable?: string;
  error?: string;
  adapterName?: string;
  /** The batches of the whole fit (epochs times batches per epoch). */
  steps?: number;
  reference?: RunResult;
  webgpu?: RunResult;
}

const EXAMPLES = 24;
const BATCH_SIZE = 8;
const EPOCHS = 3;
const CLASSES = 3;

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

async function train(): Promise<RunResult> {
  const model = makeModel();
  const { x, labels } = makeData();
  resetTransferCounts();
  const history = await model.fitAsync(x, labels, {
    epochs: EPOCHS,
    batchSize: BATCH_SIZE,
    optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
    seed: 3,
  });
  const transfers = transferCounts();
  const gpu = activeWebGpuBackend();
  const gpuCounts = gpu === null ? null : { ...gpu.counts };
  const weights: Record<string, number[]> = {};
  for (const { name, tensor } of model.namedWeights()) weights[name] = Array.from(await tensor.data());
  const predictions = Array.from(await model.predict(x, { batchSize: 10 }).data());
  return {
    losses: history.epochs.map((epoch) => epoch.loss),
    accuracies: history.epochs.map((epoch) => epoch.accuracy),
    weights,
    predictions,
    transfers,
    ...(backendInfo().active === 'webgpu' && gpuCounts !== null ? { gpuCounts } : {}),
  };
}

async function main(): Promise<BackendPageResult> {
  registerBackend(referenceBackend);
  setBackend('reference');
  const reference = await train();
  let adapterName: string;
  try {
    ({ adapterName } = await initWebGpuBackend());
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) return { unavailable: error.message };
    throw error;
  }
  const context = activeWebGpuBackend()!.context;
  context.device.pushErrorScope('validation');
  const webgpu = await train();
  const validation = await context.device.popErrorScope();
  if (validation !== null) return { error: `WebGPU validation error: ${validation.message}` };
  return { adapterName, steps: EPOCHS * Math.ceil(EXAMPLES / BATCH_SIZE), reference, webgpu };
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
