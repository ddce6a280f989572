// Hand-worked cases with exact expected numbers for every reference kernel (src/kernels/js), worked out
// in the comments beside them, plus seeded property checks (softmax, identity filters, pooling bounds,
// output-size arithmetic). Layouts: activations NHWC, filters [kH, kW, inC, outC].
// Integer-valued cases must match exactly (tolerance 0); transcendental ones state their tolerance.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam, conv2d, maxPool2dWithArgmax, type Padding, Random, SGD, softmax, Tensor } from '../../../src/index.js';
import { relu, reluGrad, sigmoid, sigmoidGrad, tanh, tanhGrad } from '../../../src/kernels/js/activations.js';
import { conv2d as conv2dKernel, conv2dBackpropFilter, conv2dBackpropInput } from '../../../src/kernels/js/conv2d.js';
import { add, biasAdd, biasAddGrad, clipBiasAddGrad, multiply } from '../../../src/kernels/js/elementwise.js';
import { matMul } from '../../../src/kernels/js/matMul.js';
import { maxPool2d, maxPool2dBackprop } from '../../../src/kernels/js/maxPool2d.js';
import { adamUpdate, sgdUpdate } from '../../../src/kernels/js/optimizerUpdates.js';
import {
  softmax as softmaxKernel,
  softmaxCrossEntropy,
  softmaxCrossEntropyGrad,
  softmaxGrad,
} from '../../../src/kernels/js/softmax.js';
import { resolvePadding, windowParams, type Conv2DParams, type Pool2DParams } from '../../../src/kernels/params.js';
import { assertClose } from '../../helpers.js';

const EXACT = { atol: 0, rtol: 0 };
/** Float64 results of a few exp/log evaluations. */
const FLOAT64 = { atol: 1e-14, rtol: 1e-12 };

function f64(values: number[]): Float64Array {
  return Float64Array.from(values);
}

function convParams(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  kH: number,
  kW: number,
  outC: number,
  stride: number,
  padding: Padding,
): Conv2DParams {
  return { ...windowParams('test', batch, inH, inW, inC, { kH, kW, strideH: stride, strideW: stride, padding }), outC };
}

function poolParams(inH: number, inW: number, inC: number, k: number, stride: number, padding: Padding): Pool2DParams {
  return windowParams('test', 1, inH, inW, inC, { kH: k, kW: k, strideH: stride, strideW: stride, padding });
}

// The running example: a 1x3x3x1 image and a 2x2 filter.
//   image  1 2 3     filter  1 2
//          4 5 6             3 4
//          7 8 9
const IMAGE_3X3 = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const FILTER_2X2 = f64([1, 2, 3, 4]);

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

describe('MaxPool2D and MaxPool2DBackprop reference kernels, by hand', () => {
  test('pool 2 stride 2: values and flat argmax indices', () => {
    //  1 5 | 2 0      windows: {1,5,3,4} -> 5 at 1; {2,0,8,7} -> 8 at 6
    //  3 4 | 8 7               {0,2,6,1} -> 6 at 12; {1,1,3,9} -> 9 at 15
    //  0 2 | 1 1
    //  6 1 | 3 9
    const output = new Float64Array(4);
    const argmax = new Int32Array(4);
    maxPool2d(
      f64([1, 5, 2, 0, 3, 4, 8, 7, 0, 2, 1, 1, 6, 1, 3, 9]),
      output,
      argmax,
      poolParams(4, 4, 1, 2, 2, 'valid'),
    );
    assertClose(output, [5, 8, 6, 9], EXACT, 'pooled values');
    assert.deepEqual(Array.from(argmax), [1, 6, 12, 15]);
  });

  test('ties go to the first position in scan order', () => {
    const output = new Float64Array(1);
    const argmax = new Int32Array(1);
    maxPool2d(f64([2, 2, 2, 2]), output, argmax, poolParams(2, 2, 1, 2, 2, 'valid'));
    assert.deepEqual([output[0], argmax[0]], [2, 0]);
  });

  test('two channels pool separately; argmax indexes the NHWC input', () => {
    // pixels (c0, c1): (1, 8) (4, 5) (3, 6) (2, 7): channel 0 max 4 at flat 2, channel 1 max 8 at flat 1.
    const output = new Float64Array(2);
    const argmax = new Int32Array(2);
    maxPool2d(f64([1, 8, 4, 5, 3, 6, 2, 7]), output, argmax, poolParams(2, 2, 2, 2, 2, 'valid'));
    assertClose(output, [4, 8], EXACT, 'per-channel max');
    assert.deepEqual(Array.from(argmax), [2, 1]);
  });

  test("padding never wins: all-negative input with 'same' and explicit padding gives negatives, not 0", () => {
    // 'same', pool 2, stride 2 on 3x3: padding bottom/right 1. Windows {-1,-2,-4,-5} {-3,-6} {-7,-8} {-9}.
    const output = new Float64Array(4);
    const argmax = new Int32Array(4);
    maxPool2d(f64([-1, -2, -3, -4, -5, -6, -7, -8, -9]), output, argmax, poolParams(3, 3, 1, 2, 2, 'same'));
    assertClose(output, [-1, -3, -7, -9], EXACT, "'same' padding");
    assert.deepEqual(Array.from(argmax), [0, 2, 6, 8]);
    // Padding 1 all round, pool 2, stride 2 on 2x2: each window holds one real pixel.
    const padded = poolParams(2, 2, 1, 2, 2, 1);
    assert.deepEqual([padded.outH, padded.outW], [2, 2]);
    maxPool2d(f64([-1, -2, -3, -4]), output, argmax, padded);
    assertClose(output, [-1, -2, -3, -4], EXACT, 'explicit padding 1');
    assert.deepEqual(Array.from(argmax), [0, 1, 2, 3]);
  });

  test('NaN propagates and its position is the argmax, even when larger values follow it', () => {
    // 1x2x4x1:  NaN 5 | 1   2      window 0 {NaN, 5, 7, 9} -> NaN at 0
    //            7  9 | NaN 3      window 1 {1, 2, NaN, 3} -> NaN at 6
    const output = new Float64Array(2);
    const argmax = new Int32Array(2);
    maxPool2d(f64([Number.NaN, 5, 1, 2, 7, 9, Number.NaN, 3]), output, argmax, poolParams(2, 4, 1, 2, 2, 'valid'));
    assert.ok(Number.isNaN(output[0]!) && Number.isNaN(output[1]!), `expected NaN, NaN; got ${Array.from(output)}`);
    assert.deepEqual(Array.from(argmax), [0, 6]);
  });

  test('backprop routes each gradient to its argmax; overlapping windows add up', () => {
    // pool 2 stride 1 on 3x3 with the maximum 9 in the centre: all four windows pick it, so dIn = 1+2+3+4 there.
    const params = poolParams(3, 3, 1, 2, 1, 'valid');
    const output = new Float64Array(4);
    const argmax = new Int32Array(4);
    maxPool2d(f64([1, 2, 3, 4, 9, 5, 6, 7, 8]), output, argmax, params);
    assert.deepEqual(Array.from(argmax), [4, 4, 4, 4]);
    const dInput = new Float64Array(9).fill(99);
    maxPool2dBackprop(f64([1, 2, 3, 4]), argmax, dInput, params);
    assertClose(dInput, [0, 0, 0, 0, 10, 0, 0, 0, 0], EXACT, 'dInput');
  });
});

describe('MatMul reference kernel, by hand', () => {
  // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
  // A B = [[1*7 + 2*9 + 3*11, 1*8 + 2*10 + 3*12], [4*7 + 5*9 + 6*11, 4*8 + 5*10 + 6*12]] = [[58, 64], [139, 154]]
  const A = f64([1, 2, 3, 4, 5, 6]);
  const A_TRANSPOSED = f64([1, 4, 2, 5, 3, 6]);
  const B = f64([7, 8, 9, 10, 11, 12]);
  const B_TRANSPOSED = f64([7, 9, 11, 8, 10, 12]);

  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      test(`2x3 by 3x2, transposeA ${transposeA}, transposeB ${transposeB}`, () => {
        const output = new Float64Array(4).fill(99);
        matMul(transposeA ? A_TRANSPOSED : A, transposeB ? B_TRANSPOSED : B, output, {
          m: 2,
          k: 3,
          n: 2,
          transposeA,
          transposeB,
        });
        assertClose(output, [58, 64, 139, 154], EXACT, 'A B');
      });
    }
  }

  test('3x2 by 2x3 (B A) gives a 3x3 result', () => {
    // B A row 0 = 7*[1,2,3] + 8*[4,5,6] = [39, 54, 69]; row 1 = 9*[1,2,3] + 10*[4,5,6] = [49, 68, 87]; row 2 = [59, 82,
    // 105]
    const output = new Float64Array(9);
    matMul(B, A, output, { m: 3, k: 2, n: 3, transposeA: false, transposeB: false });
    assertClose(output, [39, 54, 69, 49, 68, 87, 59, 82, 105], EXACT, 'B A');
  });
});

describe('elementwise, bias and activation reference kernels, by hand', () => {
  test('Add, BiasAdd and BiasAddGrad', () => {
    const sum = new Float64Array(3);
    add(f64([1, 2, 3]), f64([10, 20, 30]), sum, { size: 3 });
    assertClose(sum, [11, 22, 33], EXACT, 'add');
    const output = new Float64Array(6);
    biasAdd(f64([1, 2, 3, 4, 5, 6]), f64([10, 20, 30]), output, { rows: 2, columns: 3 });
    assertClose(output, [11, 22, 33, 14, 25, 36], EXACT, 'biasAdd');
    const dBias = new Float64Array(3).fill(99);
    biasAddGrad(f64([1, 2, 3, 4, 5, 6]), dBias, { rows: 2, columns: 3 });
    assertClose(dBias, [5, 7, 9], EXACT, 'biasAddGrad (column sums)');
  });

  test('ClipBiasAddGrad: dOut where min < output < max (open at both ends), and its column sums', () => {
    const dInput = new Float64Array(6).fill(99);
    const dBias = new Float64Array(3).fill(99);
    // ReLU6's output: 0 and 6 are clipped (no gradient), 0.5, 3, 5.5 and 6 - 1e-9 pass.
    clipBiasAddGrad(f64([1, 2, 3, 4, 5, 6]), f64([0, 0.5, 6, 3, 5.5, 6 - 1e-9]), dInput, dBias, {
      rows: 2,
      columns: 3,
      min: 0,
      max: 6,
    });
    assertClose(dInput, [0, 2, 0, 4, 5, 6], EXACT, 'clipBiasAddGrad dInput');
    assertClose(dBias, [4, 7, 6], EXACT, 'clipBiasAddGrad dBias');
  });

  test('Multiply: the product value by value; the output may alias an input', () => {
    const product = new Float64Array(4);
    multiply(f64([1, -2, 0.5, 0]), f64([10, 3, -4, -7]), product, { size: 4 });
    assertClose(product, [10, -6, -2, -0], EXACT, 'multiply');
    const squares = f64([3, -1.5]);
    multiply(squares, squares, squares, { size: 2 });
    assertClose(squares, [9, 2.25], EXACT, 'multiply in place');
  });

  test('Relu and ReluGrad: negative and zero give 0, NaN stays NaN, the derivative at 0 is 0', () => {
    const input = f64([-2, -0, 0, 0.5, 3]);
    const output = new Float64Array(5);
    relu(input, output, { size: 5 });
    assertClose(output, [0, 0, 0, 0.5, 3], EXACT, 'relu');
    const nan = new Float64Array(1);
    relu(f64([Number.NaN]), nan, { size: 1 });
    assert.ok(Number.isNaN(nan[0]!), 'relu(NaN) is NaN');
    const dInput = new Float64Array(5);
    reluGrad(f64([1, 2, 3, 4, 5]), input, dInput, { size: 5 });
    assertClose(dInput, [0, 0, 0, 4, 5], EXACT, 'reluGrad');
  });

  test('Sigmoid and SigmoidGrad, including +-1000 without overflow', () => {
    const output = new Float64Array(5);
    sigmoid(f64([0, 2, -2, 1000, -1000]), output, { size: 5 });
    assertClose(output, [0.5, 1 / (1 + Math.exp(-2)), Math.exp(-2) / (1 + Math.exp(-2)), 1, 0], FLOAT64, 'sigmoid');
    const dInput = new Float64Array(2);
    sigmoidGrad(f64([2, 3]), f64([0.5, 0.25]), dInput, { size: 2 });
    assertClose(dInput, [2 * 0.5 * 0.5, 3 * 0.25 * 0.75], EXACT, 'sigmoidGrad = dOut * s * (1 - s)');
  });

  test('Tanh and TanhGrad', () => {
    const output = new Float64Array(3);
    tanh(f64([0, 0.5, -3]), output, { size: 3 });
    assertClose(
      output,
      [0, (Math.exp(1) - 1) / (Math.exp(1) + 1), -(Math.exp(6) - 1) / (Math.exp(6) + 1)],
      FLOAT64,
      'tanh',
    );
    const dInput = new Float64Array(2);
    tanhGrad(f64([2, 3]), f64([0.5, -0.25]), dInput, { size: 2 });
    assertClose(dInput, [2 * 0.75, 3 * (1 - 0.0625)], EXACT, 'tanhGrad = dOut * (1 - t^2)');
  });
});

describe('Softmax and SoftmaxCrossEntropy reference kernels, by hand', () => {
  const E1 = Math.exp(1);
  const E2 = Math.exp(2);
  const E3 = Math.exp(3);
  const SUM = E1 + E2 + E3;

  test('softmax of [1, 2, 3] is exp(i) / (e + e^2 + e^3), and of [1001, 1002, 1003] the same without overflow', () => {
    const output = new Float64Array(6);
    softmaxKernel(f64([1, 2, 3, 1001, 1002, 1003]), output, { rows: 2, columns: 3 });
    assertClose(output, [E1 / SUM, E2 / SUM, E3 / SUM, E1 / SUM, E2 / SUM, E3 / SUM], FLOAT64, 'softmax');
  });

  test('SoftmaxGrad applies the Jacobian diag(p) - p p^T to dOut', () => {
    // dOut = [1, 0, 0]: dIn_j = p_j * ([j = 0] - p_0)
    const p = [0.2, 0.3, 0.5];
    const dInput = new Float64Array(3);
    softmaxGrad(f64([1, 0, 0]), f64(p), dInput, { rows: 1, columns: 3 });
    assertClose(dInput, [0.2 * 0.8, -0.3 * 0.2, -0.5 * 0.2], FLOAT64, 'softmaxGrad');
  });

  test(
    'cross-entropy of logits [1, 2, 3] with class 2 is log(1 + e^-1 + e^-2); of [0, 0] with ' + '[0.5, 0.5] is log 2',
    () => {
      const probabilities = new Float64Array(5);
      const losses = new Float64Array(2);
      // Two rows of different meaning cannot share one [rows, columns] call, so call twice.
      softmaxCrossEntropy(f64([1, 2, 3]), f64([0, 0, 1]), probabilities.subarray(0, 3), losses.subarray(0, 1), {
        rows: 1,
        columns: 3,
      });
      softmaxCrossEntropy(f64([0, 0]), f64([0.5, 0.5]), probabilities.subarray(3), losses.subarray(1), {
        rows: 1,
        columns: 2,
      });
      assertClose(losses, [Math.log(1 + Math.exp(-1) + Math.exp(-2)), Math.LN2], FLOAT64, 'losses');
      assertClose(probabilities, [E1 / SUM, E2 / SUM, E3 / SUM, 0.5, 0.5], FLOAT64, 'probabilities');
    },
  );

  test('a logit gap of 1000 gives a finite loss of 1000, not Infinity', () => {
    const losses = new Float64Array(1);
    softmaxCrossEntropy(f64([0, 1000]), f64([1, 0]), new Float64Array(2), losses, { rows: 1, columns: 2 });
    assertClose(losses, [1000], FLOAT64, 'loss');
  });

  test('SoftmaxCrossEntropyGrad is (p * sum(t) - t) * scale', () => {
    // one-hot row: ([0.2, 0.3, 0.5] - [0, 0, 1]) * 0.5 = [0.1, 0.15, -0.25]
    // a row whose targets sum to 2: (2 [0.25, 0.25, 0.5] - [1, 0, 1]) * 0.5 = [-0.25, 0.25, 0]
    const dLogits = new Float64Array(6);
    softmaxCrossEntropyGrad(f64([0.2, 0.3, 0.5, 0.25, 0.25, 0.5]), f64([0, 0, 1, 1, 0, 1]), dLogits, {
      rows: 2,
      columns: 3,
      scale: 0.5,
    });
    assertClose(dLogits, [0.1, 0.15, -0.25, -0.25, 0.25, 0], FLOAT64, 'dLogits');
  });
});

describe('SgdUpdate and AdamUpdate reference kernels against the formulas, after 1 and 2 steps', () => {
  // w0 = [1, -2], gradients g1 = [0.5, 0.25] then g2 = [-1, 2], learning rate 0.1.
  const W0 = [1, -2];
  const G1 = [0.5, 0.25];
  const G2 = [-1, 2];

  function sgdSteps(momentum: number, isNesterov: boolean, weightDecay: number): number[][] {
    const weights = f64(W0);
    const velocity = new Float64Array(2);
    const after: number[][] = [];
    for (const gradient of [G1, G2]) {
      sgdUpdate(weights, f64(gradient), velocity, { size: 2, learningRate: 0.1, momentum, isNesterov, weightDecay });
      after.push(Array.from(weights));
    }
    return after;
  }

  test('plain SGD: w -= lr * g', () => {
    // w1 = [1 - 0.05, -2 - 0.025] = [0.95, -2.025]; w2 = [0.95 + 0.1, -2.025 - 0.2] = [1.05, -2.225]
    const [first, second] = sgdSteps(0, false, 0);
    assertClose(first!, [0.95, -2.025], FLOAT64, 'step 1');
    assertClose(second!, [1.05, -2.225], FLOAT64, 'step 2');
  });

  test('SGD with momentum 0.9: v = 0.9 v + g, w -= lr * v', () => {
    // v1 = g1 = [0.5, 0.25], w1 = [0.95, -2.025]; v2 = 0.9 v1 + g2 = [-0.55, 2.225], w2 = w1 - 0.1 v2 = [1.005,
    // -2.2475]
    const [first, second] = sgdSteps(0.9, false, 0);
    assertClose(first!, [0.95, -2.025], FLOAT64, 'step 1');
    assertClose(second!, [1.005, -2.2475], FLOAT64, 'step 2');
  });

  test('SGD with Nesterov momentum 0.9: w -= lr * (g + 0.9 v)', () => {
    // v1 = g1, step = 1.9 g1 = [0.95, 0.475], w1 = [0.905, -2.0475]
    // v2 = [-0.55, 2.225], step = g2 + 0.9 v2 = [-1.495, 4.0025], w2 = [1.0545, -2.44775]
    const [first, second] = sgdSteps(0.9, true, 0);
    assertClose(first!, [0.905, -2.0475], FLOAT64, 'step 1');
    assertClose(second!, [1.0545, -2.44775], FLOAT64, 'step 2');
  });

  test('SGD with weight decay 0.01: g += 0.01 w', () => {
    // g1' = [0.5 + 0.01, 0.25 - 0.02] = [0.51, 0.23], w1 = [0.949, -2.023]
    // g2' = [-1 + 0.00949, 2 - 0.02023] = [-0.99051, 1.97977], w2 = [1.048051, -2.220977]
    const [first, second] = sgdSteps(0, false, 0.01);
    assertClose(first!, [0.949, -2.023], FLOAT64, 'step 1');
    assertClose(second!, [1.048051, -2.220977], FLOAT64, 'step 2');
  });

  /** Adam from its definition, written out independently of the kernel. */
  function adamByHand(learningRate: number, weightDecay: number): number[][] {
    const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
    const weights = [...W0];
    const m = [0, 0];
    const v = [0, 0];
    const after: number[][] = [];
    [G1, G2].forEach((gradient, index) => {
      const t = index + 1;
      for (let i = 0; i < 2; i++) {
        const g = gradient[i]! + weightDecay * weights[i]!;
        m[i] = beta1 * m[i]! + (1 - beta1) * g;
        v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
        const mHat = m[i]! / (1 - beta1 ** t);
        const vHat = v[i]! / (1 - beta2 ** t);
        weights[i] = weights[i]! - (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      after.push([...weights]);
    });
    return after;
  }

  for (const weightDecay of [0, 0.01]) {
    test(`Adam (lr 0.1, betas 0.9 / 0.999, eps 1e-8, weight decay ${weightDecay})`, () => {
      const weights = f64(W0);
      const firstMoment = new Float64Array(2);
      const secondMoment = new Float64Array(2);
      const after: number[][] = [];
      [G1, G2].forEach((gradient, index) => {
        adamUpdate(weights, f64(gradient), firstMoment, secondMoment, {
          size: 2,
          learningRate: 0.1,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          step: index + 1,
          weightDecay,
        });
        after.push(Array.from(weights));
      });
      const expected = adamByHand(0.1, weightDecay);
      assertClose(after[0]!, expected[0]!, FLOAT64, 'step 1');
      assertClose(after[1]!, expected[1]!, FLOAT64, 'step 2');
      if (weightDecay === 0) {
        // Step 1 with bias correction moves each weight by lr * g / (|g| + eps), i.e. about lr against the sign of g.
        assertClose(
          after[0]!,
          [1 - (0.1 * 0.5) / (0.5 + 1e-8), -2 - (0.1 * 0.25) / (0.25 + 1e-8)],
          FLOAT64,
          'step 1 closed form',
        );
      }
    });
  }

  test('the SGD and Adam classes keep their state per weight across two applyGradients calls', () => {
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true });
    const adam = new Adam({ learningRate: 0.1 });
    const sgdWeight = Tensor.fromArray(W0, [2], 'float64');
    const adamWeight = Tensor.fromArray(W0, [2], 'float64');
    for (const gradient of [G1, G2]) {
      sgd.applyGradients([sgdWeight], [Tensor.fromArray(gradient, [2], 'float64')]);
      adam.applyGradients([adamWeight], [Tensor.fromArray(gradient, [2], 'float64')]);
    }
    assertClose(sgdWeight.dataSync(), [1.0545, -2.44775], FLOAT64, 'SGD nesterov class');
    assertClose(adamWeight.dataSync(), adamByHand(0.1, 0)[1]!, FLOAT64, 'Adam class');
  });
});

describe('properties on seeded random inputs', () => {
  function randomTensor(random: Random, shape: readonly number[], scale = 1): Tensor {
    const tensor = Tensor.zeros(shape, 'float64');
    for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = scale * (2 * random.uniform() - 1);
    return tensor;
  }

  function rowSums(values: ArrayLike<number>, rows: number, columns: number): number[] {
    const sums = new Array<number>(rows).fill(0);
    for (let index = 0; index < rows * columns; index++) sums[Math.floor(index / columns)]! += values[index]!;
    return sums;
  }

  test(
    'softmax rows sum to 1 (within 1e-12) and do not change when every input shifts by a constant ' + '(within 1e-12)',
    () => {
      const random = new Random(10);
      for (let trial = 0; trial < 20; trial++) {
        const rows = 1 + random.integer(6);
        const columns = 1 + random.integer(9);
        const logits = randomTensor(random, [rows, columns], 10);
        const probabilities = softmax(logits);
        const sums = rowSums(probabilities.dataSync(), rows, columns);
        assertClose(sums, new Array<number>(rows).fill(1), { atol: 1e-12, rtol: 0 }, `row sums, trial ${trial}`);
        const shift = 100 * (2 * random.uniform() - 1);
        const shifted = Tensor.fromArray(
          Array.from(logits.dataSync(), (value) => value + shift),
          logits.shape,
          'float64',
        );
        assertClose(
          softmax(shifted).dataSync(),
          probabilities.dataSync(),
          { atol: 1e-12, rtol: 0 },
          `shift by ${shift}, trial ${trial}`,
        );
      }
    },
  );

  test('softmax in float32 rows sum to 1 within 1e-6', () => {
    const logits = randomTensor(new Random(11), [8, 10], 20).clone('float32');
    const probabilities = softmax(logits);
    const sums = rowSums(probabilities.dataSync(), 8, 10);
    assertClose(sums, new Array<number>(8).fill(1), { atol: 1e-6, rtol: 0 }, 'float32 row sums');
  });

  test('identity filters return their input exactly: 1x1 identity matrix, and 3x3 centre tap with same padding', () => {
    const random = new Random(12);
    for (const channels of [1, 3, 4]) {
      const input = randomTensor(random, [2, 5, 7, channels]);
      const identity1x1 = Tensor.zeros([1, 1, channels, channels], 'float64');
      const centre3x3 = Tensor.zeros([3, 3, channels, channels], 'float64');
      for (let channel = 0; channel < channels; channel++) {
        identity1x1.dataSync()[channel * channels + channel] = 1;
        centre3x3.dataSync()[((1 * 3 + 1) * channels + channel) * channels + channel] = 1;
      }
      assertClose(
        conv2d(input, identity1x1, null).dataSync(),
        input.dataSync(),
        EXACT,
        `1x1 identity, ${channels} channels`,
      );
      assertClose(
        conv2d(input, centre3x3, null, { padding: 'same' }).dataSync(),
        input.dataSync(),
        EXACT,
        `3x3 centre, ${channels} channels`,
      );
    }
  });

  test('max pooling never exceeds the input maximum, and each output is the input value at its argmax', () => {
    const random = new Random(13);
    for (let trial = 0; trial < 30; trial++) {
      const [inH, inW, channels, pool, stride] = [
        2 + random.integer(8),
        2 + random.integer(8),
        1 + random.integer(4),
        2 + random.integer(2),
        1 + random.integer(3),
      ];
      if (pool > Math.min(inH, inW)) continue;
      const padding: Padding = (['valid', 'same', 1] as const)[random.integer(3)]!;
      const input = randomTensor(random, [1 + random.integer(3), inH, inW, channels], 5);
      const inputMax = Math.max(...input.dataSync());
      const { output, argmax } = maxPool2dWithArgmax(input, { poolSize: pool, strides: stride, padding });
      output.dataSync().forEach((value, index) => {
        assert.ok(value <= inputMax, `trial ${trial}: output ${value} exceeds input max ${inputMax}`);
        assert.equal(value, input.dataSync()[argmax[index]!], `trial ${trial}: output ${index} is not input[argmax]`);
      });
    }
  });

  test(
    'conv2d output size is floor((W - K + padBefore + padAfter) / S) + 1, i.e. (W - K + 2P) / S + 1, for ' +
      'random geometries',
    () => {
      const random = new Random(14);
      let checked = 0;
      while (checked < 60) {
        const [inH, inW, kH, kW, strideH, strideW, pad] = [
          1 + random.integer(12),
          1 + random.integer(12),
          1 + random.integer(5),
          1 + random.integer(5),
          1 + random.integer(3),
          1 + random.integer(3),
          random.integer(3),
        ];
        const expectedH = Math.floor((inH - kH + 2 * pad) / strideH) + 1;
        const expectedW = Math.floor((inW - kW + 2 * pad) / strideW) + 1;
        if (expectedH < 1 || expectedW < 1) continue;
        const output = conv2d(
          Tensor.zeros([1, inH, inW, 2], 'float64'),
          Tensor.zeros([kH, kW, 2, 3], 'float64'),
          null,
          {
            strides: [strideH, strideW],
            padding: pad,
          },
        );
        assert.deepEqual(
          output.shape,
          [1, expectedH, expectedW, 3],
          `in ${inH}x${inW}, kernel ${kH}x${kW}, strides ${strideH}x${strideW}, padding ${pad}`,
        );
        checked++;
      }
    },
  );

  test("'same' padding gives ceil(in / stride) for random sizes, kernels and strides (conv and pooling)", () => {
    const random = new Random(15);
    for (let trial = 0; trial < 60; trial++) {
      const [inH, inW, k, strideH, strideW] = [
        1 + random.integer(15),
        1 + random.integer(15),
        1 + random.integer(5),
        1 + random.integer(4),
        1 + random.integer(4),
      ];
      const output = conv2d(Tensor.zeros([1, inH, inW, 1], 'float64'), Tensor.zeros([k, k, 1, 1], 'float64'), null, {
        strides: [strideH, strideW],
        padding: 'same',
      });
      const expected = [1, Math.ceil(inH / strideH), Math.ceil(inW / strideW), 1];
      assert.deepEqual(output.shape, expected, `conv in ${inH}x${inW}, kernel ${k}, strides ${strideH}x${strideW}`);
      const pads = resolvePadding('same', inH, inW, k, k, strideH, strideW);
      assert.ok(
        pads.padBottom - pads.padTop === 0 || pads.padBottom - pads.padTop === 1,
        `odd pixel goes to the bottom: ${JSON.stringify(pads)}`,
      );
      if (k >= 2 && k <= Math.min(inH, inW)) {
        const pooled = maxPool2dWithArgmax(Tensor.zeros([1, inH, inW, 1], 'float64'), {
          poolSize: k,
          strides: [strideH, strideW],
          padding: 'same',
        });
        assert.deepEqual(
          pooled.output.shape,
          expected,
          `pool in ${inH}x${inW}, pool ${k}, strides ${strideH}x${strideW}`,
        );
      }
    }
  });

  test('explicit padding equals a valid convolution of a zero-padded copy of the input (within 1e-12)', () => {
    const random = new Random(16);
    for (let trial = 0; trial < 10; trial++) {
      const [inH, inW, inC, outC, k, stride] = [
        2 + random.integer(6),
        2 + random.integer(6),
        1 + random.integer(3),
        1 + random.integer(3),
        1 + random.integer(3),
        1 + random.integer(2),
      ];
      const pads: [number, number, number, number] = [
        random.integer(3),
        random.integer(3),
        random.integer(3),
        random.integer(3),
      ];
      const [top, bottom, left, right] = pads;
      const input = randomTensor(random, [1, inH, inW, inC]);
      const filter = randomTensor(random, [k, k, inC, outC]);
      const paddedH = inH + top + bottom;
      const paddedW = inW + left + right;
      if (paddedH < k || paddedW < k) continue;
      const padded = Tensor.zeros([1, paddedH, paddedW, inC], 'float64');
      for (let y = 0; y < inH; y++) {
        for (let x = 0; x < inW; x++) {
          for (let c = 0; c < inC; c++)
            padded.dataSync()[((y + top) * paddedW + x + left) * inC + c] = input.dataSync()[(y * inW + x) * inC + c]!;
        }
      }
      const direct = conv2d(input, filter, null, { strides: stride, padding: pads });
      const viaCopy = conv2d(padded, filter, null, { strides: stride, padding: 'valid' });
      assert.deepEqual(direct.shape, viaCopy.shape);
      assertClose(direct.dataSync(), viaCopy.dataSync(), { atol: 1e-12, rtol: 0 }, `trial ${trial}, padding ${pads}`);
    }
  });
});
