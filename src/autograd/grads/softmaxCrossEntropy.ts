// Backward rule of the fused softmax cross-entropy: (softmax(z) - targets) / rows, scaled by dLoss.

import { softmaxCrossEntropyGrad, type SoftmaxCrossEntropySaved } from '../../ops/softmax.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<SoftmaxCrossEntropySaved>('SoftmaxCrossEntropy', (entry, dLoss) => [
  softmaxCrossEntropyGrad(dLoss, entry.saved),
  null,
]);
