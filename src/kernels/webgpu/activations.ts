// WGSL activation kernels and their gradients, one 1-D pass each over `size` values, with the
// reference's formulas and NaN rules (kernels/js/activations.ts), and the convolution's fused
// activations. WGSL has no erf, expm1 or overflow-safe tanh: they are written below in float32 (erfc
// from Numerical Recipes' erfcc, fractional error under 1.2e-7). NOTE: WGSL leaves exp(NaN) to the
// implementation (SwiftShader gives Infinity), so expNan keeps a NaN where the reference does.

import type {
  AlphaActivationParams,
  ClipParams,
  ElementwiseParams,
  FusedActivation,
  HardSigmoidParams,
} from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

/**
 * Float32 helpers shared with the convolution's output stage. expNan is exp with NaN kept; expm1
 * takes a 5-term series below 0.1 (truncation 1e-8 relative) where exp(x) - 1 would cancel;
 * tanh(|x|) = -expm1(-2|x|) / (2 + expm1(-2|x|)) never overflows; logistic is written as the
 * reference's so that e^x never overflows.
 */
export const ACTIVATION_WGSL = `
fn expNan(x: f32) -> f32 {
  return select(exp(x), x, isNan(x));
}
fn expm1Accurate(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (abs(x) < 0.1) {
    return x * (1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * 0.008333334))));
  }
  return exp(x) - 1.0;
}
fn tanhAccurate(x: f32) -> f32 {
  let e = expm1Accurate(-2.0 * abs(x));
  let magnitude = -e / (2.0 + e);
  return select(-magnitude, magnitude, x >= 0.0 || isNan(x));
}
fn logistic(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = expNan(x);
  return e / (1.0 + e);
}
fn erfcApproximation(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let series = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let tail = t * exp(series);
  return select(2.0 - tail, tail, x >= 0.0);
}
fn normalCdf(x: f32) -> f32 {
  return 0.5 * erfcApproximation(-x * 0.70710678);
}
fn clipValue(x: f32, low: f32, high: f32) -> f32 {
  if (x < low) { return low; }
  if (x > high) { return high; }
  return x;
}
fn hardGate(x: f32, alpha: f32, beta: f32) -> f32 {
  let linear = alpha * x + beta;
  if (linear < 0.0) { return 0.0; }
  if (linear > 1.0) { return 1.0; }
  return linear;
}
fn hardSwishSlope(x: f32, alpha: f32, beta: f32) -> f32 {
  let linear = alpha * x + beta;
  if (linear <= 0.0) { return 0.0; }
  if (linear >= 1.0) { return 1.0; }
  return 2.0 * alpha * x + beta;
}
`;

/** The forward activations: WGSL of y from x, with params.first and params.second as their constants. */
const FORWARD = {
  Relu: 'select(0.0, x, x > 0.0 || isNan(x))',
  Sigmoid: 'logistic(x)',
  Tanh: 'tanhAccurate(x)',
  LeakyRelu: 'select(params.first * x, x, x > 0.0)',
  Elu: 'select(params.first * expm1Accurate(x), x, x > 0.0)',
  Gelu: 'x * normalCdf(x)',
  Silu: 'x * logistic(x)',
  Clip: 'clipValue(x, params.first, params.second)',
  HardSigmoid: 'hardGate(x, params.first, params.second)',
  HardSwish: 'x * hardGate(x, params.first, params.second)',
} as const;

/**
 * The gradients: WGSL of dInput from dy (dOut) and x, which is the forward output for Sigmoid and
 * Tanh and the forward input for the others, as in the reference.
 */
const GRADIENT = {
  ReluGrad: 'select(0.0, dy, x > 0.0)',
  SigmoidGrad: 'dy * x * (1.0 - x)',
  TanhGrad: 'dy * (1.0 - x * x)',
  LeakyReluGrad: 'select(params.first * dy, dy, x > 0.0)',
  EluGrad: 'select(dy * params.first * expNan(x), dy, x > 0.0)',
  GeluGrad: 'dy * (normalCdf(x) + x * exp(-0.5 * x * x) * 0.39894228)',
  SiluGrad: 'dy * logistic(x) * (1.0 + x * (1.0 - logistic(x)))',
  ClipGrad: 'select(0.0, dy, params.first < x && x < params.second)',
  HardSigmoidGrad:
    'select(0.0, params.first * dy, 0.0 < params.first * x + params.second && params.first * x + params.second < 1.0)',
  HardSwishGrad: 'dy * hardSwishSlope(x, params.first, params.second)',
} as const;

/** The id of a forward activation kernel. */
export type ActivationId = keyof typeof FORWARD;
/** The id of an activation gradient kernel. */
export type ActivationGradId = keyof typeof GRADIENT;
/** Ids of the forward activations, in KERNEL_IDS order. */
export const ACTIVATION_IDS = Object.keys(FORWARD) as ActivationId[];
/** Ids of the activation gradients, in KERNEL_IDS order. */
export const ACTIVATION_GRAD_IDS = Object.keys(GRADIENT) as ActivationGradId[];

/** The params of any activation kernel. */
export type ActivationParams = ElementwiseParams | AlphaActivationParams | ClipParams | HardSigmoidParams;

/** The two constants of an activation's params, in the order its formula reads them. */
function constantsOf(params: ActivationParams): [number, number] {
  if ('min' in params) return [params.min, params.max];
  if ('beta' in params) return [params.alpha, params.beta];
  if ('alpha' in params) return [params.alpha, 0];
  return [0, 0];
}

function fieldsOf(params: ActivationParams): UniformField[] {
  const [first, second] = constantsOf(params);
  return [
    ['size', 'u32', params.size],
    ['first', 'f32', first],
    ['second', 'f32', second],
  ];
}

/**
 * Records a forward activation (Relu, Sigmoid, ..., HardSwish): output = f(input), `size` values.
 * input [size]; output [size] (overwritten, a buffer of its own).
 *
 * @example
 * encodeActivation(context, encoder, 'Relu', { input, output }, { size: 1024 });
 */
export function encodeActivation(
  context: WebGpuContext,
  encoder: KernelEncoder,
  id: ActivationId,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: ActivationParams,
): void {
  const fields = fieldsOf(params);
  const pipeline = pipelineFor(context, id, () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.size',
      `  let x = inputs[index];\n  outputs[index] = ${FORWARD[id]};`,
      ACTIVATION_WGSL,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], params.size);
}

/**
 * Records an activation gradient (ReluGrad, ..., HardSwishGrad): dInput = dOut * f'(x), `size` values.
 * dOut [size]; x [size] the forward output (SigmoidGrad, TanhGrad) or input (the others);
 * dInput [size] (overwritten).
 *
 * @example
 * encodeActivationGrad(context, encoder, 'ReluGrad', { dOut, x: input, dInput }, { size: 1024 });
 */
export function encodeActivationGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  id: ActivationGradId,
  buffers: { dOut: GpuBuffer; x: GpuBuffer; dInput: GpuBuffer },
  params: ActivationParams,
): void {
  const fields = fieldsOf(params);
  const pipeline = pipelineFor(context, id, () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['forward', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'params.size',
      `  let dy = dOut[index];\n  let x = forward[index];\n  dInput[index] = ${GRADIENT[id]};`,
      ACTIVATION_WGSL,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.dOut, buffers.x, buffers.dInput], params.size);
}

/**
 * A fused activation as WGSL: `fn activate(x: f32) -> f32` reading params.activationFirst and
 * params.activationSecond, the two constants for the uniform fields, and a key for the shader variant.
 */
export function fusedActivationShader(activation: FusedActivation | null): {
  key: string;
  source: string;
  constants: [number, number];
} {
  if (activation === null)
    return { key: 'none', source: 'fn activate(x: f32) -> f32 { return x; }', constants: [0, 0] };
  const expressions: Record<FusedActivation['kind'], string> = {
    relu: FORWARD.Relu,
    sigmoid: FORWARD.Sigmoid,
    silu: FORWARD.Silu,
    clip: FORWARD.Clip,
    leakyRelu: FORWARD.LeakyRelu,
    hardSigmoid: FORWARD.HardSigmoid,
    hardSwish: FORWARD.HardSwish,
  };
  const expression = expressions[activation.kind]
    .replaceAll('params.first', 'params.activationFirst')
    .replaceAll('params.second', 'params.activationSecond');
  const constants: [number, number] =
    activation.kind === 'clip'
      ? [activation.min, activation.max]
      : activation.kind === 'leakyRelu'
        ? [activation.alpha, 0]
        : activation.kind === 'hardSigmoid' || activation.kind === 'hardSwish'
          ? [activation.alpha, activation.beta]
          : [0, 0];
  return {
    key: activation.kind,
    source: `${ACTIVATION_WGSL}\nfn activate(x: f32) -> f32 { return ${expression}; }`,
    constants,
  };
}
