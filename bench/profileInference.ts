// `node dist/bench/profileInference.js`: where one predict of an ImageNet-sized network goes, kernel call by
// kernel call: the ONNX file of bench:imagenet imported, predict at batch 1 or 8, each kernel call of the active
// backend timed in wall time (the workers' time is inside the caller's wall time), or with --clock cpu in process
// CPU time (steadier on a busy machine, but on several threads it counts the workers' spinning too). Prints medians
// over the rounds per kernel id and per call shape (with activation and residual), the convolutions' GFLOP/s, and
// the time outside kernels (the plan's own JavaScript). Options: see USAGE.

import * as convnet from 'convnet-ts';
import { DEFAULT_CACHE_FOLDER, IMAGENET_MODELS } from './imagenetModels.js';
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

const USAGE = `usage: node dist/bench/profileInference.js [--model ${IMAGENET_MODELS.join('|')}] [--batch 1]
  [--threads 2] [--rounds 20] [--top 30] [--clock wall|cpu] [--onnx-folder DIR]`;

interface Options extends ProfileOptions {
  batch: number;
  clock: 'wall' | 'cpu';
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    model: 'mobilenet_v2',
    batch: 1,
    threads: 2,
    rounds: 20,
    top: 30,
    clock: 'wall',
    onnxFolder: DEFAULT_CACHE_FOLDER,
  };
  return parseProfileOptions('profileInference', USAGE, argv, options, (argument, value) => {
    if (argument === '--batch') options.batch = Number(value);
    else if (argument === '--clock' && (value === 'wall' || value === 'cpu')) options.clock = value;
    else return false;
    return true;
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const now = options.clock === 'cpu' ? cpuNow : () => performance.now();
  const info = await convnet.initWasmBackend({ threads: options.threads, memoryBytes: 2 ** 31 });
  const profiler = new KernelProfiler();
  const { model, x } = importImagenetModel('profileInference', options, options.batch);
  const predict = () => model.predict(x, { batchSize: options.batch });
  for (let warmup = 0; warmup < 5; warmup++) predict();
  const totals: number[] = [];
  const untimed: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const started = now();
    predict();
    untimed.push(now() - started);
  }
  for (let round = 0; round < options.rounds; round++) {
    profiler.startRound();
    const started = now();
    predict();
    totals.push(now() - started);
    profiler.endRound();
  }
  const rows = profiler.rows(options.clock);
  const calls = rows.reduce((sum, row) => sum + row.calls, 0);
  console.log(
    `${options.model} predict, batch ${options.batch}, wasm build ${info.build}, ${info.threads} thread(s): ` +
      `${options.clock === 'cpu' ? 'CPU time' : 'wall time'}: ${median(untimed).toFixed(2)} ms untimed, ` +
      `${median(totals).toFixed(2)} ms timed, kernels ${kernelMilliseconds(rows, options.clock).toFixed(2)} ms in ` +
      `${calls} calls; medians of ${options.rounds}`,
  );
  printProfile(rows, [options.clock], options.top);
}

await main();
