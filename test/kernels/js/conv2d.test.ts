// Hand-worked cases of the convolution reference kernels (src/kernels/js/conv2d.ts): Conv2D, Conv2DBackpropInput
// and Conv2DBackpropFilter on tiny images with exact expected numbers worked out in the comments.
// Layouts: activations NHWC, filters [kH, kW, inC, outC]. Integer-valued cases match exactly (tolerance 0).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conv2d as conv2dKernel, conv2dBackpropFilter, conv2dBackpropInput } from '../../../src/kernels/js/conv2d.js';
import { assertClose } from '../../helpers.js';
import { convParams, EXACT, f64, FILTER_2X2, IMAGE_3X3 } from './referenceCases.js';

describe('Conv2D reference kernel, by hand', () => {
  test("3x3 image, 2x2 filter, 'valid', stride 1", () => {
    // out[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37; out[0,1] = 2*1 + 3*2 + 5*3 + 6*4 = 47
    // out[1,0] = 4*1 + 5*2 + 7*3 + 8*4 = 67; out[1,1] = 5*1 + 6*2 + 8*3 + 9*4 = 77
    const params = convParams(1, 3, 3, 1, 2, 2, 1, 1, 'valid');
    assert.deepEqual([params.outH, params.outW], [2, 2]);
    const output = new Float64Array(4);
    conv2dKernel(IMAGE_3X3, FILTER_2X2, null, output, params);
    assertClose(output, [37, 47, 67, 77], EXACT, 'valid conv');
  });

  test("3x3 image, 2x2 filter, 'same', stride 2: the odd padding pixel goes bottom/right", () => {
    // outH = ceil(3 / 2) = 2; total padding (2 - 1) * 2 + 2 - 3 = 1 -> top 0, bottom 1 (and left 0, right 1).
    // out[0,0] = 37 as above; out[0,1] = 3*1 + 6*3 = 21 (column 3 is padding);
    // out[1,0] = 7*1 + 8*2 = 23 (row 3 is padding); out[1,1] = 9*1 = 9.
    const params = convParams(1, 3, 3, 1, 2, 2, 1, 2, 'same');
    assert.deepEqual([params.padTop, params.padBottom, params.padLeft, params.padRight], [0, 1, 0, 1]);
    const output = new Float64Array(4);
    conv2dKernel(IMAGE_3X3, FILTER_2X2, f64([100]), output, params);
    assertClose(output, [137, 121, 123, 109], EXACT, 'same stride 2 conv with bias 100');
  });

  test('1x1 filter, 2 channels in and 2 out: filter index is ic * outC + oc', () => {
    // filter [1, 1, 2, 2] flat [w(ic0,oc0), w(ic0,oc1), w(ic1,oc0), w(ic1,oc1)] = [1, 2, 3, 4]
    // pixel (1, 10): oc0 = 1*1 + 10*3 = 31, oc1 = 1*2 + 10*4 = 42
    const output = new Float64Array(2);
    conv2dKernel(f64([1, 10]), f64([1, 2, 3, 4]), null, output, convParams(1, 1, 1, 2, 1, 1, 2, 1, 'valid'));
    assertClose(output, [31, 42], EXACT, '1x1 conv 2 -> 2');
  });

  test('2x2 filter, 2 channels in and 2 out on a 2x2 image: the [kH, kW, inC, outC] layout', () => {
    // image NHWC: (y, x, c) -> value: (0,0,0)=1 (0,0,1)=2 (0,1,0)=3 (0,1,1)=4 (1,0,0)=5 (1,0,1)=6 (1,1,0)=7 (1,1,1)=8
    // filter flat index ((ky * kW + kx) * inC + ic) * outC + oc: w[0,1,0,0] at 4 is 1, w[1,0,1,1] at 11 is 10.
    // out[oc0] = image(0,1,0) * 1 = 3, plus bias 0.5; out[oc1] = image(1,0,1) * 10 = 60, plus bias -1.
    const filter = new Float64Array(16);
    filter[4] = 1;
    filter[11] = 10;
    const output = new Float64Array(2);
    conv2dKernel(
      f64([1, 2, 3, 4, 5, 6, 7, 8]),
      filter,
      f64([0.5, -1]),
      output,
      convParams(1, 2, 2, 2, 2, 2, 2, 1, 'valid'),
    );
    assertClose(output, [3.5, 59], EXACT, 'layout');
  });

  test('batch of 2 with explicit padding 1: the second image does not see the first', () => {
    // Image 0 is all 1, image 1 all 2; 3x3 all-ones filter, padding 1, on 2x2 images: every output
    // window covers the whole 2x2 image, so image 0 gives 4 and image 1 gives 8 at all 4 positions.
    const output = new Float64Array(8);
    conv2dKernel(
      f64([1, 1, 1, 1, 2, 2, 2, 2]),
      new Float64Array(9).fill(1),
      null,
      output,
      convParams(2, 2, 2, 1, 3, 3, 1, 1, 1),
    );
    assertClose(output, [4, 4, 4, 4, 8, 8, 8, 8], EXACT, 'batch 2');
  });
});

describe('Conv2DBackpropInput and Conv2DBackpropFilter reference kernels, by hand', () => {
  // dOut 1 2   on the 2x2 output of the 'valid' example above.
  //      3 4
  const D_OUT = f64([1, 2, 3, 4]);

  test("Conv2DBackpropInput, 'valid' stride 1: dIn[iy,ix] = sum dOut[oy,ox] * w[iy-oy, ix-ox]", () => {
    // (0,0) 1*1 = 1        (0,1) 1*2 + 2*1 = 4              (0,2) 2*2 = 4
    // (1,0) 1*3 + 3*1 = 6  (1,1) 1*4 + 2*3 + 3*2 + 4*1 = 20  (1,2) 2*4 + 4*2 = 16
    // (2,0) 3*3 = 9        (2,1) 3*4 + 4*3 = 24             (2,2) 4*4 = 16
    const dInput = new Float64Array(9).fill(99);
    conv2dBackpropInput(D_OUT, FILTER_2X2, dInput, convParams(1, 3, 3, 1, 2, 2, 1, 1, 'valid'));
    assertClose(dInput, [1, 4, 4, 6, 20, 16, 9, 24, 16], EXACT, 'dInput valid');
  });

  test("Conv2DBackpropFilter, 'valid' stride 1: dW[ky,kx] = sum in[oy+ky, ox+kx] * dOut[oy,ox]", () => {
    // dW[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37; dW[0,1] = 2 + 6 + 15 + 24 = 47; dW[1,0] = 4 + 10 + 21 + 32 = 67; dW[1,1] =
    // 5 + 12 + 24 + 36 = 77
    const dFilter = new Float64Array(4).fill(99);
    conv2dBackpropFilter(IMAGE_3X3, D_OUT, dFilter, convParams(1, 3, 3, 1, 2, 2, 1, 1, 'valid'));
    assertClose(dFilter, [37, 47, 67, 77], EXACT, 'dFilter valid');
  });

  test("both, 'same' stride 2 (padding bottom/right 1): padded taps contribute nothing", () => {
    // Windows: out(0,0) rows 0-1 cols 0-1; out(0,1) rows 0-1 col 2; out(1,0) row 2 cols 0-1; out(1,1) pixel (2,2).
    // dIn: (0,0) 1*1=1 (0,1) 1*2=2 (0,2) 2*1=2 / (1,0) 1*3=3 (1,1) 1*4=4 (1,2) 2*3=6 / (2,0) 3*1=3 (2,1) 3*2=6 (2,2)
    // 4*1=4 dW[0,0] = 1*1 + 3*2 + 7*3 + 9*4 = 64; dW[0,1] = 2*1 + 8*3 = 26; dW[1,0] = 4*1 + 6*2 = 16; dW[1,1] = 5*1 = 5
    const params = convParams(1, 3, 3, 1, 2, 2, 1, 2, 'same');
    const dInput = new Float64Array(9);
    conv2dBackpropInput(D_OUT, FILTER_2X2, dInput, params);
    assertClose(dInput, [1, 2, 2, 3, 4, 6, 3, 6, 4], EXACT, 'dInput same stride 2');
    const dFilter = new Float64Array(4);
    conv2dBackpropFilter(IMAGE_3X3, D_OUT, dFilter, params);
    assertClose(dFilter, [64, 26, 16, 5], EXACT, 'dFilter same stride 2');
  });

  test('2 channels in, 2 out, 1x1 filter: dIn = W dOut, dW = in outer dOut', () => {
    // W (ic rows, oc columns) = [[1, 2], [3, 4]]; dOut (5, 7): dIn ic0 = 1*5 + 2*7 = 19, ic1 = 3*5 + 4*7 = 43.
    // input (1, 10): dW[ic, oc] = in[ic] * dOut[oc] = [5, 7, 50, 70].
    const params = convParams(1, 1, 1, 2, 1, 1, 2, 1, 'valid');
    const dInput = new Float64Array(2);
    conv2dBackpropInput(f64([5, 7]), f64([1, 2, 3, 4]), dInput, params);
    assertClose(dInput, [19, 43], EXACT, 'dInput 2 -> 2');
    const dFilter = new Float64Array(4);
    conv2dBackpropFilter(f64([1, 10]), f64([5, 7]), dFilter, params);
    assertClose(dFilter, [5, 7, 50, 70], EXACT, 'dFilter 2 -> 2');
  });
});
