// The output stage a convolution (or GEMM) applies to its results while they are still in cache:
// + bias, + residual, then an activation, in that order, with the formulas of the standalone kernels
// (activations.ts, elementwise.ts) so that a fused network gives what the unfused one gives.
// Every value goes through the same f32x4 sequence, tails included (a lone value rides in lane 0), so
// results never depend on where a value sits or how the work is split over threads.
//
// Job fields of the kernels that take an epilogue (after their own fields, which end at 24):
//   25 residual pointer (0: none; same layout as the output), 26 activation code (below),
//   27 alpha (f32), 28 beta (f32): clip min / max, leaky ReLU alpha, hard sigmoid / swish alpha / beta.
//   A clip is ACTIVATION_CLIP where min <= max (as f32) and ACTIVATION_CLIP_REVERSED otherwise.

import {
  hardGateVector,
  sigmoidBiasedInPlace,
  sigmoidInPlace,
  sigmoidVector,
  siluBiasedInPlace,
  siluInPlace,
} from './activations';

export const ACTIVATION_NONE: i32 = 0;
export const ACTIVATION_RELU: i32 = 1;
export const ACTIVATION_CLIP: i32 = 2;
export const ACTIVATION_SIGMOID: i32 = 3;
export const ACTIVATION_SILU: i32 = 4;
export const ACTIVATION_LEAKY_RELU: i32 = 5;
export const ACTIVATION_HARD_SIGMOID: i32 = 6;
export const ACTIVATION_HARD_SWISH: i32 = 7;
/** A clip whose min (alpha) exceeds its max (beta): the reference's comparisons (activateVector). */
export const ACTIVATION_CLIP_REVERSED: i32 = 8;

/** The epilogue fields 25-28 of a job record, read in place (an unmanaged overlay). */
@unmanaged
export class Epilogue {
  residual: usize;
  activation: i32;
  alpha: f32;
  beta: f32;
}

@inline
export function epilogueOf(job: usize): Epilogue {
  return changetype<Epilogue>(job + 100);
}

/** Whether the epilogue does anything beyond the bias (which callers add with the sums). */
@inline
export function hasEpilogue(epilogue: Epilogue): bool {
  return epilogue.residual != 0 || epilogue.activation != ACTIVATION_NONE;
}

/**
 * The activation `code` of four values. ReLU is max(x, 0) as the convolution kernels always fused it
 * (NaN stays NaN). A clip with min (alpha) <= max (beta) is pmax(pmin(x, beta), alpha): two instructions (minps,
 * maxps) against two comparisons and two bit selects (six on x64 without AVX-512). pmin(x, beta) is
 * beta < x ? beta : x and pmax(y, alpha) is y < alpha ? alpha : y, so with alpha <= beta it is the reference's
 * x < alpha ? alpha : x > beta ? beta : x for every x, NaN and signed zeros included (x > beta >= alpha gives beta,
 * which stays). A reversed clip (ACTIVATION_CLIP_REVERSED) keeps the reference's comparisons. MobileNetV2 at batch
 * 1, 2 threads (bench/profileInference.ts, three rounds in turn), in the prepared GEMM's registers: 1x1 112x112x16
 * -> 96 0.53-0.57 -> 0.48 ms, 56x56x24 -> 144 (2 calls) 0.51-0.55 -> 0.48 ms.
 */
@inline
export function activateVector(code: i32, x: v128, alpha: v128, beta: v128): v128 {
  // NOTE: a switch, not a chain of `if (code == ...) return`: Binaryen turns that chain into br_ifs
  // whose values are all computed before the test, so every vector paid for the sigmoid (an exp and
  // a division) twice whatever the code (seen in the compiled depthwise kernel).
  switch (code) {
    case ACTIVATION_RELU:
      return f32x4.max(x, f32x4.splat(0));
    case ACTIVATION_CLIP:
      return f32x4.pmax(f32x4.pmin(x, beta), alpha);
    case ACTIVATION_CLIP_REVERSED:
      return v128.bitselect(alpha, v128.bitselect(beta, x, f32x4.gt(x, beta)), f32x4.lt(x, alpha));
    case ACTIVATION_SIGMOID:
      return sigmoidVector(x);
    case ACTIVATION_SILU:
      return f32x4.mul(x, sigmoidVector(x));
    case ACTIVATION_LEAKY_RELU:
      return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, f32x4.splat(0)));
    case ACTIVATION_HARD_SIGMOID:
      return hardGateVector(x, alpha, beta);
    case ACTIVATION_HARD_SWISH:
      return f32x4.mul(x, hardGateVector(x, alpha, beta));
    default:
      return x;
  }
}

/**
 * Whether an activation is a comparison or two (none, ReLU, clip with min <= max): cheap enough for a GEMM to apply
 * in its registers.
 */
@inline
export function isRegisterActivation(code: i32): bool {
  return code == ACTIVATION_NONE || code == ACTIVATION_RELU || code == ACTIVATION_CLIP;
}

/** activateVector for the codes of isRegisterActivation (the same formulas). */
@inline
export function activateRegisterVector(code: i32, x: v128, alpha: v128, beta: v128): v128 {
  switch (code) {
    case ACTIVATION_RELU:
      return f32x4.max(x, f32x4.splat(0));
    case ACTIVATION_CLIP:
      return f32x4.pmax(f32x4.pmin(x, beta), alpha);
    default:
      return x;
  }
}

/** finishRow's whole vectors, channels [0, vectorEnd). */
function finishRowVectors(
  row: usize,
  bias: usize,
  residualRow: usize,
  vectorEnd: i32,
  code: i32,
  alphas: v128,
  betas: v128,
): void {
  for (let c = 0; c < vectorEnd; c += 4) {
    const at = (<usize>c) << 2;
    let value = v128.load(row + at);
    if (bias != 0) value = f32x4.add(value, v128.load(bias + at));
    if (residualRow != 0) value = f32x4.add(value, v128.load(residualRow + at));
    v128.store(row + at, activateVector(code, value, alphas, betas));
  }
}

/**
 * finishRowVectors for the sigmoid and SiLU: bias and residual first (a bias alone inside the activation's loop),
 * then activations.ts's own four-vector loop (same formulas, so the same bits). One thread, min of 20, prepared 1x1 with SiLU:
 * 112x112x16 -> 96 3.95 -> 3.26 ms, 14x14x112 -> 672 0.94 -> 0.82 ms. The SiLU remains the costly
 * part (1.5 ms of those 3.26; the standalone Silu kernel: 2.2 ms for the same 1.2M values).
 */
function finishRowSigmoid(row: usize, bias: usize, residualRow: usize, vectorEnd: i32, isSilu: bool): void {
  // A bias alone (every folded convolution without a residual: EfficientNet-B0's expansions) is added in the
  // activation's loop, not in a pass of its own: the same sums, so the same bits. One thread, CPU time, batch 1,
  // medians of 12 runs alternated with the unchanged build and a copy of it: all kernels 28.4 -> 27.2 ms (the copy
  // 27.9); 112x112x16>96 s2 2.73 -> 2.46 ms (the copy 2.66), 56x56x24>144 k5 s2 1.38 -> 1.24 (1.38).
  if (bias != 0 && residualRow == 0) {
    if (isSilu) siluBiasedInPlace(row, bias, vectorEnd);
    else sigmoidBiasedInPlace(row, bias, vectorEnd);
    return;
  }
  if (bias != 0 || residualRow != 0) {
    for (let c = 0; c < vectorEnd; c += 4) {
      const at = (<usize>c) << 2;
      let value = v128.load(row + at);
      if (bias != 0) value = f32x4.add(value, v128.load(bias + at));
      if (residualRow != 0) value = f32x4.add(value, v128.load(residualRow + at));
      v128.store(row + at, value);
    }
  }
  if (isSilu) siluInPlace(row, vectorEnd);
  else sigmoidInPlace(row, vectorEnd);
}

/**
 * Finishes `count` channels of one output row in place: row[c] = activation(row[c] + bias[c] +
 * residualRow[c]); bias and residualRow may be 0 (absent).
 */
export function finishRow(
  row: usize,
  bias: usize,
  residualRow: usize,
  count: i32,
  code: i32,
  alpha: f32,
  beta: f32,
): void {
  const alphas = f32x4.splat(alpha);
  const betas = f32x4.splat(beta);
  const vectorEnd = count & ~3;
  if (code == ACTIVATION_SILU || code == ACTIVATION_SIGMOID) {
    finishRowSigmoid(row, bias, residualRow, vectorEnd, code == ACTIVATION_SILU);
  } else {
    finishRowVectors(row, bias, residualRow, vectorEnd, code, alphas, betas);
  }
  for (let c = vectorEnd; c < count; c++) {
    const at = (<usize>c) << 2;
    let value = f32x4.splat(load<f32>(row + at));
    if (bias != 0) value = f32x4.add(value, f32x4.splat(load<f32>(bias + at)));
    if (residualRow != 0) value = f32x4.add(value, f32x4.splat(load<f32>(residualRow + at)));
    store<f32>(row + at, f32x4.extract_lane(activateVector(code, value, alphas, betas), 0));
  }
}

/** The epilogue of a job for `rows` whole rows of `channels` values starting at output row `firstRow`. */
export function finishRows(job: usize, output: usize, bias: usize, firstRow: i32, rows: i32, channels: i32): void {
  const epilogue = epilogueOf(job);
  const code = epilogue.activation;
  const rowBytes = (<usize>channels) << 2;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>(firstRow + r) * rowBytes;
    finishRow(
      output + offset,
      bias,
      epilogue.residual != 0 ? epilogue.residual + offset : 0,
      channels,
      code,
      epilogue.alpha,
      epilogue.beta,
    );
  }
}

/**
 * The epilogue of a job for channels [columnStart, columnEnd) of `rows` rows of `channels` values
 * starting at output row `firstRow`. columnStart is a multiple of 4, so each value goes through the
 * same lanes as under finishRows (a thread that owns a column range finishes just its own).
 */
export function finishColumns(
  job: usize,
  output: usize,
  bias: usize,
  firstRow: i32,
  rows: i32,
  channels: i32,
  columnStart: i32,
  columnEnd: i32,
): void {
  const epilogue = epilogueOf(job);
  const code = epilogue.activation;
  const rowBytes = (<usize>channels) << 2;
  const columnOffset = (<usize>columnStart) << 2;
  const columnBias = bias != 0 ? bias + columnOffset : 0;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>(firstRow + r) * rowBytes + columnOffset;
    finishRow(
      output + offset,
      columnBias,
      epilogue.residual != 0 ? epilogue.residual + offset : 0,
      columnEnd - columnStart,
      code,
      epilogue.alpha,
      epilogue.beta,
    );
  }
}
