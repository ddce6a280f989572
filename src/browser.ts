// ConvNet.ts public API for every platform (the browser build's entry point): no module here touches
// the file system. src/index.ts adds the Node parts (files, datasets on disk) on top of it.

import { referenceBackend } from './kernels/js/referenceBackend.js';
import { getBackend, registerBackend, setBackend } from './kernels/registry.js';
import { createWasmBackend, type WasmBackendInfo, type WasmBackendOptions } from './kernels/wasm/wasmBackend.js';

registerBackend(referenceBackend);

let wasmBackend: Awaited<ReturnType<typeof createWasmBackend>> | null = null;
let wasmUnavailableReason: string | null = null;

/**
 * Starts the WebAssembly SIMD backend (relaxed SIMD and all cores where available), registers it as
 * 'wasm' and makes it the active backend. Calling it again with other options restarts it.
 * Throws ValueError where WebAssembly SIMD is missing.
 *
 * @example
 * await initWasmBackend({ threads: 2 });
 * getBackend().name; // 'wasm'
 */
export async function initWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  wasmBackend?.dispose();
  wasmBackend = await createWasmBackend(options);
  registerBackend(wasmBackend);
  setBackend('wasm');
  return wasmBackend.info;
}

/** What the library runs on: the active backend, the WebAssembly build chosen, or why there is none. */
export function backendInfo(): { active: string; wasm: WasmBackendInfo | null; wasmUnavailableReason: string | null; wasmArenaPeakBytes: number | null } {
  return { active: getBackend().name, wasm: wasmBackend?.info ?? null, wasmUnavailableReason, wasmArenaPeakBytes: wasmBackend?.peakBytes() ?? null };
}

// The fast backend is the default wherever WebAssembly SIMD exists; otherwise the reference one stays.
try {
  await initWasmBackend();
} catch (error) {
  wasmUnavailableReason = error instanceof Error ? error.message : String(error);
}

export { ConvNetError, FileFormatError, ShapeError, ValueError } from './core/errors.js';
export type { DType, FloatArray } from './core/dtype.js';
export { Random } from './core/random.js';
export { formatShape, sizeOf, type Shape } from './core/shape.js';
export { Tensor } from './core/tensor.js';

export { KERNEL_IDS, type KernelId } from './kernels/ids.js';
export type { Padding } from './kernels/params.js';
export { getBackend, listBackends, registerBackend, setBackend, withScope, type Backend, type KernelSignatures } from './kernels/registry.js';
export type { WasmBackendInfo, WasmBackendOptions } from './kernels/wasm/wasmBackend.js';
export type { WasmFeatures } from './kernels/wasm/featureProbe.js';
export { benchmarkGemm } from './kernels/wasm/benchmarkGemm.js';

export { conv2d } from './ops/conv2d.js';
export { maxPool2d, maxPool2dWithArgmax } from './ops/maxPool2d.js';
export { matMul } from './ops/matMul.js';
export { biasAdd } from './ops/biasAdd.js';
export { relu, sigmoid, tanh } from './ops/activations.js';
export { softmax, softmaxCrossEntropy } from './ops/softmax.js';
export { add, reshape } from './ops/shapeOps.js';
export { GradientTape } from './autograd/tape.js';

export { Layer, type CallContext, type LayerConfig, type NamedWeight } from './layers/layer.js';
export { Input, type InputOptions } from './layers/input.js';
export { Conv2D, type Conv2DOptions } from './layers/conv2d.js';
export { MaxPool2D, type MaxPool2DOptions } from './layers/maxPool2d.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Flatten } from './layers/flatten.js';
export { ReLU, Sigmoid, Tanh } from './layers/activations.js';
export { Softmax } from './layers/softmax.js';
export { INITIALIZERS, type Initializer } from './layers/initializers.js';
export { layerFromConfig, registerLayer } from './layers/layerRegistry.js';

export type { Optimizer } from './optim/optimizer.js';
export { SGD, type SgdOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';

export { Sequential, type Evaluation, type FitOptions, type SequentialOptions } from './model/sequential.js';
export type { Labels } from './model/batching.js';
export type { BatchProgress, EpochLogs, History, TrainingCallbacks } from './model/callbacks.js';
export type { ModelSummary, SummaryRow } from './model/summary.js';

export { datasetToTensor, takeExamples, type ImageDataset } from './data/imageDataset.js';
export { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './data/classNames.js';

export { decodeSafetensors, encodeSafetensors, type NamedTensor } from './io/safetensors.js';

export { digitsCnn, mnistCnn } from './model/presets.js';

export { COLOR_MODELS, channelsOf, convertPixels, type ColorModel, type ConvertOptions } from './image/colorModels.js';
export { convertImage, imageFromPixels, imagesToTensor, type Image, type PixelArray } from './image/image.js';
export { imageFromImageData, imageToImageData, type ImageDataLike } from './image/imageData.js';
export { imagesToInput } from './model/imageInput.js';
export { centerCrop, fitImage, normalizeImage, padImage, resizeImage, toChannelsFirst, toChannelsLast, type ResizeMethod } from './image/preprocess.js';
export { MAX_IMAGE_PIXELS, decodeImage, detectImageFormat, encodeJpeg, encodePng, type ImageFormat } from './image/codecs.js';

export { divergingMap, grayMap, heatMap, type ColorMap } from './visualize/colorMaps.js';
export { drawGrid, gridSize, type GridLayout } from './visualize/grid.js';
export { featureMapPictures, kernelPicture, type LayerPicture, type PictureOptions } from './visualize/layerPictures.js';
export { gradCam, overlayHeat, type GradCamOptions, type GradCamResult } from './visualize/gradCam.js';
export { recordTrainingCurves } from './visualize/trainingRecorder.js';
export { probabilityChart, setCanvasFactory, trainingChart, type CanvasFactory, type ChartOptions, type TrainingCurves } from './visualize/charts.js';
