// Reference optimizer update kernels, in place over flat parameter arrays, and the two kernels of
// gradient clipping. Same semantics as PyTorch's torch.optim.SGD, Adam, AdamW, RMSprop and Adagrad:
// an L2 weightDecay is added to the gradient; AdamW's decoupled decay shrinks the weight instead
// (Loshchilov and Hutter, 2019), by learningRate * decay as PyTorch does, so it follows schedules.

import type { FloatArray } from '../../core/dtype.js';
import type {
  AdagradUpdateParams,
  AdamUpdateParams,
  ClipGradientParams,
  ElementwiseParams,
  RmsPropUpdateParams,
  SgdUpdateParams,
} from '../params.js';

/**
 * weights  [size] (updated in place)
 * gradient [size]
 * velocity [size] momentum buffer (updated in place; unused when momentum is 0)
 * g = gradient + weightDecay * w; v = momentum * v + g; step = nesterov ? g + momentum * v : v; w -= lr * step
 */
export function sgdUpdate(
  weights: FloatArray,
  gradient: FloatArray,
  velocity: FloatArray,
  params: SgdUpdateParams,
): void {
  const { size, learningRate, momentum, isNesterov, weightDecay } = params;
  for (let index = 0; index < size; index++) {
    const g = gradient[index]! + weightDecay * weights[index]!;
    if (momentum === 0) {
      weights[index]! -= learningRate * g;
      continue;
    }
    const v = momentum * velocity[index]! + g;
    velocity[index] = v;
    weights[index]! -= learningRate * (isNesterov ? g + momentum * v : v);
  }
}

/**
 * weights      [size] (updated in place)
 * gradient     [size]
 * firstMoment  [size] running mean of gradients (updated in place)
 * secondMoment [size] running mean of squared gradients (updated in place)
 * Adam (Kingma and Ba, 2015) with bias correction: w -= lr * mHat / (sqrt(vHat) + epsilon).
 * AdamW first shrinks w by the factor 1 - lr * decoupledWeightDecay (exactly 1 for Adam).
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
  const shrink = 1 - learningRate * (params.decoupledWeightDecay ?? 0);
  for (let index = 0; index < size; index++) {
    const g = gradient[index]! + weightDecay * weights[index]!;
    const m = beta1 * firstMoment[index]! + (1 - beta1) * g;
    const v = beta2 * secondMoment[index]! + (1 - beta2) * g * g;
    firstMoment[index] = m;
    secondMoment[index] = v;
    weights[index] =
      weights[index]! * shrink - (learningRate * (m / firstCorrection)) / (Math.sqrt(v / secondCorrection) + epsilon);
  }
}

/**
 * weights         [size] (updated in place)
 * gradient        [size]
 * squareAverage   [size] running mean of squared gradients (updated in place)
 * momentumBuffer  [size] (updated in place) when momentum > 0, else unused (may be null)
 * gradientAverage [size] running mean of gradients (updated in place) when centered, else unused (may be null)
 * RMSProp (Tieleman and Hinton, 2012) as PyTorch writes it: s = rho s + (1 - rho) g^2; centered: a = rho a + (1 - rho)
 * g, s' = s - a^2, else s' = s; step = g / (sqrt(s') + epsilon); with momentum b = momentum b + step, w -= lr * b; else
 * w -= lr * step. NOTE: s - a^2 >= 0 in exact arithmetic (Cauchy-Schwarz) but can round below 0 when the gradient
 * barely varies; it is clamped at 0, where PyTorch would take the square root of a negative number and give NaN.
 */
export function rmsPropUpdate(
  weights: FloatArray,
  gradient: FloatArray,
  squareAverage: FloatArray,
  momentumBuffer: FloatArray | null,
  gradientAverage: FloatArray | null,
  params: RmsPropUpdateParams,
): void {
  const { size, learningRate, rho, epsilon, momentum, isCentered, weightDecay } = params;
  for (let index = 0; index < size; index++) {
    const g = gradient[index]! + weightDecay * weights[index]!;
    const s = rho * squareAverage[index]! + (1 - rho) * g * g;
    squareAverage[index] = s;
    let meanSquare = s;
    if (isCentered) {
      const a = rho * gradientAverage![index]! + (1 - rho) * g;
      gradientAverage![index] = a;
      meanSquare = Math.max(s - a * a, 0);
    }
    const step = g / (Math.sqrt(meanSquare) + epsilon);
    if (momentum === 0) {
      weights[index]! -= learningRate * step;
      continue;
    }
    const b = momentum * momentumBuffer![index]! + step;
    momentumBuffer![index] = b;
    weights[index]! -= learningRate * b;
  }
}

/**
 * weights     [size] (updated in place)
 * gradient    [size]
 * accumulator [size] sum of squared gradients so far (updated in place; starts at the initial accumulator value)
 * Adagrad (Duchi et al., 2011): g = gradient + weightDecay * w; acc += g^2; w -= lr * g / (sqrt(acc) + epsilon).
 */
export function adagradUpdate(
  weights: FloatArray,
  gradient: FloatArray,
  accumulator: FloatArray,
  params: AdagradUpdateParams,
): void {
  const { size, learningRate, epsilon, weightDecay } = params;
  for (let index = 0; index < size; index++) {
    const g = gradient[index]! + weightDecay * weights[index]!;
    const sum = accumulator[index]! + g * g;
    accumulator[index] = sum;
    weights[index]! -= (learningRate * g) / (Math.sqrt(sum) + epsilon);
  }
}

/**
 * input  [size]
 * output [1] (overwritten): the sum of squares, accumulated in float64 and rounded once at the end.
 */
export function sumOfSquares(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  let sum = 0;
  for (let index = 0; index < params.size; index++) sum += input[index]! * input[index]!;
  output[0] = sum;
}

/**
 * gradient [size]
 * output   [size] (overwritten; may be the gradient itself): clamp(gradient * scale, -clipValue, clipValue).
 * A NaN stays NaN.
 */
export function clipGradient(gradient: FloatArray, output: FloatArray, params: ClipGradientParams): void {
  const { size, scale, clipValue } = params;
  for (let index = 0; index < size; index++)
    output[index] = Math.min(Math.max(gradient[index]! * scale, -clipValue), clipValue);
}
