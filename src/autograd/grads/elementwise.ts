// Backward rules of the elementwise ops: activations, clip, bias add, add, multiply, softmax and
// reshape. Multiply: d(a * b) = dOut * b for a and dOut * a for b, each one more Multiply.

import type { Tensor } from '../../core/tensor.js';
import type { Shape } from '../../core/shape.js';
import type { AlphaActivationParams, ClipParams, HardSigmoidParams, PowParams } from '../../kernels/params.js';
import { activationGrad, alphaActivationGrad, clipGrad, hardActivationGrad, powGrad } from '../../ops/activations.js';
import { biasAddGrad } from '../../ops/biasAdd.js';
import { concatenateGrad, multiply, type ConcatSaved } from '../../ops/shapeOps.js';
import { softmaxGrad } from '../../ops/softmax.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient('Relu', (entry, dOut) => [activationGrad('ReluGrad', dOut, entry.inputs[0] as Tensor)]);
registerGradient('Sigmoid', (entry, dOut) => [activationGrad('SigmoidGrad', dOut, entry.output)]);
registerGradient('Tanh', (entry, dOut) => [activationGrad('TanhGrad', dOut, entry.output)]);
registerGradient<AlphaActivationParams>('LeakyRelu', (entry, dOut) => [
  alphaActivationGrad('LeakyReluGrad', dOut, entry.inputs[0] as Tensor, entry.saved),
]);
registerGradient<AlphaActivationParams>('Elu', (entry, dOut) => [
  alphaActivationGrad('EluGrad', dOut, entry.inputs[0] as Tensor, entry.saved),
]);
registerGradient('Gelu', (entry, dOut) => [activationGrad('GeluGrad', dOut, entry.inputs[0] as Tensor)]);
registerGradient('Silu', (entry, dOut) => [activationGrad('SiluGrad', dOut, entry.inputs[0] as Tensor)]);
registerGradient<ClipParams>('Clip', (entry, dOut) => [clipGrad(dOut, entry.inputs[0] as Tensor, entry.saved)]);
registerGradient<HardSigmoidParams>('HardSigmoid', (entry, dOut) => [
  hardActivationGrad('HardSigmoidGrad', dOut, entry.inputs[0] as Tensor, entry.saved),
]);
registerGradient<HardSigmoidParams>('HardSwish', (entry, dOut) => [
  hardActivationGrad('HardSwishGrad', dOut, entry.inputs[0] as Tensor, entry.saved),
]);
registerGradient<PowParams>('Pow', (entry, dOut) => [powGrad(dOut, entry.inputs[0] as Tensor, entry.saved)]);
registerGradient('BiasAdd', (_entry, dOut) => [dOut, biasAddGrad(dOut)]);
registerGradient('Add', (_entry, dOut) => [dOut, dOut]);
registerGradient('Multiply', (entry, dOut, isNeeded) => {
  const [a, b] = entry.inputs as [Tensor, Tensor];
  return [isNeeded[0] ? multiply(dOut, b) : null, isNeeded[1] ? multiply(dOut, a) : null];
});
registerGradient('Softmax', (entry, dOut) => [softmaxGrad(dOut, entry.output)]);
registerGradient<Shape>('Reshape', (entry, dOut) => [dOut.reshape(entry.saved)]);
registerGradient<ConcatSaved>('CopyColumns', (entry, dOut) =>
  concatenateGrad(dOut, entry.inputs as Tensor[], entry.saved),
);
