// ConvNet.ts public API: the only entry point. Tools (the CLI, the web explorer) import from here.

import { referenceBackend } from './kernels/js/referenceBackend.js';
import { registerBackend } from './kernels/registry.js';

registerBackend(referenceBackend);

export { ConvNetError, FileFormatError, ShapeError, ValueError } from './core/errors.js';
export type { DType, FloatArray } from './core/dtype.js';
export { Random } from './core/random.js';
export { formatShape, sizeOf, type Shape } from './core/shape.js';
export { Tensor } from './core/tensor.js';

export { KERNEL_IDS, type KernelId } from './kernels/ids.js';
export type { Padding } from './kernels/params.js';
export { getBackend, listBackends, registerBackend, setBackend, type Backend, type KernelSignatures } from './kernels/registry.js';

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
export { loadMnist, loadMnistSample, MNIST_CLASS_NAMES, FASHION_MNIST_CLASS_NAMES, type MnistSplits } from './data/mnist.js';
export { parseIdx, readIdxFile } from './data/idx.js';

export { loadModel, saveModel, MODEL_FORMAT_VERSION, type LoadedModel, type ModelManifest, type SaveOptions } from './io/modelFile.js';
export { decodeSafetensors, encodeSafetensors, type NamedTensor } from './io/safetensors.js';

export { digitsCnn } from './model/presets.js';
