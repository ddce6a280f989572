// Backward rule of Conv2D: gradients for input, filter and bias (derivation: kernels/js/conv2d.ts).

import type { Tensor } from '../../core/tensor.js';
import type { Conv2DParams } from '../../kernels/params.js';
import { biasAddGrad } from '../../ops/biasAdd.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../ops/conv2d.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<Conv2DParams>('Conv2D', (entry, dOut) => {
  const [input, filter, bias] = entry.inputs as [Tensor, Tensor, Tensor | null];
  return [
    conv2dBackpropInput(dOut, filter, entry.saved),
    conv2dBackpropFilter(input, dOut, entry.saved),
    bias === null ? null : biasAddGrad(dOut),
  ];
});
