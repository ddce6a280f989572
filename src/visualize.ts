// The package's 'convnet-ts/visualize' entry: color maps, kernel and feature-map pictures, Grad-CAM and
// Chart.js charts. 'convnet-ts' exports the same names; this entry makes the choice visible in an
// app's imports. It loads 'convnet-ts' first (its platform build, by export condition): in Node that
// installs the @napi-rs/canvas factory the charts draw on.

import 'convnet-ts';

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
