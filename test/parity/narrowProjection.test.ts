// Prepared 1x1 convolutions with few output channels (MobileNetV2's and EfficientNet's projections: 16 to 40
// channels) on the WebAssembly backend, which read their input in place (assembly/gemm.ts gemmNarrowFinished),
// against the reference kernels in both builds: output channels on both sides of whole 8-column strips, pixel
// counts that leave partial row tiles, batch 1, 3 and 8, with and without bias and residual, every fused
// activation (sigmoid and SiLU finish outside the registers), with and without an input scale (a squeeze-and-
// excitation gate, packed with each row tile; 35 pixels an image put row tiles across two images). The same bits
// as the filter unprepared (gemm with the output stage after it, the gate a Multiply first), and as on 1 thread.
// Then deep ones with up to 160 output channels (MobileNetV2's 576 -> 96 and 960 -> 160), read in place row group by
// row group (gemm.ts gemmInPlaceFinished; with an input scale still packed): 98 pixels cross a row group, 49 leave a
// tile of one row and, on 2 threads, split the output channels.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { initWasmBackend, Random, setBackend } from '../../src/index.js';
import { cpuKernels } from '../../src/kernels/registry.js';
import { windowParams, type Conv2DParams, type FusedActivation } from '../../src/kernels/params.js';
import {
  describeBuildParity,
  describeThreadDeterminism,
  FUSED_ACTIVATIONS,
  randomArray,
  wasmSkip,
  type ParityCase,
} from './harness.js';

interface Projection {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
}

/** Network shapes in miniature, then odd ones: channels not a multiple of 8 (or 4), pixels not of 4. */
const PROJECTIONS: readonly Projection[] = [
  { batch: 8, inH: 14, inW: 14, inC: 144, outC: 24 },
  { batch: 3, inH: 15, inW: 15, inC: 32, outC: 16 },
  { batch: 1, inH: 9, inW: 9, inC: 192, outC: 32 },
  { batch: 1, inH: 7, inW: 7, inC: 240, outC: 20 },
  { batch: 2, inH: 7, inW: 7, inC: 144, outC: 40 },
  { batch: 3, inH: 5, inW: 7, inC: 96, outC: 12 },
  { batch: 8, inH: 3, inW: 3, inC: 37, outC: 30 },
  { batch: 1, inH: 11, inW: 13, inC: 8, outC: 5 },
  { batch: 3, inH: 1, inW: 1, inC: 64, outC: 1 },
  { batch: 1, inH: 6, inW: 5, inC: 255, outC: 31 },
  { batch: 1, inH: 7, inW: 7, inC: 576, outC: 160 },
  { batch: 2, inH: 7, inW: 7, inC: 512, outC: 72 },
  { batch: 3, inH: 5, inW: 3, inC: 515, outC: 43 },
  { batch: 2, inH: 3, inW: 5, inC: 600, outC: 97 },
];

function paramsOf(shape: Projection, activation: FusedActivation | undefined, isConstantFilter: boolean) {
  const window = windowParams('case', shape.batch, shape.inH, shape.inW, shape.inC, {
    kH: 1,
    kW: 1,
    strideH: 1,
    strideW: 1,
    padding: 'valid',
  });
  const params: Conv2DParams = { ...window, outC: shape.outC };
  if (activation !== undefined) params.activation = activation;
  if (isConstantFilter) params.isConstantFilter = true;
  return params;
}

interface ProjectionCase extends ParityCase {
  /** The same convolution with the filter not marked constant (not prepared). */
  runUnprepared(kernels: ReturnType<typeof cpuKernels>): Float32Array[];
}

function projectionCases(shapes: readonly Projection[], seed: number): ProjectionCase[] {
  const random = new Random(seed);
  const cases: ProjectionCase[] = [];
  shapes.forEach((shape, index) => {
    for (const [activationIndex, activation] of FUSED_ACTIVATIONS.entries()) {
      const hasBias = (index + activationIndex) % 4 !== 3;
      const hasResidual = (index + activationIndex) % 2 === 0;
      const hasScale = (index + activationIndex) % 3 === 0;
      const { batch, inH, inW, inC, outC } = shape;
      const outputSize = batch * inH * inW * outC;
      // Two inputs: the second call reuses the prepared filter.
      const inputs = [0, 1].map(() => randomArray(random, batch * inH * inW * inC));
      const filter = randomArray(random, inC * outC, 1 / Math.sqrt(inC));
      const bias = hasBias ? randomArray(random, outC) : null;
      const residual = hasResidual ? randomArray(random, outputSize, 2) : null;
      const scale = hasScale ? randomArray(random, batch * inC, 2) : null;
      const runWith = (isConstantFilter: boolean) => (kernels: ReturnType<typeof cpuKernels>) => {
        const params = paramsOf(shape, activation, isConstantFilter);
        return inputs.map((input) => {
          const output = new Float32Array(outputSize).fill(Number.NaN);
          kernels.Conv2D(input, filter, bias, output, params, residual, scale);
          return output;
        });
      };
      cases.push({
        name:
          `${batch}x${inH}x${inW}x${inC} -> ${outC}, ${activation?.kind ?? 'no activation'}` +
          `${hasBias ? '' : ', no bias'}${hasResidual ? ', residual' : ''}${hasScale ? ', input scale' : ''}`,
        run: runWith(true),
        runUnprepared: runWith(false),
        tolerance: { atol: 2e-5 * Math.sqrt(inC), rtol: 1e-4 },
      });
    }
  });
  return cases;
}

describeBuildParity('prepared 1x1 convolutions with few output channels', projectionCases(PROJECTIONS, 24));

describe('wasm backend: a prepared narrow 1x1 convolution gives the bits of the unprepared one', {
  skip: wasmSkip,
}, () => {
  after(() => setBackend('reference'));
  for (const threads of [1, 2]) {
    test(`on ${threads} thread(s)`, async () => {
      await initWasmBackend({ threads });
      for (const projectionCase of projectionCases(PROJECTIONS, 25)) {
        const kernels = cpuKernels();
        const prepared = projectionCase.run(kernels);
        const unprepared = projectionCase.runUnprepared(kernels);
        prepared.forEach((values, call) => {
          assert.deepEqual(Array.from(values), Array.from(unprepared[call]!), `${projectionCase.name}, call ${call}`);
        });
      }
    });
  }
});

// Above the threading threshold, so that 2 threads split the pixels (odd counts: 8 * 27 * 27 and 3 * 45 * 43; 8 * 9 *
// 9 read in place), or the output channels (49 pixels, 160 channels).
describeThreadDeterminism(
  'prepared narrow 1x1 convolutions',
  projectionCases(
    [
      { batch: 8, inH: 27, inW: 27, inC: 144, outC: 24 },
      { batch: 3, inH: 45, inW: 43, inC: 96, outC: 20 },
      { batch: 8, inH: 9, inW: 9, inC: 520, outC: 100 },
      { batch: 1, inH: 7, inW: 7, inC: 576, outC: 160 },
    ],
    26,
  ),
);
