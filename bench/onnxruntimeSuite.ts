// onnxruntime peers, inference only, on the ONNX models that bench/onnxModel.ts builds:
// onnxruntime-web (its WebAssembly backend with SIMD and threads: the closest peer to a Wasm library) and
// onnxruntime-node (native MLAS kernels, AVX-512 where the CPU has it: the ceiling on this machine).
// Limits: onnxruntime has no training in these packages; each suite runs in its own process (run.ts).

import { BATCH, WORKLOADS, makeExamples, toChannelsFirst, type Workload } from './workloads.js';
import { INPUT_NAME, OUTPUT_NAME, buildOnnxModel } from './onnxModel.js';
import { SuiteRecorder, errorMessage, progress, type Measured, type SuiteOutput } from './results.js';
import { FAST_PLANS, describeTiming, imagesPerSecond, timeRepeated } from './timing.js';

/** The part of the two packages' common API that the suite uses (both re-export onnxruntime-common). */
interface OrtTensor {
  readonly dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

function channelsFirstTensor(ort: OrtModule, workload: Workload, batch: number): OrtTensor {
  const examples = makeExamples(workload, batch);
  const [inH, inW, inC] = workload.inputShape;
  return new ort.Tensor('float32', toChannelsFirst(examples.pixels, batch, workload.inputShape), [
    batch,
    inC,
    inH,
    inW,
  ]);
}

async function measureSession(
  recorder: SuiteRecorder,
  ort: OrtModule,
  session: OrtSession,
  workload: Workload,
  threads: number,
  backendNote: string,
): Promise<void> {
  const batch = channelsFirstTensor(ort, workload, BATCH);
  const single = channelsFirstTensor(ort, workload, 1);
  const check = await session.run({ [INPUT_NAME]: batch });
  const dims = check[OUTPUT_NAME]?.dims.join('x');
  if (dims !== `${BATCH}x${workload.classes}`)
    throw new Error(`${workload.id}: the model returned ${dims}, expected ${BATCH}x${workload.classes}`);

  await recorder.record(workload.id, 'infer', threads, async (): Promise<Measured> => {
    const timing = await timeRepeated(() => session.run({ [INPUT_NAME]: batch }), FAST_PLANS.infer);
    return {
      value: imagesPerSecond(BATCH, timing.medianMilliseconds),
      note: `${describeTiming(timing, 'batches of 64')}; ${backendNote}`,
    };
  });
  await recorder.record(workload.id, 'latency', threads, async (): Promise<Measured> => {
    const timing = await timeRepeated(() => session.run({ [INPUT_NAME]: single }), FAST_PLANS.latency);
    return { value: timing.medianMilliseconds, note: `${describeTiming(timing, 'single-image runs')}; ${backendNote}` };
  });
}

/** Threads asked of onnxruntime-web; it falls back to one (with a console warning) where it cannot start workers. */
const WEB_THREADS = 2;

export async function runOnnxruntimeWeb(): Promise<SuiteOutput> {
  const recorder = new SuiteRecorder('onnxruntime-web (wasm)');
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = WEB_THREADS;
  ort.env.wasm.simd = true;
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...parts: unknown[]) => {
    warnings.push(parts.map(String).join(' '));
    originalWarn(...parts);
  };
  for (const workload of WORKLOADS) {
    try {
      const session = await ort.InferenceSession.create(buildOnnxModel(workload), {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      });
      // initializeWebAssembly writes the thread count it settled on back into env.wasm.numThreads.
      const threads = ort.env.wasm.numThreads ?? 1;
      let backendNote =
        `onnxruntime-web ${ort.env.versions.web ?? '?'}, wasm EP, SIMD on, numThreads ` +
        `${WEB_THREADS} -> ${threads}`;
      if (threads < WEB_THREADS)
        backendNote +=
          `; ${WEB_THREADS} threads could not be used: ` +
          `${warnings.find((line) => line.includes('thread')) ?? 'no reason given'}`;
      if (workload === WORKLOADS[0]) progress(backendNote);
      await measureSession(
        recorder,
        ort as unknown as OrtModule,
        session as unknown as OrtSession,
        workload,
        threads,
        backendNote,
      );
      await session.release();
    } catch (error) {
      recorder.fail(errorMessage(error), workload.id);
      progress(`onnxruntime-web ${workload.id}: failed: ${errorMessage(error)}`);
    }
  }
  console.warn = originalWarn;
  return recorder.output;
}

const NODE_THREAD_COUNTS = [1, 2];

export async function runOnnxruntimeNode(): Promise<SuiteOutput> {
  const recorder = new SuiteRecorder('onnxruntime-node (cpu)');
  const ort = (await import('onnxruntime-node')).default as unknown as OrtModule & {
    env: { versions: Record<string, string> };
  };
  for (const workload of WORKLOADS) {
    for (const threads of NODE_THREAD_COUNTS) {
      try {
        const session = await ort.InferenceSession.create(buildOnnxModel(workload), {
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'all',
          executionMode: 'sequential',
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
        });
        const backendNote =
          `onnxruntime-node ${ort.env.versions.node ?? '?'}, cpu EP (native MLAS), ` + `intraOpNumThreads ${threads}`;
        await measureSession(recorder, ort, session, workload, threads, backendNote);
        await session.release();
      } catch (error) {
        recorder.fail(errorMessage(error), workload.id);
        progress(`onnxruntime-node ${workload.id}: failed: ${errorMessage(error)}`);
      }
    }
  }
  return recorder.output;
}
