// Backward rule of Conv2D: gradients for input, filter and bias (derivation: kernels/js/conv2d.ts).

import type { Tensor } from '../../core/tensor.js';
import type { Conv2DParams } from '../../kernels/params.js';
import { biasAddGrad } from '../../ops/biasAdd.js';
import { activationGrad } from '../../ops/activations.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../ops/conv2d.js';
import { registerGradient } from '../gradientRegistry.js';

// The first layer's input gradient is rarely needed (the images are not trained): skip it then.
registerGradient<Conv2DParams>('Conv2D', (entry, dOutput, isNeeded) => {
  const [input, filter, bias] = entry.inputs as [Tensor, Tensor, Tensor | null];
  // A fused ReLU: its output is positive exactly where its input was, so the output gives the mask.
  const dOut = entry.saved.activation === 'relu' ? activationGrad('ReluGrad', dOutput, entry.output) : dOutput;
  return [
    isNeeded[0] ? conv2dBackpropInput(dOut, filter, entry.saved) : null,
    isNeeded[1] ? conv2dBackpropFilter(input, dOut, entry.saved) : null,
    bias !== null && isNeeded[2] ? biasAddGrad(dOut) : null,
  ];
});
