// The polyphase F(5x5, 4x4) of 7x7 stride-2 convolutions (assembly/winogradPolyphase.ts), with prepared
// (constant) filters and with filters packed on each call (training), and its filter gradient by F(4x4, 5x5),
// against the reference kernels: 1 to 4 input channels, ResNet's padding of 3
// and others (none, TensorFlow's 'same', uneven ones), odd and even input sizes whose outputs end in partial 3x3
// tiles, batches of 1 to 3, output channels that are not multiples of 8, both thread splits (tiles, output-channel
// strips), with and without bias, every fused activation and a residual. Each case calls twice with different
// inputs (the packed filter kept between calls). Both builds; bit-identical on 1 and 2 threads. Outputs start as
// NaN: every value must be written.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, type KernelSignatures, type Padding } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { convolutionAlgorithm, isWinogradSplitByColumns } from '../../src/kernels/wasm/wasmBackend.js';
import {
  describeBuildParity,
  describeThreadDeterminism,
  FUSED_ACTIVATIONS,
  randomArray,
  type ParityCase,
} from './harness.js';

interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  padding: Padding;
  hasBias: boolean;
  hasResidual?: boolean;
}

const GEOMETRIES: readonly Geometry[] = [
  // ResNet's stem, smaller: 3 channels, padding 3.
  { batch: 2, inH: 32, inW: 32, inC: 3, outC: 64, padding: 3, hasBias: true },
  { batch: 1, inH: 37, inW: 29, inC: 3, outC: 16, padding: 3, hasBias: false },
  { batch: 3, inH: 21, inW: 23, inC: 3, outC: 12, padding: 3, hasBias: true, hasResidual: true },
  { batch: 1, inH: 40, inW: 40, inC: 1, outC: 8, padding: 'valid', hasBias: true },
  { batch: 2, inH: 19, inW: 26, inC: 2, outC: 20, padding: 'same', hasBias: false },
  { batch: 1, inH: 33, inW: 31, inC: 4, outC: 44, padding: [2, 4, 1, 3], hasBias: true },
  { batch: 3, inH: 15, inW: 17, inC: 3, outC: 24, padding: [0, 1, 3, 2], hasBias: true, hasResidual: true },
  // Few tiles, many channels: the threads split output-channel strips.
  { batch: 1, inH: 12, inW: 12, inC: 3, outC: 128, padding: 3, hasBias: true },
  // Several chunks of tiles per thread.
  { batch: 2, inH: 64, inW: 58, inC: 3, outC: 32, padding: 3, hasBias: true },
];

function polyphaseCases(random: Random): ParityCase[] {
  return GEOMETRIES.flatMap((geometry, index) => {
    const { batch, inH, inW, inC, outC, padding } = geometry;
    const window = windowParams('case', batch, inH, inW, inC, {
      kH: 7,
      kW: 7,
      strideH: 2,
      strideW: 2,
      padding,
      dilationH: 1,
      dilationW: 1,
    });
    const base: Conv2DParams = { ...window, outC, isConstantFilter: true };
    const outputSize = batch * base.outH * base.outW * outC;
    const filter = randomArray(random, 49 * inC * outC);
    const bias = geometry.hasBias ? randomArray(random, outC) : null;
    const residual = geometry.hasResidual === true ? randomArray(random, outputSize) : null;
    const inputs = [randomArray(random, batch * inH * inW * inC), randomArray(random, batch * inH * inW * inC)];
    const dOut = randomArray(random, outputSize);
    assert.equal(convolutionAlgorithm(base, 'forward'), 'winogradPolyphase', `geometry ${index}`);
    const split = isWinogradSplitByColumns(base, 'winogradPolyphase', 2) ? 'by strips' : 'by tiles';
    // Two activations a geometry, in turn, so that every one is fused somewhere: the first with the filter
    // prepared, the second packed on each call.
    const gradient: ParityCase = {
      name: `Conv2DBackpropFilter ${batch}x${inH}x${inW}x${inC} k7 s2 -> ${outC} pad ${JSON.stringify(padding)}`,
      // Sums of batch x outH x outW products of values in [-1, 1] (F(4x4, 5x5)'s rounding, as F(4x4, 3x3)'s in
      // winogradStride2.test.ts).
      tolerance: { atol: 2e-6 * batch * base.outH * base.outW * 4, rtol: 1e-4 },
      run: (kernels: KernelSignatures) => {
        const dFilter = new Float32Array(filter.length).fill(Number.NaN);
        kernels.Conv2DBackpropFilter(inputs[0]!, dOut, dFilter, { ...base, isConstantFilter: false });
        return [dFilter];
      },
    };
    const forward = [0, 1].map((offset): ParityCase => {
      const activation = FUSED_ACTIVATIONS[(2 * index + offset) % FUSED_ACTIVATIONS.length];
      const params: Conv2DParams = { ...base, isConstantFilter: offset === 0, activation };
      assert.equal(convolutionAlgorithm(params, 'forward'), 'winogradPolyphase', `geometry ${index}`);
      return {
        name:
          `Conv2D ${offset === 0 ? 'prepared' : 'training'} ${batch}x${inH}x${inW}x${inC} k7 s2 -> ${outC} ` +
          `pad ${JSON.stringify(padding)} ` +
          `${split}${bias === null ? '' : ' + bias'}${residual === null ? '' : ' + residual'} ` +
          `${activation?.kind ?? 'linear'}`,
        // Values in [-1, 1], sums of up to 196 products; F(5x5, 4x4)'s transforms scale the rounding of its
        // products more than F(4x4, 3x3)'s do (1.3e-5 relative at most, a float64 check; F(6x6, 3x3)'s 1.9e-5).
        tolerance: { atol: 2e-4, rtol: 2e-4 },
        run: (kernels: KernelSignatures) =>
          inputs.map((input) => {
            const output = new Float32Array(outputSize).fill(Number.NaN);
            kernels.Conv2D(input, filter, bias, output, params, residual);
            return output;
          }),
      };
    });
    return [...forward, gradient];
  });
}

test('the chooser takes the polyphase path for 7x7 stride-2 filters on few channels, by shape', () => {
  const stem = windowParams('case', 8, 224, 224, 3, {
    kH: 7,
    kW: 7,
    strideH: 2,
    strideW: 2,
    padding: 3,
    dilationH: 1,
    dilationW: 1,
  });
  const params: Conv2DParams = { ...stem, outC: 64, isConstantFilter: true };
  assert.equal(convolutionAlgorithm(params, 'forward'), 'winogradPolyphase');
  assert.equal(convolutionAlgorithm({ ...params, batch: 1 }, 'forward'), 'winogradPolyphase');
  assert.equal(convolutionAlgorithm({ ...params, isConstantFilter: false }, 'forward'), 'winogradPolyphase');
  // More channels, other strides and output channels not a multiple of 4 keep im2col.
  assert.equal(convolutionAlgorithm(params, 'backpropFilter'), 'winogradPolyphase');
  assert.equal(convolutionAlgorithm(params, 'backpropInput'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...params, inC: 5 }, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...params, outC: 66 }, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...params, strideH: 1, strideW: 1 }, 'forward'), 'im2col');
  // A single output pixel: one 3x3 tile of 36 positions costs more than im2col's 49 taps.
  assert.equal(
    convolutionAlgorithm(
      { ...params, batch: 1, outH: 1, outW: 1, inH: 7, inW: 7, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 },
      'forward',
    ),
    'im2col',
  );
});

const cases = polyphaseCases(new Random(15));
describeBuildParity('polyphase 7x7 stride-2 convolutions', cases);
describeThreadDeterminism('polyphase 7x7 stride-2 convolutions', cases);
