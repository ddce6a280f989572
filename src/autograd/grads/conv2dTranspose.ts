// Backward rule of Conv2DTranspose: a Conv2D for the input and Conv2D's filter gradient with the
// roles of input and dOut swapped (derivation: ops/conv2dTranspose.ts). Its bias is a BiasAdd.

import type { Tensor } from '../../core/tensor.js';
import type { Conv2DParams } from '../../kernels/params.js';
import { conv2dTransposeBackpropFilter, conv2dTransposeBackpropInput } from '../../ops/conv2dTranspose.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<Conv2DParams>('Conv2DTranspose', (entry, dOut, isNeeded) => {
  const [input, filter] = entry.inputs as [Tensor, Tensor];
  return [
    isNeeded[0] ? conv2dTransposeBackpropInput(dOut, filter, entry.saved) : null,
    isNeeded[1] ? conv2dTransposeBackpropFilter(input, dOut, entry.saved) : null,
  ];
});
