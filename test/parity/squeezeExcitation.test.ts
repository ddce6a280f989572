// The kernels of a squeeze-and-excitation block and of EfficientNet's SiLU (imported as Sigmoid then
// Multiply) on the WebAssembly backend against the reference kernels: the sigmoid over a wide range
// (saturated tails included), global average pooling (channels in 16-wide steps, 4-wide steps and a
// tail), the channel gate [N, H, W, C] * [N, 1, 1, C] and its gradient's sum. Both builds, and
// bit-identical results on 1 and 2 threads, with the gate's rows split between the threads in the
// middle of an image.

import { Random } from '../../src/index.js';
import type { Pool2DParams } from '../../src/kernels/params.js';
import { broadcastParams, reduceSumToParams } from '../../src/ops/broadcast.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

function sigmoidCase(random: Random, size: number, scale: number): ParityCase {
  const values = randomArray(random, size, scale);
  const dOut = randomArray(random, size);
  return {
    name: `Sigmoid + SigmoidGrad, ${size} values in [-${scale}, ${scale}]`,
    // The sigmoid is within 3.4 ulp of float64 (assembly/activations.ts).
    tolerance: { atol: 1e-6, rtol: 1e-5 },
    run: (kernels) => {
      const output = new Float32Array(size);
      kernels.Sigmoid(values, output, { size });
      const dInput = new Float32Array(size);
      kernels.SigmoidGrad(dOut, output, dInput, { size });
      return [output, dInput];
    },
  };
}

function globalPoolCase(random: Random, batch: number, height: number, width: number, channels: number): ParityCase {
  const params: Pool2DParams = {
    batch,
    inH: height,
    inW: width,
    inC: channels,
    outH: 1,
    outW: 1,
    kH: height,
    kW: width,
    strideH: height,
    strideW: width,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
  };
  const input = randomArray(random, batch * height * width * channels);
  return {
    name: `global AvgPool2D ${batch}x${height}x${width}x${channels}`,
    tolerance: { atol: 1e-6, rtol: 1e-5 },
    run: (kernels) => {
      const output = new Float32Array(batch * channels);
      kernels.AvgPool2D(input, output, params);
      return [output];
    },
  };
}

function gateCase(random: Random, batch: number, height: number, width: number, channels: number): ParityCase {
  const mapShape = [batch, height, width, channels];
  const gateShape = [batch, 1, 1, channels];
  const forward = broadcastParams('multiply', mapShape, gateShape);
  const gradientSum = reduceSumToParams(mapShape, gateShape);
  const map = randomArray(random, batch * height * width * channels, 2);
  const gate = randomArray(random, batch * channels, 0.5, 0.5);
  const dOut = randomArray(random, map.length);
  return {
    name: `channel gate ${mapShape.join('x')} * ${gateShape.join('x')} and its gradient's sum`,
    // One f32 product per value (exact against the reference's rounded float64 product); the sum adds
    // in the reference's order.
    tolerance: { atol: 0, rtol: 0 },
    run: (kernels) => {
      const output = new Float32Array(map.length);
      kernels.BroadcastArithmetic(map, gate, output, forward);
      const dGate = new Float32Array(gate.length);
      kernels.ReduceSumTo(dOut, dGate, gradientSum);
      return [output, dGate];
    },
  };
}

const random = new Random(1516);
const cases: ParityCase[] = [
  sigmoidCase(random, 1, 3),
  sigmoidCase(random, 1003, 30),
  sigmoidCase(random, 4096, 100),
  globalPoolCase(random, 1, 7, 7, 1152),
  globalPoolCase(random, 2, 14, 14, 36),
  globalPoolCase(random, 3, 5, 9, 23),
  globalPoolCase(random, 1, 1, 1, 7),
  gateCase(random, 1, 14, 14, 672),
  gateCase(random, 2, 7, 5, 19),
  gateCase(random, 3, 1, 1, 40),
];
describeBuildParity('squeeze-and-excitation kernels and the sigmoid', cases);

// Above the threading threshold: 5 x 37 x 61 rows split at row 5643, in the middle of image 2. A global pooling of
// one image splits its channels (16 at a time: 38 channels as 32 and 6, a 4-wide step and 2 single ones).
const largeRandom = new Random(1517);
describeThreadDeterminism('the sigmoid, global average pooling or the channel gate', [
  sigmoidCase(largeRandom, 600_001, 20),
  globalPoolCase(largeRandom, 8, 28, 28, 240),
  globalPoolCase(largeRandom, 1, 112, 112, 32),
  globalPoolCase(largeRandom, 1, 100, 90, 38),
  gateCase(largeRandom, 5, 37, 61, 60),
]);
