// Kernel timings of the WebAssembly backend's 7x7 stride-2 stem (assembly/winogradPolyphase.ts) on ResNet's
// 224x224x3 -> 64: the prepared convolution with ReLU and the 3x3 stride-2 max pool in one pass (predict), the
// convolution with ReLU on a filter packed each call (training's forward), and its filter gradient.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/stemKernels.js [batch] [threads] [cpu|wall]
//      [rounds] [pool|forward|filter|all]
// Limits: the passes are timed in turn, call by call; minimum and median; CPU time (the process's, all threads'
// together: the default) or wall-clock time; the machine's other load is not subtracted.

import * as convnet from 'convnet-ts';
import { clockOf, persistentRandomArray } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { median } from './timing.js';

type Conv2DParams = Parameters<convnet.KernelSignatures['Conv2D']>[4];
const batch = Number(process.argv[2] ?? 8);
const threads = Number(process.argv[3] ?? 1);
const isCpuClock = (process.argv[4] ?? 'cpu') === 'cpu';
const now = clockOf(isCpuClock);
const ROUNDS = Number(process.argv[5] ?? 15);
const which = process.argv[6] ?? 'all';
await convnet.initWasmBackend({ threads });
const backend = convnet.getBackend();
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(23);

const randomArray = (size: number, scale = 1) => persistentRandomArray(backend, random, size, scale);

const window = {
  kH: 7,
  kW: 7,
  strideH: 2,
  strideW: 2,
  dilationH: 1,
  dilationW: 1,
  padTop: 3,
  padBottom: 3,
  padLeft: 3,
  padRight: 3,
};
const stem: Conv2DParams = {
  batch,
  inH: 224,
  inW: 224,
  inC: 3,
  outH: 112,
  outW: 112,
  outC: 64,
  ...window,
  activation: { kind: 'relu' },
};
const pool = {
  batch,
  inH: 112,
  inW: 112,
  inC: 64,
  outH: 56,
  outW: 56,
  kH: 3,
  kW: 3,
  strideH: 2,
  strideW: 2,
  dilationH: 1,
  dilationW: 1,
  padTop: 1,
  padBottom: 1,
  padLeft: 1,
  padRight: 1,
};
const input = randomArray(batch * 224 * 224 * 3);
const filter = randomArray(49 * 3 * 64, 0.1);
const bias = randomArray(64);
const output = randomArray(batch * 112 * 112 * 64);
const pooled = randomArray(batch * 56 * 56 * 64);
const dFilter = randomArray(49 * 3 * 64);
const actions = [
  {
    name: 'pool',
    label: 'prepared + relu + maxpool',
    run: () => kernels.Conv2D(input, filter, bias, pooled, { ...stem, isConstantFilter: true, pool }, null),
  },
  {
    name: 'forward',
    label: 'training forward + relu',
    run: () => kernels.Conv2D(input, filter, bias, output, { ...stem, isConstantFilter: false }, null),
  },
  {
    name: 'filter',
    label: 'filter gradient',
    run: () => kernels.Conv2DBackpropFilter(input, output, dFilter, { ...stem, activation: undefined }),
  },
].filter((action) => which === 'all' || which === action.name);

const times: number[][] = actions.map(() => []);
for (let round = -2; round < ROUNDS; round++) {
  actions.forEach((action, index) => {
    const start = now();
    action.run();
    if (round >= 0) times[index]!.push(now() - start);
  });
}
console.log(
  `stem 224x224x3 -> 64 k7 s2, batch ${batch}, ${threads} thread(s); ms of ${isCpuClock ? 'CPU' : 'wall-clock'} ` +
    `time: min / median of ${ROUNDS}`,
);
actions.forEach((action, index) => {
  const values = times[index]!;
  console.log(`${action.label.padEnd(28)} ${Math.min(...values).toFixed(3)} / ${median(values).toFixed(3)} ms`);
});
