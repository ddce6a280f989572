// Dropout kernel of the WebAssembly SIMD backend (reference and hash: src/kernels/js/dropout.ts): the
// mask is hashed from (seed, index), four lanes at a time, so it is the reference's mask bit for bit
// and does not depend on the thread count. The last 1-3 values run on a full vector (the arena keeps
// 64 bytes after every block) and store only their lanes. Values split over threads in blocks of 4.
//
// Job record: DropoutJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts).

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { DropoutJob } from './jobFields';

/** lowbias32 (Chris Wellons) of four u32 lanes. */
@inline
function lowbias32Vector(value: v128): v128 {
  let x = v128.xor(value, i32x4.shr_u(value, 16));
  x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/**
 * input  [size]
 * output [size]: input * scale where lowbias32(index xor seedHash) >= threshold (unsigned), else 0
 */
export function dropout(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, DropoutJob.input);
  const output = pointerField(job, DropoutJob.output);
  const size = intField(job, DropoutJob.size);
  const seedHash = i32x4.splat(intField(job, DropoutJob.seedHash));
  const threshold = i32x4.splat(intField(job, DropoutJob.threshold));
  const scale = f32x4.splat(floatField(job, DropoutJob.scale));
  const lanes = i32x4(0, 1, 2, 3);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  for (let index = rangeStart(size, 4, threadIndex, threadCount); index < last; index += 4) {
    const at = (<usize>index) << 2;
    const hash = lowbias32Vector(v128.xor(i32x4.add(i32x4.splat(index), lanes), seedHash));
    const isKept = i32x4.ge_u(hash, threshold);
    const result = v128.and(f32x4.mul(v128.load(input + at), scale), isKept);
    const count = last - index;
    if (count >= 4) {
      v128.store(output + at, result);
    } else {
      store<f32>(output + at, f32x4.extract_lane(result, 0));
      if (count > 1) store<f32>(output + at + 4, f32x4.extract_lane(result, 1));
      if (count > 2) store<f32>(output + at + 8, f32x4.extract_lane(result, 2));
    }
  }
}
