// Reference activation kernels and their derivatives. Each gradient kernel takes whichever of the
// forward input or output gives the derivative most cheaply:
//   relu'(x) = 1 if x > 0 else 0          (uses the input; the derivative at 0 is taken as 0)
//   sigmoid'(x) = s(x) * (1 - s(x))       (uses the output s)
//   tanh'(x) = 1 - tanh(x)^2              (uses the output)
//   leaky relu'(x), elu'(x), gelu'(x), silu'(x), clip'(x), hard sigmoid'(x), hard swish'(x) (use the
//   input; written beside each kernel)

import type { FloatArray } from '../../core/dtype.js';
import type {
  AlphaActivationParams,
  ClipParams,
  ElementwiseParams,
  FusedActivation,
  HardSigmoidParams,
} from '../params.js';
import { normalCdf } from './erf.js';

/** input [size], output [size] (overwritten) */
export function relu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    output[index] = value > 0 || Number.isNaN(value) ? value : 0;
  }
}

/** dOut [size], input [size] (the forward input), dInput [size] (overwritten) */
export function reluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) dInput[index] = input[index]! > 0 ? dOut[index]! : 0;
}

/** input [size], output [size] (overwritten); written to avoid exp overflow for large |x|. */
export function sigmoid(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    if (value >= 0) {
      output[index] = 1 / (1 + Math.exp(-value));
    } else {
      const exponential = Math.exp(value);
      output[index] = exponential / (1 + exponential);
    }
  }
}

/** dOut [size], output [size] (the forward output), dInput [size] (overwritten) */
export function sigmoidGrad(dOut: FloatArray, output: FloatArray, dInput: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = output[index]!;
    dInput[index] = dOut[index]! * value * (1 - value);
  }
}

/** input [size], output [size] (overwritten) */
export function tanh(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) output[index] = Math.tanh(input[index]!);
}

/** dOut [size], output [size] (the forward output), dInput [size] (overwritten) */
export function tanhGrad(dOut: FloatArray, output: FloatArray, dInput: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = output[index]!;
    dInput[index] = dOut[index]! * (1 - value * value);
  }
}

/**
 * input [size], output [size] (overwritten): x if x > 0, else alpha * x. NaN stays NaN.
 * dInput = dOut if x > 0, else alpha * dOut (the derivative at 0 is taken as alpha).
 */
export function leakyRelu(input: FloatArray, output: FloatArray, params: AlphaActivationParams): void {
  const { size, alpha } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    output[index] = value > 0 ? value : alpha * value;
  }
}

/** dOut [size], input [size] (the forward input), dInput [size] (overwritten) */
export function leakyReluGrad(
  dOut: FloatArray,
  input: FloatArray,
  dInput: FloatArray,
  params: AlphaActivationParams,
): void {
  const { size, alpha } = params;
  for (let index = 0; index < size; index++) dInput[index] = input[index]! > 0 ? dOut[index]! : alpha * dOut[index]!;
}

/**
 * input [size], output [size] (overwritten): x if x > 0, else alpha * (e^x - 1), through expm1 so that
 * small negative x keep their precision (Clevert et al., 2016).
 */
export function elu(input: FloatArray, output: FloatArray, params: AlphaActivationParams): void {
  const { size, alpha } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    output[index] = value > 0 ? value : alpha * Math.expm1(value);
  }
}

/**
 * dOut [size], input [size] (the forward input), dInput [size] (overwritten): 1 or alpha * e^x.
 * NOTE: the output would give alpha * e^x as y + alpha without an exp, but in float32 that cancels
 * for large negative x (y is close to -alpha); the input keeps full precision.
 */
export function eluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: AlphaActivationParams): void {
  const { size, alpha } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    dInput[index] = value > 0 ? dOut[index]! : dOut[index]! * alpha * Math.exp(value);
  }
}

/**
 * input [size], output [size] (overwritten): the exact GELU x * Phi(x), Phi the standard normal
 * distribution function (Hendrycks and Gimpel, 2016; PyTorch's default, not the tanh approximation).
 */
export function gelu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    output[index] = value * normalCdf(value);
  }
}

/** dOut [size], input [size] (the forward input), dInput [size] (overwritten): gelu'(x) = Phi(x) + x * phi(x). */
export function geluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    const density = Math.exp(-0.5 * value * value) / Math.sqrt(2 * Math.PI);
    dInput[index] = dOut[index]! * (normalCdf(value) + value * density);
  }
}

/** input [size], output [size] (overwritten): SiLU (also called Swish) x * s(x), s the sigmoid. */
export function silu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    output[index] = value * logistic(value);
  }
}

/**
 * dOut [size], input [size] (the forward input), dInput [size] (overwritten): silu'(x) = s(x) * (1 + x * (1 - s(x))).
 */
export function siluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    const s = logistic(value);
    dInput[index] = dOut[index]! * s * (1 + value * (1 - s));
  }
}

/**
 * input [size], output [size] (overwritten): x clamped to [min, max] (ReLU6 is min 0, max 6). NaN
 * stays NaN, as in PyTorch's clamp: both comparisons are false for it.
 */
export function clip(input: FloatArray, output: FloatArray, params: ClipParams): void {
  const { size, min, max } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    output[index] = value < min ? min : Math.min(value, max);
  }
}

/**
 * dOut [size], input [size] (the forward input), dInput [size] (overwritten): dOut where
 * min < x < max, else 0. NOTE: at a bound the derivative is taken as 0 (strictly inside only), as
 * for ReLU at 0 above and in PyTorch's hardtanh and TensorFlow's relu6; PyTorch's clamp passes the
 * gradient at the bounds instead. So Clip with min 0 and no max has ReLU's gradient exactly.
 */
export function clipGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ClipParams): void {
  const { size, min, max } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    dInput[index] = min < value && value < max ? dOut[index]! : 0;
  }
}

/**
 * input [size], output [size] (overwritten): max(0, min(1, alpha * x + beta)), the piecewise-linear
 * sigmoid (ONNX HardSigmoid; PyTorch's Hardsigmoid is alpha 1/6, beta 0.5). NaN stays NaN.
 */
export function hardSigmoid(input: FloatArray, output: FloatArray, params: HardSigmoidParams): void {
  const { size, alpha, beta } = params;
  for (let index = 0; index < size; index++) output[index] = hardGate(input[index]!, alpha, beta);
}

/**
 * dOut [size], input [size] (the forward input), dInput [size] (overwritten): alpha * dOut where
 * 0 < alpha * x + beta < 1, else 0. At the two kinks the derivative is taken as 0 (strictly inside
 * only, as for clip), which is also PyTorch's hardsigmoid_backward.
 */
export function hardSigmoidGrad(
  dOut: FloatArray,
  input: FloatArray,
  dInput: FloatArray,
  params: HardSigmoidParams,
): void {
  const { size, alpha, beta } = params;
  for (let index = 0; index < size; index++) {
    const linear = alpha * input[index]! + beta;
    dInput[index] = 0 < linear && linear < 1 ? alpha * dOut[index]! : 0;
  }
}

/**
 * input [size], output [size] (overwritten): x * hardSigmoid(x) (Howard et al., 2019, MobileNetV3;
 * ONNX HardSwish and PyTorch's Hardswish are alpha 1/6, beta 0.5, i.e. x * relu6(x + 3) / 6).
 */
export function hardSwish(input: FloatArray, output: FloatArray, params: HardSigmoidParams): void {
  const { size, alpha, beta } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    output[index] = value * hardGate(value, alpha, beta);
  }
}

/**
 * dOut [size], input [size] (the forward input), dInput [size] (overwritten): the derivative is 0
 * where alpha * x + beta <= 0, 1 where it is >= 1, and 2 alpha x + beta in between (the derivative of
 * alpha x^2 + beta x). At x = 3 (PyTorch's bounds) PyTorch takes the middle formula (1.5) where this
 * takes 1; both are one-sided derivatives, and the kink is never hit by a gradient check.
 */
export function hardSwishGrad(
  dOut: FloatArray,
  input: FloatArray,
  dInput: FloatArray,
  params: HardSigmoidParams,
): void {
  const { size, alpha, beta } = params;
  for (let index = 0; index < size; index++) {
    const value = input[index]!;
    const linear = alpha * value + beta;
    const slope = linear <= 0 ? 0 : linear >= 1 ? 1 : 2 * alpha * value + beta;
    dInput[index] = dOut[index]! * slope;
  }
}

/** max(0, min(1, alpha * x + beta)) with NaN kept (both comparisons are false for it). */
function hardGate(value: number, alpha: number, beta: number): number {
  const linear = alpha * value + beta;
  return linear < 0 ? 0 : Math.min(linear, 1);
}

/** The sigmoid 1 / (1 + e^-x), written as in `sigmoid` so that e^x never overflows. */
function logistic(value: number): number {
  if (value >= 0) return 1 / (1 + Math.exp(-value));
  const exponential = Math.exp(value);
  return exponential / (1 + exponential);
}

/** One value through a fused activation, with the formula of its standalone kernel above. */
export function applyFusedActivation(value: number, activation: FusedActivation): number {
  switch (activation.kind) {
    case 'relu':
      return value > 0 || Number.isNaN(value) ? value : 0;
    case 'sigmoid':
      return logistic(value);
    case 'silu':
      return value * logistic(value);
    case 'clip':
      return value < activation.min ? activation.min : Math.min(value, activation.max);
    case 'leakyRelu':
      return value > 0 ? value : activation.alpha * value;
    case 'hardSigmoid':
      return hardGate(value, activation.alpha, activation.beta);
    case 'hardSwish':
      return value * hardGate(value, activation.alpha, activation.beta);
  }
}
