// The reference backend: every kernel as plain TypeScript loops over ordinary typed arrays.

import type { Backend, KernelTable } from '../registry.js';
import { allocateInHeapScope, closeHeapScope, isHeapScopeTemporary, openHeapScope } from './heapScopes.js';
import { batchNorm, batchNormGrad, batchNormStats } from './batchNorm.js';
import {
  clip,
  clipGrad,
  elu,
  eluGrad,
  gelu,
  geluGrad,
  hardSigmoid,
  hardSigmoidGrad,
  hardSwish,
  hardSwishGrad,
  leakyRelu,
  leakyReluGrad,
  relu,
  reluGrad,
  sigmoid,
  sigmoidGrad,
  silu,
  siluGrad,
  tanh,
  tanhGrad,
} from './activations.js';
import { avgPool2d, avgPool2dBackprop } from './avgPool2d.js';
import { broadcastArithmetic, reduceSumTo } from './broadcast.js';
import { channelShuffle } from './channelShuffle.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv2d.js';
import { dropout } from './dropout.js';
import { add, biasAdd, biasAddGrad, clipBiasAddGrad, copyColumns, multiply } from './elementwise.js';
import { layerNorm, layerNormGrad } from './layerNorm.js';
import { resize2d, resize2dBackprop } from './resize2d.js';
import { matMul } from './matMul.js';
import { maxPool2d, maxPool2dBackprop } from './maxPool2d.js';
import { pow, powGrad } from './power.js';
import { adagradUpdate, adamUpdate, clipGradient, rmsPropUpdate, sgdUpdate, sumOfSquares } from './optimizerUpdates.js';
import { softmax, softmaxCrossEntropy, softmaxGrad, softmaxCrossEntropyGrad } from './softmax.js';
import { zeroPad2d, zeroPad2dBackprop } from './zeroPad2d.js';

/** Every kernel's reference implementation: the required default and the fallback of every backend. */
export const referenceKernels: KernelTable = {
  Conv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  MaxPool2D: maxPool2d,
  MaxPool2DBackprop: maxPool2dBackprop,
  AvgPool2D: avgPool2d,
  AvgPool2DBackprop: avgPool2dBackprop,
  ZeroPad2D: zeroPad2d,
  ZeroPad2DBackprop: zeroPad2dBackprop,
  MatMul: matMul,
  BiasAdd: biasAdd,
  BiasAddGrad: biasAddGrad,
  ClipBiasAddGrad: clipBiasAddGrad,
  Relu: relu,
  ReluGrad: reluGrad,
  Sigmoid: sigmoid,
  SigmoidGrad: sigmoidGrad,
  Tanh: tanh,
  TanhGrad: tanhGrad,
  LeakyRelu: leakyRelu,
  LeakyReluGrad: leakyReluGrad,
  Elu: elu,
  EluGrad: eluGrad,
  Gelu: gelu,
  GeluGrad: geluGrad,
  Silu: silu,
  SiluGrad: siluGrad,
  Clip: clip,
  ClipGrad: clipGrad,
  HardSigmoid: hardSigmoid,
  HardSigmoidGrad: hardSigmoidGrad,
  HardSwish: hardSwish,
  HardSwishGrad: hardSwishGrad,
  Pow: pow,
  PowGrad: powGrad,
  Softmax: softmax,
  SoftmaxGrad: softmaxGrad,
  SoftmaxCrossEntropy: softmaxCrossEntropy,
  SoftmaxCrossEntropyGrad: softmaxCrossEntropyGrad,
  Add: add,
  Multiply: multiply,
  BroadcastArithmetic: broadcastArithmetic,
  ReduceSumTo: reduceSumTo,
  Dropout: dropout,
  CopyColumns: copyColumns,
  ChannelShuffle: channelShuffle,
  BatchNormStats: batchNormStats,
  BatchNorm: batchNorm,
  BatchNormGrad: batchNormGrad,
  LayerNorm: layerNorm,
  LayerNormGrad: layerNormGrad,
  Resize2D: resize2d,
  Resize2DBackprop: resize2dBackprop,
  SgdUpdate: sgdUpdate,
  AdamUpdate: adamUpdate,
  RmsPropUpdate: rmsPropUpdate,
  AdagradUpdate: adagradUpdate,
  SumOfSquares: sumOfSquares,
  ClipGradient: clipGradient,
};

/** The reference backend: the reference kernels over ordinary typed arrays, with heap scopes. */
export const referenceBackend: Backend & { readonly kernels: KernelTable } = {
  name: 'reference',
  allocate: allocateInHeapScope,
  openScope: openHeapScope,
  closeScope: closeHeapScope,
  isScopeTemporary: isHeapScopeTemporary,
  kernels: referenceKernels,
};
