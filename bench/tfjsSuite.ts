// TensorFlow.js 4.22 peers: the pure-JS 'cpu' backend (trains and infers) and the WebAssembly backend
// (XNNPACK, SIMD; infers only: it has no conv backprop kernels, which the suite tries once and reports).
// The networks are the same as ConvNet.ts's, written the way a Keras user would: each ReLU fused into the
// conv or dense before it (TF.js then runs its fused conv+bias+relu kernels), a softmax on the last dense.
// Limits: TF.js cpu takes tens of seconds per training step, so its training is timed on one step.

import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SuiteRecorder, errorMessage, progress, type Measured, type SuiteOutput } from './results.js';
import { enableNodeWorkerThreads } from './tfjsWasmThreads.js';
import {
  FAST_PLANS,
  SLOW_PLANS,
  describeTiming,
  imagesPerSecond,
  timeRepeated,
  type RepetitionPlan,
  type Timing,
} from './timing.js';
import {
  BATCH,
  KERNEL_SIZE,
  LEARNING_RATE,
  MOMENTUM,
  POOL_SIZE,
  WORKLOADS,
  makeExamples,
  type Workload,
} from './workloads.js';

/** TF.js cpu: one timed training step after a batch-1 warm-up step (which runs every kernel once). */
const CPU_PLANS = {
  train: { warmup: 1, minRepetitions: 1, maxRepetitions: 1, budgetSeconds: 0 },
  infer: SLOW_PLANS.infer,
  latency: SLOW_PLANS.latency,
} satisfies Record<string, RepetitionPlan>;

type Activation = 'relu' | 'softmax' | 'linear';

function buildModel(workload: Workload): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [...workload.inputShape] }));
  const specs = workload.layers;
  for (let index = 0; index < specs.length; index++) {
    const spec = specs[index]!;
    const isLast = index === specs.length - 1;
    const activation: Activation = isLast ? 'softmax' : specs[index + 1]?.kind === 'relu' ? 'relu' : 'linear';
    switch (spec.kind) {
      case 'conv':
        model.add(tf.layers.conv2d({ filters: spec.filters, kernelSize: KERNEL_SIZE, padding: 'same', activation }));
        break;
      case 'dense':
        model.add(tf.layers.dense({ units: spec.units, activation }));
        break;
      case 'maxPool':
        model.add(tf.layers.maxPooling2d({ poolSize: POOL_SIZE }));
        break;
      case 'flatten':
        model.add(tf.layers.flatten());
        break;
      case 'relu':
        break;
    }
  }
  model.compile({ optimizer: tf.train.momentum(LEARNING_RATE, MOMENTUM), loss: 'categoricalCrossentropy' });
  return model;
}

function examples(workload: Workload, batch: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const drawn = makeExamples(workload, batch);
  const x = tf.tensor4d(drawn.pixels, [batch, ...workload.inputShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(drawn.labels, 'int32'), workload.classes) as tf.Tensor2D);
  return { x, y };
}

function predictAndRead(model: tf.Sequential, x: tf.Tensor, batchSize: number): void {
  const output = model.predict(x, { batchSize }) as tf.Tensor;
  output.dataSync();
  output.dispose();
}

interface TfjsRun {
  recorder: SuiteRecorder;
  threads: number;
  plans: { train: RepetitionPlan; infer: RepetitionPlan; latency: RepetitionPlan };
  backendNote: string;
  isTrainable: boolean;
}

async function measureWorkload(run: TfjsRun, workload: Workload): Promise<void> {
  const model = buildModel(workload);
  const batch = examples(workload, BATCH);
  const single = examples(workload, 1);
  const note = (timing: Timing, what: string): string => `${describeTiming(timing, what)}; ${run.backendNote}`;

  await run.recorder.record(workload.id, 'infer', run.threads, async (): Promise<Measured> => {
    const timing = await timeRepeated(() => predictAndRead(model, batch.x, BATCH), run.plans.infer);
    return { value: imagesPerSecond(BATCH, timing.medianMilliseconds), note: note(timing, 'batches of 64') };
  });
  await run.recorder.record(workload.id, 'latency', run.threads, async (): Promise<Measured> => {
    const timing = await timeRepeated(() => predictAndRead(model, single.x, 1), run.plans.latency);
    return { value: timing.medianMilliseconds, note: note(timing, 'single-image predictions') };
  });
  if (!run.isTrainable) return;
  await run.recorder.record(workload.id, 'train', run.threads, async (): Promise<Measured> => {
    const step = (): Promise<unknown> => model.trainOnBatch(batch.x, batch.y);
    const warmupStep = (): Promise<unknown> => model.trainOnBatch(single.x, single.y);
    const timing = await timeRepeated(step, run.plans.train, warmupStep);
    return {
      value: imagesPerSecond(BATCH, timing.medianMilliseconds),
      note: note(timing, 'training steps of 64 after a batch-1 warm-up step'),
    };
  });
}

export async function runTfjsCpu(): Promise<SuiteOutput> {
  const recorder = new SuiteRecorder('TF.js (cpu)');
  await tf.setBackend('cpu');
  await tf.ready();
  const run: TfjsRun = {
    recorder,
    threads: 1,
    plans: CPU_PLANS,
    backendNote: `tfjs ${tf.version.tfjs} cpu backend (plain JS)`,
    isTrainable: true,
  };
  for (const workload of WORKLOADS) await measureWorkload(run, workload);
  return recorder.output;
}

/** TF.js wasm asks for this many threads; the count recorded is what the backend reports after initialising. */
const WASM_THREADS = 2;

/**
 * TF.js wasm, asking for two threads. Stock TF.js in Node quietly runs one; with `useWorkerShim` the shim in
 * tfjsWasmThreads.ts gets it two.
 */
export async function runTfjsWasm(useWorkerShim: boolean): Promise<SuiteOutput> {
  const threads = WASM_THREADS;
  const recorder = new SuiteRecorder(useWorkerShim ? 'TF.js (wasm, Node worker shim)' : 'TF.js (wasm)');
  const require = createRequire(import.meta.url);
  const wasmFolder = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  tfWasm.setWasmPaths(`${wasmFolder}${path.sep}`);
  tfWasm.setThreadsCount(threads);
  const restoreCpus = useWorkerShim ? enableNodeWorkerThreads(threads) : (): void => {};
  if (useWorkerShim) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const isReady = await tf.setBackend('wasm');
  restoreCpus();
  if (!isReady) {
    recorder.fail('the wasm backend did not initialise (see the messages above)');
    return recorder.output;
  }
  const actualThreads = tfWasm.getThreadsCount();
  const hasSimd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const hasThreadedBuild = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const build = hasThreadedBuild ? 'threaded-simd' : hasSimd ? 'simd' : 'plain';
  let backendNote =
    `tfjs-backend-wasm ${tfWasm.version_wasm}, ${build} build, SIMD ` +
    `${hasSimd ? 'on' : 'off'}, setThreadsCount(${threads}) -> ${actualThreads} thread(s)`;
  if (useWorkerShim) backendNote += ', threads through the Node worker shim (bench/tfjsWasmThreads.ts)';
  if (actualThreads < threads) {
    const why = hasThreadedBuild
      ? 'its pool capped the count'
      : 'TF.js reports no thread support in Node and loads its single-threaded build';
    backendNote += `; ${threads} threads could not be used (${why})`;
  }
  progress(`TF.js wasm: ${backendNote}`);

  const run: TfjsRun = { recorder, threads: actualThreads, plans: FAST_PLANS, backendNote, isTrainable: false };
  for (const workload of WORKLOADS) await measureWorkload(run, workload);
  if (!useWorkerShim) await tryTraining(recorder, actualThreads);
  return recorder.output;
}

/** The wasm backend lacks conv gradient kernels; try one W1 step so the report quotes TF.js's own error. */
async function tryTraining(recorder: SuiteRecorder, threads: number): Promise<void> {
  const workload = WORKLOADS[0]!;
  const model = buildModel(workload);
  const batch = examples(workload, BATCH);
  try {
    await model.trainOnBatch(batch.x, batch.y);
    await recorder.record(workload.id, 'train', threads, async (): Promise<Measured> => {
      const timing = await timeRepeated(() => model.trainOnBatch(batch.x, batch.y), FAST_PLANS.train);
      return {
        value: imagesPerSecond(BATCH, timing.medianMilliseconds),
        note: describeTiming(timing, 'training steps of 64'),
      };
    });
  } catch (error) {
    const reason = `cannot train: ${errorMessage(error)}`;
    for (const each of WORKLOADS) recorder.fail(reason, each.id, 'train');
    progress(`TF.js wasm train: ${reason}`);
  }
}
