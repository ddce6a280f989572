// Arithmetic with numpy broadcasting and its gradient's sum, for the WebAssembly SIMD backend
// (reference: src/kernels/js/broadcast.ts). The op folds shapes into 6 axes whose last axis has
// stride 1 or 0 in each operand: a "row" is that last axis, run 4 lanes at a time with a vector load
// (stride 1) or a splat (stride 0), then its last 0-3 values one by one. Rows need not be 16-byte
// aligned (a row of C = 3 channels starts anywhere): v128.load takes any address.
// Each result is one f32 add, subtract, multiply or divide of two f32 numbers, as the reference's
// float64 operation rounded once to f32: the two agree bit for bit. Minimum and maximum are exact
// (f32x4.min and max return NaN where either operand is NaN, as the reference does); the selection
// weight (1, 1/2 or 0 from a > b and a == b) is built from the comparison masks.
// Threads split the rows (or, for a single row, its values in blocks of 4). ReduceSumTo adds in the
// reference's order, so it too agrees bit for bit: threads split the output's columns where rows add
// into rows (a gate's gradient), and one thread runs where each row sums to one value.
// Measured on the loaded 2-core test machine, one thread, a 32x28x28x96 map and its [32, 1, 1, 96]
// gate (2.4M values), reference -> wasm: the gated product 138-182 ms -> 4-7 ms; the gate's gradient
// sum 76-136 ms -> 2-2.5 ms (the reference walks 6 axes per value).
//
// Job records: BroadcastArithmeticJob and ReduceSumToJob (jobFields.ts); each axis's extent and strides are
// consecutive fields (shape0 .. shape5), which rowOffset walks from the first.

import { intField, pointerField, rangeEnd, rangeStart } from './job';
import { BroadcastArithmeticJob, ReduceSumToJob } from './jobFields';

const RANK = 6;
const ADD: i32 = 0;
const SUBTRACT: i32 = 1;
const MULTIPLY: i32 = 2;
const DIVIDE: i32 = 3;
const MINIMUM: i32 = 4;
const MAXIMUM: i32 = 5;
const SELECTION_WEIGHT: i32 = 6;

/**
 * A switch, not early returns: Binaryen turns those into br_ifs that compute every operation first (see productRow).
 */
@inline
function applyVector(operation: i32, left: v128, right: v128): v128 {
  switch (operation) {
    case ADD:
      return f32x4.add(left, right);
    case SUBTRACT:
      return f32x4.sub(left, right);
    case MULTIPLY:
      return f32x4.mul(left, right);
    case DIVIDE:
      return f32x4.div(left, right);
    case MINIMUM:
      return f32x4.min(left, right);
    case MAXIMUM:
      return f32x4.max(left, right);
    default:
      return v128.or(
        v128.and(f32x4.gt(left, right), f32x4.splat(1)),
        v128.and(f32x4.eq(left, right), f32x4.splat(0.5)),
      );
  }
}

@inline
function applyScalar(operation: i32, left: f32, right: f32): f32 {
  if (operation == ADD) return left + right;
  if (operation == SUBTRACT) return left - right;
  if (operation == MULTIPLY) return left * right;
  if (operation == DIVIDE) return left / right;
  if (operation == MINIMUM) return left != left || right != right ? NaN : Mathf.min(left, right);
  if (operation == MAXIMUM) return left != left || right != right ? NaN : Mathf.max(left, right);
  return left > right ? 1 : left == right ? 0.5 : 0;
}

/**
 * `count` values of one row: a and b step by aStep and bStep values (each 1 or 0), output by 1.
 * Called with constant operation and steps, so each combination compiles to its own branch-free loop.
 */
@inline
function row(operation: i32, aStep: i32, bStep: i32, a: usize, b: usize, output: usize, count: i32): void {
  const vectorEnd = count & ~3;
  const aSplat = f32x4.splat(load<f32>(a));
  const bSplat = f32x4.splat(load<f32>(b));
  for (let index = 0; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const left = aStep == 0 ? aSplat : v128.load(a + at);
    const right = bStep == 0 ? bSplat : v128.load(b + at);
    v128.store(output + at, applyVector(operation, left, right));
  }
  for (let index = vectorEnd; index < count; index++) {
    const left = load<f32>(a + ((<usize>(index * aStep)) << 2));
    const right = load<f32>(b + ((<usize>(index * bStep)) << 2));
    store<f32>(output + ((<usize>index) << 2), applyScalar(operation, left, right));
  }
}

@inline
function rowOf(operation: i32, aStep: i32, bStep: i32, a: usize, b: usize, output: usize, count: i32): void {
  if (aStep == 1 && bStep == 1) row(operation, 1, 1, a, b, output, count);
  else if (bStep == 0) row(operation, 1, 0, a, b, output, count);
  else row(operation, 0, 1, a, b, output, count);
}

function anyRow(operation: i32, aStep: i32, bStep: i32, a: usize, b: usize, output: usize, count: i32): void {
  if (operation == MULTIPLY && aStep == 1) {
    productRow(bStep, a, b, output, count);
    return;
  }
  if (operation == ADD) rowOf(ADD, aStep, bStep, a, b, output, count);
  else if (operation == SUBTRACT) rowOf(SUBTRACT, aStep, bStep, a, b, output, count);
  else if (operation == MULTIPLY) rowOf(MULTIPLY, aStep, bStep, a, b, output, count);
  else if (operation == DIVIDE) rowOf(DIVIDE, aStep, bStep, a, b, output, count);
  else if (operation == MINIMUM) rowOf(MINIMUM, aStep, bStep, a, b, output, count);
  else if (operation == MAXIMUM) rowOf(MAXIMUM, aStep, bStep, a, b, output, count);
  else rowOf(SELECTION_WEIGHT, aStep, bStep, a, b, output, count);
}

/**
 * a * b for `count` values, a stepping by 1 and b by bStep (1, or 0: one value for the row): the
 * gates of squeeze-and-excitation blocks ([N, H, W, C] * [N, 1, 1, C]) and spatial masks. NOTE: its
 * own loop, two vectors a step, because Binaryen folds the per-operation loops of anyRow into one
 * loop that dispatches on the operation for every vector (before applyVector became a switch, it
 * even computed add and subtract first). One thread, gate over a same-shape Multiply: 14x14x672
 * 2.1x -> 1.3x (1.9x with the switch alone), 112x112x32 (short rows) 7x -> 2.1x.
 */
function productRow(bStep: i32, a: usize, b: usize, output: usize, count: i32): void {
  const bSplat = f32x4.splat(load<f32>(b));
  let index = 0;
  for (; index + 8 <= count; index += 8) {
    const at = (<usize>index) << 2;
    const right0 = bStep == 0 ? bSplat : v128.load(b + at);
    const right1 = bStep == 0 ? bSplat : v128.load(b + at, 16);
    v128.store(output + at, f32x4.mul(v128.load(a + at), right0));
    v128.store(output + at, f32x4.mul(v128.load(a + at, 16), right1), 16);
  }
  for (; index < count; index++) {
    const at = (<usize>index) << 2;
    store<f32>(output + at, load<f32>(a + at) * load<f32>(b + (bStep == 0 ? 0 : at)));
  }
}

/**
 * The offset (in values) of row `rowIndex` (a multi-index over axes 0-4) through the strides from job field
 * `strideField` on, the extents from `shapeField` on.
 */
@inline
function rowOffset(job: usize, rowIndex: i32, shapeField: i32, strideField: i32): i32 {
  let rest = rowIndex;
  let offset = 0;
  for (let axis = RANK - 2; axis >= 0; axis--) {
    const extent = intField(job, shapeField + axis);
    offset += (rest % extent) * intField(job, strideField + axis);
    rest /= extent;
  }
  return offset;
}

export function broadcastArithmetic(job: usize, threadIndex: i32, threadCount: i32): void {
  const a = pointerField(job, BroadcastArithmeticJob.a);
  const b = pointerField(job, BroadcastArithmeticJob.b);
  const output = pointerField(job, BroadcastArithmeticJob.output);
  const operation = intField(job, BroadcastArithmeticJob.operation);
  const inner = intField(job, BroadcastArithmeticJob.shape5);
  const aStep = intField(job, BroadcastArithmeticJob.aStride5);
  const bStep = intField(job, BroadcastArithmeticJob.bStride5);
  let rows = 1;
  for (let axis = 0; axis < RANK - 1; axis++) rows *= intField(job, BroadcastArithmeticJob.shape0 + axis);
  if (rows == 1) {
    const first = rangeStart(inner, 4, threadIndex, threadCount);
    const last = rangeEnd(inner, 4, threadIndex, threadCount);
    if (first >= last) return;
    const at = (<usize>first) << 2;
    anyRow(operation, aStep, bStep, a + at * <usize>aStep, b + at * <usize>bStep, output + at, last - first);
    return;
  }
  const first = rangeStart(rows, 1, threadIndex, threadCount);
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  // Rows along axis 4 (the last before the row axis) follow each other by fixed strides, so the
  // divisions of rowOffset run once per run of them, not once per row: a squeeze-and-excitation gate
  // ([N, H * W, C] times [N, 1, C]) has runs of H * W rows. That took the 112x112x32 gate from 7x to
  // about 1.3x a same-shape Multiply (one thread).
  const runExtent = intField(job, BroadcastArithmeticJob.shape4);
  const aRunStride = (<usize>intField(job, BroadcastArithmeticJob.aStride4)) << 2;
  const bRunStride = (<usize>intField(job, BroadcastArithmeticJob.bStride4)) << 2;
  const rowBytes = (<usize>inner) << 2;
  let rowIndex = first;
  while (rowIndex < last) {
    const runEnd = min(last, rowIndex - (rowIndex % runExtent) + runExtent);
    let aRow =
      a + ((<usize>rowOffset(job, rowIndex, BroadcastArithmeticJob.shape0, BroadcastArithmeticJob.aStride0)) << 2);
    let bRow =
      b + ((<usize>rowOffset(job, rowIndex, BroadcastArithmeticJob.shape0, BroadcastArithmeticJob.bStride0)) << 2);
    let outputRow = output + <usize>rowIndex * rowBytes;
    for (; rowIndex < runEnd; rowIndex++) {
      anyRow(operation, aStep, bStep, aRow, bRow, outputRow, inner);
      aRow += aRunStride;
      bRow += bRunStride;
      outputRow += rowBytes;
    }
  }
}

export function reduceSumTo(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, ReduceSumToJob.input);
  const output = pointerField(job, ReduceSumToJob.output);
  const inner = intField(job, ReduceSumToJob.shape5);
  const outStep = intField(job, ReduceSumToJob.outStride5);
  let rows = 1;
  let outputSize = 1;
  for (let axis = 0; axis < RANK; axis++) {
    const extent = intField(job, ReduceSumToJob.shape0 + axis);
    if (axis < RANK - 1) rows *= extent;
    outputSize += (extent - 1) * intField(job, ReduceSumToJob.outStride0 + axis);
  }
  if (outStep != 1) {
    // Each row sums to one value: one thread adds them all.
    if (threadIndex != 0) return;
    memory.fill(output, 0, (<usize>outputSize) << 2);
    for (let rowIndex = 0; rowIndex < rows; rowIndex++) {
      const from = input + ((<usize>(rowIndex * inner)) << 2);
      const to = output + ((<usize>rowOffset(job, rowIndex, ReduceSumToJob.shape0, ReduceSumToJob.outStride0)) << 2);
      let sum = load<f32>(to);
      for (let index = 0; index < inner; index++) sum += load<f32>(from + ((<usize>index) << 2));
      store<f32>(to, sum);
    }
    return;
  }
  // Rows add into output rows of `inner` values: threads own columns [first, last) of every output
  // row (blocks of 4), and each adds its columns of all input rows in order.
  const first = rangeStart(inner, 4, threadIndex, threadCount);
  const last = rangeEnd(inner, 4, threadIndex, threadCount);
  if (first >= last) return;
  for (let outputRow = 0; outputRow < outputSize; outputRow += inner) {
    memory.fill(output + ((<usize>(outputRow + first)) << 2), 0, (<usize>(last - first)) << 2);
  }
  const vectorEnd = first + ((last - first) & ~3);
  for (let rowIndex = 0; rowIndex < rows; rowIndex++) {
    const from = input + ((<usize>(rowIndex * inner)) << 2);
    const to = output + ((<usize>rowOffset(job, rowIndex, ReduceSumToJob.shape0, ReduceSumToJob.outStride0)) << 2);
    for (let index = first; index < vectorEnd; index += 4) {
      const at = (<usize>index) << 2;
      v128.store(to + at, f32x4.add(v128.load(to + at), v128.load(from + at)));
    }
    for (let index = vectorEnd; index < last; index++) {
      const at = (<usize>index) << 2;
      store<f32>(to + at, load<f32>(to + at) + load<f32>(from + at));
    }
  }
}
