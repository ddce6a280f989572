// Depthwise convolution (groups = input channels = output channels): each channel is convolved with
// its own kH x kW kernel, so there is no sum over channels for a GEMM to exploit; instead these
// kernels run directly, four channels per f32x4 (NHWC keeps a pixel's channels adjacent). The
// filter is [kH, kW, 1, channels]. Same job record as conv2d.ts (buffers 0-3, geometry 7-19,
// 21 isRelu, 22 dilationH, 23 dilationW). Threads split output pixels (forward), input pixels
// (input gradient, a gather) or channels (filter gradient), so no sum depends on the thread count.
// The geometry is copied into locals: stores may alias the job record, so reads of g.field in the
// loops could not be hoisted.

import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart } from './job';

export function depthwiseConv2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const input = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const bias = pointerField(job, 2);
  const output = pointerField(job, 3);
  const isRelu = intField(job, 21) != 0;
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const inH = g.inH;
  const inW = g.inW;
  const channels = g.outC;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const vectorEnd = channels & ~3;
  const zero = f32x4.splat(0);
  const pixels = g.batch * outH * outW;
  const last = rangeEnd(pixels, 1, threadIndex, threadCount);
  for (let pixel = rangeStart(pixels, 1, threadIndex, threadCount); pixel < last; pixel++) {
    const image = pixel / (outH * outW);
    const oy = (pixel % (outH * outW)) / outW;
    const ox = pixel % outW;
    const destination = output + (<usize>pixel * <usize>channels << 2);
    for (let c = 0; c < vectorEnd; c += 4) {
      let sum = bias != 0 ? v128.load(bias + (<usize>c << 2)) : zero;
      for (let ky = 0; ky < kH; ky++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        if (iy < 0 || iy >= inH) continue;
        for (let kx = 0; kx < kW; kx++) {
          const ix = ox * strideW - padLeft + kx * dilationW;
          if (ix < 0 || ix >= inW) continue;
          const value = v128.load(input + ((<usize>(((image * inH + iy) * inW + ix) * channels + c)) << 2));
          const weight = v128.load(filter + ((<usize>((ky * kW + kx) * channels + c)) << 2));
          sum = f32x4.add(sum, f32x4.mul(value, weight));
        }
      }
      v128.store(destination + (<usize>c << 2), isRelu ? f32x4.max(sum, zero) : sum);
    }
    for (let c = vectorEnd; c < channels; c++) {
      let sum: f32 = bias != 0 ? load<f32>(bias + (<usize>c << 2)) : 0;
      for (let ky = 0; ky < kH; ky++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        if (iy < 0 || iy >= inH) continue;
        for (let kx = 0; kx < kW; kx++) {
          const ix = ox * strideW - padLeft + kx * dilationW;
          if (ix < 0 || ix >= inW) continue;
          sum += load<f32>(input + ((<usize>(((image * inH + iy) * inW + ix) * channels + c)) << 2)) * load<f32>(filter + ((<usize>((ky * kW + kx) * channels + c)) << 2));
        }
      }
      store<f32>(destination + (<usize>c << 2), isRelu ? (sum > 0 || sum != sum ? sum : 0) : sum);
    }
  }
}

/** dInput[p, c] = sum over the output pixels whose window covers p, tap by tap, of dOut * weight. */
export function depthwiseConv2dBackpropInput(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const dOut = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const dInput = pointerField(job, 2);
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const inH = g.inH;
  const inW = g.inW;
  const channels = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const vectorEnd = channels & ~3;
  const pixels = g.batch * inH * inW;
  const last = rangeEnd(pixels, 1, threadIndex, threadCount);
  for (let pixel = rangeStart(pixels, 1, threadIndex, threadCount); pixel < last; pixel++) {
    const image = pixel / (inH * inW);
    const iy = (pixel % (inH * inW)) / inW;
    const ix = pixel % inW;
    const destination = dInput + (<usize>pixel * <usize>channels << 2);
    memory.fill(destination, 0, <usize>channels << 2);
    for (let ky = 0; ky < kH; ky++) {
      const rowOffset = iy + padTop - ky * dilationH;
      const oy = rowOffset / strideH;
      if (rowOffset < 0 || rowOffset % strideH != 0 || oy >= outH) continue;
      for (let kx = 0; kx < kW; kx++) {
        const columnOffset = ix + padLeft - kx * dilationW;
        const ox = columnOffset / strideW;
        if (columnOffset < 0 || columnOffset % strideW != 0 || ox >= outW) continue;
        const source = dOut + (<usize>(((image * outH + oy) * outW + ox) * channels) << 2);
        const weights = filter + (<usize>((ky * kW + kx) * channels) << 2);
        for (let c = 0; c < vectorEnd; c += 4) {
          const at = <usize>c << 2;
          v128.store(destination + at, f32x4.add(v128.load(destination + at), f32x4.mul(v128.load(source + at), v128.load(weights + at))));
        }
        for (let c = vectorEnd; c < channels; c++) {
          const at = <usize>c << 2;
          store<f32>(destination + at, load<f32>(destination + at) + load<f32>(source + at) * load<f32>(weights + at));
        }
      }
    }
  }
}

/** dFilter[tap, c] = sum over output pixels of input at the tap times dOut; threads own channel blocks. */
export function depthwiseConv2dBackpropFilter(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const input = pointerField(job, 0);
  const dOut = pointerField(job, 1);
  const dFilter = pointerField(job, 2);
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const inH = g.inH;
  const inW = g.inW;
  const channels = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const first = rangeStart(channels, 4, threadIndex, threadCount);
  const last = rangeEnd(channels, 4, threadIndex, threadCount);
  if (first >= last) return;
  const vectorEnd = first + ((last - first) & ~3);
  for (let tap = 0; tap < kH * kW; tap++) memory.fill(dFilter + ((<usize>(tap * channels + first)) << 2), 0, <usize>(last - first) << 2);
  const pixels = g.batch * outH * outW;
  for (let pixel = 0; pixel < pixels; pixel++) {
    const image = pixel / (outH * outW);
    const oy = (pixel % (outH * outW)) / outW;
    const ox = pixel % outW;
    const gradient = dOut + (<usize>pixel * <usize>channels << 2);
    for (let ky = 0; ky < kH; ky++) {
      const iy = oy * strideH - padTop + ky * dilationH;
      if (iy < 0 || iy >= inH) continue;
      for (let kx = 0; kx < kW; kx++) {
        const ix = ox * strideW - padLeft + kx * dilationW;
        if (ix < 0 || ix >= inW) continue;
        const source = input + (<usize>(((image * inH + iy) * inW + ix) * channels) << 2);
        const sums = dFilter + (<usize>((ky * kW + kx) * channels) << 2);
        for (let c = first; c < vectorEnd; c += 4) {
          const at = <usize>c << 2;
          v128.store(sums + at, f32x4.add(v128.load(sums + at), f32x4.mul(v128.load(source + at), v128.load(gradient + at))));
        }
        for (let c = vectorEnd; c < last; c++) {
          const at = <usize>c << 2;
          store<f32>(sums + at, load<f32>(sums + at) + load<f32>(source + at) * load<f32>(gradient + at));
        }
      }
    }
  }
}
