// Power with a constant exponent, x^p, and its gradient p * x^(p - 1), for the WebAssembly SIMD
// backend (reference: src/kernels/js/power.ts). The exponents models use are vectorised, 4 lanes at a
// time: 2 (a square: one multiply, as the reference rounds it, bit for bit), 0.5 (f32x4.sqrt,
// correctly rounded like the reference's float64 sqrt rounded to f32: bit for bit) and 1; other
// exponents go value by value through Mathf.pow (within an ulp or two of the reference).
// Values split over threads in blocks of 4, each share's last 0-3 values one by one.
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): PowJob, PowGradJob.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { PowGradJob, PowJob } from './jobFields';

@inline
function powerOf(value: f32, exponent: f32): f32 {
  if (exponent == 2) return value * value;
  if (exponent == 0.5) return Mathf.sqrt(value);
  if (exponent == 1) return value;
  return Mathf.pow(value, exponent);
}

@inline
function slopeOf(value: f32, exponent: f32): f32 {
  if (exponent == 2) return value + value;
  if (exponent == 0.5) return <f32>0.5 / Mathf.sqrt(value);
  if (exponent == 1) return 1;
  if (exponent == 0) return 0;
  return exponent * Mathf.pow(value, exponent - 1);
}

export function pow(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, PowJob.input);
  const output = pointerField(job, PowJob.output);
  const size = intField(job, PowJob.size);
  const exponent = floatField(job, PowJob.exponent);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  let vectorEnd = first;
  if (exponent == 2 || exponent == 0.5 || exponent == 1) {
    vectorEnd = first + ((last - first) & ~3);
    for (let index = first; index < vectorEnd; index += 4) {
      const at = (<usize>index) << 2;
      const value = v128.load(input + at);
      const result = exponent == 2 ? f32x4.mul(value, value) : exponent == 0.5 ? f32x4.sqrt(value) : value;
      v128.store(output + at, result);
    }
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    store<f32>(output + at, powerOf(load<f32>(input + at), exponent));
  }
}

export function powGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, PowGradJob.dOut);
  const input = pointerField(job, PowGradJob.input);
  const dInput = pointerField(job, PowGradJob.dInput);
  const size = intField(job, PowGradJob.size);
  const exponent = floatField(job, PowGradJob.exponent);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  let vectorEnd = first;
  if (exponent == 2 || exponent == 0.5) {
    vectorEnd = first + ((last - first) & ~3);
    const half = f32x4.splat(0.5);
    for (let index = first; index < vectorEnd; index += 4) {
      const at = (<usize>index) << 2;
      const value = v128.load(input + at);
      const slope = exponent == 2 ? f32x4.add(value, value) : f32x4.div(half, f32x4.sqrt(value));
      v128.store(dInput + at, f32x4.mul(v128.load(dOut + at), slope));
    }
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    store<f32>(dInput + at, load<f32>(dOut + at) * slopeOf(load<f32>(input + at), exponent));
  }
}
