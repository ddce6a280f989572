// Reference optimizer update kernels, in place over flat parameter arrays. Same semantics as
// PyTorch's torch.optim.SGD and torch.optim.Adam (L2 weight decay added to the gradient).

import type { FloatArray } from '../../core/dtype.js';
import type { AdamUpdateParams, SgdUpdateParams } from '../params.js';

/**
 * weights  [size] (updated in place)
 * gradient [size]
 * velocity [size] momentum buffer (updated in place; unused when momentum is 0)
 * g = gradient + weightDecay * w; v = momentum * v + g; step = nesterov ? g + momentum * v : v; w -= lr * step
 */
export function sgdUpdate(weights: FloatArray, gradient: FloatArray, velocity: FloatArray, params: SgdUpdateParams): void {
  const { size, learningRate, momentum, isNesterov, weightDecay } = params;
  for (let index = 0; index < size; index++) {
    const g = gradient[index]! + weightDecay * weights[index]!;
    if (momentum === 0) {
      weights[index] -= learningRate * g;
      continue;
    }
    const v = momentum * velocity[index]! + g;
    velocity[index] = v;
    weights[index] -= learningRate * (isNesterov ? g + momentum * v : v);
  }
}

/**
 * weights      [size] (updated in place)
 * gradient     [size]
 * firstMoment  [size] running mean of gradients (updated in place)
 * secondMoment [size] running mean of squared gradients (updated in place)
 * Adam (Kingma and Ba, 2015) with bias correction: w -= lr * mHat / (sqrt(vHat) + epsilon).
 */
export function adamUpdate(
  weights: FloatArray,
  gradient: FloatArray,
  firstMoment: FloatArray,
  secondMoment: FloatArray,
  params: AdamUpdateParams,
): void {
  const { size, learningRate, beta1, beta2, epsilon, step, weightDecay } = params;
  const firstCorrection = 1 - beta1 ** step;
  const secondCorrection = 1 - beta2 ** step;
  for (let index = 0; index < size; index++) {
    const g = gradient[index]! + weightDecay * weights[index]!;
    const m = beta1 * firstMoment[index]! + (1 - beta1) * g;
    const v = beta2 * secondMoment[index]! + (1 - beta2) * g * g;
    firstMoment[index] = m;
    secondMoment[index] = v;
    weights[index] -= (learningRate * (m / firstCorrection)) / (Math.sqrt(v / secondCorrection) + epsilon);
  }
}
