// Elementwise activation ops and their gradients: ReLU, sigmoid, tanh.

import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import { getKernel } from '../kernels/registry.js';
import { allocateTensor } from './allocate.js';

type ActivationId = 'Relu' | 'Sigmoid' | 'Tanh';

function activate(id: ActivationId, input: Tensor): Tensor {
  const output = allocateTensor(input.shape, input.dtype);
  getKernel(id)(input.data, output.data, { size: input.size });
  record({ id, inputs: [input], output, saved: null });
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
 * The gradient of an activation given dOut and the tensor its derivative is written in: the forward
 * input for ReLU, the forward output for sigmoid and tanh (see kernels/js/activations.ts).
 */
export function activationGrad(id: 'ReluGrad' | 'SigmoidGrad' | 'TanhGrad', dOut: Tensor, forwardValue: Tensor): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  getKernel(id)(dOut.data, forwardValue.data, dInput.data, { size: dOut.size });
  return dInput;
}
