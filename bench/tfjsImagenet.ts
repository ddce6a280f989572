// TF.js 4.22's WebAssembly backend as a peer of `npm run bench:imagenet`: ResNet-18 and MobileNetV2 written
// with the layers API after torchvision's definitions, random weights (speed only), batch norm folded into
// each convolution's bias as the ONNX importers do, 2 threads through bench/tfjsWasmThreads.ts. Stride-2
// convolutions pad 'same' (0 before, 1 after; PyTorch 1 and 1): the same output sizes and work.
// Limits: EfficientNet-B0 and ResNet-50 are not written here; TF.js wasm has no conv gradients, so no training.

import { createRequire } from 'node:module';
import path from 'node:path';
import type { ImagenetMode, ImagenetModelId } from './imagenetModels.js';
import { CHANNELS, CLASSES, IMAGE_SIZE, batchOf } from './imagenetModels.js';
import { UnsupportedError, type ImagenetRunner } from './imagenetRunners.js';
import { enableNodeWorkerThreads } from './tfjsWasmThreads.js';

type Tf = typeof import('@tensorflow/tfjs');
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;
type Activation = 'relu' | 'relu6' | 'linear';

function conv(
  tf: Tf,
  x: SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  activation: Activation,
): SymbolicTensor {
  return tf.layers
    .conv2d({ filters, kernelSize, strides, padding: 'same', useBias: true, activation })
    .apply(x) as SymbolicTensor;
}

/** torchvision's BasicBlock: two 3x3 convolutions, a 1x1 stride-2 projection where the shape changes. */
function basicBlock(tf: Tf, x: SymbolicTensor, filters: number, strides: number): SymbolicTensor {
  const inputChannels = x.shape[3];
  const branch = conv(tf, conv(tf, x, filters, 3, strides, 'relu'), filters, 3, 1, 'linear');
  const shortcut = strides !== 1 || inputChannels !== filters ? conv(tf, x, filters, 1, strides, 'linear') : x;
  const sum = tf.layers.add().apply([branch, shortcut]) as SymbolicTensor;
  return tf.layers.reLU().apply(sum) as SymbolicTensor;
}

function resnet18(tf: Tf): import('@tensorflow/tfjs').LayersModel {
  const input = tf.input({ shape: [IMAGE_SIZE, IMAGE_SIZE, CHANNELS] });
  let x = conv(tf, input, 64, 7, 2, 'relu');
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as SymbolicTensor;
  for (const [filters, strides] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    x = basicBlock(tf, x, filters, strides);
    x = basicBlock(tf, x, filters, 1);
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
  const logits = tf.layers.dense({ units: CLASSES }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** torchvision's InvertedResidual: 1x1 expansion (unless t = 1), 3x3 depthwise, linear 1x1 projection. */
function invertedResidual(
  tf: Tf,
  x: SymbolicTensor,
  filters: number,
  strides: number,
  expansion: number,
): SymbolicTensor {
  const inputChannels = x.shape[3]!;
  let branch = expansion === 1 ? x : conv(tf, x, inputChannels * expansion, 1, 1, 'relu6');
  branch = tf.layers
    .depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: true, activation: 'relu6' })
    .apply(branch) as SymbolicTensor;
  branch = conv(tf, branch, filters, 1, 1, 'linear');
  return strides === 1 && inputChannels === filters ? (tf.layers.add().apply([x, branch]) as SymbolicTensor) : branch;
}

/** (expansion t, channels c, repeats n, first stride s), torchvision's inverted_residual_setting. */
const MOBILENET_V2_SETTING = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
] as const;

function mobilenetV2(tf: Tf): import('@tensorflow/tfjs').LayersModel {
  const input = tf.input({ shape: [IMAGE_SIZE, IMAGE_SIZE, CHANNELS] });
  let x = conv(tf, input, 32, 3, 2, 'relu6');
  for (const [expansion, filters, repeats, firstStride] of MOBILENET_V2_SETTING) {
    for (let repeat = 0; repeat < repeats; repeat++)
      x = invertedResidual(tf, x, filters, repeat === 0 ? firstStride : 1, expansion);
  }
  x = conv(tf, x, 1280, 1, 1, 'relu6');
  x = tf.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
  const logits = tf.layers.dense({ units: CLASSES }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

const BUILDERS: Partial<Record<ImagenetModelId, (tf: Tf) => import('@tensorflow/tfjs').LayersModel>> = {
  resnet18,
  mobilenet_v2: mobilenetV2,
};

/** NCHW -> NHWC copy of `batch` images. */
function toChannelsLast(pixels: Float32Array, batch: number): Float32Array {
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  const result = new Float32Array(pixels.length);
  for (let image = 0; image < batch; image++) {
    for (let channel = 0; channel < CHANNELS; channel++) {
      const source = (image * CHANNELS + channel) * plane;
      for (let position = 0; position < plane; position++)
        result[(image * plane + position) * CHANNELS + channel] = pixels[source + position]!;
    }
  }
  return result;
}

interface TfjsLoaded {
  model: import('@tensorflow/tfjs').LayersModel;
  inputs: Map<ImagenetMode, import('@tensorflow/tfjs').Tensor>;
}

/** TF.js wasm with `threads` threads through the Node worker shim (one thread asks for the stock build). */
export async function createTfjsWasmRunner(threads: number): Promise<ImagenetRunner> {
  const tf = await import('@tensorflow/tfjs');
  const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const wasmFolder = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  tfWasm.setWasmPaths(`${wasmFolder}${path.sep}`);
  tfWasm.setThreadsCount(threads);
  const useWorkerShim = threads > 1;
  const restoreCpus = useWorkerShim ? enableNodeWorkerThreads(threads) : (): void => {};
  if (useWorkerShim) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const isReady = await tf.setBackend('wasm');
  restoreCpus();
  if (!isReady) throw new Error('the TF.js wasm backend did not initialise');
  const actualThreads = tfWasm.getThreadsCount();
  const note =
    `tfjs-backend-wasm ${tfWasm.version_wasm}, setThreadsCount(${threads}) -> ` +
    `${actualThreads}${useWorkerShim ? ' through the Node worker shim (bench/tfjsWasmThreads.ts)' : ''}; ` +
    `layers-API network, random weights, batch norm folded`;
  const models = new Map<ImagenetModelId, TfjsLoaded>();
  return {
    library: 'TF.js wasm',
    threads: actualThreads,
    note,
    async load(model, _onnxBytes, input) {
      const builder = BUILDERS[model];
      if (builder === undefined)
        throw new UnsupportedError(`${model} is not written in TF.js here (only ResNet-18 and MobileNetV2)`);
      const inputs = new Map<ImagenetMode, import('@tensorflow/tfjs').Tensor>();
      for (const mode of ['latency', 'throughput'] as const) {
        const batch = batchOf(mode);
        inputs.set(
          mode,
          tf.tensor4d(toChannelsLast(input.pixels(mode), batch), [batch, IMAGE_SIZE, IMAGE_SIZE, CHANNELS]),
        );
      }
      models.set(model, { model: builder(tf), inputs });
    },
    async run(model, mode) {
      if (mode === 'train')
        throw new UnsupportedError('TF.js wasm cannot train: Conv2DBackpropFilter is not registered for that backend');
      const entry = models.get(model);
      if (entry === undefined) throw new Error(`${model} is not loaded`);
      const output = entry.model.predict(entry.inputs.get(mode)!, {
        batchSize: batchOf(mode),
      }) as import('@tensorflow/tfjs').Tensor;
      output.dataSync();
      output.dispose();
    },
    async unload(model) {
      const entry = models.get(model);
      if (entry === undefined) return;
      entry.model.dispose();
      for (const tensor of entry.inputs.values()) tensor.dispose();
      models.delete(model);
    },
    wasmPeakInUseBytes: () => null,
  };
}
