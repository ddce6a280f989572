// The reference backend: every kernel as plain TypeScript loops over ordinary typed arrays.

import { allocateOnHeap, type Backend } from '../registry.js';
import { relu, reluGrad, sigmoid, sigmoidGrad, tanh, tanhGrad } from './activations.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv2d.js';
import { add, biasAdd, biasAddGrad } from './elementwise.js';
import { matMul } from './matMul.js';
import { maxPool2d, maxPool2dBackprop } from './maxPool2d.js';
import { adamUpdate, sgdUpdate } from './optimizerUpdates.js';
import { softmax, softmaxCrossEntropy, softmaxGrad, softmaxCrossEntropyGrad } from './softmax.js';

export const referenceBackend: Backend = {
  name: 'reference',
  allocate: allocateOnHeap,
  kernels: {
    Conv2D: conv2d,
    Conv2DBackpropInput: conv2dBackpropInput,
    Conv2DBackpropFilter: conv2dBackpropFilter,
    MaxPool2D: maxPool2d,
    MaxPool2DBackprop: maxPool2dBackprop,
    MatMul: matMul,
    BiasAdd: biasAdd,
    BiasAddGrad: biasAddGrad,
    Relu: relu,
    ReluGrad: reluGrad,
    Sigmoid: sigmoid,
    SigmoidGrad: sigmoidGrad,
    Tanh: tanh,
    TanhGrad: tanhGrad,
    Softmax: softmax,
    SoftmaxGrad: softmaxGrad,
    SoftmaxCrossEntropy: softmaxCrossEntropy,
    SoftmaxCrossEntropyGrad: softmaxCrossEntropyGrad,
    Add: add,
    SgdUpdate: sgdUpdate,
    AdamUpdate: adamUpdate,
  },
};
