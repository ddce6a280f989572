// The Node libraries of `npm run bench:imagenet`, one runner each, driven by bench/imagenetWorker.ts:
// ConvNet.ts (its WebAssembly backend, the ONNX file imported with importOnnx), onnxruntime-web (wasm
// EP, SIMD, threads) and onnxruntime-node (native MLAS) on the same ONNX files. TF.js is in tfjsImagenet.ts.
// One run is one predict (output read back) or one training step; the worker times it.
// Limits: onnxruntime has no training in these packages, so its train mode is reported as unsupported.

import type { ImagenetMode, ImagenetModelId } from './imagenetModels.js';
import { CHANNELS, IMAGE_SIZE, LEARNING_RATE, MOMENTUM, batchOf } from './imagenetModels.js';

/** The shared input, channels first, cut to each mode's batch. */
export interface InputBatches {
  pixels(mode: ImagenetMode): Float32Array;
  labels(mode: ImagenetMode): Int32Array;
}

/** Thrown for what a library cannot do at all: the report shows "n/a" with the message, not a failure. */
export class UnsupportedError extends Error {}

export interface ImagenetRunner {
  readonly library: string;
  readonly threads: number;
  /** Version, backend and thread facts for the report. */
  readonly note: string;
  load(model: ImagenetModelId, onnxBytes: Uint8Array, input: InputBatches): Promise<void>;
  run(model: ImagenetModelId, mode: ImagenetMode): Promise<void>;
  unload(model: ImagenetModelId): Promise<void>;
  /** The library's own count of its peak wasm memory use, where it keeps one. */
  wasmPeakInUseBytes(): number | null;
}

function channelsFirstShape(mode: ImagenetMode): number[] {
  return [batchOf(mode), CHANNELS, IMAGE_SIZE, IMAGE_SIZE];
}

function loaded<T>(models: Map<ImagenetModelId, T>, model: ImagenetModelId): T {
  const entry = models.get(model);
  if (entry === undefined) throw new Error(`${model} is not loaded`);
  return entry;
}

type Convnet = typeof import('convnet-ts');

/**
 * The wasm memory ConvNet.ts may grow to: all of wasm32's 4 GiB. Fine-tuning ResNet-50 at batch 16
 * peaks at 1,886 MB now that the backward pass frees each gradient once used (3,466 MB before: with the
 * default 2 GiB it failed at an allocation reaching 2,149,918,528 bytes).
 */
const CONVNET_MEMORY_BYTES = 2 ** 32;

interface ConvnetLoaded {
  model: import('convnet-ts').Model;
  inputs: Map<ImagenetMode, import('convnet-ts').Tensor>;
  labels: Int32Array;
  optimizer: import('convnet-ts').SGD;
}

/** ConvNet.ts on its WebAssembly backend with `threads` threads. */
export async function createConvnetRunner(threads: number): Promise<ImagenetRunner> {
  const convnet: Convnet = await import('convnet-ts');
  const info = await convnet.initWasmBackend({ threads, memoryBytes: CONVNET_MEMORY_BYTES });
  const relaxed = info.features.relaxedSimd ? 'relaxed SIMD on' : 'relaxed SIMD off';
  const note =
    `ConvNet.ts wasm backend, build ${info.build}, ${info.threads} thread(s), ${relaxed}; ONNX ` +
    `imported with importOnnx (batch norm folded into the convolutions)`;
  const models = new Map<ImagenetModelId, ConvnetLoaded>();
  return {
    library: 'ConvNet.ts',
    threads: info.threads,
    note,
    async load(model, onnxBytes, input) {
      const imported = convnet.importOnnx(onnxBytes, `${model}.onnx`);
      const inputs = new Map<ImagenetMode, import('convnet-ts').Tensor>();
      for (const mode of ['latency', 'throughput', 'train'] as const) {
        inputs.set(
          mode,
          convnet.importedInput(
            convnet.Tensor.fromArray(input.pixels(mode), channelsFirstShape(mode)),
            imported.inputLayout,
          ),
        );
      }
      const optimizer = new convnet.SGD({ learningRate: LEARNING_RATE, momentum: MOMENTUM });
      models.set(model, { model: imported.model, inputs, labels: input.labels('train'), optimizer });
    },
    async run(model, mode) {
      const entry = loaded(models, model);
      const x = entry.inputs.get(mode)!;
      if (mode === 'train') {
        entry.model.fit(x, entry.labels, {
          epochs: 1,
          batchSize: batchOf(mode),
          shuffle: false,
          optimizer: entry.optimizer,
        });
        return;
      }
      entry.model.predict(x, { batchSize: batchOf(mode) });
    },
    async unload(model) {
      models.delete(model);
    },
    wasmPeakInUseBytes: () => convnet.backendInfo().wasmArenaPeakBytes,
  };
}

/** The part of onnxruntime's common API the runners use (both packages re-export onnxruntime-common). */
interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: unknown;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

interface OrtLoaded {
  session: OrtSession;
  inputs: Map<ImagenetMode, OrtTensor>;
}

function ortRunner(
  library: string,
  threads: number,
  note: string,
  ort: OrtModule,
  sessionOptions: Record<string, unknown>,
): ImagenetRunner {
  const models = new Map<ImagenetModelId, OrtLoaded>();
  return {
    library,
    threads,
    note,
    async load(model, onnxBytes, input) {
      const session = await ort.InferenceSession.create(onnxBytes, sessionOptions);
      const inputs = new Map<ImagenetMode, OrtTensor>();
      for (const mode of ['latency', 'throughput'] as const)
        inputs.set(mode, new ort.Tensor('float32', input.pixels(mode), channelsFirstShape(mode)));
      models.set(model, { session, inputs });
    },
    async run(model, mode) {
      if (mode === 'train') throw new UnsupportedError(`${library} cannot train (no training API in this package)`);
      const entry = loaded(models, model);
      const outputs = await entry.session.run({ [entry.session.inputNames[0]!]: entry.inputs.get(mode)! });
      const output = outputs[entry.session.outputNames[0]!];
      if (output === undefined || output.dims[0] !== batchOf(mode))
        throw new Error(`${library} ${model}: unexpected output dims ${output?.dims.join('x')}`);
    },
    async unload(model) {
      await models.get(model)?.session.release();
      models.delete(model);
    },
    wasmPeakInUseBytes: () => null,
  };
}

/** onnxruntime-web, wasm EP with SIMD and `threads` threads (it falls back to one where it cannot start workers). */
export async function createOnnxruntimeWebRunner(threads: number): Promise<ImagenetRunner> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  // The thread count settles at the first session; a tiny probe model is not at hand, so the note reads it lazily.
  const runner = ortRunner('onnxruntime-web', threads, '', ort as unknown as OrtModule, options);
  const load = runner.load.bind(runner);
  let settledNote = `onnxruntime-web ${ort.env.versions.web ?? '?'}, wasm EP, SIMD on, numThreads ${threads}`;
  return {
    ...runner,
    get note() {
      return settledNote;
    },
    async load(model, onnxBytes, input) {
      await load(model, onnxBytes, input);
      // initializeWebAssembly writes the thread count it settled on back into env.wasm.numThreads.
      settledNote =
        `onnxruntime-web ${ort.env.versions.web ?? '?'}, wasm EP, SIMD on, numThreads ` +
        `${threads} -> ${ort.env.wasm.numThreads ?? '?'}`;
    },
  };
}

/** onnxruntime-node, native CPU EP (MLAS, AVX-512 where the CPU has it), intraOpNumThreads = `threads`. */
export async function createOnnxruntimeNodeRunner(threads: number): Promise<ImagenetRunner> {
  const ort = (await import('onnxruntime-node')).default as unknown as OrtModule & {
    env: { versions: Record<string, string> };
  };
  const note = `onnxruntime-node ${ort.env.versions.node ?? '?'}, cpu EP (native MLAS), intraOpNumThreads ${threads}`;
  return ortRunner('onnxruntime-node', threads, note, ort, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
}
