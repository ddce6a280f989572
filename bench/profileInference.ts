// `node dist/bench/profileInference.js`: where one predict of an ImageNet-sized network goes, kernel call by
// kernel call: the ONNX file of bench:imagenet imported, predict at batch 1 or 8, each kernel call of the active
// backend timed in wall time (the workers' time is inside the caller's wall time), or with --clock cpu in process
// CPU time (steadier on a busy machine, but on several threads it counts the workers' spinning too). Prints medians
// over the rounds per kernel id and per call shape (with activation and residual), the convolutions' GFLOP/s, and
// the time outside kernels (the plan's own JavaScript). Options: see USAGE.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as convnet from 'convnet-ts';
import {
  CHANNELS,
  DEFAULT_CACHE_FOLDER,
  IMAGENET_MODELS,
  IMAGE_SIZE,
  ensureOnnxFiles,
  type ImagenetModelId,
} from './imagenetModels.js';
import { SeededRandom } from './seededRandom.js';

const USAGE = `usage: node dist/bench/profileInference.js [--model ${IMAGENET_MODELS.join('|')}] [--batch 1]
  [--threads 2] [--rounds 20] [--top 30] [--clock wall|cpu] [--onnx-folder DIR]`;

interface Options {
  model: ImagenetModelId;
  batch: number;
  threads: number;
  rounds: number;
  top: number;
  isCpuClock: boolean;
  onnxFolder: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    model: 'mobilenet_v2',
    batch: 1,
    threads: 2,
    rounds: 20,
    top: 30,
    isCpuClock: false,
    onnxFolder: DEFAULT_CACHE_FOLDER,
  };
  for (let index = 0; index < argv.length; index += 2) {
    const argument = argv[index]!;
    const value = argv[index + 1];
    if (value === undefined) throw new Error(`profileInference: ${argument} needs a value\n${USAGE}`);
    if (argument === '--model' && IMAGENET_MODELS.includes(value as ImagenetModelId))
      options.model = value as ImagenetModelId;
    else if (argument === '--batch') options.batch = Number(value);
    else if (argument === '--threads') options.threads = Number(value);
    else if (argument === '--rounds') options.rounds = Number(value);
    else if (argument === '--top') options.top = Number(value);
    else if (argument === '--clock' && (value === 'wall' || value === 'cpu')) options.isCpuClock = value === 'cpu';
    else if (argument === '--onnx-folder') options.onnxFolder = path.resolve(value);
    else throw new Error(`profileInference: bad argument '${argument} ${value}'\n${USAGE}`);
  }
  return options;
}

/** One kernel id at one call shape: its milliseconds in each round, and its calls per predict. */
interface Entry {
  perRound: number[];
  current: number;
  calls: number;
  /** Operations of one call of a convolution (2 per multiply-add), or 0. */
  operations: number;
}

interface ConvolutionShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  groups?: number;
  activation?: { kind: string };
}

function isConvolutionParams(value: unknown): value is ConvolutionShape {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && 'kH' in value;
}

/** `inH x inW x inC -> outC kK sS [dw] act [+res] [*gate]` for a convolution, the first array's length otherwise. */
function shapeOf(args: readonly unknown[]): { shape: string; operations: number } {
  const index = args.findIndex(isConvolutionParams);
  if (index >= 0) {
    const params = args[index] as ConvolutionShape;
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH } = params;
    const groups = params.groups ?? 1;
    const operations = (2 * batch * outH * outW * kH * kW * inC * outC) / groups;
    const kind = groups > 1 ? ' dw' : '';
    const activation = params.activation === undefined ? '' : ` ${params.activation.kind}`;
    const residual = args[index + 1] !== undefined && args[index + 1] !== null ? ' +res' : '';
    const gate = args[index + 2] !== undefined && args[index + 2] !== null ? ' *gate' : '';
    return {
      shape: `${inH}x${inW}x${inC}->${outC} k${kH} s${strideH}${kind}${activation}${residual}${gate}`,
      operations,
    };
  }
  const array = args.find((value) => ArrayBuffer.isView(value)) as Float32Array | undefined;
  return { shape: array === undefined ? '' : `${array.length} values`, operations: 0 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds since some origin: wall time, or (isCpuClock) this process's user + system time. */
function clockOf(isCpuClock: boolean): () => number {
  if (!isCpuClock) return () => performance.now();
  return () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const now = clockOf(options.isCpuClock);
  const info = await convnet.initWasmBackend({ threads: options.threads, memoryBytes: 2 ** 31 });
  const entries = new Map<string, Entry>();
  let isTiming = false;
  const kernels = convnet.getBackend().kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [id, kernel] of Object.entries(kernels)) {
    kernels[id] = (...args: unknown[]) => {
      if (!isTiming) return kernel(...args);
      const started = now();
      const result = kernel(...args);
      const milliseconds = now() - started;
      const { shape, operations } = shapeOf(args);
      const key = `${id} ${shape}`;
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = { perRound: [], current: 0, calls: 0, operations };
        entries.set(key, entry);
      }
      entry.current += milliseconds;
      entry.calls++;
      return result;
    };
  }
  const { files, missing } = ensureOnnxFiles([options.model], options.onnxFolder, (line) => console.log(line));
  const file = files.get(options.model);
  if (file === undefined) throw new Error(`profileInference: ${missing.get(options.model) ?? 'no ONNX file'}`);
  const imported = convnet.importOnnx(new Uint8Array(readFileSync(file)), path.basename(file));
  const random = new SeededRandom(options.batch);
  const pixels = Float32Array.from(
    { length: options.batch * CHANNELS * IMAGE_SIZE * IMAGE_SIZE },
    () => random.uniform() - 0.5,
  );
  const shape = [options.batch, CHANNELS, IMAGE_SIZE, IMAGE_SIZE];
  const x = convnet.importedInput(convnet.Tensor.fromArray(pixels, shape), imported.inputLayout);
  const predict = () => imported.model.predict(x, { batchSize: options.batch });
  for (let warmup = 0; warmup < 5; warmup++) predict();
  const totals: number[] = [];
  const untimed: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const started = now();
    predict();
    untimed.push(now() - started);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const entry of entries.values()) entry.current = 0;
    isTiming = true;
    const started = now();
    predict();
    totals.push(now() - started);
    isTiming = false;
    for (const entry of entries.values()) entry.perRound.push(entry.current);
  }
  const rows = [...entries.entries()].map(([key, entry]) => ({
    key,
    milliseconds: median(entry.perRound),
    calls: entry.calls / options.rounds,
    operations: entry.operations,
  }));
  rows.sort((a, b) => b.milliseconds - a.milliseconds);
  const kernelMilliseconds = rows.reduce((sum, row) => sum + row.milliseconds, 0);
  const calls = rows.reduce((sum, row) => sum + row.calls, 0);
  console.log(
    `${options.model} predict, batch ${options.batch}, wasm build ${info.build}, ${info.threads} thread(s): ` +
      `${options.isCpuClock ? 'CPU time' : 'wall time'}: ${median(untimed).toFixed(2)} ms untimed, ${median(totals).toFixed(2)} ms timed, kernels ` +
      `${kernelMilliseconds.toFixed(2)} ms in ${calls} calls; medians of ${options.rounds}`,
  );
  const byId = new Map<string, number>();
  for (const row of rows) {
    const id = row.key.split(' ')[0]!;
    byId.set(id, (byId.get(id) ?? 0) + row.milliseconds);
  }
  for (const [id, milliseconds] of [...byId.entries()].sort((a, b) => b[1] - a[1]))
    console.log(`  ${id.padEnd(28)} ${milliseconds.toFixed(2).padStart(8)} ms`);
  console.log('       ms  calls  kernel and shape');
  for (const row of rows.slice(0, options.top)) {
    const rate =
      row.operations > 0 ? `${((row.operations * row.calls) / row.milliseconds / 1e6).toFixed(1)} GFLOP/s` : '';
    console.log(
      `${row.milliseconds.toFixed(3).padStart(9)} ${String(row.calls).padStart(6)}  ${row.key.padEnd(52)} ${rate}`,
    );
  }
}

await main();
