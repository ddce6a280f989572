// Kernel timings of the WebAssembly backend on MobileNetV2's inverted residual blocks at 224x224 (and
// EfficientNet-B0's 5x5 ones with SiLU): Conv2D with an expansion (Conv2DParams.expansion) as one call of
// assembly/expandedDepthwise.ts against its 1x1 and depthwise convolutions as two calls, the expanded map stored.
// Then the blocks' projections (Conv2DParams.projection: the 1x1 convolution after the depthwise one, with its
// residual) as the plan ran them before (the expansion fused at 28x28 and more, the projection a call of its own)
// against the projection fused too, with the expansion or without it.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/expandedDepthwiseKernels.js [batch] [threads]
//      [cpu|wall] [rounds]
// Limits: the forms are timed in turn, call by call, and each reports its minimum and median; CPU time (the
// process's, so all threads' together: the default on one thread) or wall-clock time (the default on more; the
// machine's other load is not subtracted: the load at start is printed); arrays live in the backend's memory.

import * as convnet from 'convnet-ts';
import { describeMachine, formatMachine } from './machine.js';
import { clockOf, persistentRandomArray } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { median } from './timing.js';

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
const batch = Number(process.argv[2] ?? 8);
const threads = Number(process.argv[3] ?? 2);
const isCpuClock = (process.argv[4] ?? (threads === 1 ? 'cpu' : 'wall')) === 'cpu';
const now = clockOf(isCpuClock);
const ROUNDS = Number(process.argv[5] ?? 25);
await convnet.initWasmBackend({ threads });
const backend = convnet.getBackend();
// The WebAssembly backend implements every kernel: its table is complete.
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(16);

const randomArray = (size: number, scale = 1) => persistentRandomArray(backend, random, size, scale);

console.log(formatMachine(await describeMachine()));
console.log(
  `wasm backend, batch ${batch}, ${threads} thread(s); ms of ${isCpuClock ? 'CPU' : 'wall-clock'} time: min / median ` +
    `of ${ROUNDS}, in turn`,
);

/** Each action's times (ms), called in turn ROUNDS times after two rounds of warm-up, as 'min / median'. */
function timeInTurn(actions: readonly (() => void)[]): string[] {
  const times: number[][] = actions.map(() => []);
  for (let round = -2; round < ROUNDS; round++) {
    actions.forEach((action, index) => {
      const start = now();
      action();
      if (round >= 0) times[index]!.push(now() - start);
    });
  }
  return times.map((values) => `${Math.min(...values).toFixed(3)} / ${median(values).toFixed(3)}`);
}

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
  const [unfused, together] = timeInTurn([twoCalls, fused]);
  const name = `${size}x${size}x${inC} -> ${channels} k${kernel} s${stride} ${kind}`;
  console.log(`${name.padEnd(34)} two calls ${unfused!.padEnd(16)} fused ${together}`);
}

/**
 * [size, inC (0: no expansion), channels, stride, outC, hasResidual]: MobileNetV2's blocks with their projections (3x3
 * kernels, ReLU6 on the expansion and the depthwise convolution, none on the projection).
 */
const PROJECTED_BLOCKS: readonly [number, number, number, number, number, boolean][] = [
  [112, 0, 32, 1, 16, false],
  [112, 16, 96, 2, 24, false],
  [56, 24, 144, 1, 24, true],
  [56, 24, 144, 2, 32, false],
  [28, 32, 192, 1, 32, true],
  [28, 32, 192, 2, 64, false],
  [14, 64, 384, 1, 64, true],
  [14, 64, 384, 1, 96, false],
  [14, 96, 576, 1, 96, true],
  [14, 96, 576, 2, 160, false],
  [7, 160, 960, 1, 160, true],
  [7, 160, 960, 1, 320, false],
];

console.log('\nprojections: as planned before | the projection fused | without the expansion, the projection fused');
for (const [size, inC, channels, stride, outC, hasResidual] of PROJECTED_BLOCKS) {
  const outSize = Math.floor((size - 1) / stride) + 1;
  const activation = { kind: 'clip', min: 0, max: 6 } as const;
  const params: Conv2DParams = {
    batch,
    inH: size,
    inW: size,
    inC: channels,
    outH: outSize,
    outW: outSize,
    outC: channels,
    kH: 3,
    kW: 3,
    strideH: stride,
    strideW: stride,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
    groups: channels,
    activation,
    isConstantFilter: true,
  };
  const pointwiseOf = (side: number, depth: number, width: number): Conv2DParams => ({
    ...params,
    inH: side,
    inW: side,
    inC: depth,
    outH: side,
    outW: side,
    outC: width,
    kH: 1,
    kW: 1,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    groups: undefined,
  });
  const expansionParams = pointwiseOf(size, inC, channels);
  const projectionParams = { ...pointwiseOf(outSize, channels, outC), activation: undefined };
  const expansion = inC === 0 ? undefined : { inC, activation };
  const input = randomArray(batch * size * size * (inC === 0 ? channels : inC));
  const expansionFilter = inC === 0 ? null : randomArray(inC * channels, 1 / Math.sqrt(inC));
  const expansionBias = inC === 0 ? null : randomArray(channels);
  const filter = randomArray(9 * channels, 1 / 3);
  const bias = randomArray(channels);
  const projectionFilter = randomArray(channels * outC, 1 / Math.sqrt(channels));
  const projectionBias = randomArray(outC);
  const residual = hasResidual ? randomArray(batch * outSize * outSize * outC) : null;
  const expanded = randomArray(batch * size * size * channels);
  const depthwise = randomArray(batch * outSize * outSize * channels);
  const output = randomArray(batch * outSize * outSize * outC);
  const project = () => kernels.Conv2D(depthwise, projectionFilter, projectionBias, output, projectionParams, residual);
  const before = () => {
    if (inC === 0) {
      kernels.Conv2D(input, filter, bias, depthwise, params);
    } else if (size >= 28) {
      kernels.Conv2D(
        input,
        filter,
        bias,
        depthwise,
        { ...params, expansion },
        null,
        null,
        expansionFilter,
        expansionBias,
      );
    } else {
      kernels.Conv2D(input, expansionFilter!, expansionBias, expanded, expansionParams);
      kernels.Conv2D(expanded, filter, bias, depthwise, params);
    }
    project();
  };
  const projection = { outC, activation: undefined };
  const fused = () =>
    kernels.Conv2D(
      input,
      filter,
      bias,
      output,
      { ...params, expansion, projection },
      residual,
      null,
      expansionFilter,
      expansionBias,
      projectionFilter,
      projectionBias,
    );
  // Where there is an expansion: it as a call of its own, then the depthwise convolution and the projection as one.
  const separateExpansion = () => {
    kernels.Conv2D(input, expansionFilter!, expansionBias, expanded, expansionParams);
    kernels.Conv2D(
      expanded,
      filter,
      bias,
      output,
      { ...params, projection },
      residual,
      null,
      null,
      null,
      projectionFilter,
      projectionBias,
    );
  };
  const [planned, together, apart] = timeInTurn(inC === 0 ? [before, fused] : [before, fused, separateExpansion]);
  const name = `${size}x${size}x${inC || channels} -> ${channels} s${stride} -> ${outC}${hasResidual ? ' +res' : ''}`;
  console.log(`${name.padEnd(34)} ${planned!.padEnd(16)} ${together!.padEnd(16)} ${apart ?? ''}`);
}
