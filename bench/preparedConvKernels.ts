// Kernel timings of the WebAssembly backend's prepared (constant-filter) 3x3 stride-1 convolutions with a ReLU, the
// inference plan's call, on ResNet's deep shapes (preparedConvolutionAlgorithm in src/kernels/wasm/wasmBackend.ts).
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/preparedConvKernels.js [batch] [threads]
//      [cpu|wall] [rounds] [HxWxC ...]
// Limits: the shapes are timed in turn, call by call, after two rounds of warm-up (which prepare the filters);
// minimum and median; CPU time (the process's, all threads' together: the default) or wall-clock time; the
// machine's other load is not subtracted.

import * as convnet from 'convnet-ts';
import { clockOf, persistentRandomArray } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { median } from './timing.js';

type Conv2DParams = Parameters<convnet.KernelSignatures['Conv2D']>[4];
const batch = Number(process.argv[2] ?? 1);
const threads = Number(process.argv[3] ?? 1);
const isCpuClock = (process.argv[4] ?? 'cpu') === 'cpu';
const now = clockOf(isCpuClock);
const ROUNDS = Number(process.argv[5] ?? 15);
const shapes = process.argv.length > 6 ? process.argv.slice(6) : ['7x7x512', '14x14x256', '28x28x128', '56x56x64'];
await convnet.initWasmBackend({ threads });
const backend = convnet.getBackend();
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(23);

const randomArray = (size: number, scale = 1) => persistentRandomArray(backend, random, size, scale);

const actions = shapes.map((shape) => {
  const [size, , channels] = shape.split('x').map(Number) as [number, number, number];
  const params: Conv2DParams = {
    batch,
    inH: size,
    inW: size,
    inC: channels,
    outH: size,
    outW: size,
    outC: channels,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
    activation: { kind: 'relu' },
    isConstantFilter: true,
  };
  const input = randomArray(batch * size * size * channels);
  const filter = randomArray(9 * channels * channels, 0.05);
  const bias = randomArray(channels);
  const output = randomArray(batch * size * size * channels);
  return {
    label: shape,
    run: () => kernels.Conv2D(input, filter, bias, output, params, null),
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
console.log(
  `prepared 3x3 + relu, batch ${batch}, ${threads} thread(s); ms of ${isCpuClock ? 'CPU' : 'wall-clock'} time: ` +
    `min / median of ${ROUNDS}`,
);
actions.forEach((action, index) => {
  const values = times[index]!;
  console.log(`${action.label.padEnd(28)} ${Math.min(...values).toFixed(3)} / ${median(values).toFixed(3)} ms`);
});
