// 3x3 stride-1 convolution by Winograd F(4x4, 3x3) (Lavin and Gray, 2016): each 4x4 block of
// outputs comes from a 6x6 block of inputs with 36 multiplies per channel pair instead of 144, 1.78x
// fewer than F(2x2, 3x3) (winograd.ts, which explains the scheme and serves the filter gradient).
// Interpolation points 0, 1, -1, 2, -2 and infinity give
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
// Same job record, packed layouts and thread split as conv2dWinograd (tiles are 4x4 here). The
// transforms go through a 6x6 block of f32x4 in the thread's scratch (36 live vectors would not fit in
// registers). conv2dWinogradPrepare (both tile sizes) lives here too.

import { epilogueOf } from './epilogue';
import { TILE_COLUMNS, gemmPacked } from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf } from './job';
import {
  WINOGRAD_TILE_BYTES, filterTap, packFilter2x2, packedFilterFloats, packedInputAt, storeFinished, storeLanes, winogradShareOf, WinogradShare,
} from './winograd';

const BLOCK_BYTES: usize = 36 * 16;

@inline function at(block: usize, row: i32, column: i32): usize {
  return block + (<usize>(row * 6 + column) << 4);
}

/** In place on `block`: x -> B^T x applied down every column (stride 6 vectors), then along every row. */
function inputTransform(block: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  for (let pass = 0; pass < 2; pass++) {
    for (let line = 0; line < 6; line++) {
      // pass 0: column `line`, elements (i, line); pass 1: row `line`, elements (line, i).
      const step: usize = pass == 0 ? 96 : 16;
      const base = pass == 0 ? block + (<usize>line << 4) : block + <usize>line * 96;
      const x0 = v128.load(base), x1 = v128.load(base + step), x2 = v128.load(base + 2 * step);
      const x3 = v128.load(base + 3 * step), x4 = v128.load(base + 4 * step), x5 = v128.load(base + 5 * step);
      const x1x2 = f32x4.add(x1, x2);
      v128.store(base, f32x4.add(f32x4.sub(f32x4.mul(four, x0), f32x4.mul(five, x2)), x4));
      v128.store(base + step, f32x4.sub(f32x4.add(x3, x4), f32x4.mul(four, x1x2)));
      v128.store(base + 2 * step, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(four, x2)), f32x4.sub(x4, x3)));
      v128.store(base + 3 * step, f32x4.add(f32x4.mul(two, f32x4.sub(x3, x1)), f32x4.sub(x4, x2)));
      v128.store(base + 4 * step, f32x4.add(f32x4.mul(two, f32x4.sub(x1, x3)), f32x4.sub(x4, x2)));
      v128.store(base + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(five, x3)), x5));
    }
  }
}

/** U = G g G^T for 4 output channels: g is 3x3 (in `block` rows 0-2, columns 0-2), U fills the 6x6 block. */
function filterTransform(block: usize): void {
  const quarter = f32x4.splat(0.25), sixth = f32x4.splat(1.0 / 6.0), twelfth = f32x4.splat(1.0 / 12.0), twentyFourth = f32x4.splat(1.0 / 24.0);
  // Columns first (3 -> 6 rows) for the 3 filter columns, then rows (3 -> 6 columns) for all 6 rows.
  for (let pass = 0; pass < 2; pass++) {
    const lines = pass == 0 ? 3 : 6;
    for (let line = 0; line < lines; line++) {
      const step: usize = pass == 0 ? 96 : 16;
      const base = pass == 0 ? block + (<usize>line << 4) : block + <usize>line * 96;
      const g0 = v128.load(base), g1 = v128.load(base + step), g2 = v128.load(base + 2 * step);
      const sum = f32x4.add(g0, g2);
      v128.store(base, f32x4.mul(quarter, g0));
      v128.store(base + step, f32x4.neg(f32x4.mul(sixth, f32x4.add(sum, g1))));
      v128.store(base + 2 * step, f32x4.neg(f32x4.mul(sixth, f32x4.sub(sum, g1))));
      const outer = f32x4.add(f32x4.mul(twentyFourth, g0), f32x4.mul(sixth, g2));
      v128.store(base + 3 * step, f32x4.add(outer, f32x4.mul(twelfth, g1)));
      v128.store(base + 4 * step, f32x4.sub(outer, f32x4.mul(twelfth, g1)));
      v128.store(base + 5 * step, g2);
    }
  }
}

/** In place on `block`: A^T applied down the 6 columns (rows 0-3 get the result), then along rows 0-3. */
function outputTransform(block: usize): void {
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
  for (let pass = 0; pass < 2; pass++) {
    const lines = pass == 0 ? 6 : 4;
    for (let line = 0; line < lines; line++) {
      const step: usize = pass == 0 ? 96 : 16;
      const base = pass == 0 ? block + (<usize>line << 4) : block + <usize>line * 96;
      const m0 = v128.load(base), m1 = v128.load(base + step), m2 = v128.load(base + 2 * step);
      const m3 = v128.load(base + 3 * step), m4 = v128.load(base + 4 * step), m5 = v128.load(base + 5 * step);
      const sum12 = f32x4.add(m1, m2), difference12 = f32x4.sub(m1, m2);
      const sum34 = f32x4.add(m3, m4), difference34 = f32x4.sub(m3, m4);
      v128.store(base, f32x4.add(f32x4.add(m0, sum12), sum34));
      v128.store(base + step, f32x4.add(difference12, f32x4.mul(two, difference34)));
      v128.store(base + 2 * step, f32x4.add(sum12, f32x4.mul(four, sum34)));
      v128.store(base + 3 * step, f32x4.add(f32x4.add(difference12, f32x4.mul(eight, difference34)), m5));
    }
  }
}

/**
 * packFilter2x2's layout for F(4x4, 3x3): U = G g G^T at position xi (of 36), input channel ic, output
 * channel 8 * strip + j at packed[xi][strip][ic][j], zero past outC; strips [stripStart, stripEnd) only.
 * block: BLOCK_BYTES of scratch.
 */
export function packFilter4x4(filter: usize, packed: usize, inC: i32, outC: i32, stripStart: i32, stripEnd: i32, isBackpropInput: bool, block: usize): void {
  const plane = packedFilterFloats(inC, outC) << 2;
  const zero = f32x4.splat(0);
  for (let strip = stripStart; strip < stripEnd; strip++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
        const oc = strip * TILE_COLUMNS + quarter;
        const destination = packed + ((<usize>(strip * inC + ic) * TILE_COLUMNS + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < 36; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) v128.store(at(block, ky, kx), filterTap(filter, ky, kx, ic, oc, inC, outC, isBackpropInput));
        }
        filterTransform(block);
        for (let xi = 0; xi < 36; xi++) v128.store(destination + <usize>xi * plane, v128.load(block + (<usize>xi << 4)));
      }
    }
  }
}

/**
 * Prepares a constant filter once (the backend keeps the result): packFilter2x2 or packFilter4x4
 * over every strip, threads splitting the strips. Job record: 0 filter [3, 3, inC, outC],
 * 1 packed (positions x packedFilterFloats(inC, outC)), 4 scratch base, 5 scratch bytes per thread
 * (BLOCK_BYTES), 6 positions (16: F(2x2), 36: F(4x4)), then the geometry of conv2d.ts (7 batch ... 19).
 */
export function conv2dWinogradPrepare(job: usize, threadIndex: i32, threadCount: i32): void {
  const filter = pointerField(job, 0);
  const packed = pointerField(job, 1);
  const g = convGeometryOf(job);
  const inC = g.inC;
  const outC = g.outC;
  const strips = (outC + TILE_COLUMNS - 1) / TILE_COLUMNS;
  const stripStart = rangeStart(strips, 1, threadIndex, threadCount);
  const stripEnd = rangeEnd(strips, 1, threadIndex, threadCount);
  if (intField(job, 6) == 36) packFilter4x4(filter, packed, inC, outC, stripStart, stripEnd, false, scratchOf(job, threadIndex));
  else packFilter2x2(filter, packed, inC, outC, stripStart, stripEnd, false);
}

export function conv2dWinograd4(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const bias = pointerField(job, 2);
  const output = pointerField(job, 3);
  const scratch = scratchOf(job, threadIndex);
  const chunkTiles = intField(job, 6);
  const g = convGeometryOf(job);
  const isBackpropInput = intField(job, 20) != 0;
  const epilogue = epilogueOf(job);
  const residual = epilogue.residual;
  const code = epilogue.activation;
  const alphas = f32x4.splat(epilogue.alpha);
  const betas = f32x4.splat(epilogue.beta);
  const isPreparedFilter = intField(job, 29) != 0;
  const batch = g.batch;
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const tilesH = (outH + 3) >> 2;
  const tilesW = (outW + 3) >> 2;
  const imageTiles = tilesH * tilesW;
  const tiles = batch * imageTiles;
  const share = changetype<WinogradShare>(scratch);
  winogradShareOf(job, tiles, outC, threadIndex, threadCount, share);
  const first = share.tileStart;
  const last = share.tileEnd;
  const stripStart = share.stripStart;
  const stripEnd = share.stripEnd;
  if (first >= last || stripStart >= stripEnd) return;
  const ocStart = stripStart * TILE_COLUMNS;
  const ocEnd = min(outC, stripEnd * TILE_COLUMNS);
  // Scratch: tile | 6x6 block | U [36][strips][inC][8] (unless prepared) | V [36][chunk / 4][inC][4] | M [36][chunk][outC]
  const tile = scratch;
  const block = scratch + WINOGRAD_TILE_BYTES;
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  let transformedFilter = filter;
  let transformedInput = block + BLOCK_BYTES;
  if (!isPreparedFilter) {
    transformedFilter = transformedInput;
    transformedInput += 36 * filterPlane;
    packFilter4x4(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput, block);
  }
  const inputPlane = <usize>chunkTiles * <usize>inC << 2;
  const products = transformedInput + 36 * inputPlane;
  const productPlane = <usize>chunkTiles * <usize>outC << 2;
  const zero = f32x4.splat(0);
  for (let start = first; start < last; start += chunkTiles) {
    const count = min(chunkTiles, last - start);
    for (let t = 0; t < count; t++) {
      const tileIndex = start + t;
      const image = tileIndex / imageTiles;
      const y0 = ((tileIndex % imageTiles) / tilesW) * 4 - padTop;
      const x0 = (tileIndex % tilesW) * 4 - padLeft;
      const isInterior = y0 >= 0 && x0 >= 0 && y0 + 6 <= inH && x0 + 6 <= inW;
      for (let ic = 0; ic < inC; ic += 4) {
        for (let r = 0; r < 6; r++) {
          const y = y0 + r;
          for (let c = 0; c < 6; c++) {
            const x = x0 + c;
            const isInside = isInterior || (y >= 0 && y < inH && x >= 0 && x < inW);
            v128.store(at(block, r, c), isInside ? v128.load(input + (<usize>(((image * inH + y) * inW + x) * inC + ic) << 2)) : zero);
          }
        }
        inputTransform(block);
        const destination = packedInputAt(transformedInput, t, ic, inC);
        for (let xi = 0; xi < 36; xi++) storeLanes(destination + <usize>xi * inputPlane, v128.load(block + (<usize>xi << 4)));
      }
    }
    for (let xi = 0; xi < 36; xi++) {
      gemmPacked(
        transformedInput + <usize>xi * inputPlane, transformedFilter + <usize>xi * filterPlane,
        products + <usize>xi * productPlane, outC, count, outC, inC, stripStart, stripEnd, tile,
      );
    }
    for (let t = 0; t < count; t++) {
      const tileIndex = start + t;
      const image = tileIndex / imageTiles;
      const oy = ((tileIndex % imageTiles) / tilesW) * 4;
      const ox = (tileIndex % tilesW) * 4;
      const rows = min(4, outH - oy);
      const columns = min(4, outW - ox);
      for (let oc = ocStart; oc < ocEnd; oc += 4) {
        const source = products + ((<usize>t * <usize>outC + <usize>oc) << 2);
        for (let xi = 0; xi < 36; xi++) v128.store(block + (<usize>xi << 4), v128.load(source + <usize>xi * productPlane));
        outputTransform(block);
        const b = bias != 0 ? v128.load(bias + (<usize>oc << 2)) : zero;
        for (let r = 0; r < rows; r++) {
          const rowOffset = <usize>(((image * outH + oy + r) * outW + ox) * outC + oc) << 2;
          for (let c = 0; c < columns; c++) {
            storeFinished(output, residual, rowOffset + (<usize>(c * outC) << 2), f32x4.add(v128.load(at(block, r, c)), b), code, alphas, betas);
          }
        }
      }
    }
  }
}
