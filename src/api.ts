// ConvNet.ts public API for every platform, shared by both entry points: src/browser.ts (the browser
// build) and src/index.ts (Node, adding files and datasets on disk). No module here touches the file
// system or imports a third-party codec at load time (src/core/dependencies.ts).

// Importing starts nothing: the WebAssembly backend starts on `await ready()` or at the first op.
export { backendInfo, initWasmBackend, ready, type BackendInfo, type WasmState } from './kernels/defaultBackend.js';
export {
  initWebGpuBackend,
  type WebGpuBackendInfo,
  type WebGpuBackendOptions,
} from './kernels/webgpu/webgpuBackend.js';
export { WebGpuUnavailableError } from './kernels/webgpu/device.js';

export {
  BackendError,
  ConvNetError,
  FileFormatError,
  FileSystemError,
  MissingPackageError,
  NonFiniteLossError,
  ShapeError,
  SyncReadError,
  ValueError,
} from './core/errors.js';
export type { DType, FloatArray } from './core/dtype.js';
export { Random } from './core/random.js';
export { formatShape, shapesEqual, sizeOf, type Shape } from './core/shape.js';
export {
  resetTransferCounts,
  Tensor,
  transferCounts,
  type DeviceStorage,
  type TransferCounts,
} from './core/tensor.js';

export { KERNEL_IDS, type KernelId } from './kernels/ids.js';
export type { FusedActivation, Padding } from './kernels/params.js';
export { resolvePadding, windowOutputSize, type ResolvedPadding, type WindowParams } from './kernels/params.js';
export {
  getBackend,
  listBackends,
  registerBackend,
  setBackend,
  withScope,
  type Backend,
  type DeviceKernelTable,
  type KernelSignatures,
  type KernelTable,
} from './kernels/registry.js';
export type { WasmBackendInfo, WasmBackendOptions, WasmBuild } from './kernels/wasm/wasmBackend.js';
export type { WasmFeatures } from './kernels/wasm/featureProbe.js';
export { benchmarkGemm } from './kernels/wasm/benchmarkGemm.js';

export { conv2d } from './ops/conv2d.js';
export { conv2dTranspose } from './ops/conv2dTranspose.js';
export { maxPool2d, maxPool2dWithArgmax } from './ops/maxPool2d.js';
export { avgPool2d, globalAveragePool2d } from './ops/avgPool2d.js';
export { zeroPad2d, type ZeroPadding } from './ops/zeroPad2d.js';
export { dropout } from './ops/dropout.js';
export { matMul } from './ops/matMul.js';
export { biasAdd } from './ops/biasAdd.js';
export {
  clip,
  elu,
  gelu,
  hardSigmoid,
  hardSwish,
  leakyRelu,
  pow,
  relu,
  sigmoid,
  silu,
  sqrt,
  tanh,
} from './ops/activations.js';
export { softmax, softmaxCrossEntropy, type SoftmaxCrossEntropyOptions } from './ops/softmax.js';
export { batchNormalization } from './ops/batchNorm.js';
export { add, concatenate, divide, maximum, minimum, multiply, reshape, subtract } from './ops/shapeOps.js';
export { broadcastShape, reduceSumTo } from './ops/broadcast.js';
export { GradientTape } from './autograd/tape.js';

export { Layer, SymbolicTensor, type CallContext, type LayerConfig, type NamedWeight } from './layers/layer.js';
export { Input, type InputOptions } from './layers/input.js';
export { Conv2D, type Conv2DOptions } from './layers/conv2d.js';
export { Conv2DTranspose, type Conv2DTransposeOptions } from './layers/conv2dTranspose.js';
export { MaxPool2D, type MaxPool2DOptions } from './layers/maxPool2d.js';
export { AvgPool2D, type AvgPool2DOptions } from './layers/avgPool2d.js';
export { GlobalAveragePooling2D, type GlobalAveragePooling2DOptions } from './layers/globalAveragePooling2d.js';
export { ZeroPadding2D, type ZeroPadding2DOptions } from './layers/zeroPadding2d.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Flatten } from './layers/flatten.js';
export {
  Clip,
  ELU,
  GELU,
  HardSigmoid,
  HardSwish,
  LeakyReLU,
  Power,
  ReLU,
  Sigmoid,
  SiLU,
  Tanh,
  type ClipOptions,
  type ELUOptions,
  type HardSigmoidOptions,
  type LeakyReLUOptions,
  type PowerOptions,
} from './layers/activations.js';
export { Softmax } from './layers/softmax.js';
export { Add, Concatenate, Divide, Maximum, Minimum, Multiply, Subtract } from './layers/merge.js';
export { ChannelShuffle, type ChannelShuffleOptions } from './layers/channelShuffle.js';
export { ChannelSlice, type ChannelSliceOptions } from './layers/channelSlice.js';
export { channelShuffle, sliceChannels } from './ops/channelOps.js';
export { LayerNormalization, type LayerNormalizationOptions } from './layers/layerNormalization.js';
export { layerNormalization } from './ops/layerNorm.js';
export { Resize2D, type Resize2DOptions } from './layers/resize2d.js';
export { resize2d, type ResizeOptions } from './ops/resize2d.js';
export type { NearestRounding, ResizeCoordinates, ResizeMode } from './kernels/params.js';
export { BatchNormalization, type BatchNormalizationOptions } from './layers/batchNormalization.js';
export { INITIALIZERS, type Initializer } from './layers/initializers.js';
export { layerClassNames, layerFromConfig, registerLayer } from './layers/layerRegistry.js';

export type { Optimizer, OptimizerState, WeightState } from './optim/optimizer.js';
export { SGD, type SgdOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { AdamW, type AdamWOptions } from './optim/adamW.js';
export { RMSProp, type RmsPropOptions } from './optim/rmsProp.js';
export { Adagrad, type AdagradOptions } from './optim/adagrad.js';
export { gradientNorm, type GradientClipping } from './optim/gradientClipping.js';
export { optimizerFromConfig, type OptimizerConfig } from './optim/optimizerSettings.js';
export {
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  oneCycle,
  perEpoch,
  stepDecay,
  type CosineDecayOptions,
  type ExponentialDecayOptions,
  type LearningRateSchedule,
  type LinearWarmupOptions,
  type OneCycleOptions,
  type StepDecayOptions,
} from './optim/schedules.js';

export {
  DEFAULT_CLASSIFY_TOP_K,
  DEFAULT_FIT_YIELD_EVERY_MS,
  MAX_CACHED_FEATURE_ELEMENTS,
  Model,
  type Classification,
  type ClassifyOptions,
  type Evaluation,
  type FitAsyncOptions,
  type FitOptions,
  type ForwardOptions,
  type ModelNode,
  type ModelOptions,
  type ModelOutput,
} from './model/model.js';
export { Sequential, type SequentialOptions } from './model/sequential.js';
export { addClassifierHead, type HeadOptions } from './model/transfer.js';
export type { Labels } from './model/batching.js';
export type {
  AsyncTrainingCallbacks,
  BatchProgress,
  EpochLogs,
  FitState,
  History,
  TrainBeginInfo,
  TrainingCallbacks,
} from './model/callbacks.js';
export {
  EarlyStopping,
  earlyStopping,
  type EarlyStoppingOptions,
  type MonitoredFigure,
} from './model/earlyStopping.js';
export { formatSummary, type ModelSummary, type SummaryRow } from './model/summary.js';
export { classificationReport, type ClassMetrics, type ClassificationReport } from './model/metrics.js';

export { datasetToTensor, takeExamples, type ImageDataset, type TrainTestSplits } from './data/imageDataset.js';
export {
  DEFAULT_MAX_IDX_BYTES,
  decompressGzip,
  encodeIdx,
  imageDatasetFromIdx,
  isGzip,
  parseRawIdx,
  type IdxContents,
  type IdxPairFiles,
  type ParseIdxOptions,
} from './data/idxFormat.js';
export { CIFAR10_CLASS_NAMES, FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './data/classNames.js';
export {
  composeAugmentations,
  horizontalFlip,
  randomCrop,
  randomTranslation,
  type Augmentation,
  type ShiftFill,
} from './data/augment.js';

export { decodeSafetensors, encodeSafetensors, encodeSafetensorsAsync, type NamedTensor } from './io/safetensors.js';
export {
  MODEL_FORMAT_VERSION,
  parseModel,
  serializeModel,
  serializeModelAsync,
  type LoadedModel,
  type ModelManifest,
  type SaveOptions,
} from './io/modelFormat.js';
export {
  decodeNpy,
  decodeNpyHeader,
  decodeNpyValues,
  encodeNpy,
  encodeNpyHeader,
  type NpyArray,
  type NpyDtype,
  type NpyHeader,
} from './io/npy.js';
export { importOnnx, type ImportedOnnx } from './io/onnx/importOnnx.js';
export { importedInput, type OnnxLayout } from './io/onnx/layout.js';
export { ONNX_IMPORT_OPERATORS } from './io/onnx/operators.js';
export {
  exportOnnx,
  ONNX_CLASS_NAMES_KEY,
  ONNX_INPUT_NAME,
  ONNX_OPSET,
  ONNX_OUTPUT_NAME,
  type OnnxExportOptions,
} from './io/onnxExport.js';
export { isTfjsModelJson, parseTfjsModel, TFJS_IMPORT_LAYERS, type TfjsShards } from './io/tfjs/tfjsImport.js';
export { Reshape, type ReshapeOptions } from './layers/reshape.js';
export { Rescaling, type RescalingOptions } from './layers/rescaling.js';
export { IMAGENET_CLASS_NAMES } from './data/imagenetClassNames.js';
export { parseLabels } from './io/labels.js';
export {
  checkPreprocessing,
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalizeForInput,
  PREPROCESSING_PRESETS,
  preprocessingPreset,
  resizedSize,
  resizeForInput,
  type Preprocessing,
  type PreprocessingPreset,
} from './image/preprocessing.js';
export { UnsupportedOperatorsError, type OnnxNodeTrace, type UnsupportedOnnxOperator } from './io/onnx/importOnnx.js';
export { ONNX_PREPROCESSING_KEY } from './io/onnxExport.js';
export type { TfjsLayerTrace } from './io/tfjs/tfjsImport.js';

export {
  BUNDLED_MODEL_NAMES,
  BUNDLED_MODELS,
  bundledModelInfo,
  isBundledModelName,
  UnknownBundledModelError,
  type BundledModelInfo,
  type BundledModelName,
  type BundledSample,
  type BundledTraining,
} from './io/bundledModels.js';

export { cifarCnn, digitsCnn, lenet5, mnistCnn, PRESETS, residualCnn, type PresetOptions } from './model/presets.js';

export { COLOR_MODELS, channelsOf, convertPixels, type ColorModel, type ConvertOptions } from './image/colorModels.js';
export { convertImage, imageFromPixels, imagesToTensor, type Image, type PixelArray } from './image/image.js';
export { imageFromImageData, imageToImageData, type ImageDataLike } from './image/imageData.js';
export { imagesToInput } from './model/imageInput.js';
export { mnistPreprocess, type MnistPreprocessOptions, type PreprocessedDigit } from './image/mnistPreprocess.js';
export {
  centerCrop,
  fitImage,
  normalizeImage,
  padImage,
  resizeImage,
  toChannelsFirst,
  toChannelsLast,
  type ResizeMethod,
} from './image/preprocess.js';
export {
  MAX_IMAGE_PIXELS,
  decodeImage,
  detectImageFormat,
  encodeJpeg,
  encodePng,
  readImageSize,
  type DecodeOptions,
  type ImageFormat,
} from './image/codecs.js';

export * from './core/limits.js';
export { divergingMap, grayMap, heatMap, type ColorMap } from './visualize/colorMaps.js';
export { drawGrid, gridSize, largestGridScale, type GridLayout } from './visualize/grid.js';
export {
  eachFeatureMapPicture,
  featureMapPictures,
  kernelPicture,
  largestPictureScale,
  type LayerPicture,
  type PictureOptions,
} from './visualize/layerPictures.js';
export {
  layerOutputs,
  type LayerOutput,
  type LayerOutputs,
  type LayerOutputsOptions,
} from './visualize/layerOutputs.js';
export {
  EXPLAINED_LAYERS,
  explainProbability,
  explainValue,
  type BatchNormalizationExplanation,
  type ConvolutionExplanation,
  type CopyExplanation,
  type DenseExplanation,
  type ElementwiseExplanation,
  type ExplanationBase,
  type FollowingActivation,
  type LayerNormalizationExplanation,
  type MergeExplanation,
  type PoolingExplanation,
  type ResizeExplanation,
  type SoftmaxExplanation,
  type TransposedConvolutionExplanation,
  type ValueExplanation,
} from './visualize/explainValue.js';
export {
  gradCam,
  gradCamLayers,
  overlayHeat,
  type GradCamLayer,
  type GradCamOptions,
  type GradCamResult,
} from './visualize/gradCam.js';
export { recordTrainingCurves } from './visualize/trainingRecorder.js';
export {
  DEFAULT_PROBABILITY_CHART_CLASSES,
  probabilityChart,
  setCanvasFactory,
  trainingChart,
  type CanvasFactory,
  type ChartOptions,
  type ProbabilityChartOptions,
  type TrainingCurves,
} from './visualize/charts.js';
