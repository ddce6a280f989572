// WGSL power with a constant exponent and its gradient (kernels/js/power.ts): 2 is x * x and 0.5 is
// sqrt, as in the reference. NOTE: WGSL's pow is undefined for x < 0 (and at 0), where JavaScript's
// ** is not, so other exponents take |x|^p = exp2(p * log2|x|) with the sign of an odd integer
// exponent, NaN for a negative base with a fractional one, and 0 (signed, as JavaScript's -0 ** -3
// is -Infinity) and the exponents 0 and 1 handled apart.

import type { PowParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

const POWER_WGSL = `
fn powerOf(x: f32, exponent: f32) -> f32 {
  if (exponent == 2.0) { return x * x; }
  if (exponent == 0.5) { return sqrt(x); }
  if (exponent == 0.0) { return 1.0; }
  if (exponent == 1.0 || isNan(x)) { return x; }
  let isInteger = floor(exponent) == exponent;
  let isOdd = isInteger && abs(exponent) < 16777216.0 && (i32(abs(exponent)) & 1) == 1;
  let isNegative = (bitcast<u32>(x) & 0x80000000u) != 0u;
  if (x == 0.0) {
    let zeroPower = select(params.positiveInfinity, 0.0, exponent > 0.0);
    return select(zeroPower, -zeroPower, isNegative && isOdd);
  }
  if (isNegative && !isInteger) { return params.notANumber; }
  let magnitude = exp2(exponent * log2(abs(x)));
  return select(magnitude, -magnitude, isNegative && isOdd);
}
fn slopeOf(x: f32, exponent: f32) -> f32 {
  if (exponent == 2.0) { return 2.0 * x; }
  if (exponent == 0.5) { return 0.5 / sqrt(x); }
  if (exponent == 1.0) { return 1.0; }
  if (exponent == 0.0) { return 0.0; }
  return exponent * powerOf(x, exponent - 1.0);
}
`;

function fieldsOf(params: PowParams): UniformField[] {
  // WGSL rejects infinite and NaN constants, so they come in as values.
  return [
    ['size', 'u32', params.size],
    ['exponent', 'f32', params.exponent],
    ['positiveInfinity', 'f32', Infinity],
    ['notANumber', 'f32', Number.NaN],
  ];
}

/**
 * Records Pow: input [size]; output [size] (overwritten) = input^exponent.
 *
 * @example
 * encodePow(context, encoder, { input, output }, { size: 1024, exponent: 3 });
 */
export function encodePow(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: PowParams,
): void {
  const fields = fieldsOf(params);
  const pipeline = pipelineFor(context, 'Pow', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.size',
      '  outputs[index] = powerOf(inputs[index], params.exponent);',
      POWER_WGSL,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], params.size);
}

/**
 * Records PowGrad: dOut [size], input [size] (the forward input); dInput [size] (overwritten) =
 * dOut * exponent * input^(exponent - 1).
 *
 * @example
 * encodePowGrad(context, encoder, { dOut, input, dInput }, { size: 1024, exponent: 3 });
 */
export function encodePowGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; input: GpuBuffer; dInput: GpuBuffer },
  params: PowParams,
): void {
  const fields = fieldsOf(params);
  const pipeline = pipelineFor(context, 'PowGrad', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['inputs', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'params.size',
      '  dInput[index] = dOut[index] * slopeOf(inputs[index], params.exponent);',
      POWER_WGSL,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.dOut, buffers.input, buffers.dInput], params.size);
}
