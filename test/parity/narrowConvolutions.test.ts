// 3x3 stride-1 convolutions of training on few channels on the WebAssembly backend against the reference kernels,
// in both builds, and bit-identical on 1 and 2 threads: an image's 1 to 3 input channels widened to 4 with zeros
// (isWidenedToWinograd in wasmBackend.ts) for the forward pass (bias, ReLU, a residual) and the filter gradient,
// and thin layers of 4 to 12 channels, which take Winograd in every pass now. Shapes include odd and non-square
// sizes, 'valid' padding, batch 1 and channel counts on both sides of 4.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { convolutionAlgorithm } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

interface NarrowShape {
  batch: number;
  size: [number, number];
  inC: number;
  outC: number;
  padding: 'same' | 'valid';
}

/** Fewer than 4 input channels: widened to 4 for the forward pass and the filter gradient. */
const WIDENED_SHAPES: NarrowShape[] = [
  // W2's first layer, smaller: F(4x4, 3x3) on 2 threads.
  { batch: 8, size: [16, 16], inC: 3, outC: 16, padding: 'same' },
  // W1's first layer, smaller and non-square.
  { batch: 3, size: [13, 11], inC: 1, outC: 8, padding: 'same' },
  { batch: 1, size: [20, 18], inC: 2, outC: 12, padding: 'valid' },
];

/** Thin layers: Winograd in every pass, no widening. */
const THIN_SHAPES: NarrowShape[] = [
  { batch: 4, size: [12, 12], inC: 4, outC: 8, padding: 'same' },
  { batch: 2, size: [10, 14], inC: 8, outC: 4, padding: 'valid' },
  { batch: 6, size: [16, 16], inC: 12, outC: 20, padding: 'same' },
];

function paramsOf(shape: NarrowShape): Conv2DParams {
  const window = windowParams('case', shape.batch, shape.size[0], shape.size[1], shape.inC, {
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padding: shape.padding,
  });
  return { ...window, outC: shape.outC };
}

function describeShape(params: Conv2DParams): string {
  const { batch, inH, inW, inC, outC, padTop } = params;
  return `${batch}x${inH}x${inW}x${inC} pad ${padTop} -> ${outC}`;
}

function narrowCases(): ParityCase[] {
  const random = new Random(21);
  const cases: ParityCase[] = [];
  for (const shape of [...WIDENED_SHAPES, ...THIN_SHAPES]) {
    const params = paramsOf(shape);
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = randomArray(random, outC);
    const residual = randomArray(random, batch * outH * outW * outC);
    const dOut = randomArray(random, batch * outH * outW * outC);
    const forward: Conv2DParams = { ...params, activation: 'relu' };
    const isThin = inC >= 4;
    // float32 sums of values in [-1, 1] through Winograd's transforms (4 times the rounding of a plain sum):
    // 9 * inC products per output, one per output pixel per filter value, 9 * outC per input value.
    const rtol = 1e-4;
    const forwardTolerance = { atol: 2e-6 * 9 * Math.max(inC, 4) * 4, rtol };
    const filterTolerance = { atol: 2e-6 * batch * outH * outW * 4, rtol };
    const inputTolerance = { atol: 2e-6 * 9 * outC * 4, rtol };
    cases.push({
      name: `Conv2D + bias + ReLU ${describeShape(params)}`,
      tolerance: forwardTolerance,
      run(kernels) {
        const output = new Float32Array(batch * outH * outW * outC).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, output, forward);
        const withResidual = new Float32Array(output.length).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, withResidual, params, residual);
        return [output, withResidual];
      },
    });
    cases.push({
      name: `Conv2DBackpropFilter ${describeShape(params)}`,
      tolerance: filterTolerance,
      run(kernels) {
        const dFilter = new Float32Array(filter.length).fill(Number.NaN);
        kernels.Conv2DBackpropFilter(input, dOut, dFilter, params);
        return [dFilter];
      },
    });
    if (isThin) {
      cases.push({
        name: `Conv2DBackpropInput ${describeShape(params)}`,
        tolerance: inputTolerance,
        run(kernels) {
          const dInput = new Float32Array(input.length).fill(Number.NaN);
          kernels.Conv2DBackpropInput(dOut, filter, dInput, params);
          return [dInput];
        },
      });
    }
  }
  return cases;
}

describe('the algorithm of a training convolution on few channels', () => {
  test('fewer than 4 input channels: im2col as they are, Winograd once widened to 4', () => {
    for (const shape of WIDENED_SHAPES) {
      const params = paramsOf(shape);
      assert.equal(convolutionAlgorithm(params, 'forward'), 'im2col', describeShape(params));
      const widened = { ...params, inC: 4 };
      assert.notEqual(convolutionAlgorithm(widened, 'forward'), 'im2col', describeShape(params));
      assert.notEqual(convolutionAlgorithm(widened, 'backpropFilter'), 'im2col', describeShape(params));
    }
  });

  test('4 to 12 channels: Winograd in every pass; a constant filter on them keeps im2col', () => {
    for (const shape of THIN_SHAPES) {
      const params = paramsOf(shape);
      for (const pass of ['forward', 'backpropInput', 'backpropFilter'] as const)
        assert.notEqual(convolutionAlgorithm(params, pass), 'im2col', `${describeShape(params)} ${pass}`);
      assert.equal(convolutionAlgorithm({ ...params, isConstantFilter: true }, 'forward'), 'im2col');
    }
  });
});

const cases = narrowCases();
describeBuildParity('3x3 convolutions of training on few channels', cases);
describeThreadDeterminism('a 3x3 convolution on few channels', cases);
