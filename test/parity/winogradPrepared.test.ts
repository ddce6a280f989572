// Winograd convolutions with prepared (constant) filters on the WebAssembly backend against the
// reference kernels: geometries that reach F(2x2) and F(4x4), whole and padded tiles, both thread
// splits (tiles, output-channel strips), partial 8-channel strips, batch 1 and several, every fused
// activation, with and without residual and bias. The geometries from the several-chunk one on have
// work enough for two threads (on the others the thread check holds trivially). Each case calls twice
// with different inputs (the packed filter kept between calls), and a filter freed and replaced by a new
// array at the same place in memory must not reuse the old packed form. Both builds; bit-identical on
// 1 and 2 threads.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { getBackend, initWasmBackend, Random, setBackend, type Padding } from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { windowParams, type Conv2DParams, type FusedActivation } from '../../src/kernels/params.js';
import {
  convolutionAlgorithm,
  isWinogradSplitByColumns,
  type WasmBackend,
} from '../../src/kernels/wasm/wasmBackend.js';
import { assertClose } from '../helpers.js';
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
  inC: number;
  outC: number;
  padding: Padding;
  /** What the backend picks at 2 threads (checked below, so the cases keep reaching every variant). */
  expected: string;
  /** How many of FUSED_ACTIVATIONS to run (large geometries: the reference is slow); all by default. */
  activations?: number;
}

const GEOMETRIES: readonly Geometry[] = [
  { batch: 1, inH: 7, inW: 7, inC: 64, outC: 72, padding: 'same', expected: 'winograd4x4 by strips' },
  { batch: 2, inH: 16, inW: 16, inC: 32, outC: 48, padding: 'same', expected: 'winograd4x4 by tiles' },
  { batch: 1, inH: 14, inW: 14, inC: 32, outC: 32, padding: 1, expected: 'winograd4x4 by strips' },
  { batch: 3, inH: 9, inW: 9, inC: 24, outC: 20, padding: 1, expected: 'winograd4x4 by strips' },
  { batch: 2, inH: 6, inW: 6, inC: 20, outC: 8, padding: 2, expected: 'winograd4x4 by strips' },
  { batch: 5, inH: 13, inW: 11, inC: 16, outC: 28, padding: 1, expected: 'winograd4x4 by tiles' },
  { batch: 1, inH: 4, inW: 4, inC: 32, outC: 40, padding: 'same', expected: 'winograd by strips' },
  { batch: 1, inH: 5, inW: 5, inC: 16, outC: 12, padding: 'valid', expected: 'winograd by strips' },
  { batch: 16, inH: 2, inW: 3, inC: 16, outC: 24, padding: 1, expected: 'winograd by tiles' },
  // Two tiles of 3 outputs after the full ones along each axis (assembly/winograd4.ts, fullTiles4), odd batch.
  { batch: 3, inH: 14, inW: 14, inC: 64, outC: 64, padding: 1, expected: 'winograd4x4 by tiles', activations: 2 },
  // 6x6 outputs: one whole F(6x6) tile an image (F(4x4) took two tiles of 3 and no full one, as winograd4EdgeTiles's
  // 9x10 outputs still do).
  { batch: 3, inH: 6, inW: 6, inC: 64, outC: 64, padding: 1, expected: 'winograd6x6 by strips', activations: 2 },
  // Several chunks of tiles per thread.
  { batch: 4, inH: 16, inW: 16, inC: 96, outC: 96, padding: 1, expected: 'winograd4x4 by tiles', activations: 2 },
  // A packed filter above WINOGRAD_STREAMED_FILTER_FLOATS (chunks sized for streaming it): F(4x4) on 9 tiles of 3
  // outputs; on 7x7 outputs at batch 1 F(2x2), whose form streams in less time (preparedConvolutionAlgorithm), its
  // GEMMs by depth blocks (gemmDepthBlockedOperands), as on 6x2 outputs (3 tiles: a partial row tile).
  { batch: 1, inH: 9, inW: 9, inC: 256, outC: 232, padding: 1, expected: 'winograd4x4 by strips', activations: 1 },
  { batch: 1, inH: 7, inW: 7, inC: 352, outC: 344, padding: 1, expected: 'winograd by strips', activations: 2 },
  { batch: 1, inH: 8, inW: 4, inC: 256, outC: 256, padding: 'valid', expected: 'winograd by strips', activations: 2 },
  // Just above it (36 x 256 x 232 floats), split by tiles: 32 tiles per thread, one chunk each.
  { batch: 16, inH: 8, inW: 8, inC: 256, outC: 232, padding: 1, expected: 'winograd4x4 by tiles', activations: 1 },
  // The same filter on fewer tiles (at most a quarter of its output channels): split by strips, each thread
  // streaming its share of the filter (ResNet-18's 7x7x512 layers at batch 8).
  { batch: 10, inH: 8, inW: 8, inC: 256, outC: 232, padding: 1, expected: 'winograd4x4 by strips', activations: 1 },
  // Enough work for two threads (PARALLEL_WORK_THRESHOLD) with F(2x2), both splits.
  { batch: 1, inH: 4, inW: 4, inC: 256, outC: 256, padding: 1, expected: 'winograd by strips', activations: 2 },
  { batch: 16, inH: 2, inW: 3, inC: 112, outC: 116, padding: 1, expected: 'winograd by tiles', activations: 2 },
];

function paramsOf(geometry: Geometry, activation: FusedActivation | undefined): Conv2DParams {
  const { batch, inH, inW, inC, outC, padding } = geometry;
  const window = windowParams('case', batch, inH, inW, inC, { kH: 3, kW: 3, strideH: 1, strideW: 1, padding });
  const params: Conv2DParams = { ...window, outC, isConstantFilter: true };
  if (activation !== undefined) params.activation = activation;
  return params;
}

function variantOf(params: Conv2DParams, threads: number): string {
  const algorithm = convolutionAlgorithm(params, 'forward');
  if (algorithm === 'im2col') return algorithm;
  return `${algorithm} by ${isWinogradSplitByColumns(params, algorithm, threads) ? 'strips' : 'tiles'}`;
}

function makeCases(): ParityCase[] {
  const random = new Random(1515);
  const cases: ParityCase[] = [];
  GEOMETRIES.forEach((geometry, geometryIndex) => {
    FUSED_ACTIVATIONS.slice(0, geometry.activations ?? FUSED_ACTIVATIONS.length).forEach(
      (activation, activationIndex) => {
        const params = paramsOf(geometry, activation);
        const index = geometryIndex * FUSED_ACTIVATIONS.length + activationIndex;
        const hasResidual = index % 2 === 0;
        const hasBias = index % 3 !== 2;
        const outputSize = params.batch * params.outH * params.outW * params.outC;
        const inputs = [0, 1].map(() => randomArray(random, params.batch * params.inH * params.inW * params.inC));
        const filter = randomArray(random, 9 * params.inC * params.outC, 1 / Math.sqrt(9 * params.inC));
        const bias = hasBias ? randomArray(random, params.outC) : null;
        const residual = hasResidual ? randomArray(random, outputSize, 2) : null;
        cases.push({
          name:
            `${params.batch}x${params.inH}x${params.inW}x${params.inC} -> ${params.outC}, pad ` +
            `${params.padTop}, ${geometry.expected}, ` +
            `${activation?.kind ?? 'no activation'}${hasResidual ? ', residual' : ''}${hasBias ? '' : ', no bias'}`,
          run: (kernels) =>
            inputs.map((input) => {
              const output = new Float32Array(outputSize);
              kernels.Conv2D(input, filter, bias, output, params, residual);
              return output;
            }),
          tolerance: { atol: 2e-4, rtol: 2e-4 },
        });
      },
    );
  });
  return cases;
}

describe('prepared Winograd cases reach every variant', () => {
  for (const geometry of GEOMETRIES) {
    test(
      `${geometry.batch}x${geometry.inH}x${geometry.inW}x${geometry.inC} -> ${geometry.outC}: ` +
        `${geometry.expected}`,
      () => {
        assert.equal(variantOf(paramsOf(geometry, undefined), 2), geometry.expected);
      },
    );
  }
});

const cases = makeCases();
describeBuildParity('prepared Winograd convolutions (called twice)', cases);
describeThreadDeterminism('a prepared Winograd convolution', cases);

describe('wasm backend: a constant filter replaced by a new array in the same memory', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  for (const geometry of [GEOMETRIES[0]!, GEOMETRIES[6]!]) {
    test(`gets its own packed form (${geometry.expected})`, async () => {
      await initWasmBackend({ threads: 2 });
      const backend = getBackend() as WasmBackend;
      const random = new Random(7);
      const params = paramsOf(geometry, { kind: 'relu' });
      const input = randomArray(random, params.batch * params.inH * params.inW * params.inC);
      const outputSize = params.batch * params.outH * params.outW * params.outC;
      const filterSize = 9 * params.inC * params.outC;
      const results: { filter: Float32Array; actual: Float32Array }[] = [];
      let previousOffset = -1;
      for (let round = 0; round < 2; round++) {
        const filter = backend.allocatePersistent!('float32', filterSize) as Float32Array;
        filter.set(randomArray(random, filterSize, 0.1));
        if (round === 1) assert.equal(filter.byteOffset, previousOffset, 'the new filter takes the freed block');
        previousOffset = filter.byteOffset;
        const actual = new Float32Array(outputSize);
        backend.kernels.Conv2D(input, filter, null, actual, params, null);
        results.push({ filter: filter.slice(), actual });
        backend.free!(filter);
      }
      for (const { filter, actual } of results) {
        const expected = new Float32Array(outputSize);
        referenceBackend.kernels.Conv2D(input, filter, null, expected, params, null);
        assertClose(actual, expected, { atol: 2e-4, rtol: 2e-4 }, 'output');
      }
    });
  }
});
