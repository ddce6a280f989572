// How the fused inverted-residual blocks' time splits: the whole block (expansion, depthwise and projection as one
// call of assembly/expandedDepthwise.ts) against each part as a call of its own (the expansion 1x1, the depthwise
// 3x3, the projection 1x1 with its residual), on MobileNetV2's three largest blocks at 224x224.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/expandedDepthwiseSplit.js [batch] [rounds]
// Limits: one thread, CPU time; the parts run alone read and write whole maps from memory (the fused block does not),
// so their sum is not the block's time: each part's share is an estimate. The expansion by bands (the 1x1 on one band
// of rows over and over, its output in L2) is the nearest to the fused block's own; its input stays in cache.
// One thread, batch 8, median of 11, 2 runs: 112x112x16 -> 96 s2 -> 24 block 11.8-11.9 ms, by bands 8.3 (37 GFLOP/s:
// the expansion is 70% of the block); 56x56x24 -> 144 s1 -> 24 +res 9.3-9.5, by bands 4.1 (43%); s2 -> 32 5.6-5.7,
// by bands 4.0 (70%). The projection alone takes 3.1, 5.3 and 1.4 ms, the depthwise 5.9, 4.5 and 1.4 (from memory).

import * as convnet from 'convnet-ts';
import { describeMachine, formatMachine } from './machine.js';
import { clockOf, persistentRandomArray } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { median } from './timing.js';

/** [size, inC, channels, stride, outC, hasResidual]: 3x3 kernels, ReLU6 on the expansion and the depthwise. */
const BLOCKS: readonly [number, number, number, number, number, boolean][] = [
  [112, 16, 96, 2, 24, false],
  [56, 24, 144, 1, 24, true],
  [56, 24, 144, 2, 32, false],
];
/** Input rows of a band (a multiple of the sizes' rows; about expandedDepthwise.ts's BAND_BYTES at 112x112x96). */
const BAND_ROWS = 8;
type Conv2DParams = Parameters<convnet.KernelSignatures['Conv2D']>[4];
const batch = Number(process.argv[2] ?? 8);
const ROUNDS = Number(process.argv[3] ?? 15);
const now = clockOf(true);
await convnet.initWasmBackend({ threads: 1 });
const backend = convnet.getBackend();
// The WebAssembly backend implements every kernel: its table is complete.
const kernels = backend.kernels as convnet.KernelTable;
const random = new SeededRandom(16);
const randomArray = (size: number, scale = 1) => persistentRandomArray(backend, random, size, scale);

console.log(formatMachine(await describeMachine()));
console.log(`wasm backend, batch ${batch}, 1 thread; ms of CPU time: median of ${ROUNDS}, in turn`);

/** Each action's median time (ms), called in turn ROUNDS times after two rounds of warm-up. */
function timeInTurn(actions: readonly (() => void)[]): number[] {
  const times: number[][] = actions.map(() => []);
  for (let round = -2; round < ROUNDS; round++) {
    actions.forEach((action, index) => {
      const start = now();
      action();
      if (round >= 0) times[index]!.push(now() - start);
    });
  }
  return times.map((values) => median(values));
}

for (const [size, inC, channels, stride, outC, hasResidual] of BLOCKS) {
  const outSize = Math.floor((size - 1) / stride) + 1;
  const activation = { kind: 'clip', min: 0, max: 6 } as const;
  const depthwiseParams: Conv2DParams = {
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
    ...depthwiseParams,
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
  const input = randomArray(batch * size * size * inC);
  const expansionFilter = randomArray(inC * channels, 1 / Math.sqrt(inC));
  const expansionBias = randomArray(channels);
  const filter = randomArray(9 * channels, 1 / 3);
  const bias = randomArray(channels);
  const projectionFilter = randomArray(channels * outC, 1 / Math.sqrt(channels));
  const projectionBias = randomArray(outC);
  const residual = hasResidual ? randomArray(batch * outSize * outSize * outC) : null;
  const expanded = randomArray(batch * size * size * channels);
  const depthwise = randomArray(batch * outSize * outSize * channels);
  const output = randomArray(batch * outSize * outSize * outC);
  const block = () =>
    kernels.Conv2D(
      input,
      filter,
      bias,
      output,
      { ...depthwiseParams, expansion: { inC, activation }, projection: { outC, activation: undefined } },
      residual,
      null,
      expansionFilter,
      expansionBias,
      projectionFilter,
      projectionBias,
    );
  const expand = () => kernels.Conv2D(input, expansionFilter, expansionBias, expanded, expansionParams);
  const depthwiseAlone = () => kernels.Conv2D(expanded, filter, bias, depthwise, depthwiseParams);
  // The expansion as the fused block runs it: a band of BAND_ROWS input rows at a time, its output in L2.
  const bandParams = { ...expansionParams, batch: 1, inH: BAND_ROWS, outH: BAND_ROWS };
  const bandOutput = randomArray(BAND_ROWS * size * channels);
  const expandByBands = () => {
    for (let band = 0; band < (batch * size) / BAND_ROWS; band++)
      kernels.Conv2D(input, expansionFilter, expansionBias, bandOutput, bandParams);
  };
  const project = () => kernels.Conv2D(depthwise, projectionFilter, projectionBias, output, projectionParams, residual);
  const [whole, expansion, depthwisePart, projection, expansionInL2] = timeInTurn([
    block,
    expand,
    depthwiseAlone,
    project,
    expandByBands,
  ]);
  const name = `${size}x${size}x${inC} -> ${channels} s${stride} -> ${outC}${hasResidual ? ' +res' : ''}`;
  const sum = expansion! + depthwisePart! + projection!;
  console.log(
    `${name.padEnd(32)} block ${whole!.toFixed(2)}  expansion ${expansion!.toFixed(2)}  depthwise ` +
      `${depthwisePart!.toFixed(2)}  projection ${projection!.toFixed(2)}  (parts' sum ${sum.toFixed(2)}); ` +
      `expansion by bands in L2 ${expansionInL2!.toFixed(2)}`,
  );
}
