// Reference activation kernels and their derivatives. Each gradient kernel takes whichever of the
// forward input or output gives the derivative most cheaply:
//   relu'(x) = 1 if x > 0 else 0          (uses the input; the derivative at 0 is taken as 0)
//   sigmoid'(x) = s(x) * (1 - s(x))       (uses the output s)
//   tanh'(x) = 1 - tanh(x)^2              (uses the output)

import type { FloatArray } from '../../core/dtype.js';
import type { ElementwiseParams } from '../params.js';

/** input [size], output [size] (overwritten) */
export function relu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) {
    const value = input[index]!;
    output[index] = value > 0 ? value : value === value ? 0 : value;
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
