// Kernel timings of the WebAssembly backend's prepared 1x1 convolutions (gemm.ts gemmPackedFinished and
// gemmNarrowFinished through conv2d.ts) on MobileNetV2's 14x14 and 7x7 layers (and a few of EfficientNet-B0's and
// ResNet-50's), or with `resnet50` all of ResNet-50's 1x1 shapes (its stride-2 projections too), each layer alone,
// with its activation or residual as the model has them, and its GFLOP/s.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/pointwiseKernels.js [batch] [threads]
//      [cpu|wall] [rounds] [mobilenet|resnet50]
// Limits: the layers are timed in turn, call by call, and each reports its minimum and median; CPU time (the
// process's, so all threads' together: the default) or wall-clock time; the machine's other load is not subtracted.

import * as convnet from 'convnet-ts';
import { describeMachine, formatMachine } from './machine.js';
import { clockOf, persistentRandomArray } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { median } from './timing.js';

/** [input size, inC, outC, activation, hasResidual, stride]. */
type Layer = readonly [number, number, number, 'clip' | 'none' | 'relu' | 'silu', boolean, number?];
const MOBILENET_LAYERS: readonly Layer[] = [
  [14, 64, 384, 'clip', false],
  [14, 384, 64, 'none', true],
  [14, 384, 96, 'none', false],
  [14, 96, 576, 'clip', false],
  [14, 576, 96, 'none', true],
  [7, 576, 160, 'none', false],
  [7, 160, 960, 'clip', false],
  [7, 960, 160, 'none', true],
  [7, 960, 320, 'none', false],
  [7, 320, 1280, 'clip', false],
  [14, 112, 672, 'silu', false],
  [7, 1152, 320, 'none', false],
  [14, 1024, 256, 'none', false],
  [7, 2048, 512, 'none', false],
];
const RESNET50_LAYERS: readonly Layer[] = [
  [56, 64, 64, 'relu', false],
  [56, 64, 256, 'relu', true],
  [56, 256, 64, 'relu', false],
  [56, 256, 128, 'relu', false],
  [56, 256, 512, 'none', false, 2],
  [28, 128, 512, 'relu', true],
  [28, 512, 128, 'relu', false],
  [28, 512, 1024, 'none', false, 2],
  [14, 256, 1024, 'relu', true],
  [14, 1024, 256, 'relu', false],
  [14, 1024, 2048, 'none', false, 2],
  [7, 512, 2048, 'relu', true],
  [7, 2048, 512, 'relu', false],
];
type Conv2DParams = Parameters<convnet.KernelSignatures['Conv2D']>[4];
const batch = Number(process.argv[2] ?? 8);
const threads = Number(process.argv[3] ?? 1);
const isCpuClock = (process.argv[4] ?? 'cpu') === 'cpu';
const now = clockOf(isCpuClock);
const ROUNDS = Number(process.argv[5] ?? 25);
const LAYERS = process.argv[6] === 'resnet50' ? RESNET50_LAYERS : MOBILENET_LAYERS;
await convnet.initWasmBackend({ threads });
const backend = convnet.getBackend();
// The WebAssembly backend implements every kernel: its table is complete.
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(17);

const randomArray = (size: number, scale = 1) => persistentRandomArray(backend, random, size, scale);

console.log(formatMachine(await describeMachine()));
console.log(
  `wasm backend, batch ${batch}, ${threads} thread(s); ms of ${isCpuClock ? 'CPU' : 'wall-clock'} time: min / median ` +
    `of ${ROUNDS} calls, in turn; GFLOP/s of the min`,
);

const actions = LAYERS.map(([size, inC, outC, kind, hasResidual, stride = 1]) => {
  const activation =
    kind === 'clip'
      ? ({ kind: 'clip', min: 0, max: 6 } as const)
      : kind === 'relu' || kind === 'silu'
        ? ({ kind } as const)
        : undefined;
  const outSize = Math.ceil(size / stride);
  const params: Conv2DParams = {
    batch,
    inH: size,
    inW: size,
    inC,
    outH: outSize,
    outW: outSize,
    outC,
    kH: 1,
    kW: 1,
    strideH: stride,
    strideW: stride,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    activation,
    isConstantFilter: true,
  };
  const pixels = batch * outSize * outSize;
  const input = randomArray(batch * size * size * inC);
  const filter = randomArray(inC * outC, 1 / Math.sqrt(inC));
  const bias = randomArray(outC);
  const residual = hasResidual ? randomArray(pixels * outC) : null;
  const output = randomArray(pixels * outC);
  const name = `${size}x${size}x${inC} -> ${outC}${kind === 'none' ? '' : ` ${kind}`}${hasResidual ? ' +res' : ''}${stride > 1 ? ` s${stride}` : ''}`;
  return {
    name,
    flops: 2 * pixels * inC * outC,
    run: () => kernels.Conv2D(input, filter, bias, output, params, residual),
  };
});

const times: number[][] = actions.map(() => []);
for (let round = -2; round < ROUNDS; round++) {
  actions.forEach((action, index) => {
    const start = now();
    action.run();
    if (round >= 0) times[index]!.push(now() - start);
  });
}
actions.forEach((action, index) => {
  const values = times[index]!;
  const fastest = Math.min(...values);
  const gflops = action.flops / (fastest * 1e6);
  console.log(
    `${action.name.padEnd(28)} ${fastest.toFixed(3)} / ${median(values).toFixed(3)} ms  ${gflops.toFixed(1)} GFLOP/s`,
  );
});
