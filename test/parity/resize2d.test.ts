// Parity of the WebAssembly Resize2D kernels (forward and the gradient's scatter) with the reference,
// in the relaxed-SIMD and plain-SIMD builds: 60 random geometries (batch 1-3, sizes 1-11, channels
// 1-13 so most are not a multiple of 4, both modes, every coordinate mode and nearest rounding,
// scales up and down and explicit sizes), then bit-identical results on 1 and 2 threads for a
// segmentation-head shape above the backend's threading threshold.

import { describe } from 'node:test';
import { Random, type KernelSignatures } from '../../src/index.js';
import { NEAREST_ROUNDINGS, RESIZE_COORDINATES, type Resize2DParams } from '../../src/kernels/params.js';
import { resize2dParams } from '../../src/ops/resize2d.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

const SCALES = [0.5, 0.75, 1, 1.5, 2, 3, 4];

function resizeCase(
  random: Random,
  shape: [number, number, number, number],
  options: Parameters<typeof resize2dParams>[1],
): ParityCase {
  const params: Resize2DParams = resize2dParams(shape, options);
  const input = randomArray(
    random,
    shape.reduce((product, extent) => product * extent, 1),
  );
  const dOut = randomArray(random, params.batch * params.outH * params.outW * params.inC);
  return {
    name:
      `Resize2D + Resize2DBackprop ${shape.join('x')} -> ${params.outH}x${params.outW} ${params.mode} ` +
      `${params.coordinates} ${params.nearestRounding}`,
    // f32 blends of 4 taps against float64 ones; the scatter sums up to (4 + 1)^2 contributions.
    tolerance: { atol: 1e-5, rtol: 1e-5 },
    run: (k: KernelSignatures) => {
      const output = new Float32Array(params.batch * params.outH * params.outW * params.inC);
      const dInput = new Float32Array(input.length);
      k.Resize2D(input, output, params);
      k.Resize2DBackprop(dOut, dInput, params);
      return [output, dInput];
    },
  };
}

function randomCase(random: Random): ParityCase {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random.uniform() * values.length)]!;
  const extent = () => 1 + Math.floor(random.uniform() * 11);
  const shape: [number, number, number, number] = [
    1 + Math.floor(random.uniform() * 3),
    extent(),
    extent(),
    1 + Math.floor(random.uniform() * 13),
  ];
  const mode = pick(['nearest', 'bilinear'] as const);
  const coordinates = pick(RESIZE_COORDINATES);
  const nearestRounding = pick(NEAREST_ROUNDINGS);
  const bySize = random.uniform() < 0.5;
  const scale: [number, number] = [pick(SCALES), pick(SCALES)];
  if (!bySize && (Math.floor(shape[1] * scale[0]) < 1 || Math.floor(shape[2] * scale[1]) < 1)) scale.fill(2);
  return resizeCase(
    random,
    shape,
    bySize
      ? { mode, coordinates, nearestRounding, size: [extent(), extent()] }
      : { mode, coordinates, nearestRounding, scale },
  );
}

describe('Resize2D kernels', () => {
  const random = new Random(1470);
  describeBuildParity(
    'resize (nearest and bilinear) and its gradient',
    Array.from({ length: 60 }, () => randomCase(random)),
  );
  describeThreadDeterminism('resize', [
    resizeCase(new Random(1471), [2, 16, 16, 21], { mode: 'bilinear', size: [64, 64] }),
    resizeCase(new Random(1472), [2, 32, 32, 21], { scale: 2 }),
  ]);
});
