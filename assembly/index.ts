// Exports of the WebAssembly SIMD kernels. Each is kernel(job, threadIndex, threadCount); the job
// record layouts are listed in each file's header, and src/kernels/wasm/ writes them.

export { batchNorm, batchNormGrad, batchNormStats } from './batchNorm';
export { conv2d, conv2dBackpropFilter, conv2dBackpropInput, packFilterStrips } from './conv2d';
export { conv2dFewChannels } from './fewChannels';
export { depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise';
export { expandedDepthwiseConv2d } from './expandedDepthwise';
export {
  add,
  biasAdd,
  biasAddGrad,
  clip,
  clipGrad,
  copyColumns,
  multiply,
  relu,
  reluGrad,
  sigmoidGrad,
  tanh,
  tanhGrad,
} from './elementwise';
export { matMul } from './matMul';
export { maxPool2d, maxPool2dBackprop } from './maxPool2d';
export { adagradUpdate, adamUpdate, clipGradient, rmsPropUpdate, sgdUpdate, sumOfSquares } from './optimizerUpdates';
export { softmax, softmaxCrossEntropy, softmaxCrossEntropyGrad, softmaxGrad } from './softmax';
export { GEMM_SCRATCH_BYTES } from './gemm';

/** First byte after the module's static data: the JS side's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { conv2dWinograd, conv2dWinogradFilter } from './winograd';
export { conv2dWinograd4, conv2dWinogradFilter4, conv2dWinogradPrepare } from './winograd4';
export { conv2dWinograd6, conv2dWinogradFilter6 } from './winograd6';
export {
  conv2dWinogradStride2,
  conv2dWinogradStride2Filter,
  conv2dWinogradStride2Tile4,
  conv2dWinogradStride2Tile4Filter,
} from './winogradStride2';
export {
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
  sigmoid,
  silu,
  siluGrad,
} from './activations';
export { avgPool2d, avgPool2dBackprop } from './avgPool2d';
export { dropout } from './dropout';
export { zeroPad2d, zeroPad2dBackprop } from './zeroPad2d';
export { broadcastArithmetic, reduceSumTo } from './broadcast';
export { layerNorm, layerNormGrad } from './layerNorm';
export { resize2d, resize2dBackprop } from './resize2d';
export { pow, powGrad } from './power';
export { channelShuffle } from './channelShuffle';
export { clipBiasAddGrad } from './elementwise';
export { widenChannels } from './widenChannels';
export {
  conv2dWinogradPolyphase,
  conv2dWinogradPolyphaseFilter,
  conv2dWinogradPolyphaseMaxPool,
  conv2dWinogradPolyphasePrepare,
  spaceToDepth2,
} from './winogradPolyphase';
