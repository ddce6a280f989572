// Kernel identifiers. One PascalCase id names a kernel everywhere: in the registry, the backward
// rules, the WebAssembly exports, the benchmarks and the test titles.

export const KERNEL_IDS = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPool2D',
  'MaxPool2DBackprop',
  'MatMul',
  'BiasAdd',
  'BiasAddGrad',
  'Relu',
  'ReluGrad',
  'Sigmoid',
  'SigmoidGrad',
  'Tanh',
  'TanhGrad',
  'Softmax',
  'SoftmaxGrad',
  'SoftmaxCrossEntropy',
  'SoftmaxCrossEntropyGrad',
  'Add',
  'SgdUpdate',
  'AdamUpdate',
] as const;

export type KernelId = (typeof KERNEL_IDS)[number];
