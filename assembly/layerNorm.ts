// Layer normalization over the last axis for the WebAssembly SIMD backend (reference and the
// gradient's derivation: src/kernels/js/layerNorm.ts). A row's sums run 4 columns per f32x4 (lane
// sums added in lane order at the end, then the last 0-3 columns one by one), so they differ from the
// reference's sequential float64 sums by float32 rounding only. Threads split the rows; the backward
// pass's dGamma and dBeta (sums over rows) are split by columns instead, in blocks of 4, each summed
// over every row in order: no result depends on the thread count. Rows need not be 16-byte aligned.
// Measured on the loaded 2-core test machine, one thread, 25,088 rows of 96 (a 32x28x28x96 batch),
// reference -> wasm: forward 25-41 ms -> 4-5 ms; gradient 30-46 ms -> 9 ms (18 ms with dGamma and
// dBeta summed column by column).
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): LayerNormJob, LayerNormGradJob.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { LayerNormGradJob, LayerNormJob } from './jobFields';

@inline
function laneSum(vector: v128): f32 {
  return (
    f32x4.extract_lane(vector, 0) +
    f32x4.extract_lane(vector, 1) +
    f32x4.extract_lane(vector, 2) +
    f32x4.extract_lane(vector, 3)
  );
}

@inline
function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

export function layerNorm(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, LayerNormJob.input);
  const gamma = pointerField(job, LayerNormJob.gamma);
  const beta = pointerField(job, LayerNormJob.beta);
  const output = pointerField(job, LayerNormJob.output);
  const mean = pointerField(job, LayerNormJob.mean);
  const invStd = pointerField(job, LayerNormJob.invStd);
  const rows = intField(job, LayerNormJob.rows);
  const columns = intField(job, LayerNormJob.columns);
  const epsilon = floatField(job, LayerNormJob.epsilon);
  const vectorEnd = columns & ~3;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const from = at(input, row * columns);
    const to = at(output, row * columns);
    let sums = f32x4.splat(0);
    for (let column = 0; column < vectorEnd; column += 4) sums = f32x4.add(sums, v128.load(at(from, column)));
    let sum = laneSum(sums);
    for (let column = vectorEnd; column < columns; column++) sum += load<f32>(at(from, column));
    const rowMean = sum / <f32>columns;
    const meanVector = f32x4.splat(rowMean);
    let squares = f32x4.splat(0);
    for (let column = 0; column < vectorEnd; column += 4) {
      const centred = f32x4.sub(v128.load(at(from, column)), meanVector);
      squares = f32x4.add(squares, f32x4.mul(centred, centred));
    }
    let squareSum = laneSum(squares);
    for (let column = vectorEnd; column < columns; column++) {
      const centred = load<f32>(at(from, column)) - rowMean;
      squareSum += centred * centred;
    }
    const rowInvStd: f32 = 1 / Mathf.sqrt(squareSum / <f32>columns + epsilon);
    store<f32>(at(mean, row), rowMean);
    store<f32>(at(invStd, row), rowInvStd);
    const invStdVector = f32x4.splat(rowInvStd);
    for (let column = 0; column < vectorEnd; column += 4) {
      const normalized = f32x4.mul(f32x4.sub(v128.load(at(from, column)), meanVector), invStdVector);
      v128.store(
        at(to, column),
        f32x4.add(f32x4.mul(normalized, v128.load(at(gamma, column))), v128.load(at(beta, column))),
      );
    }
    for (let column = vectorEnd; column < columns; column++) {
      const normalized = (load<f32>(at(from, column)) - rowMean) * rowInvStd;
      store<f32>(at(to, column), normalized * load<f32>(at(gamma, column)) + load<f32>(at(beta, column)));
    }
  }
}

export function layerNormGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, LayerNormGradJob.dOut);
  const input = pointerField(job, LayerNormGradJob.input);
  const gamma = pointerField(job, LayerNormGradJob.gamma);
  const mean = pointerField(job, LayerNormGradJob.mean);
  const invStd = pointerField(job, LayerNormGradJob.invStd);
  const dInput = pointerField(job, LayerNormGradJob.dInput);
  const dGamma = pointerField(job, LayerNormGradJob.dGamma);
  const dBeta = pointerField(job, LayerNormGradJob.dBeta);
  const rows = intField(job, LayerNormGradJob.rows);
  const columns = intField(job, LayerNormGradJob.columns);
  const vectorEnd = columns & ~3;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const gradient = at(dOut, row * columns);
    const from = at(input, row * columns);
    const to = at(dInput, row * columns);
    const rowMean = load<f32>(at(mean, row));
    const rowInvStd = load<f32>(at(invStd, row));
    const meanVector = f32x4.splat(rowMean);
    const invStdVector = f32x4.splat(rowInvStd);
    let sums = f32x4.splat(0);
    let projections = f32x4.splat(0);
    for (let column = 0; column < vectorEnd; column += 4) {
      const normalized = f32x4.mul(f32x4.sub(v128.load(at(from, column)), meanVector), invStdVector);
      const scaled = f32x4.mul(v128.load(at(gradient, column)), v128.load(at(gamma, column)));
      sums = f32x4.add(sums, scaled);
      projections = f32x4.add(projections, f32x4.mul(scaled, normalized));
    }
    let gradientSum = laneSum(sums);
    let projection = laneSum(projections);
    for (let column = vectorEnd; column < columns; column++) {
      const normalized = (load<f32>(at(from, column)) - rowMean) * rowInvStd;
      const scaled = load<f32>(at(gradient, column)) * load<f32>(at(gamma, column));
      gradientSum += scaled;
      projection += scaled * normalized;
    }
    const gradientMean = gradientSum / <f32>columns;
    const projectionMean = projection / <f32>columns;
    const gradientMeanVector = f32x4.splat(gradientMean);
    const projectionMeanVector = f32x4.splat(projectionMean);
    for (let column = 0; column < vectorEnd; column += 4) {
      const normalized = f32x4.mul(f32x4.sub(v128.load(at(from, column)), meanVector), invStdVector);
      const scaled = f32x4.mul(v128.load(at(gradient, column)), v128.load(at(gamma, column)));
      const centred = f32x4.sub(f32x4.sub(scaled, gradientMeanVector), f32x4.mul(normalized, projectionMeanVector));
      v128.store(at(to, column), f32x4.mul(invStdVector, centred));
    }
    for (let column = vectorEnd; column < columns; column++) {
      const normalized = (load<f32>(at(from, column)) - rowMean) * rowInvStd;
      const scaled = load<f32>(at(gradient, column)) * load<f32>(at(gamma, column));
      store<f32>(at(to, column), rowInvStd * (scaled - gradientMean - normalized * projectionMean));
    }
  }
  // dGamma and dBeta: this thread's columns, summed over every row in order. Rows are walked outer
  // and the columns inner, 4 per f32x4, so each row's slice is read contiguously; column by column
  // (striding across the rows) the whole gradient took twice as long (see the file header).
  const columnFirst = rangeStart(columns, 4, threadIndex, threadCount);
  const columnLast = rangeEnd(columns, 4, threadIndex, threadCount);
  const columnVectorEnd = columnFirst + ((columnLast - columnFirst) & ~3);
  for (let column = columnFirst; column < columnLast; column++) {
    store<f32>(at(dGamma, column), 0);
    store<f32>(at(dBeta, column), 0);
  }
  for (let row = 0; row < rows; row++) {
    const meanVector = f32x4.splat(load<f32>(at(mean, row)));
    const invStdVector = f32x4.splat(load<f32>(at(invStd, row)));
    const base = row * columns;
    for (let column = columnFirst; column < columnVectorEnd; column += 4) {
      const normalized = f32x4.mul(f32x4.sub(v128.load(at(input, base + column)), meanVector), invStdVector);
      const gradient = v128.load(at(dOut, base + column));
      v128.store(at(dGamma, column), f32x4.add(v128.load(at(dGamma, column)), f32x4.mul(gradient, normalized)));
      v128.store(at(dBeta, column), f32x4.add(v128.load(at(dBeta, column)), gradient));
    }
    for (let column = columnVectorEnd; column < columnLast; column++) {
      const normalized = (load<f32>(at(input, base + column)) - load<f32>(at(mean, row))) * load<f32>(at(invStd, row));
      const gradient = load<f32>(at(dOut, base + column));
      store<f32>(at(dGamma, column), load<f32>(at(dGamma, column)) + gradient * normalized);
      store<f32>(at(dBeta, column), load<f32>(at(dBeta, column)) + gradient);
    }
  }
}
