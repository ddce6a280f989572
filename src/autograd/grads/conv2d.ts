// Backward rule of Conv2D: gradients for input, filter and bias (derivation: kernels/js/conv2d.ts).

import type { Tensor } from '../../core/tensor.js';
import { fusedActivationOf, type Conv2DParams } from '../../kernels/params.js';
import { biasAddGrad } from '../../ops/biasAdd.js';
import { activationGrad, clipGrad } from '../../ops/activations.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../ops/conv2d.js';
import { registerGradient } from '../gradientRegistry.js';

// The first layer's input gradient is rarely needed (the images are not trained): skip it then.
registerGradient<Conv2DParams>('Conv2D', (entry, dOutput, isNeeded) => {
  const [input, filter, bias] = entry.inputs as [Tensor, Tensor, Tensor | null];
  // A fused ReLU: its output is positive exactly where its input was, so the output gives the mask.
  // A fused clip likewise: min < output < max exactly where min < input < max (ClipGrad's open interval).
  const activation = fusedActivationOf(entry.saved.activation);
  let dOut = dOutput;
  if (activation?.kind === 'relu') dOut = activationGrad('ReluGrad', dOutput, entry.output);
  if (activation?.kind === 'clip') dOut = clipGrad(dOutput, entry.output, { size: dOutput.size, min: activation.min, max: activation.max });
  return [
    isNeeded[0] ? conv2dBackpropInput(dOut, filter, entry.saved) : null,
    isNeeded[1] ? conv2dBackpropFilter(input, dOut, entry.saved) : null,
    bias !== null && isNeeded[2] ? biasAddGrad(dOut) : null,
  ];
});
