// Hand-worked cases of the reference kernels of average pooling (valid-only averaging at padded edges),
// global average pooling and zero padding, plus a seeded property check: an average never leaves the
// range of its window's values. Layout NHWC. All expected numbers are exact (tolerance 0).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globalAveragePool2d, Random, Tensor } from '../../../src/index.js';
import { avgPool2d, avgPool2dBackprop } from '../../../src/kernels/js/avgPool2d.js';
import { zeroPad2d, zeroPad2dBackprop } from '../../../src/kernels/js/zeroPad2d.js';
import { windowParams, type Padding, type Pool2DParams } from '../../../src/kernels/params.js';
import { zeroPadParams } from '../../../src/ops/zeroPad2d.js';
import { assertClose } from '../../helpers.js';

const EXACT = { atol: 0, rtol: 0 };

function poolParams(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  k: number,
  stride: number,
  padding: Padding,
): Pool2DParams {
  return windowParams('test', batch, inH, inW, inC, { kH: k, kW: k, strideH: stride, strideW: stride, padding });
}

// image  1 2 3
//        4 5 6
//        7 8 9
const IMAGE_3X3 = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('AvgPool2D and AvgPool2DBackprop reference kernels, by hand', () => {
  test("pool 2, stride 1, 'valid': the mean of each 2x2 window", () => {
    // (1+2+4+5)/4 = 3, (2+3+5+6)/4 = 4, (4+5+7+8)/4 = 6, (5+6+8+9)/4 = 7
    const output = new Float64Array(4);
    avgPool2d(IMAGE_3X3, output, poolParams(1, 3, 3, 1, 2, 1, 'valid'));
    assertClose(output, [3, 4, 6, 7], EXACT, 'valid avg pool');
  });

  test("pool 2, stride 2, 'same' (padding bottom/right 1): edge windows average only their valid values", () => {
    // (1+2+4+5)/4 = 3; (3+6)/2 = 4.5; (7+8)/2 = 7.5; 9/1 = 9. Counting the padded zeros would give 2.25 and 2.25.
    const params = poolParams(1, 3, 3, 1, 2, 2, 'same');
    assert.deepEqual([params.padTop, params.padBottom, params.padLeft, params.padRight], [0, 1, 0, 1]);
    const output = new Float64Array(4);
    avgPool2d(IMAGE_3X3, output, params);
    assertClose(output, [3, 4.5, 7.5, 9], EXACT, 'same avg pool');
  });

  test('two channels pool separately, and a batch of two images does not mix', () => {
    // image 0 channel 0: 1 2 / 3 4 (mean 2.5), channel 1: 10 20 / 30 40 (mean 25); image 1 is image 0 times -1.
    const input = Float64Array.from([1, 10, 2, 20, 3, 30, 4, 40, -1, -10, -2, -20, -3, -30, -4, -40]);
    const output = new Float64Array(4);
    avgPool2d(input, output, poolParams(2, 2, 2, 2, 2, 2, 'valid'));
    assertClose(output, [2.5, 25, -2.5, -25], EXACT, 'channels and batch');
  });

  test("backprop, 'same' stride 2: each gradient is split over the valid values of its window", () => {
    // dOut 1 2 / 3 4 -> dIn: window (0,0) gives 1/4 to 1 2 4 5; (0,1) gives 2/2 to 3 6; (1,0) gives 3/2 to 7 8; (1,1) 4
    // to 9.
    const dInput = new Float64Array(9);
    avgPool2dBackprop(Float64Array.from([1, 2, 3, 4]), dInput, poolParams(1, 3, 3, 1, 2, 2, 'same'));
    assertClose(dInput, [0.25, 0.25, 1, 0.25, 0.25, 1, 1.5, 1.5, 4], EXACT, 'same backprop');
  });

  test("backprop, pool 2 stride 1 'valid': overlapping windows add up (corners 1/4, edges 2/4, centre 4/4)", () => {
    const dInput = new Float64Array(9);
    avgPool2dBackprop(Float64Array.from([1, 1, 1, 1]), dInput, poolParams(1, 3, 3, 1, 2, 1, 'valid'));
    assertClose(dInput, [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25], EXACT, 'overlapping backprop');
  });

  test(
    'property: every average lies between the smallest and largest value of the input (seeded, ' + '20 geometries)',
    () => {
      const random = new Random(31);
      for (let trial = 0; trial < 20; trial++) {
        const k = 1 + random.integer(3);
        const stride = 1 + random.integer(3);
        const [inH, inW, inC] = [k + random.integer(6), k + random.integer(6), 1 + random.integer(5)];
        const params = windowParams('test', 2, inH, inW, inC, {
          kH: k,
          kW: k,
          strideH: stride,
          strideW: stride,
          padding: trial % 2 === 0 ? 'same' : 'valid',
        });
        const input = Float64Array.from({ length: 2 * inH * inW * inC }, () => random.normal());
        const output = new Float64Array(2 * params.outH * params.outW * inC);
        avgPool2d(input, output, params);
        const [low, high] = [Math.min(...input), Math.max(...input)];
        assert.ok(
          output.every((value) => value >= low - 1e-12 && value <= high + 1e-12),
          `trial ${trial}: an average left [${low}, ${high}]`,
        );
      }
    },
  );
});

describe('global average pooling and zero padding, by hand', () => {
  test('globalAveragePool2d: [1, 2, 2, 2] -> [1, 2], the mean of each channel', () => {
    const input = Tensor.fromArray([1, 10, 2, 20, 3, 30, 6, 60], [1, 2, 2, 2], 'float64');
    const output = globalAveragePool2d(input);
    assert.deepEqual(output.shape, [1, 2]);
    assertClose(output.dataSync(), [3, 30], EXACT, 'global average');
  });

  test('ZeroPad2D [top 1, bottom 0, left 0, right 2] of a 2x2 image gives 3x4; backprop crops it again', () => {
    // 0 0 0 0
    // 1 2 0 0
    // 3 4 0 0
    const params = zeroPadParams([1, 2, 2, 1], [1, 0, 0, 2]);
    assert.deepEqual([params.outH, params.outW], [3, 4]);
    const output = new Float64Array(12).fill(Number.NaN);
    zeroPad2d(Float64Array.from([1, 2, 3, 4]), output, params);
    assertClose(output, [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0], EXACT, 'zero pad');
    const dInput = new Float64Array(4);
    zeroPad2dBackprop(Float64Array.from([9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9]), dInput, params);
    assertClose(dInput, [1, 2, 3, 4], EXACT, 'zero pad backprop');
  });

  test('ZeroPad2D with 2 channels and a batch of 2, padding 1 on every side', () => {
    const params = zeroPadParams([2, 1, 1, 2], 1);
    const output = new Float64Array(2 * 3 * 3 * 2);
    zeroPad2d(Float64Array.from([1, 2, 3, 4]), output, params);
    const expected = new Array<number>(36).fill(0);
    [expected[8], expected[9], expected[26], expected[27]] = [1, 2, 3, 4];
    assertClose(output, expected, EXACT, 'zero pad channels');
  });
});
