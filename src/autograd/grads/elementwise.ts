// Backward rules of the elementwise ops: activations, bias add, add, softmax and reshape.

import type { Tensor } from '../../core/tensor.js';
import type { Shape } from '../../core/shape.js';
import { activationGrad } from '../../ops/activations.js';
import { biasAddGrad } from '../../ops/biasAdd.js';
import { softmaxGrad } from '../../ops/softmax.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient('Relu', (entry, dOut) => [activationGrad('ReluGrad', dOut, entry.inputs[0] as Tensor)]);
registerGradient('Sigmoid', (entry, dOut) => [activationGrad('SigmoidGrad', dOut, entry.output)]);
registerGradient('Tanh', (entry, dOut) => [activationGrad('TanhGrad', dOut, entry.output)]);
registerGradient('BiasAdd', (_entry, dOut) => [dOut, biasAddGrad(dOut)]);
registerGradient('Add', (_entry, dOut) => [dOut, dOut]);
registerGradient('Softmax', (entry, dOut) => [softmaxGrad(dOut, entry.output)]);
registerGradient<Shape>('Reshape', (entry, dOut) => [dOut.reshape(entry.saved)]);
