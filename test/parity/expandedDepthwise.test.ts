// Conv2D with an expansion (Conv2DParams.expansion: a 1x1 convolution, bias and activation before a depthwise
// convolution, an inverted residual block's first two layers as the inference plan fuses them) on the WebAssembly
// backend (assembly/expandedDepthwise.ts, bands of rows expanded into L2) against the reference kernels: MobileNetV2
// and EfficientNet shapes scaled down, maps several bands high (rows kept from band to band), odd heights and
// widths, maps of one row, channels that are not a multiple of 4, 3x3 and 5x5 kernels at strides 1 and 2, dilation, asymmetric
// padding, batches 1, 3 and 8, every fused activation on either convolution. The wasm results must be those of its
// two convolutions run one after the other, bit for bit, and the same on 1 and 2 threads.
// The same geometries again with a projection (Conv2DParams.projection: the 1x1 convolution after the depthwise one,
// with its residual and activation; narrow and wide ones, so both of conv2d.ts's 1x1 paths), with the expansion or
// without it: the wasm results must be those of the three (or two) convolutions run one after the other, bit for bit.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { initWasmBackend, Random, setBackend, type Padding } from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { expansionParams, projectionParams, windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { cpuKernels, type KernelSignatures } from '../../src/kernels/registry.js';
import {
  describeBuildParity,
  describeThreadDeterminism,
  FUSED_ACTIVATIONS,
  randomArray,
  wasmSkip,
  type ParityCase,
} from './harness.js';

interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  /** Channels of the input, before the expansion. */
  inC: number;
  /** Channels of the expanded map and of the output. */
  channels: number;
  kernel: number;
  stride: number;
  padding: Padding;
  dilation?: number;
}

const GEOMETRIES: readonly Geometry[] = [
  // MobileNetV2's large blocks, scaled down in width: 112x112x16 -> 96 stride 2 and 56x56x24 -> 144 at strides 1
  // and 2 are several bands of rows high (the wasm backend holds about 384 KB of expanded rows a band).
  { batch: 1, inH: 112, inW: 40, inC: 16, channels: 96, kernel: 3, stride: 2, padding: 1 },
  { batch: 3, inH: 56, inW: 56, inC: 24, channels: 144, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 57, inW: 56, inC: 24, channels: 144, kernel: 3, stride: 2, padding: 1 },
  { batch: 8, inH: 28, inW: 28, inC: 8, channels: 48, kernel: 3, stride: 1, padding: 1 },
  { batch: 8, inH: 14, inW: 14, inC: 32, channels: 192, kernel: 3, stride: 1, padding: 1 },
  { batch: 8, inH: 7, inW: 7, inC: 40, channels: 240, kernel: 3, stride: 2, padding: 1 },
  // EfficientNet's 5x5 blocks; TF-style 'same' pads more at the bottom and right.
  { batch: 3, inH: 29, inW: 31, inC: 24, channels: 144, kernel: 5, stride: 2, padding: 2 },
  { batch: 1, inH: 30, inW: 30, inC: 40, channels: 120, kernel: 5, stride: 2, padding: 'same' },
  { batch: 1, inH: 80, inW: 64, inC: 16, channels: 96, kernel: 5, stride: 1, padding: 2 },
  { batch: 2, inH: 15, inW: 17, inC: 16, channels: 96, kernel: 5, stride: 1, padding: 2 },
  // Channels not a multiple of 4, odd sizes, dilation, padding on some sides only, maps of one to three rows.
  { batch: 3, inH: 29, inW: 37, inC: 5, channels: 30, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 67, inW: 45, inC: 7, channels: 130, kernel: 3, stride: 2, padding: [0, 2, 1, 0] },
  { batch: 3, inH: 33, inW: 29, inC: 12, channels: 42, kernel: 3, stride: 1, padding: 2, dilation: 2 },
  { batch: 1, inH: 70, inW: 60, inC: 8, channels: 100, kernel: 3, stride: 1, padding: 2, dilation: 2 },
  { batch: 8, inH: 29, inW: 33, inC: 3, channels: 13, kernel: 3, stride: 2, padding: 'valid' },
  { batch: 2, inH: 1, inW: 801, inC: 4, channels: 12, kernel: 3, stride: 1, padding: 1 },
  { batch: 3, inH: 3, inW: 300, inC: 6, channels: 9, kernel: 3, stride: 2, padding: 'valid' },
  { batch: 1, inH: 3, inW: 2, inC: 4, channels: 8, kernel: 5, stride: 1, padding: 2 },
];

function randomGeometry(random: Random): Geometry {
  const kernel = [1, 3, 3, 5, 7][random.integer(5)]!;
  const paddings: Padding[] = ['valid', 'same', random.integer(kernel), [random.integer(kernel), 0, 1, 0]];
  return {
    batch: [1, 3][random.integer(2)]!,
    inH: 1 + random.integer(50),
    inW: 28 + random.integer(20),
    inC: 1 + random.integer(24),
    channels: 1 + random.integer(48),
    kernel,
    stride: 1 + random.integer(2),
    padding: paddings[random.integer(paddings.length)]!,
  };
}

/** The depthwise convolution's params, with the expansion from geometry.inC channels; null where no window fits. */
function paramsOf(geometry: Geometry, index: number): Conv2DParams | null {
  const { batch, inH, inW, inC, channels, kernel, stride, padding, dilation = 1 } = geometry;
  try {
    const window = windowParams('case', batch, inH, inW, channels, {
      kH: kernel,
      kW: kernel,
      strideH: stride,
      strideW: stride,
      padding,
      dilationH: dilation,
      dilationW: dilation,
    });
    const activation = FUSED_ACTIVATIONS[index % FUSED_ACTIVATIONS.length];
    const expansionActivation = FUSED_ACTIVATIONS[(index * 3 + 2) % FUSED_ACTIVATIONS.length];
    return {
      ...window,
      outC: channels,
      groups: channels,
      activation,
      isConstantFilter: true,
      expansion: { inC, activation: expansionActivation },
    };
  } catch {
    return null;
  }
}

function describeParams(params: Conv2DParams): string {
  const pads = [params.padTop, params.padBottom, params.padLeft, params.padRight].join(',');
  const { expansion } = params;
  return (
    `${params.batch}x${params.inH}x${params.inW}x${expansion!.inC} -> ${params.inC} ` +
    `(${expansion!.activation?.kind ?? 'no activation'}), ${params.kH}x${params.kW} stride ${params.strideH}` +
    `${(params.dilationH ?? 1) > 1 ? ` dilation ${params.dilationH}` : ''} pads ${pads} ` +
    `(${params.activation === undefined ? 'no activation' : (params.activation as { kind: string }).kind})`
  );
}

interface ExpansionCase {
  name: string;
  params: Conv2DParams;
  input: Float32Array;
  expansionFilter: Float32Array | null;
  expansionBias: Float32Array | null;
  filter: Float32Array;
  bias: Float32Array | null;
  projectionFilter?: Float32Array | null;
  projectionBias?: Float32Array | null;
  residual?: Float32Array | null;
}

function makeCases(): ExpansionCase[] {
  const random = new Random(2215);
  const geometries = [...GEOMETRIES, ...Array.from({ length: 24 }, () => randomGeometry(random))];
  const cases: ExpansionCase[] = [];
  geometries.forEach((geometry, index) => {
    const params = paramsOf(geometry, index);
    if (params === null) return;
    const { batch, inH, inW, kH, kW, inC: channels } = params;
    const inC = params.expansion!.inC;
    const hasBias = index % 4 !== 3;
    cases.push({
      name: `${describeParams(params)}${hasBias ? '' : ', no biases'}`,
      params,
      input: randomArray(random, batch * inH * inW * inC),
      expansionFilter: randomArray(random, inC * channels, 1 / Math.sqrt(inC)),
      expansionBias: hasBias ? randomArray(random, channels, 0.5) : null,
      filter: randomArray(random, kH * kW * channels, 1 / Math.sqrt(kH * kW)),
      bias: hasBias ? randomArray(random, channels, 0.5) : null,
    });
  });
  return cases;
}

/**
 * The cases with a projection to outC channels (few: gemmNarrowFinished; many: gemmPackedFinished), a residual on
 * every other one, and every third one without its expansion (the depthwise convolution reads the input in place).
 */
function withProjections(expansionCases: readonly ExpansionCase[]): ExpansionCase[] {
  const random = new Random(4417);
  return expansionCases.map((expansionCase, index) => {
    const { params, name } = expansionCase;
    const { batch, outH, outW, inC: channels } = params;
    const outC = [16, 24, 3, 40, 64, 1 + random.integer(60)][index % 6]!;
    const activation = FUSED_ACTIVATIONS[(index * 5 + 1) % FUSED_ACTIVATIONS.length];
    const hasExpansion = index % 3 !== 2;
    const hasResidual = index % 2 === 0;
    const expansion = hasExpansion ? params.expansion : undefined;
    const input = hasExpansion ? expansionCase.input : randomArray(random, batch * params.inH * params.inW * channels);
    return {
      ...expansionCase,
      name: `${hasExpansion ? name : name.replace(/x\d+ -> \d+ \([^)]*\)/, `x${channels}`)} -> ${outC} (${
        activation?.kind ?? 'no activation'
      })${hasResidual ? ' + residual' : ''}`,
      params: { ...params, expansion, projection: { outC, activation } },
      input,
      expansionFilter: hasExpansion ? expansionCase.expansionFilter : null,
      expansionBias: hasExpansion ? expansionCase.expansionBias : null,
      projectionFilter: randomArray(random, channels * outC, 1 / Math.sqrt(channels)),
      projectionBias: index % 4 !== 1 ? randomArray(random, outC, 0.5) : null,
      residual: hasResidual ? randomArray(random, batch * outH * outW * outC) : null,
    };
  });
}

const cases = makeCases();
const projectionCases = withProjections(cases);

function outputOf(kernels: KernelSignatures, expansionCase: ExpansionCase): Float32Array {
  const { params, input, filter, bias, expansionFilter, expansionBias } = expansionCase;
  const outC = params.projection?.outC ?? params.outC;
  const output = new Float32Array(params.batch * params.outH * params.outW * outC);
  kernels.Conv2D(
    input,
    filter,
    bias,
    output,
    params,
    expansionCase.residual ?? null,
    null,
    expansionFilter,
    expansionBias,
    expansionCase.projectionFilter ?? null,
    expansionCase.projectionBias ?? null,
  );
  return output;
}

/** The expansion, the depthwise convolution and the projection as separate calls, each output stored whole. */
function twoCallsOf(kernels: KernelSignatures, expansionCase: ExpansionCase): Float32Array {
  const { params, filter, bias, expansionFilter, expansionBias } = expansionCase;
  let input = expansionCase.input;
  if (params.expansion !== undefined) {
    input = new Float32Array(params.batch * params.inH * params.inW * params.inC);
    kernels.Conv2D(expansionCase.input, expansionFilter!, expansionBias, input, expansionParams(params));
  }
  const output = new Float32Array(params.batch * params.outH * params.outW * params.outC);
  kernels.Conv2D(input, filter, bias, output, { ...params, expansion: undefined, projection: undefined });
  if (params.projection === undefined) return output;
  const projection = projectionParams(params);
  const projected = new Float32Array(params.batch * params.outH * params.outW * projection.outC);
  const { projectionFilter, projectionBias, residual } = expansionCase;
  kernels.Conv2D(output, projectionFilter!, projectionBias ?? null, projected, projection, residual);
  return projected;
}

// The expanded values reach 6 (clip) and more; the depthwise sums up to 25 of them; the projection up to 130 of those.
const parityCasesOf = (expansionCases: readonly ExpansionCase[], tolerance: number): ParityCase[] =>
  expansionCases.map((expansionCase) => ({
    name: expansionCase.name,
    run: (kernels) => [outputOf(kernels, expansionCase)],
    tolerance: { atol: tolerance, rtol: tolerance },
  }));
const parityCases = parityCasesOf(cases, 2e-4);
const projectionParityCases = parityCasesOf(projectionCases, 5e-4);

describeBuildParity('convolutions with an expansion', parityCases);
describeThreadDeterminism('a convolution with an expansion', parityCases);
describeBuildParity('convolutions with a projection', projectionParityCases);
describeThreadDeterminism('a convolution with a projection', projectionParityCases);

describe('reference backend: a convolution with an expansion is its two convolutions', () => {
  test('the same values as the 1x1 convolution, then the depthwise one on its output', () => {
    for (const expansionCase of [...cases.slice(0, 8), ...projectionCases.slice(0, 8)]) {
      assert.deepEqual(
        outputOf(referenceBackend.kernels, expansionCase),
        twoCallsOf(referenceBackend.kernels, expansionCase),
        expansionCase.name,
      );
    }
  });
});

describe('wasm backend: a convolution with an expansion is its two convolutions, bit for bit', {
  skip: wasmSkip,
}, () => {
  after(() => setBackend('reference'));
  for (const threads of [1, 2]) {
    test(`${threads} thread(s): the fused kernel gives the two calls' bits; filters that may change, the reference's`, async () => {
      await initWasmBackend({ threads });
      const kernels = cpuKernels();
      for (const expansionCase of [...cases, ...projectionCases]) {
        const twoCalls = twoCallsOf(kernels, expansionCase);
        assert.deepEqual(outputOf(kernels, expansionCase), twoCalls, expansionCase.name);
        // Filters that may change take the reference kernel.
        const changing = { ...expansionCase, params: { ...expansionCase.params, isConstantFilter: undefined } };
        const reference = outputOf(referenceBackend.kernels, changing);
        assert.deepEqual(outputOf(kernels, changing), reference, `${expansionCase.name}, changing`);
      }
    });
  }
});
