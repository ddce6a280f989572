// Exports of the WebAssembly SIMD kernels. Each is kernel(job, threadIndex, threadCount); the job
// record layouts are listed in each file's header, and src/kernels/wasm/ writes them.

export { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv2d';
export { add, biasAdd, biasAddGrad, relu, reluGrad, sigmoid, sigmoidGrad, tanh, tanhGrad } from './elementwise';
export { matMul } from './matMul';
export { maxPool2d, maxPool2dBackprop } from './maxPool2d';
export { adamUpdate, sgdUpdate } from './optimizerUpdates';
export { softmax, softmaxCrossEntropy, softmaxCrossEntropyGrad, softmaxGrad } from './softmax';
export { GEMM_SCRATCH_BYTES } from './gemm';

/** First byte after the module's static data: the JS side's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { conv2dWinograd, conv2dWinogradFilter } from './winograd';
export { conv2dWinograd4 } from './winograd4';
