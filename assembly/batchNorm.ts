// Batch normalization kernels of the WebAssembly SIMD backend (references and formulas:
// src/kernels/js/batchNorm.ts), over a [rows, columns] matrix, columns being channels. Statistics
// and gradients split the columns over threads in blocks of 4 and sum in f64 (a batch of 64 32x32
// maps is 65,536 rows); normalizing splits the rows.
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): BatchNormStatsJob, BatchNormJob,
// BatchNormGradJob.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { BatchNormGradJob, BatchNormJob, BatchNormStatsJob } from './jobFields';

@inline
function lowHalf(value: v128): v128 {
  return f64x2.promote_low_f32x4(value);
}

@inline
function highHalf(value: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(value, value, 2, 3, 0, 1));
}

@inline
function toF32x4(low: v128, high: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5);
}

export function batchNormStats(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, BatchNormStatsJob.input);
  const mean = pointerField(job, BatchNormStatsJob.mean);
  const variance = pointerField(job, BatchNormStatsJob.variance);
  const rows = intField(job, BatchNormStatsJob.rows);
  const columns = intField(job, BatchNormStatsJob.columns);
  const first = rangeStart(columns, 4, threadIndex, threadCount);
  const last = rangeEnd(columns, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const stride = (<usize>columns) << 2;
  const count = f64x2.splat(<f64>rows);
  for (let column = first; column < vectorEnd; column += 4) {
    const start = input + ((<usize>column) << 2);
    let sumLow = f64x2.splat(0);
    let sumHigh = f64x2.splat(0);
    for (let row = 0, at = start; row < rows; row++, at += stride) {
      const value = v128.load(at);
      sumLow = f64x2.add(sumLow, lowHalf(value));
      sumHigh = f64x2.add(sumHigh, highHalf(value));
    }
    const meanLow = f64x2.div(sumLow, count);
    const meanHigh = f64x2.div(sumHigh, count);
    let squaresLow = f64x2.splat(0);
    let squaresHigh = f64x2.splat(0);
    for (let row = 0, at = start; row < rows; row++, at += stride) {
      const value = v128.load(at);
      const centeredLow = f64x2.sub(lowHalf(value), meanLow);
      const centeredHigh = f64x2.sub(highHalf(value), meanHigh);
      squaresLow = f64x2.add(squaresLow, f64x2.mul(centeredLow, centeredLow));
      squaresHigh = f64x2.add(squaresHigh, f64x2.mul(centeredHigh, centeredHigh));
    }
    v128.store(mean + ((<usize>column) << 2), toF32x4(meanLow, meanHigh));
    v128.store(variance + ((<usize>column) << 2), toF32x4(f64x2.div(squaresLow, count), f64x2.div(squaresHigh, count)));
  }
  for (let column = vectorEnd; column < last; column++) {
    const start = input + ((<usize>column) << 2);
    let sum: f64 = 0;
    for (let row = 0, at = start; row < rows; row++, at += stride) sum += <f64>load<f32>(at);
    const columnMean = sum / <f64>rows;
    let squares: f64 = 0;
    for (let row = 0, at = start; row < rows; row++, at += stride) {
      const centered = <f64>load<f32>(at) - columnMean;
      squares += centered * centered;
    }
    store<f32>(mean + ((<usize>column) << 2), <f32>columnMean);
    store<f32>(variance + ((<usize>column) << 2), <f32>(squares / <f64>rows));
  }
}

export function batchNorm(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, BatchNormJob.input);
  const scale = pointerField(job, BatchNormJob.scale);
  const shift = pointerField(job, BatchNormJob.shift);
  const output = pointerField(job, BatchNormJob.output);
  const rows = intField(job, BatchNormJob.rows);
  const columns = intField(job, BatchNormJob.columns);
  const vectorEnd = columns & ~3;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const base = (<usize>row * <usize>columns) << 2;
    for (let column = 0; column < vectorEnd; column += 4) {
      const at = (<usize>column) << 2;
      v128.store(
        output + base + at,
        f32x4.add(f32x4.mul(v128.load(input + base + at), v128.load(scale + at)), v128.load(shift + at)),
      );
    }
    for (let column = vectorEnd; column < columns; column++) {
      const at = (<usize>column) << 2;
      store<f32>(output + base + at, load<f32>(input + base + at) * load<f32>(scale + at) + load<f32>(shift + at));
    }
  }
}

export function batchNormGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, BatchNormGradJob.dOut);
  const input = pointerField(job, BatchNormGradJob.input);
  const mean = pointerField(job, BatchNormGradJob.mean);
  const variance = pointerField(job, BatchNormGradJob.variance);
  const gamma = pointerField(job, BatchNormGradJob.gamma);
  const dInput = pointerField(job, BatchNormGradJob.dInput);
  const dGamma = pointerField(job, BatchNormGradJob.dGamma);
  const dBeta = pointerField(job, BatchNormGradJob.dBeta);
  const rows = intField(job, BatchNormGradJob.rows);
  const columns = intField(job, BatchNormGradJob.columns);
  const epsilon = floatField(job, BatchNormGradJob.epsilon);
  const isThroughStatistics = intField(job, BatchNormGradJob.isThroughStatistics) != 0;
  const first = rangeStart(columns, 4, threadIndex, threadCount);
  const last = rangeEnd(columns, 4, threadIndex, threadCount);
  const stride = (<usize>columns) << 2;
  // One column at a time keeps the code short; these kernels cost a few percent of a conv layer.
  for (let column = first; column < last; column++) {
    const offset = (<usize>column) << 2;
    const inverseStd: f64 = 1 / Math.sqrt(<f64>load<f32>(variance + offset) + <f64>epsilon);
    const columnMean = <f64>load<f32>(mean + offset);
    let sumDy: f64 = 0;
    let sumDyXhat: f64 = 0;
    for (let row = 0, at = offset; row < rows; row++, at += stride) {
      const dy = <f64>load<f32>(dOut + at);
      sumDy += dy;
      sumDyXhat += dy * (<f64>load<f32>(input + at) - columnMean) * inverseStd;
    }
    store<f32>(dBeta + offset, <f32>sumDy);
    store<f32>(dGamma + offset, <f32>sumDyXhat);
    const factor = <f64>load<f32>(gamma + offset) * inverseStd;
    const meanDy = isThroughStatistics ? sumDy / <f64>rows : 0;
    const meanDyXhat = isThroughStatistics ? sumDyXhat / <f64>rows : 0;
    for (let row = 0, at = offset; row < rows; row++, at += stride) {
      const xhat = (<f64>load<f32>(input + at) - columnMean) * inverseStd;
      store<f32>(dInput + at, <f32>(factor * (<f64>load<f32>(dOut + at) - meanDy - xhat * meanDyXhat)));
    }
  }
}
