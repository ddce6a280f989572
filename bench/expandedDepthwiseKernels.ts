// Kernel timings of the WebAssembly backend on MobileNetV2's inverted residual blocks at 224x224 (and
// EfficientNet-B0's 5x5 ones with SiLU): Conv2D with an expansion (Conv2DParams.expansion) as one call of
// assembly/expandedDepthwise.ts against its 1x1 and depthwise convolutions as two calls, the expanded map stored.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/expandedDepthwiseKernels.js [batch] [threads]
// Limits: the two are timed in turn, call by call, and each reports its minimum and median of wall-clock time
// (the machine's other load is not subtracted: the load at start is printed); arrays live in the backend's memory.

import * as convnet from 'convnet-ts';
import { describeMachine, formatMachine } from './machine.js';
import { SeededRandom } from './seededRandom.js';

/** [size, inC, channels, kernel, stride, activation]: the expansion's input, the expanded channels. */
const BLOCKS: readonly [number, number, number, number, number, 'clip' | 'silu'][] = [
  [112, 16, 96, 3, 2, 'clip'],
  [56, 24, 144, 3, 1, 'clip'],
  [56, 24, 144, 3, 2, 'clip'],
  [28, 32, 192, 3, 1, 'clip'],
  [28, 32, 192, 3, 2, 'clip'],
  [14, 64, 384, 3, 1, 'clip'],
  [14, 96, 576, 3, 1, 'clip'],
  [14, 96, 576, 3, 2, 'clip'],
  [7, 160, 960, 3, 1, 'clip'],
  [112, 16, 96, 3, 2, 'silu'],
  [56, 24, 144, 3, 1, 'silu'],
  [56, 24, 144, 5, 2, 'silu'],
  [28, 40, 240, 5, 1, 'silu'],
  [28, 40, 240, 3, 2, 'silu'],
  [14, 112, 672, 5, 1, 'silu'],
];
type Conv2DParams = Parameters<convnet.KernelSignatures['Conv2D']>[4];
const ROUNDS = 25;

const batch = Number(process.argv[2] ?? 8);
const threads = Number(process.argv[3] ?? 2);
await convnet.initWasmBackend({ threads });
const backend = convnet.getBackend();
// The WebAssembly backend implements every kernel: its table is complete.
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(16);

/** A persistent array of the backend's memory holding values uniform in [-scale, scale). */
function randomArray(size: number, scale = 1): Float32Array {
  const values = (backend.allocatePersistent?.('float32', size) ?? new Float32Array(size)) as Float32Array;
  for (let index = 0; index < size; index++) values[index] = (random.uniform() * 2 - 1) * scale;
  return values;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(formatMachine(await describeMachine()));
console.log(`wasm backend, batch ${batch}, ${threads} thread(s); ms: min / median of ${ROUNDS}, in turn`);
for (const [size, inC, channels, kernel, stride, kind] of BLOCKS) {
  const pad = (kernel - 1) / 2;
  const outSize = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  const activation = kind === 'clip' ? ({ kind: 'clip', min: 0, max: 6 } as const) : ({ kind: 'silu' } as const);
  const params: Conv2DParams = {
    batch,
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
    activation,
    isConstantFilter: true,
  };
  const expansion = { ...params, expansion: { inC, activation } };
  const pointwise: Conv2DParams = {
    ...params,
    inC,
    outH: size,
    outW: size,
    kH: 1,
    kW: 1,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    groups: undefined,
  };
  const input = randomArray(batch * size * size * inC);
  const expansionFilter = randomArray(inC * channels, 1 / Math.sqrt(inC));
  const expansionBias = randomArray(channels);
  const filter = randomArray(kernel * kernel * channels, 1 / kernel);
  const bias = randomArray(channels);
  const expanded = randomArray(batch * size * size * channels);
  const output = randomArray(batch * outSize * outSize * channels);
  const fused = () =>
    kernels.Conv2D(input, filter, bias, output, expansion, null, null, expansionFilter, expansionBias);
  const twoCalls = () => {
    kernels.Conv2D(input, expansionFilter, expansionBias, expanded, pointwise);
    kernels.Conv2D(expanded, filter, bias, output, params);
  };
  const times: [number[], number[]] = [[], []];
  for (let round = -2; round < ROUNDS; round++) {
    [twoCalls, fused].forEach((action, index) => {
      const start = performance.now();
      action();
      if (round >= 0) times[index]!.push(performance.now() - start);
    });
  }
  const [unfused, together] = times.map((values) => `${Math.min(...values).toFixed(3)} / ${median(values).toFixed(3)}`);
  const name = `${size}x${size}x${inC} -> ${channels} k${kernel} s${stride} ${kind}`;
  console.log(`${name.padEnd(34)} two calls ${unfused!.padEnd(16)} fused ${together}`);
}
