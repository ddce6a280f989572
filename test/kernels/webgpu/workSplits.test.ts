// How the WGSL kernels spread work over the GPU, counted in Node (no WebGPU needed): MatMul's split-K
// (workgroups dispatched, the longest serial loop of an invocation) and conv2dAlgorithm's choice by how
// full the implicit GEMM's tiles are. The kernels' values are checked in test/browser/webgpuKernels.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Conv2DParams } from '../../../src/kernels/params.js';
import { conv2dAlgorithm, gemmTileShare } from '../../../src/kernels/webgpu/conv2d.js';
import { matMulPlan, splitDepth } from '../../../src/kernels/webgpu/matMul.js';

/** Workgroups dispatched and 16-deep steps of the longest serial loop, split or not. */
function counts(m: number, k: number, n: number): { workgroups: number; steps: number } {
  const { chunk, grid } = matMulPlan({ m, k, n, transposeA: false, transposeB: false });
  return { workgroups: grid[0] * grid[1] * grid[2], steps: Math.ceil(Math.min(chunk, k) / 16) };
}

test("MatMul with few rows splits its sum: W1's Dense 3136 -> 128 at batch 1 runs 26 workgroups of 16 steps", () => {
  // Unsplit it was 2 workgroups (128 columns in 2 tiles of 64), each running all 196 steps of 16.
  assert.deepEqual(counts(1, 3136, 128), { workgroups: 26, steps: 16 });
  assert.deepEqual(counts(8, 3136, 128), { workgroups: 26, steps: 16 });
  // digits-cnn's Dense 1568 -> 64 at batch 64: 1 tile, 7 splits of 224 (14 steps) instead of 98 steps.
  assert.deepEqual(counts(64, 1568, 64), { workgroups: 7, steps: 14 });
  assert.deepEqual(matMulPlan({ m: 64, k: 1568, n: 64, transposeA: false, transposeB: false }).grid, [1, 1, 7]);
});

test('MatMul of many tiles or a short sum takes one split, its depth whole', () => {
  assert.deepEqual(matMulPlan({ m: 1024, k: 4096, n: 1024, transposeA: false, transposeB: false }), {
    chunk: 4096,
    grid: [16, 16, 1],
  });
  assert.deepEqual(counts(4, 100, 9), { workgroups: 1, steps: 7 });
  assert.equal(splitDepth(256, 1), 1);
  assert.equal(splitDepth(257, 1), 2);
  assert.equal(splitDepth(1_000_000, 1), 256);
  assert.equal(splitDepth(1_000_000, 256), 1);
  assert.deepEqual(matMulPlan({ m: 3, k: 0, n: 5, transposeA: false, transposeB: false }), {
    chunk: 0,
    grid: [1, 1, 1],
  });
});

test('the last split ends inside a 16-deep step; the splits cover the depth once', () => {
  for (const [m, k, n] of [
    [1, 3136, 128],
    [2, 2049, 3],
    [5, 777, 10],
  ] as const) {
    const { chunk, grid } = matMulPlan({ m, k, n, transposeA: false, transposeB: false });
    assert.equal(chunk % 16, 0);
    assert.ok((grid[2] - 1) * chunk < k && grid[2] * chunk >= k, `${m}x${k}x${n}: ${grid[2]} splits of ${chunk}`);
  }
});

function conv(batch: number, size: number, inC: number, outC: number): Conv2DParams {
  return {
    batch,
    inH: size,
    inW: size,
    inC,
    outH: size,
    outW: size,
    outC,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
  };
}

test('gemmTileShare: the share of a 64 x 64 x 16 tiled product that is not padding', () => {
  assert.equal(gemmTileShare(128, 64, 32), 1);
  assert.equal(gemmTileShare(64 * 784, 16, 9), 0.25 * (9 / 16));
  assert.equal(gemmTileShare(9, 16, 16), (9 / 64) * 0.25);
  assert.equal(gemmTileShare(100, 50, 20), (100 / 128) * (50 / 64) * (20 / 32));
});

test("conv2dAlgorithm: digits-cnn's narrow passes take the direct loop, the fuller tiles the implicit GEMM", () => {
  const first = conv(64, 28, 1, 16);
  const second = conv(64, 14, 16, 32);
  // First layer: 9 taps of 1 channel and 16 filters fill 14% of the forward tiles, 3.5% of the filter gradient's.
  assert.equal(conv2dAlgorithm(first), 'direct');
  assert.equal(conv2dAlgorithm(first, 'backpropFilter'), 'direct');
  // Second layer: forward 32 of 64 columns (half: GEMM); the input gradient's 16 channels fill a quarter.
  assert.equal(conv2dAlgorithm(second), 'implicitGemm');
  assert.equal(conv2dAlgorithm(second, 'backpropInput'), 'direct');
  // Its filter gradient: 144 of 192 rows times 32 of 64 columns, 37.5%, past the quarter a filter gradient needs.
  assert.equal(conv2dAlgorithm(second, 'backpropFilter'), 'implicitGemm');
  // mnist-cnn's second layer (32 -> 64 channels) fills its tiles in every pass.
  const wide = conv(64, 14, 32, 64);
  for (const pass of ['forward', 'backpropInput', 'backpropFilter'] as const)
    assert.equal(conv2dAlgorithm(wide, pass), 'implicitGemm', pass);
  // A grouped convolution takes the direct loop whatever its tiles.
  assert.equal(conv2dAlgorithm({ ...wide, groups: 2 }), 'direct');
});
