// Kernel timings of the WebAssembly backend on the depthwise and squeeze-and-excitation shapes of
// MobileNetV2 and EfficientNet-B0 at 224x224, batch 1: depthwise forward (with a clip, as MobileNetV2
// fuses ReLU6), input and filter gradients, the sigmoid, global average pooling and the channel gate.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/depthwiseKernels.js [threads]
// Limits: arrays live in the backend's memory (no copies timed); medians of wall-clock time on a
// machine whose other load is not subtracted (the load at start is printed).

import * as convnet from 'convnet-ts';
import { describeMachine, formatMachine } from './machine.js';
import { persistentRandomArray } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { timeRepeated } from './timing.js';

/** [size, channels, kernel, stride]: the depthwise layers of MobileNetV2 (3x3) and EfficientNet-B0 (5x5). */
const DEPTHWISE_SHAPES: readonly [number, number, number, number][] = [
  [112, 32, 3, 1],
  [112, 96, 3, 2],
  [56, 144, 3, 1],
  [56, 144, 3, 2],
  [28, 192, 3, 1],
  [28, 192, 3, 2],
  [14, 384, 3, 1],
  [14, 576, 3, 1],
  [14, 576, 3, 2],
  [7, 960, 3, 1],
  [28, 240, 5, 2],
  [14, 480, 5, 1],
  [14, 672, 5, 1],
  [14, 672, 5, 2],
  [7, 1152, 5, 1],
];
/** [size, channels]: EfficientNet-B0's squeeze-and-excitation inputs. */
const GATE_SHAPES: readonly [number, number][] = [
  [112, 32],
  [56, 96],
  [28, 240],
  [14, 672],
  [7, 1152],
];
type Conv2DParams = Parameters<convnet.KernelSignatures['Conv2D']>[4];
type Pool2DParams = Parameters<convnet.KernelSignatures['AvgPool2D']>[2];
type BroadcastParams = Parameters<convnet.KernelSignatures['BroadcastArithmetic']>[3];
const PLAN = { warmup: 3, minRepetitions: 9, maxRepetitions: 41, budgetSeconds: 1 };

const threads = Number(process.argv[2] ?? 2);
await convnet.initWasmBackend({ threads });
const backend = convnet.getBackend();
// The WebAssembly backend implements every kernel: its table is complete.
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(15);

const randomArray = (size: number, scale = 1) => persistentRandomArray(backend, random, size, scale);

async function report(name: string, action: () => void, multiplyAdds?: number): Promise<void> {
  const { medianMilliseconds } = await timeRepeated(action, PLAN);
  const rate = multiplyAdds === undefined ? '' : `  ${(multiplyAdds / medianMilliseconds / 1e6).toFixed(2)} GMAC/s`;
  console.log(`${name.padEnd(40)} ${medianMilliseconds.toFixed(3)} ms${rate}`);
}

console.log(formatMachine(await describeMachine()));
console.log(`wasm backend, ${threads} thread(s)`);
for (const [size, channels, kernel, stride] of DEPTHWISE_SHAPES) {
  const pad = (kernel - 1) / 2;
  const outSize = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  const params: Conv2DParams = {
    batch: 1,
    inH: size,
    inW: size,
    inC: channels,
    outH: outSize,
    outW: outSize,
    outC: channels,
    kH: kernel,
    kW: kernel,
    strideH: stride,
    strideW: stride,
    padTop: pad,
    padBottom: pad,
    padLeft: pad,
    padRight: pad,
    groups: channels,
  };
  const input = randomArray(size * size * channels);
  const filter = randomArray(kernel * kernel * channels);
  const bias = randomArray(channels);
  const output = randomArray(outSize * outSize * channels);
  const dInput = randomArray(input.length);
  const dFilter = randomArray(filter.length);
  const multiplyAdds = outSize * outSize * channels * kernel * kernel;
  const label = `${size}x${size}x${channels} ${kernel}x${kernel} stride ${stride}`;
  const clipped: Conv2DParams = { ...params, activation: { kind: 'clip', min: 0, max: 6 } };
  await report(`depthwise ${label}`, () => kernels.Conv2D(input, filter, bias, output, clipped), multiplyAdds);
  await report(`  input gradient`, () => kernels.Conv2DBackpropInput(output, filter, dInput, params), multiplyAdds);
  await report(`  filter gradient`, () => kernels.Conv2DBackpropFilter(input, output, dFilter, params), multiplyAdds);
}
for (const [size, channels] of GATE_SHAPES) {
  const map = randomArray(size * size * channels);
  const gate = randomArray(channels);
  const output = randomArray(map.length);
  const pooled = randomArray(channels);
  const label = `${size}x${size}x${channels}`;
  const pool: Pool2DParams = {
    batch: 1,
    inH: size,
    inW: size,
    inC: channels,
    outH: 1,
    outW: 1,
    kH: size,
    kW: size,
    strideH: size,
    strideW: size,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
  };
  const gateParams: BroadcastParams = {
    operation: 'multiply',
    shape: [1, 1, 1, 1, size * size, channels],
    aStrides: [0, 0, 0, 0, channels, 1],
    bStrides: [0, 0, 0, 0, 0, 1],
  };
  await report(`sigmoid ${label}`, () => kernels.Sigmoid(map, output, { size: map.length }));
  await report(`global average pooling ${label}`, () => kernels.AvgPool2D(map, pooled, pool));
  await report(`channel gate ${label}`, () => kernels.BroadcastArithmetic(map, gate, output, gateParams));
}
process.exit(0);
