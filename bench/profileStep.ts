// `node dist/bench/profileStep.js`: where one training step goes, kernel by kernel: the fine-tuning step of
// bench:imagenet's train mode (an ImageNet-sized ONNX file imported, batch 16, SGD with momentum), or with
// `--workload W1|W2` the training step of `npm run bench` (bench/workloads.ts, batch 64). Each kernel call of the
// active backend is timed in process CPU time (user + system, all threads: steadier than wall time on a busy
// machine, but on several threads it also counts the workers' spinning between kernels). Prints medians over the
// rounds per kernel id and per call shape, with the convolutions' effective GFLOP/s (direct-convolution operations
// over time: Winograd passes exceed the GEMM's rate), and the step's time outside kernels. Options: see USAGE.

import * as convnet from 'convnet-ts';
import { buildModel, examplesTensor } from './convnetSuite.js';
import { DEFAULT_CACHE_FOLDER, IMAGENET_MODELS, LEARNING_RATE, MOMENTUM, TRAIN_BATCH } from './imagenetModels.js';
import {
  KernelProfiler,
  cpuNow,
  importImagenetModel,
  kernelMilliseconds,
  parseProfileOptions,
  printProfile,
  type ProfileOptions,
} from './kernelProfiler.js';
import { median } from './timing.js';
import {
  BATCH,
  LEARNING_RATE as WORKLOAD_LEARNING_RATE,
  MOMENTUM as WORKLOAD_MOMENTUM,
  WORKLOADS,
  type Workload,
} from './workloads.js';

const USAGE = `usage: node dist/bench/profileStep.js [--model ${IMAGENET_MODELS.join('|')}] [--threads 1] [--rounds 5]
  [--top 40] [--onnx-folder DIR] [--workload ${WORKLOADS.map((workload) => workload.id).join('|')}]`;

interface Options extends ProfileOptions {
  /** A bench workload to profile instead of the ImageNet model, or null. */
  workload: Workload | null;
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
  return parseProfileOptions('profileStep', USAGE, argv, options, (argument, value) => {
    const workload = WORKLOADS.find((candidate) => candidate.id === value);
    if (argument !== '--workload' || workload === undefined) return false;
    options.workload = workload;
    return true;
  });
}

/** One training step of an imported ImageNet model (bench:imagenet's train mode). */
function imagenetStep(options: Options): { step: () => unknown; batch: number; name: string } {
  const { model, x } = importImagenetModel('profileStep', options, TRAIN_BATCH);
  const labels = Int32Array.from({ length: TRAIN_BATCH }, (_, index) => (index * 37) % 1000);
  const optimizer = new convnet.SGD({ learningRate: LEARNING_RATE, momentum: MOMENTUM });
  const step = (): unknown => model.fit(x, labels, { epochs: 1, batchSize: TRAIN_BATCH, shuffle: false, optimizer });
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
  const profiler = new KernelProfiler();
  const { step, batch, name } = options.workload === null ? imagenetStep(options) : workloadStep(options.workload);
  for (let warmUp = 0; warmUp < WARM_UP_STEPS; warmUp++) step();
  const steps: number[] = [];
  const wallSteps: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    profiler.startRound();
    const wallStarted = performance.now();
    const started = cpuNow();
    step();
    steps.push(cpuNow() - started);
    wallSteps.push(performance.now() - wallStarted);
    profiler.endRound();
  }
  const rows = profiler.rows('cpu');
  const stepMilliseconds = median(steps);
  const kernels = kernelMilliseconds(rows, 'cpu');
  console.log(
    `${name}, batch ${batch}, wasm build ${info.build}, ${info.threads} thread(s): ` +
      `${stepMilliseconds.toFixed(1)} ms CPU (${((batch * 1000) / stepMilliseconds).toFixed(2)} img/s of CPU ` +
      `time), kernels ${kernels.toFixed(1)} ms, outside kernels (tape, layers, allocation) ` +
      `${(stepMilliseconds - kernels).toFixed(1)} ms; median of ${options.rounds} steps`,
  );
  const wallStep = median(wallSteps);
  console.log(
    `  wall clock: ${wallStep.toFixed(1)} ms (${((batch * 1000) / wallStep).toFixed(0)} img/s), kernels ` +
      `${kernelMilliseconds(rows, 'wall').toFixed(1)} ms`,
  );
  printProfile(rows, ['cpu', 'wall'], options.top);
}

await main();
