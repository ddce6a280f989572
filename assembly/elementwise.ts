// Elementwise kernels of the WebAssembly SIMD backend: activations and their gradients (the sigmoid's
// forward is in activations.ts, with the vector exp), add,
// multiply, bias add and its gradient (references: src/kernels/js/activations.ts, elementwise.ts).
// Elementwise jobs split the values over threads in blocks of 4; bias gradient splits the channels, ClipBiasAddGrad
// blocks of rows.
// Each thread runs 4 lanes at a time and its share's last 0-3 values one by one; the buffers are
// 64-byte aligned (arena), so vector loads are aligned.
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): ActivationJob (Relu, Tanh), ActivationGradJob
// (ReluGrad; SigmoidGrad and TanhGrad with the output as `input`), ClipJob, ClipGradJob, BinaryJob (Add, Multiply),
// BiasAddJob, BiasAddGradJob, ClipBiasAddGradJob, CopyColumnsJob.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import {
  ActivationGradJob,
  ActivationJob,
  BiasAddGradJob,
  BiasAddJob,
  BinaryJob,
  ClipBiasAddGradJob,
  ClipGradJob,
  ClipJob,
  CopyColumnsJob,
} from './jobFields';

export function relu(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, ActivationJob.input);
  const output = pointerField(job, ActivationJob.output);
  const size = intField(job, ActivationJob.size);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const zero = f32x4.splat(0);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const value = v128.load(input + at);
    // max(x, 0) that keeps NaN, as the reference does: x > 0 ? x : (x is NaN ? x : 0).
    const keep = v128.or(f32x4.gt(value, zero), f32x4.ne(value, value));
    v128.store(output + at, v128.and(value, keep));
  }
  for (let index = vectorEnd; index < last; index++) {
    const value = load<f32>(input + ((<usize>index) << 2));
    store<f32>(output + ((<usize>index) << 2), value > 0 || value != value ? value : 0);
  }
}

export function reluGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, ActivationGradJob.dOut);
  const input = pointerField(job, ActivationGradJob.input);
  const dInput = pointerField(job, ActivationGradJob.dInput);
  const size = intField(job, ActivationGradJob.size);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const zero = f32x4.splat(0);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    v128.store(dInput + at, v128.and(v128.load(dOut + at), f32x4.gt(v128.load(input + at), zero)));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    store<f32>(dInput + at, load<f32>(input + at) > 0 ? load<f32>(dOut + at) : 0);
  }
}

/**
 * x clamped to [min, max]; NaN stays NaN, as in the reference. pmax(x, min) is x < min ? min : x and
 * pmin(y, max) is max < y ? max : y: the reference's comparisons, so the results agree bit for bit.
 * f32x4.max would not (it makes -0 into +0 against a bound of 0), and V8 spends seven instructions
 * on its NaN rules where pmax takes one (assembly/activations.ts).
 */
export function clip(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, ClipJob.input);
  const output = pointerField(job, ClipJob.output);
  const size = intField(job, ClipJob.size);
  const lower = floatField(job, ClipJob.min);
  const upper = floatField(job, ClipJob.max);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const lowerVector = f32x4.splat(lower);
  const upperVector = f32x4.splat(upper);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    v128.store(output + at, f32x4.pmin(f32x4.pmax(v128.load(input + at), lowerVector), upperVector));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const value = load<f32>(input + at);
    store<f32>(output + at, value < lower ? lower : value > upper ? upper : value);
  }
}

/** dInput = dOut where min < x < max, else 0 (0 at the bounds and for NaN; see the reference). */
export function clipGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, ClipGradJob.dOut);
  const input = pointerField(job, ClipGradJob.input);
  const dInput = pointerField(job, ClipGradJob.dInput);
  const size = intField(job, ClipGradJob.size);
  const lower = floatField(job, ClipGradJob.min);
  const upper = floatField(job, ClipGradJob.max);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const lowerVector = f32x4.splat(lower);
  const upperVector = f32x4.splat(upper);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const value = v128.load(input + at);
    const isInside = v128.and(f32x4.gt(value, lowerVector), f32x4.lt(value, upperVector));
    v128.store(dInput + at, v128.and(v128.load(dOut + at), isInside));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const value = load<f32>(input + at);
    store<f32>(dInput + at, lower < value && value < upper ? load<f32>(dOut + at) : 0);
  }
}

export function tanh(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, ActivationJob.input);
  const output = pointerField(job, ActivationJob.output);
  const size = intField(job, ActivationJob.size);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  for (let index = rangeStart(size, 4, threadIndex, threadCount); index < last; index++) {
    store<f32>(output + ((<usize>index) << 2), Mathf.tanh(load<f32>(input + ((<usize>index) << 2))));
  }
}

/** dInput = dOut * s * (1 - s) (sigmoid) or dOut * (1 - s * s) (tanh), s the forward output. */
function saturatingGrad(job: usize, threadIndex: i32, threadCount: i32, isTanh: bool): void {
  const dOut = pointerField(job, ActivationGradJob.dOut);
  const output = pointerField(job, ActivationGradJob.input);
  const dInput = pointerField(job, ActivationGradJob.dInput);
  const size = intField(job, ActivationGradJob.size);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const one = f32x4.splat(1);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const s = v128.load(output + at);
    const slope = isTanh ? f32x4.sub(one, f32x4.mul(s, s)) : f32x4.mul(s, f32x4.sub(one, s));
    v128.store(dInput + at, f32x4.mul(v128.load(dOut + at), slope));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const s = load<f32>(output + at);
    store<f32>(dInput + at, load<f32>(dOut + at) * (isTanh ? 1 - s * s : s * (1 - s)));
  }
}

export function sigmoidGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  saturatingGrad(job, threadIndex, threadCount, false);
}

export function tanhGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  saturatingGrad(job, threadIndex, threadCount, true);
}

export function add(job: usize, threadIndex: i32, threadCount: i32): void {
  combine(job, threadIndex, threadCount, false);
}

export function multiply(job: usize, threadIndex: i32, threadCount: i32): void {
  combine(job, threadIndex, threadCount, true);
}

/** output = a + b, or a * b where `isProduct`, value by value (inlined: the flag folds away). */
@inline
function combine(job: usize, threadIndex: i32, threadCount: i32, isProduct: bool): void {
  const a = pointerField(job, BinaryJob.a);
  const b = pointerField(job, BinaryJob.b);
  const output = pointerField(job, BinaryJob.output);
  const size = intField(job, BinaryJob.size);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const left = v128.load(a + at);
    const right = v128.load(b + at);
    v128.store(output + at, isProduct ? f32x4.mul(left, right) : f32x4.add(left, right));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const left = load<f32>(a + at);
    const right = load<f32>(b + at);
    store<f32>(output + at, isProduct ? left * right : left + right);
  }
}

/** input [rows, columns] + bias [columns] -> output [rows, columns]; rows split over threads. */
export function biasAdd(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, BiasAddJob.input);
  const bias = pointerField(job, BiasAddJob.bias);
  const output = pointerField(job, BiasAddJob.output);
  const rows = intField(job, BiasAddJob.rows);
  const columns = intField(job, BiasAddJob.columns);
  const vectorEnd = columns & ~3;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const base = (<usize>row * <usize>columns) << 2;
    for (let column = 0; column < vectorEnd; column += 4) {
      const at = (<usize>column) << 2;
      v128.store(output + base + at, f32x4.add(v128.load(input + base + at), v128.load(bias + at)));
    }
    for (let column = vectorEnd; column < columns; column++) {
      const at = (<usize>column) << 2;
      store<f32>(output + base + at, load<f32>(input + base + at) + load<f32>(bias + at));
    }
  }
}

/**
 * dBias [columns] = column sums of dOut [rows, columns]; columns split over threads in blocks of 4.
 * Rows are walked in order, adding each row's share into dBias: one pass over dOut in memory order
 * (walking a column block down all rows used one 16-byte load per 64-byte cache line; MobileNetV2's
 * 53 bias gradients at batch 16 took 167 ms that way). Each sum still adds the rows in order from 0.
 */
export function biasAddGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, BiasAddGradJob.dOut);
  const dBias = pointerField(job, BiasAddGradJob.dBias);
  const rows = intField(job, BiasAddGradJob.rows);
  const columns = intField(job, BiasAddGradJob.columns);
  const first = rangeStart(columns, 4, threadIndex, threadCount);
  const last = rangeEnd(columns, 4, threadIndex, threadCount);
  if (first >= last) return;
  const vectorEnd = first + ((last - first) & ~3);
  const sums = dBias + ((<usize>first) << 2);
  memory.fill(sums, 0, (<usize>(last - first)) << 2);
  const rowBytes = (<usize>columns) << 2;
  let rowStart = dOut + ((<usize>first) << 2);
  for (let row = 0; row < rows; row++) {
    let at: usize = 0;
    for (let column = first; column < vectorEnd; column += 4) {
      v128.store(sums + at, f32x4.add(v128.load(sums + at), v128.load(rowStart + at)));
      at += 16;
    }
    for (let column = vectorEnd; column < last; column++) {
      store<f32>(sums + at, load<f32>(sums + at) + load<f32>(rowStart + at));
      at += 4;
    }
    rowStart += rowBytes;
  }
}

/**
 * ClipBiasAddGrad's pass: dInput = dOut (+ addend, where not 0) where min < output < max (else 0), and the column sums
 * of dInput over each block of blockRows rows, rows in order, into partials [blocks, columns]; the backend then adds
 * the blocks in order (biasAddGrad), so the bias gradient never depends on the thread count. One pass over dOut (a
 * ReLU or ReLU6 convolution's gradient read dOut twice, once for the mask and once for the bias). Threads split the
 * blocks, each reading whole rows: split by columns instead (every thread walking every row, half of each), ResNet-18's
 * 56x56x64 gradient at batch 16 (2 threads, process CPU time, 3 runs in turn) took 5.2-5.5 ms, split by rows 4.3-4.4.
 * The addend is the second gradient of an output used twice (a residual block's input): summed here, not by an Add
 * that writes the sum and this pass then reads again.
 */
export function clipBiasAddGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const addend = pointerField(job, ClipBiasAddGradJob.addend);
  if (addend == 0) clipBiasBlocks(job, threadIndex, threadCount, false, 0);
  else clipBiasBlocks(job, threadIndex, threadCount, true, addend);
}

/** clipBiasAddGrad's blocks, compiled once without and once with the addend. */
@inline
function clipBiasBlocks(job: usize, threadIndex: i32, threadCount: i32, hasAddend: bool, addend: usize): void {
  const dOut = pointerField(job, ClipBiasAddGradJob.dOut);
  const output = pointerField(job, ClipBiasAddGradJob.output);
  const dInput = pointerField(job, ClipBiasAddGradJob.dInput);
  const partials = pointerField(job, ClipBiasAddGradJob.partials);
  const rows = intField(job, ClipBiasAddGradJob.rows);
  const columns = intField(job, ClipBiasAddGradJob.columns);
  const low = floatField(job, ClipBiasAddGradJob.min);
  const high = floatField(job, ClipBiasAddGradJob.max);
  const blockRows = intField(job, ClipBiasAddGradJob.blockRows);
  const blocks = (rows + blockRows - 1) / blockRows;
  const firstBlock = rangeStart(blocks, 1, threadIndex, threadCount);
  const lastBlock = rangeEnd(blocks, 1, threadIndex, threadCount);
  const vectorEnd = columns & ~3;
  const lows = f32x4.splat(low);
  const highs = f32x4.splat(high);
  const rowBytes = (<usize>columns) << 2;
  for (let block = firstBlock; block < lastBlock; block++) {
    const sums = partials + <usize>block * rowBytes;
    memory.fill(sums, 0, rowBytes);
    const rowEnd = min(rows, (block + 1) * blockRows);
    let rowStart = <usize>(block * blockRows) * rowBytes;
    for (let row = block * blockRows; row < rowEnd; row++) {
      let at: usize = 0;
      for (let column = 0; column < vectorEnd; column += 4) {
        const value = v128.load(output + rowStart + at);
        const isInside = v128.and(f32x4.gt(value, lows), f32x4.lt(value, highs));
        let sum = v128.load(dOut + rowStart + at);
        if (hasAddend) sum = f32x4.add(sum, v128.load(addend + rowStart + at));
        const gradient = v128.and(sum, isInside);
        v128.store(dInput + rowStart + at, gradient);
        v128.store(sums + at, f32x4.add(v128.load(sums + at), gradient));
        at += 16;
      }
      for (let column = vectorEnd; column < columns; column++) {
        const value = load<f32>(output + rowStart + at);
        let sum = load<f32>(dOut + rowStart + at);
        if (hasAddend) sum += load<f32>(addend + rowStart + at);
        const gradient: f32 = low < value && value < high ? sum : 0;
        store<f32>(dInput + rowStart + at, gradient);
        store<f32>(sums + at, load<f32>(sums + at) + gradient);
        at += 4;
      }
      rowStart += rowBytes;
    }
  }
}

/**
 * CopyColumns: 0 source, 1 destination, 2 rows, 3 columns, 4 sourceStride, 5 sourceOffset,
 * 6 destinationStride, 7 destinationOffset (floats); a block of columns between two row-major
 * matrices, rows split over threads.
 */
export function copyColumns(job: usize, threadIndex: i32, threadCount: i32): void {
  const source = pointerField(job, CopyColumnsJob.source);
  const destination = pointerField(job, CopyColumnsJob.destination);
  const rows = intField(job, CopyColumnsJob.rows);
  const bytes = (<usize>intField(job, CopyColumnsJob.columns)) << 2;
  const sourceStride = intField(job, CopyColumnsJob.sourceStride);
  const sourceOffset = intField(job, CopyColumnsJob.sourceOffset);
  const destinationStride = intField(job, CopyColumnsJob.destinationStride);
  const destinationOffset = intField(job, CopyColumnsJob.destinationOffset);
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    memory.copy(
      destination + ((<usize>(row * destinationStride + destinationOffset)) << 2),
      source + ((<usize>(row * sourceStride + sourceOffset)) << 2),
      bytes,
    );
  }
}
