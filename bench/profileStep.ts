// `node dist/bench/profileStep.js`: where one training step goes, kernel by kernel: the fine-tuning step of
// bench:imagenet's train mode (an ImageNet-sized ONNX file imported, batch 16, SGD with momentum), or with
// `--workload W1|W2` the training step of `npm run bench` (bench/workloads.ts, batch 64). Each kernel call of the
// active backend is timed in process CPU time (user + system, all threads: steadier than wall time on a busy
// machine, but on several threads it also counts the workers' spinning between kernels). Prints medians over the
// rounds per kernel id and per call shape, with the convolutions' effective GFLOP/s (direct-convolution operations
// over time: Winograd passes exceed the GEMM's rate), and the step's time outside kernels. Options: see USAGE.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as convnet from 'convnet-ts';
import {
  CHANNELS,
  DEFAULT_CACHE_FOLDER,
  IMAGENET_MODELS,
  IMAGE_SIZE,
  LEARNING_RATE,
  MOMENTUM,
  TRAIN_BATCH,
  ensureOnnxFiles,
  type ImagenetModelId,
} from './imagenetModels.js';
import { buildModel, examplesTensor } from './convnetSuite.js';
import { SeededRandom } from './seededRandom.js';
import {
  BATCH,
  LEARNING_RATE as WORKLOAD_LEARNING_RATE,
  MOMENTUM as WORKLOAD_MOMENTUM,
  WORKLOADS,
  type Workload,
} from './workloads.js';

const USAGE = `usage: node dist/bench/profileStep.js [--model ${IMAGENET_MODELS.join('|')}] [--threads 1] [--rounds 5]
  [--top 40] [--onnx-folder DIR] [--workload ${WORKLOADS.map((workload) => workload.id).join('|')}]`;

interface Options {
  model: ImagenetModelId;
  /** A bench workload to profile instead of the ImageNet model, or null. */
  workload: Workload | null;
  threads: number;
  rounds: number;
  top: number;
  onnxFolder: string;
}

/** Untimed steps first: the first calls size the arena and compile the kernels' lazy paths. */
const WARM_UP_STEPS = 3;

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    model: 'resnet18',
    workload: null,
    threads: 1,
    rounds: 5,
    top: 40,
    onnxFolder: DEFAULT_CACHE_FOLDER,
  };
  for (let index = 0; index < argv.length; index += 2) {
    const argument = argv[index]!;
    const value = argv[index + 1];
    if (value === undefined) throw new Error(`profileStep: ${argument} needs a value\n${USAGE}`);
    if (argument === '--model' && IMAGENET_MODELS.includes(value as ImagenetModelId))
      options.model = value as ImagenetModelId;
    else if (argument === '--threads') options.threads = Number(value);
    else if (argument === '--rounds') options.rounds = Number(value);
    else if (argument === '--top') options.top = Number(value);
    else if (argument === '--onnx-folder') options.onnxFolder = path.resolve(value);
    else if (argument === '--workload' && WORKLOADS.some((workload) => workload.id === value))
      options.workload = WORKLOADS.find((workload) => workload.id === value)!;
    else throw new Error(`profileStep: bad argument '${argument} ${value}'\n${USAGE}`);
  }
  return options;
}

/** One kernel id at one call shape: its CPU milliseconds in each round, and its calls per step. */
interface Entry {
  perRound: number[];
  current: number;
  /** The same in wall-clock milliseconds (the figure that several threads shorten). */
  wallPerRound: number[];
  wallCurrent: number;
  calls: number;
  /** Operations of one call of a convolution (2 per multiply-add of the direct form), or 0. */
  operations: number;
}

/** The fields of a convolution's params record (src/kernels/params.ts) that the operation count reads. */
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
}

function isConvolutionParams(value: unknown): value is ConvolutionShape {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && 'kH' in value;
}

/** `inH x inW x inC -> outC kKsS` for a convolution (its forward geometry), the first array's length otherwise. */
function shapeOf(args: readonly unknown[]): { shape: string; operations: number } {
  const params = args.find(isConvolutionParams);
  if (params !== undefined) {
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH } = params;
    const operations = (2 * batch * outH * outW * kH * kW * inC * outC) / (params.groups ?? 1);
    return { shape: `${inH}x${inW}x${inC}->${outC} k${kH} s${strideH}`, operations };
  }
  const array = args.find((value) => ArrayBuffer.isView(value)) as Float32Array | undefined;
  return { shape: array === undefined ? '' : `${array.length} values`, operations: 0 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function cpuMilliseconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** One training step of an imported ImageNet model (bench:imagenet's train mode). */
function imagenetStep(options: Options): { step: () => unknown; batch: number; name: string } {
  const { files, missing } = ensureOnnxFiles([options.model], options.onnxFolder, (line) => console.log(line));
  const file = files.get(options.model);
  if (file === undefined) throw new Error(`profileStep: ${missing.get(options.model) ?? 'no ONNX file'}`);
  const imported = convnet.importOnnx(new Uint8Array(readFileSync(file)), path.basename(file));
  const random = new SeededRandom(TRAIN_BATCH);
  const pixels = Float32Array.from(
    { length: TRAIN_BATCH * CHANNELS * IMAGE_SIZE * IMAGE_SIZE },
    () => random.uniform() - 0.5,
  );
  const shape = [TRAIN_BATCH, CHANNELS, IMAGE_SIZE, IMAGE_SIZE];
  const x = convnet.importedInput(convnet.Tensor.fromArray(pixels, shape), imported.inputLayout);
  const labels = Int32Array.from({ length: TRAIN_BATCH }, (_, index) => (index * 37) % 1000);
  const optimizer = new convnet.SGD({ learningRate: LEARNING_RATE, momentum: MOMENTUM });
  const step = (): unknown =>
    imported.model.fit(x, labels, { epochs: 1, batchSize: TRAIN_BATCH, shuffle: false, optimizer });
  return { step, batch: TRAIN_BATCH, name: `${options.model} fine-tuning step` };
}

/** One training step of a bench workload, as convnetSuite.ts times it. */
function workloadStep(workload: Workload): { step: () => unknown; batch: number; name: string } {
  const model = buildModel(workload);
  const { x, labels } = examplesTensor(workload, BATCH);
  const optimizer = new convnet.SGD({ learningRate: WORKLOAD_LEARNING_RATE, momentum: WORKLOAD_MOMENTUM });
  const step = (): unknown => model.fit(x, labels, { epochs: 1, batchSize: BATCH, shuffle: false, optimizer });
  return { step, batch: BATCH, name: `${workload.id} ${workload.name} training step` };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const info = await convnet.initWasmBackend({ threads: options.threads, memoryBytes: 2 ** 32 });
  const entries = new Map<string, Entry>();
  let isTiming = false;
  const kernels = convnet.getBackend().kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [id, kernel] of Object.entries(kernels)) {
    kernels[id] = (...args: unknown[]) => {
      if (!isTiming) return kernel(...args);
      const wallStarted = performance.now();
      const started = process.cpuUsage();
      const result = kernel(...args);
      const milliseconds = cpuMilliseconds(started);
      const wallMilliseconds = performance.now() - wallStarted;
      const { shape, operations } = shapeOf(args);
      const key = `${id} ${shape}`;
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = { perRound: [], current: 0, wallPerRound: [], wallCurrent: 0, calls: 0, operations };
        entries.set(key, entry);
      }
      entry.current += milliseconds;
      entry.wallCurrent += wallMilliseconds;
      entry.calls++;
      return result;
    };
  }
  const { step, batch, name } = options.workload === null ? imagenetStep(options) : workloadStep(options.workload);
  for (let warmUp = 0; warmUp < WARM_UP_STEPS; warmUp++) step();
  const steps: number[] = [];
  const wallSteps: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const entry of entries.values()) {
      entry.current = 0;
      entry.wallCurrent = 0;
    }
    isTiming = true;
    const wallStarted = performance.now();
    const started = process.cpuUsage();
    step();
    steps.push(cpuMilliseconds(started));
    wallSteps.push(performance.now() - wallStarted);
    isTiming = false;
    for (const entry of entries.values()) {
      entry.perRound.push(entry.current);
      entry.wallPerRound.push(entry.wallCurrent);
    }
  }
  const rows = [...entries.entries()].map(([key, entry]) => ({
    key,
    milliseconds: median(entry.perRound),
    wallMilliseconds: median(entry.wallPerRound),
    calls: entry.calls / options.rounds,
    operations: entry.operations,
  }));
  rows.sort((a, b) => b.milliseconds - a.milliseconds);
  const stepMilliseconds = median(steps);
  const kernelMilliseconds = rows.reduce((sum, row) => sum + row.milliseconds, 0);
  console.log(
    `${name}, batch ${batch}, wasm build ${info.build}, ${info.threads} thread(s): ` +
      `${stepMilliseconds.toFixed(1)} ms CPU (${((batch * 1000) / stepMilliseconds).toFixed(2)} img/s of CPU ` +
      `time), kernels ${kernelMilliseconds.toFixed(1)} ms, outside kernels (tape, layers, allocation) ` +
      `${(stepMilliseconds - kernelMilliseconds).toFixed(1)} ms; median of ${options.rounds} steps`,
  );
  const wallStep = median(wallSteps);
  const wallKernels = rows.reduce((sum, row) => sum + row.wallMilliseconds, 0);
  console.log(
    `  wall clock: ${wallStep.toFixed(1)} ms (${((batch * 1000) / wallStep).toFixed(0)} img/s), kernels ` +
      `${wallKernels.toFixed(1)} ms`,
  );
  const byId = new Map<string, { milliseconds: number; wallMilliseconds: number }>();
  for (const row of rows) {
    const id = row.key.split(' ')[0]!;
    const sums = byId.get(id) ?? { milliseconds: 0, wallMilliseconds: 0 };
    sums.milliseconds += row.milliseconds;
    sums.wallMilliseconds += row.wallMilliseconds;
    byId.set(id, sums);
  }
  console.log('   ms CPU  ms wall  kernel id');
  for (const [id, sums] of [...byId.entries()].sort((a, b) => b[1].milliseconds - a[1].milliseconds)) {
    const cpu = sums.milliseconds.toFixed(1).padStart(9);
    console.log(`${cpu} ${sums.wallMilliseconds.toFixed(1).padStart(8)}  ${id}`);
  }
  console.log('   ms CPU  ms wall  calls  kernel and shape');
  for (const row of rows.slice(0, options.top)) {
    const rate =
      row.operations > 0 ? `${((row.operations * row.calls) / row.milliseconds / 1e6).toFixed(1)} GFLOP/s` : '';
    console.log(
      `${row.milliseconds.toFixed(1).padStart(9)} ${row.wallMilliseconds.toFixed(1).padStart(8)} ` +
        `${String(row.calls).padStart(6)}  ${row.key.padEnd(44)} ${rate}`,
    );
  }
}

await main();
