// Backward rule of batch normalization: one kernel gives the input, gamma and beta gradients.

import type { Tensor } from '../../core/tensor.js';
import { batchNormalizationGrad, type BatchNormSaved } from '../../ops/batchNorm.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<BatchNormSaved>('BatchNorm', (entry, dOut) =>
  batchNormalizationGrad(dOut, entry.inputs[0] as Tensor, entry.inputs[1] as Tensor, entry.saved),
);
