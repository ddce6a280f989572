// ConvNet.ts measured through its public API only: the plain TypeScript 'reference' backend always,
// and the WebAssembly backend with 1 and 2 threads once the library exports initWasmBackend.
// Training times model.fit over exactly one batch per call, the same optimizer carrying momentum across calls.
// Limits: the reference backend is slow on purpose (the test oracle), so it gets one or two repetitions.

import * as convnet from 'convnet-ts';
import { SuiteRecorder, errorMessage, progress, type GemmResult, type Measured, type SuiteOutput } from './results.js';
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
  type LayerSpec,
  type Workload,
} from './workloads.js';

/**
 * The fast backend's part of the public API, declared optional so that this file compiles and runs with
 * or without it (the reference backend is always measured). All of it is looked up at run time.
 */
interface FastBackendApi {
  /** Starts (or restarts) the 'wasm' backend and makes it active; resolves to what it chose. */
  initWasmBackend?: (options?: { threads?: number }) => Promise<unknown>;
  /**
   * GFLOP/s of an n x n x n MatMul. The library's form is (n, repetitions = 9) on the active backend, whose
   * threads initWasmBackend set; a two-parameter (n, threads) form is also accepted (see measureGemm).
   */
  benchmarkGemm?: (n: number, threads?: number) => number | Promise<number>;
}

/** The parts of WasmBackendInfo the notes quote; read defensively, since the shape may still change. */
interface WasmInfo {
  build?: string;
  threads?: number;
  features?: { simd?: boolean; relaxedSimd?: boolean };
}

const api = convnet as typeof convnet & FastBackendApi;

/** One reference training step past this is skipped: W2 on a slow reference backend would eat the whole run. */
const REFERENCE_TRAIN_STEP_LIMIT_SECONDS = 60;
/** A training step costs about three forward passes (forward, backward to the input, backward to the weights). */
const TRAIN_TO_FORWARD_COST = 3;
const GEMM_SIZES = [512, 1024];
const THREAD_COUNTS = [1, 2];

/** The workload's network with ConvNet.ts's layers, seeded: the model every mode times (and profileStep.ts). */
export function buildModel(workload: Workload): convnet.Sequential {
  const layers: convnet.Layer[] = [new convnet.Input({ shape: [...workload.inputShape] })];
  for (const spec of workload.layers) layers.push(buildLayer(spec));
  layers.push(new convnet.Softmax());
  return new convnet.Sequential(layers, { seed: 1 });
}

function buildLayer(spec: LayerSpec): convnet.Layer {
  switch (spec.kind) {
    case 'conv':
      return new convnet.Conv2D({ filters: spec.filters, kernelSize: KERNEL_SIZE, padding: 'same' });
    case 'relu':
      return new convnet.ReLU();
    case 'maxPool':
      return new convnet.MaxPool2D({ poolSize: POOL_SIZE });
    case 'flatten':
      return new convnet.Flatten();
    case 'dense':
      return new convnet.Dense({ units: spec.units });
  }
}

/** The workload's seeded examples as a tensor [batch, inH, inW, inC] and their labels. */
export function examplesTensor(workload: Workload, batch: number): { x: convnet.Tensor; labels: Int32Array } {
  const examples = makeExamples(workload, batch);
  const x = convnet.Tensor.zeros([batch, ...workload.inputShape]);
  x.dataSync().set(examples.pixels);
  return { x, labels: examples.labels };
}

interface BackendRun {
  recorder: SuiteRecorder;
  threads: number;
  plans: { train: RepetitionPlan; infer: RepetitionPlan; latency: RepetitionPlan };
  /** Skip a training measurement whose estimated step time exceeds this (reference backend only). */
  trainStepLimitSeconds: number | null;
  backendNote: string;
}

function describe(run: BackendRun, timing: Timing, what: string): string {
  return `${describeTiming(timing, what)}; ${run.backendNote}`;
}

async function measureWorkload(run: BackendRun, workload: Workload): Promise<void> {
  const model = buildModel(workload);
  const batch = examplesTensor(workload, BATCH);
  const single = examplesTensor(workload, 1);
  let forwardMilliseconds = 0;

  await run.recorder.record(workload.id, 'infer', run.threads, async (): Promise<Measured> => {
    const timing = await timeRepeated(() => model.predict(batch.x, { batchSize: BATCH }), run.plans.infer);
    forwardMilliseconds = timing.medianMilliseconds;
    return { value: imagesPerSecond(BATCH, timing.medianMilliseconds), note: describe(run, timing, 'batches of 64') };
  });

  await run.recorder.record(workload.id, 'latency', run.threads, async (): Promise<Measured> => {
    const timing = await timeRepeated(() => model.predict(single.x, { batchSize: 1 }), run.plans.latency);
    return { value: timing.medianMilliseconds, note: describe(run, timing, 'single-image predictions') };
  });

  await run.recorder.record(workload.id, 'train', run.threads, async (): Promise<Measured | null> => {
    const estimatedSeconds = (TRAIN_TO_FORWARD_COST * forwardMilliseconds) / 1000;
    if (run.trainStepLimitSeconds !== null && estimatedSeconds > run.trainStepLimitSeconds) {
      const reason =
        `skipped: one step would take about ${estimatedSeconds.toFixed(0)} s ` +
        `(${TRAIN_TO_FORWARD_COST}x the forward pass), over the ${run.trainStepLimitSeconds} s limit`;
      run.recorder.fail(reason, workload.id, 'train');
      progress(`${run.recorder.library} ${workload.id} train: ${reason}`);
      return null;
    }
    const optimizer = new convnet.SGD({ learningRate: LEARNING_RATE, momentum: MOMENTUM });
    const step = (): unknown =>
      model.fit(batch.x, batch.labels, { epochs: 1, batchSize: BATCH, shuffle: false, optimizer });
    const timing = await timeRepeated(step, run.plans.train);
    return {
      value: imagesPerSecond(BATCH, timing.medianMilliseconds),
      note: describe(run, timing, 'training steps of 64 (forward, backward, SGD momentum update)'),
    };
  });
}

/** GEMM on the active wasm backend, which initWasmBackend has just started with `threads` threads. */
async function measureGemm(output: SuiteOutput, threads: number): Promise<void> {
  const benchmarkGemm = api.benchmarkGemm;
  if (typeof benchmarkGemm !== 'function') {
    output.gemm = null;
    output.gemmNote = 'ConvNet.ts does not export benchmarkGemm';
    return;
  }
  // A declared second parameter without a default is the (n, threads) form; (n, repetitions = 9) has length 1.
  const takesThreads = benchmarkGemm.length >= 2;
  output.gemm ??= [];
  for (const n of GEMM_SIZES) {
    try {
      const gflops = Number(await (takesThreads ? benchmarkGemm(n, threads) : benchmarkGemm(n)));
      const entry: GemmResult = { n, threads, gflops };
      output.gemm.push(entry);
      progress(`ConvNet.ts GEMM n=${n}, ${threads} thread(s): ${gflops.toFixed(1)} GFLOP/s`);
    } catch (error) {
      output.failures.push({
        library: 'ConvNet.ts GEMM',
        reason: `n=${n}, threads=${threads}: ${errorMessage(error)}`,
      });
    }
  }
}

function describeWasm(info: WasmInfo, threads: number): string {
  const relaxed =
    info.features?.relaxedSimd === undefined ? '' : `, relaxed SIMD ${info.features.relaxedSimd ? 'on' : 'off'}`;
  return `backend wasm (build ${info.build ?? '?'}, ${info.threads ?? threads} thread(s)${relaxed})`;
}

/** ConvNet.ts on its WebAssembly backend, 1 then 2 threads, plus the GEMM figures. */
export async function runConvnetWasm(): Promise<SuiteOutput> {
  const recorder = new SuiteRecorder('ConvNet.ts (wasm)');
  if (typeof api.initWasmBackend !== 'function') {
    recorder.fail('not built yet: ConvNet.ts does not export initWasmBackend');
    recorder.output.gemm = null;
    recorder.output.gemmNote = 'ConvNet.ts has no fast backend yet (no initWasmBackend, no benchmarkGemm)';
    return recorder.output;
  }
  for (const threads of THREAD_COUNTS) {
    let info: WasmInfo;
    try {
      info = ((await api.initWasmBackend({ threads })) ?? {}) as WasmInfo;
    } catch (error) {
      recorder.fail(`initWasmBackend({ threads: ${threads} }) failed: ${errorMessage(error)}`);
      continue;
    }
    const active = convnet.getBackend().name;
    if (active !== 'wasm') {
      recorder.fail(`initWasmBackend({ threads: ${threads} }) left backend '${active}' active, not 'wasm'`);
      continue;
    }
    const actualThreads = typeof info.threads === 'number' ? info.threads : threads;
    const backendNote = describeWasm(info, threads);
    progress(`ConvNet.ts: ${backendNote}`);
    const run: BackendRun = {
      recorder,
      threads: actualThreads,
      plans: FAST_PLANS,
      trainStepLimitSeconds: null,
      backendNote,
    };
    for (const workload of WORKLOADS) await measureWorkload(run, workload);
    await measureGemm(recorder.output, actualThreads);
  }
  if (recorder.output.gemm === undefined) {
    recorder.output.gemm = null;
    recorder.output.gemmNote = 'the wasm backend did not start (see failures)';
  }
  return recorder.output;
}

/** ConvNet.ts on the plain TypeScript reference backend (one thread). */
export async function runConvnetReference(): Promise<SuiteOutput> {
  const recorder = new SuiteRecorder('ConvNet.ts (reference)');
  convnet.setBackend('reference');
  const run: BackendRun = {
    recorder,
    threads: 1,
    plans: SLOW_PLANS,
    trainStepLimitSeconds: REFERENCE_TRAIN_STEP_LIMIT_SECONDS,
    backendNote: 'backend reference (plain TypeScript)',
  };
  for (const workload of WORKLOADS) await measureWorkload(run, workload);
  return recorder.output;
}
