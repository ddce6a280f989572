// Backward rule of layer normalization (derivation: kernels/js/layerNorm.ts).

import type { Tensor } from '../../core/tensor.js';
import { layerNormalizationGrad, type LayerNormSaved } from '../../ops/layerNorm.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<LayerNormSaved>('LayerNorm', (entry, dOut) =>
  layerNormalizationGrad(dOut, entry.inputs[0] as Tensor, entry.inputs[1] as Tensor, entry.saved),
);
