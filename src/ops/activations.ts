// Elementwise activation ops and their gradients: ReLU, sigmoid, tanh, leaky ReLU, ELU, GELU, SiLU,
// clip, the hard sigmoid and hard swish of MobileNetV3, and power with a constant exponent (sqrt).

import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { AlphaActivationParams, ClipParams, HardSigmoidParams, PowParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { checkBounds, checkFiniteNumber } from './checks.js';

type ActivationId = 'Relu' | 'Sigmoid' | 'Tanh' | 'Gelu' | 'Silu';

function activate(id: ActivationId, input: Tensor): Tensor {
  const output = allocateTensor(input.shape, input.dtype);
  runKernel(id, input, output, { size: input.size });
  record({ id, inputs: [input], output, saved: null });
  return output;
}

/** Leaky ReLU and ELU: activations with a parameter alpha for negative inputs, saved for the backward pass. */
function activateWithAlpha(id: 'LeakyRelu' | 'Elu', input: Tensor, alpha: number, name: string): Tensor {
  checkFiniteNumber(alpha, `${name}: alpha`);
  const params: AlphaActivationParams = { size: input.size, alpha };
  const output = allocateTensor(input.shape, input.dtype);
  runKernel(id, input, output, params);
  record<AlphaActivationParams>({ id, inputs: [input], output, saved: params });
  return output;
}

/** max(x, 0), elementwise. */
export function relu(input: Tensor): Tensor {
  return activate('Relu', input);
}

/** 1 / (1 + exp(-x)), elementwise. */
export function sigmoid(input: Tensor): Tensor {
  return activate('Sigmoid', input);
}

/** tanh(x), elementwise. */
export function tanh(input: Tensor): Tensor {
  return activate('Tanh', input);
}

/**
 * x if x > 0, else alpha * x, elementwise. Throws ValueError for a non-finite alpha.
 *
 * @example
 * leakyRelu(Tensor.fromArray([-2, 3], [2]), 0.1); // [-0.2, 3]
 */
export function leakyRelu(input: Tensor, alpha = 0.01): Tensor {
  return activateWithAlpha('LeakyRelu', input, alpha, 'leakyRelu');
}

/**
 * x if x > 0, else alpha * (exp(x) - 1), elementwise (ELU). Throws ValueError for a non-finite alpha.
 *
 * @example
 * elu(Tensor.fromArray([-1, 2], [2])); // [e^-1 - 1, 2] = [-0.632..., 2]
 */
export function elu(input: Tensor, alpha = 1): Tensor {
  return activateWithAlpha('Elu', input, alpha, 'elu');
}

/**
 * The exact GELU x * Phi(x) = x * (1 + erf(x / sqrt(2))) / 2, elementwise (not the tanh approximation).
 *
 * @example
 * gelu(Tensor.fromArray([1], [1])); // [0.8413447...]
 */
export function gelu(input: Tensor): Tensor {
  return activate('Gelu', input);
}

/**
 * SiLU, also called Swish: x * sigmoid(x), elementwise.
 *
 * @example
 * silu(Tensor.fromArray([0, 1], [2])); // [0, 0.7310585...]
 */
export function silu(input: Tensor): Tensor {
  return activate('Silu', input);
}

/**
 * Each value clamped to [min, max], elementwise: ReLU6 is clip(x, 0, 6), PyTorch's Hardtanh
 * clip(x, -1, 1). Either bound may be infinite (-Infinity or Infinity for none); NaN stays NaN. On
 * float32 tensors the bounds are first rounded to float32, so every backend compares the same
 * numbers. The gradient is dOut strictly inside (min, max) and 0 at and beyond the bounds
 * (kernels/js/activations.ts). Throws ValueError for a NaN bound, min = Infinity, max = -Infinity or
 * min > max.
 *
 * @example
 * clip(Tensor.fromArray([-3, 2, 9], [3]), 0, 6); // [0, 2, 6]
 */
export function clip(input: Tensor, min: number, max: number): Tensor {
  checkBounds(min, max, 'clip');
  const isFloat32 = input.dtype === 'float32';
  const params: ClipParams = {
    size: input.size,
    min: isFloat32 ? Math.fround(min) : min,
    max: isFloat32 ? Math.fround(max) : max,
  };
  const output = allocateTensor(input.shape, input.dtype);
  runKernel('Clip', input, output, params);
  record<ClipParams>({ id: 'Clip', inputs: [input], output, saved: params });
  return output;
}

/** Hard sigmoid and hard swish: alpha and beta saved for the backward pass. */
function activateHard(
  id: 'HardSigmoid' | 'HardSwish',
  input: Tensor,
  alpha: number,
  beta: number,
  name: string,
): Tensor {
  checkFiniteNumber(alpha, `${name}: alpha`);
  checkFiniteNumber(beta, `${name}: beta`);
  const isFloat32 = input.dtype === 'float32';
  const params: HardSigmoidParams = {
    size: input.size,
    alpha: isFloat32 ? Math.fround(alpha) : alpha,
    beta: isFloat32 ? Math.fround(beta) : beta,
  };
  const output = allocateTensor(input.shape, input.dtype);
  runKernel(id, input, output, params);
  record<HardSigmoidParams>({ id, inputs: [input], output, saved: params });
  return output;
}

/**
 * max(0, min(1, alpha * x + beta)), elementwise. The defaults are ONNX HardSigmoid's (alpha 0.2, beta
 * 0.5); PyTorch's nn.Hardsigmoid is alpha 1/6, beta 0.5. On float32 tensors alpha and beta are first
 * rounded to float32 (as clip's bounds). The gradient is alpha * dOut strictly between the kinks, 0
 * elsewhere. Throws ValueError for a non-finite alpha or beta.
 *
 * @example
 * hardSigmoid(Tensor.fromArray([-3, 0, 1], [3]), 1 / 6, 0.5); // [0, 0.5, 0.6666667]
 */
export function hardSigmoid(input: Tensor, alpha = 0.2, beta = 0.5): Tensor {
  return activateHard('HardSigmoid', input, alpha, beta, 'hardSigmoid');
}

/**
 * x * hardSigmoid(x, 1/6, 0.5) = x * relu6(x + 3) / 6, elementwise (MobileNetV3; ONNX HardSwish,
 * PyTorch's nn.Hardswish).
 *
 * @example
 * hardSwish(Tensor.fromArray([-4, 1, 4], [3])); // [0, 0.6666667, 4]
 */
export function hardSwish(input: Tensor): Tensor {
  return activateHard('HardSwish', input, 1 / 6, 0.5, 'hardSwish');
}

/** The gradient of hard sigmoid or hard swish from dOut, the forward input and the forward params. */
export function hardActivationGrad(
  id: 'HardSigmoidGrad' | 'HardSwishGrad',
  dOut: Tensor,
  input: Tensor,
  params: HardSigmoidParams,
): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel(id, dOut, input, dInput, params);
  return dInput;
}

/**
 * The gradient of an activation given dOut and the tensor its derivative is written in: the forward
 * input for ReLU, GELU and SiLU, the forward output for sigmoid and tanh (see kernels/js/activations.ts).
 */
export function activationGrad(
  id: 'ReluGrad' | 'SigmoidGrad' | 'TanhGrad' | 'GeluGrad' | 'SiluGrad',
  dOut: Tensor,
  forwardValue: Tensor,
): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel(id, dOut, forwardValue, dInput, { size: dOut.size });
  return dInput;
}

/** The gradient of leaky ReLU or ELU from dOut, the forward input and the forward params (alpha). */
export function alphaActivationGrad(
  id: 'LeakyReluGrad' | 'EluGrad',
  dOut: Tensor,
  input: Tensor,
  params: AlphaActivationParams,
): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel(id, dOut, input, dInput, params);
  return dInput;
}

/** The gradient of clip from dOut, the forward input and the forward params (the bounds). */
export function clipGrad(dOut: Tensor, input: Tensor, params: ClipParams): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel('ClipGrad', dOut, input, dInput, params);
  return dInput;
}

/**
 * input^exponent elementwise, the exponent a finite constant (2 and 0.5 run vectorised); the gradient
 * is exponent * input^(exponent - 1). NaN where the power is undefined (a negative base to a
 * fractional exponent). Throws ValueError for a non-finite exponent.
 *
 * @example
 * pow(x, 2); // the squares of a decomposed layer normalization's variance
 */
export function pow(input: Tensor, exponent: number): Tensor {
  checkFiniteNumber(exponent, 'pow: exponent');
  const params: PowParams = {
    size: input.size,
    exponent: input.dtype === 'float32' ? Math.fround(exponent) : exponent,
  };
  const output = allocateTensor(input.shape, input.dtype);
  runKernel('Pow', input, output, params);
  record<PowParams>({ id: 'Pow', inputs: [input], output, saved: params });
  return output;
}

/**
 * The square root elementwise: pow(input, 0.5) (NaN below 0; the gradient at 0 is +Infinity).
 *
 * @example
 * sqrt(variance)
 */
export function sqrt(input: Tensor): Tensor {
  return pow(input, 0.5);
}

/** The gradient of pow: dOut * exponent * input^(exponent - 1). */
export function powGrad(dOut: Tensor, input: Tensor, params: PowParams): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel('PowGrad', dOut, input, dInput, params);
  return dInput;
}
