// The JS -> WebAssembly boundary. Every kernel export has the signature
//   kernel(job: usize, threadIndex: i32, threadCount: i32)
// where `job` points to a record of 4-byte fields written by src/kernels/wasm/ (pointers, integers
// and f32 numbers): named by the constants of jobFields.ts (generated from src/kernels/wasm/jobLayout.ts)
// where the kernel's layout is there, in the order the kernel's header lists otherwise. Every thread gets
// the same record and computes its own share of the output, chosen by `threadRange` so that no sum's
// order depends on the thread count: work is split over output rows or channels, never over a reduction.

import { MaxPool2dJob } from './jobFields';

/** The pointer in field `index` of a job record. */
@inline
export function pointerField(job: usize, index: i32): usize {
  return <usize>load<u32>(job + ((<usize>index) << 2));
}

/** The integer in field `index` of a job record. */
@inline
export function intField(job: usize, index: i32): i32 {
  return load<i32>(job + ((<usize>index) << 2));
}

/** The f32 number in field `index` of a job record. */
@inline
export function floatField(job: usize, index: i32): f32 {
  return load<f32>(job + ((<usize>index) << 2));
}

/**
 * First unit of this thread's share of `total` units split in blocks of `granularity` (the last
 * block may be partial). Shares are contiguous and in thread order.
 */
export function rangeStart(total: i32, granularity: i32, threadIndex: i32, threadCount: i32): i32 {
  const blocks = (total + granularity - 1) / granularity;
  const perThread = (blocks + threadCount - 1) / threadCount;
  return min(total, threadIndex * perThread * granularity);
}

/** One past the last unit of this thread's share (see rangeStart). */
export function rangeEnd(total: i32, granularity: i32, threadIndex: i32, threadCount: i32): i32 {
  const blocks = (total + granularity - 1) / granularity;
  const perThread = (blocks + threadCount - 1) / threadCount;
  return min(total, (threadIndex + 1) * perThread * granularity);
}

/**
 * The geometry fields 7-19 of a convolution job record (conv2d.ts, winograd.ts, winograd4.ts), read
 * in place: an unmanaged overlay, so reading it allocates nothing.
 */
@unmanaged
export class ConvGeometry {
  batch: i32;
  inH: i32;
  inW: i32;
  inC: i32;
  outH: i32;
  outW: i32;
  outC: i32;
  kH: i32;
  kW: i32;
  strideH: i32;
  strideW: i32;
  padTop: i32;
  padLeft: i32;
}

/** The convolution geometry of a job record. */
@inline
export function convGeometryOf(job: usize): ConvGeometry {
  return changetype<ConvGeometry>(job + 28);
}

/**
 * The geometry fields of a pooling job record (MaxPool2dJob, MaxPool2dBackpropJob and AvgPool2dJob, from
 * `batch` on), read in place like ConvGeometry.
 */
@unmanaged
export class PoolGeometry {
  batch: i32;
  inH: i32;
  inW: i32;
  channels: i32;
  outH: i32;
  outW: i32;
  kH: i32;
  kW: i32;
  strideH: i32;
  strideW: i32;
  padTop: i32;
  padLeft: i32;
}

/** The pooling geometry of a job record. */
@inline
export function poolGeometryOf(job: usize): PoolGeometry {
  return changetype<PoolGeometry>(job + ((<usize>MaxPool2dJob.batch) << 2));
}

/** This thread's private scratch area: job fields 4 (base) and 5 (bytes per thread) of the kernels that take one. */
@inline
export function scratchOf(job: usize, threadIndex: i32): usize {
  return pointerField(job, 4) + <usize>threadIndex * <usize>intField(job, 5);
}

/** First input row (or column) a pooling window of output `out` covers (padding excluded). */
@inline
export function spanStart(out: i32, stride: i32, padBefore: i32): i32 {
  return max(0, out * stride - padBefore);
}

/** One past the last input row (or column) a pooling window of output `out` covers. */
@inline
export function spanEnd(out: i32, stride: i32, padBefore: i32, kSize: i32, inSize: i32): i32 {
  return min(inSize, out * stride - padBefore + kSize);
}
