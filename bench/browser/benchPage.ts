// The browser bench page (`npm run bench:browser`, driven by bench/browserDriver.ts): ConvNet.ts on its
// WebGPU and WebAssembly backends, TF.js 4.22 webgpu and onnxruntime-web 1.30 (WebGPU and wasm EPs) on the
// same page, adapter and ONNX files, in interleaved rounds. Each library's output is checked against
// ConvNet.ts's reference backend before it is timed; a wrong result is reported, never timed.
// Limits: onnxruntime-web cannot train; TF.js runs only the workloads (its ImageNet builds have their own weights).

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as convnet from 'convnet-ts';
import { roundFigure, roundOrder, WarmUpTurns } from '../rounds.js';
import { SeededRandom } from '../seededRandom.js';
import { DATA_SEED, KERNEL_SIZE, POOL_SIZE, toChannelsFirst } from '../workloads.js';
import {
  PAGE_PROGRESS_PREFIX,
  type AdapterDescription,
  type BrowserBenchConfig,
  type BrowserBenchPageResult,
  type BrowserCheck,
  type BrowserFailure,
  type BrowserFigure,
  type BrowserLibraryId,
  type BrowserMode,
  type BrowserModelSpec,
} from './protocol.js';

/** A library that cannot do something at all: "n/a" in the table, with this message. */
class UnsupportedError extends Error {}

/** The seeded examples of a model: NHWC pixels uniform in [0, 1), then labels (bench/workloads.ts's makeExamples). */
interface Examples {
  pixels: Float32Array;
  channelsFirst: Float32Array;
  labels: Int32Array;
  batch: number;
}

function makeExamples(model: BrowserModelSpec, batch: number): Examples {
  const random = new SeededRandom(DATA_SEED);
  const [inH, inW, inC] = model.inputShape;
  const pixels = new Float32Array(batch * inH * inW * inC);
  for (let index = 0; index < pixels.length; index++) pixels[index] = random.uniform();
  const labels = new Int32Array(batch);
  for (let index = 0; index < batch; index++) labels[index] = random.integer(model.classes);
  return { pixels, channelsFirst: toChannelsFirst(pixels, batch, model.inputShape), labels, batch };
}

/** What every library runs: its outputs for the check, a training step's loss, and one timed run of a mode. */
interface Runner {
  readonly library: BrowserLibraryId;
  /** Version, backend and threads, read after the run (a thread count is known once the library has run). */
  describe(): string;
  /** Builds the model and its inputs for every batch of `batches`; throws UnsupportedError where it cannot. */
  load(model: BrowserModelSpec, onnxBytes: Uint8Array, batches: readonly number[]): Promise<void>;
  /** The outputs of a predict of the model's check batch, flattened. */
  outputs(model: BrowserModelSpec): Promise<Float32Array>;
  /** The loss of each of `steps` SGD steps on the check batch, from a fresh copy of the weights. */
  trainLosses(model: BrowserModelSpec, steps: number): Promise<number[]>;
  /** One run of `mode` at `batch`, finished (the output read back, the loss of a step known). */
  run(model: BrowserModelSpec, mode: BrowserMode, batch: number): Promise<void>;
  unload(model: BrowserModelSpec): Promise<void>;
}

let config: BrowserBenchConfig;

function progress(message: string): void {
  console.log(`${PAGE_PROGRESS_PREFIX}${message}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The weights of every model as ConvNet.ts imports them: name, shape, values (TF.js takes them over). */
const importedWeights = new Map<string, { shape: number[]; values: Float32Array }[]>();

// ---- ConvNet.ts -------------------------------------------------------------------------------------------

interface ConvnetLoaded {
  imported: convnet.ImportedOnnx;
  bytes: Uint8Array;
  inputs: Map<number, { x: convnet.Tensor; labels: Int32Array }>;
  trainModel: convnet.Model | null;
  optimizer: convnet.SGD;
}

/** ConvNet.ts on one backend: the ONNX file imported with importOnnx, trained with fitAsync. */
function convnetRunner(
  library: BrowserLibraryId,
  backend: 'webgpu' | 'wasm' | 'reference',
  describe: () => string,
): Runner {
  const models = new Map<string, ConvnetLoaded>();
  const entry = (model: BrowserModelSpec): ConvnetLoaded => {
    const found = models.get(model.id);
    if (found === undefined) throw new Error(`${model.id} is not loaded`);
    return found;
  };
  /** The inputs are made on the host (the reference backend), and move to `backend` at their first kernel. */
  const inputOf = (loaded: ConvnetLoaded, model: BrowserModelSpec, batch: number) => {
    let input = loaded.inputs.get(batch);
    if (input === undefined) {
      convnet.setBackend('reference');
      const examples = makeExamples(model, batch);
      const [inH, inW, inC] = model.inputShape;
      const x = convnet.importedInput(
        convnet.Tensor.fromArray(examples.channelsFirst, [batch, inC, inH, inW]),
        loaded.imported.inputLayout,
      );
      input = { x, labels: examples.labels };
      loaded.inputs.set(batch, input);
      convnet.setBackend(backend);
    }
    return input;
  };
  const newOptimizer = (learningRate: number) => new convnet.SGD({ learningRate, momentum: config.momentum });
  return {
    library,
    describe,
    async load(model, onnxBytes) {
      convnet.setBackend('reference');
      const imported = convnet.importOnnx(onnxBytes, `${model.id}.onnx`);
      if (backend === 'reference' && !importedWeights.has(model.id)) {
        importedWeights.set(
          model.id,
          imported.model.namedWeights().map(({ tensor }) => ({
            shape: [...tensor.shape],
            values: Float32Array.from(tensor.dataSync()),
          })),
        );
      }
      convnet.setBackend(backend);
      models.set(model.id, {
        imported,
        bytes: onnxBytes,
        inputs: new Map(),
        trainModel: null,
        optimizer: newOptimizer(config.learningRate),
      });
    },
    async outputs(model) {
      const loaded = entry(model);
      const { x } = inputOf(loaded, model, model.checkBatch);
      convnet.setBackend(backend);
      const y = loaded.imported.model.predict(x, { batchSize: model.checkBatch });
      const values = Float32Array.from(await y.data());
      y.dispose();
      return values;
    },
    async trainLosses(model, steps) {
      const loaded = entry(model);
      const { x, labels } = inputOf(loaded, model, model.checkBatch);
      convnet.setBackend('reference');
      const fresh = convnet.importOnnx(loaded.bytes, `${model.id}.onnx`).model;
      convnet.setBackend(backend);
      const optimizer = newOptimizer(config.checkLearningRate);
      const losses: number[] = [];
      for (let step = 0; step < steps; step++) {
        const history = await fresh.fitAsync(x, labels, {
          epochs: 1,
          batchSize: model.checkBatch,
          shuffle: false,
          optimizer,
        });
        losses.push(history.epochs[0]!.loss);
      }
      return losses;
    },
    async run(model, mode, batch) {
      const loaded = entry(model);
      const { x, labels } = inputOf(loaded, model, batch);
      convnet.setBackend(backend);
      if (mode === 'train') {
        if (loaded.trainModel === null) {
          convnet.setBackend('reference');
          loaded.trainModel = convnet.importOnnx(loaded.bytes, `${model.id}.onnx`).model;
          convnet.setBackend(backend);
        }
        await loaded.trainModel.fitAsync(x, labels, {
          epochs: 1,
          batchSize: batch,
          shuffle: false,
          optimizer: loaded.optimizer,
        });
        return;
      }
      const y = loaded.imported.model.predict(x, { batchSize: batch });
      await y.data();
      y.dispose();
    },
    async unload(model) {
      const loaded = models.get(model.id);
      if (loaded === undefined) return;
      for (const { x } of loaded.inputs.values()) x.dispose();
      models.delete(model.id);
    },
  };
}

// ---- TF.js ------------------------------------------------------------------------------------------------

type Activation = 'relu' | 'softmax' | 'linear';

/** bench/tfjsSuite.ts's network: each ReLU fused into the conv or dense before it, a softmax on the last dense. */
function buildTfjsModel(model: BrowserModelSpec, learningRate: number): tf.Sequential {
  const specs = model.layers!;
  const sequential = tf.sequential();
  sequential.add(tf.layers.inputLayer({ inputShape: [...model.inputShape] }));
  for (let index = 0; index < specs.length; index++) {
    const spec = specs[index]!;
    const isLast = index === specs.length - 1;
    const activation: Activation = isLast ? 'softmax' : specs[index + 1]?.kind === 'relu' ? 'relu' : 'linear';
    if (spec.kind === 'conv')
      sequential.add(tf.layers.conv2d({ filters: spec.filters, kernelSize: KERNEL_SIZE, padding: 'same', activation }));
    else if (spec.kind === 'dense') sequential.add(tf.layers.dense({ units: spec.units, activation }));
    else if (spec.kind === 'maxPool') sequential.add(tf.layers.maxPooling2d({ poolSize: POOL_SIZE }));
    else if (spec.kind === 'flatten') sequential.add(tf.layers.flatten());
  }
  sequential.compile({
    optimizer: tf.train.momentum(learningRate, config.momentum),
    loss: 'categoricalCrossentropy',
  });
  // The ONNX file's weights as ConvNet.ts imported them: the same [kH, kW, inC, outC] and [in, out]
  // layouts as TF.js's, the first dense's rows already in channels-last flatten order.
  const weights = importedWeights.get(model.id);
  if (weights === undefined) throw new Error(`${model.id}: the reference has not imported the weights`);
  const targets = sequential.getWeights();
  if (targets.length !== weights.length)
    throw new Error(`${model.id}: TF.js has ${targets.length} weights, the ONNX file ${weights.length}`);
  sequential.setWeights(
    weights.map(({ shape, values }, index) => {
      const target = targets[index]!;
      if (target.shape.join('x') !== shape.join('x'))
        throw new Error(
          `${model.id}: weight ${index} is ${target.shape.join('x')} in TF.js, ${shape.join('x')} imported`,
        );
      return tf.tensor(values, shape);
    }),
  );
  return sequential;
}

interface TfjsLoaded {
  model: tf.Sequential;
  trainModel: tf.Sequential | null;
  inputs: Map<number, { x: tf.Tensor4D; y: tf.Tensor2D }>;
}

function tfjsRunner(describe: () => string): Runner {
  const models = new Map<string, TfjsLoaded>();
  const entry = (model: BrowserModelSpec): TfjsLoaded => {
    const found = models.get(model.id);
    if (found === undefined) throw new Error(`${model.id} is not loaded`);
    return found;
  };
  const inputOf = (loaded: TfjsLoaded, model: BrowserModelSpec, batch: number) => {
    let input = loaded.inputs.get(batch);
    if (input === undefined) {
      const examples = makeExamples(model, batch);
      const x = tf.tensor4d(examples.pixels, [batch, ...model.inputShape]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(examples.labels, 'int32'), model.classes) as tf.Tensor2D);
      input = { x, y };
      loaded.inputs.set(batch, input);
    }
    return input;
  };
  return {
    library: 'tfjs-webgpu',
    describe,
    async load(model) {
      if (model.layers === null)
        throw new UnsupportedError(
          'not run: its ResNet-18 and MobileNetV2 (bench/tfjsImagenet.ts) are built with their own random weights, ' +
            'so their output cannot be checked against the ONNX file',
        );
      models.set(model.id, { model: buildTfjsModel(model, config.learningRate), trainModel: null, inputs: new Map() });
    },
    async outputs(model) {
      const loaded = entry(model);
      const y = loaded.model.predict(inputOf(loaded, model, model.checkBatch).x) as tf.Tensor;
      const values = Float32Array.from(await y.data());
      y.dispose();
      return values;
    },
    async trainLosses(model, steps) {
      const loaded = entry(model);
      const { x, y } = inputOf(loaded, model, model.checkBatch);
      const fresh = buildTfjsModel(model, config.checkLearningRate);
      const losses: number[] = [];
      for (let step = 0; step < steps; step++) losses.push(Number(await fresh.trainOnBatch(x, y)));
      fresh.dispose();
      return losses;
    },
    async run(model, mode, batch) {
      const loaded = entry(model);
      const { x, y } = inputOf(loaded, model, batch);
      if (mode === 'train') {
        loaded.trainModel ??= buildTfjsModel(model, config.learningRate);
        await loaded.trainModel.trainOnBatch(x, y);
        return;
      }
      const output = loaded.model.predict(x, { batchSize: batch }) as tf.Tensor;
      await output.data();
      output.dispose();
    },
    async unload(model) {
      const loaded = models.get(model.id);
      if (loaded === undefined) return;
      loaded.model.dispose();
      loaded.trainModel?.dispose();
      for (const { x, y } of loaded.inputs.values()) tf.dispose([x, y]);
      models.delete(model.id);
    },
  };
}

// ---- onnxruntime-web --------------------------------------------------------------------------------------

interface OrtTensor {
  readonly data: unknown;
  dispose?: () => void;
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
  env: {
    wasm: { numThreads?: number; wasmPaths?: string; simd?: boolean };
    versions: Record<string, string | undefined>;
  };
}

async function loadOrt(): Promise<OrtModule> {
  const ort = (await import(/* @vite-ignore */ config.ortModuleUrl)) as OrtModule;
  ort.env.wasm.wasmPaths = config.ortWasmFolderUrl;
  ort.env.wasm.numThreads = config.threads;
  return ort;
}

function ortRunner(library: BrowserLibraryId, ort: OrtModule, provider: 'webgpu' | 'wasm'): Runner {
  const sessions = new Map<string, { session: OrtSession; inputs: Map<number, OrtTensor> }>();
  const entry = (model: BrowserModelSpec) => {
    const found = sessions.get(model.id);
    if (found === undefined) throw new Error(`${model.id} is not loaded`);
    return found;
  };
  const runOnce = async (model: BrowserModelSpec, batch: number): Promise<Float32Array> => {
    const loaded = entry(model);
    let input = loaded.inputs.get(batch);
    if (input === undefined) {
      const [inH, inW, inC] = model.inputShape;
      input = new ort.Tensor('float32', makeExamples(model, batch).channelsFirst, [batch, inC, inH, inW]);
      loaded.inputs.set(batch, input);
    }
    const outputs = await loaded.session.run({ [loaded.session.inputNames[0]!]: input });
    const output = outputs[loaded.session.outputNames[0]!]!;
    const values = output.data as Float32Array;
    for (const each of Object.values(outputs)) each.dispose?.();
    return values;
  };
  return {
    library,
    // onnxruntime-web writes the thread count it settled on back into env.wasm.numThreads.
    describe: () =>
      `onnxruntime-web ${ort.env.versions.web ?? '?'}, ${provider === 'webgpu' ? 'WebGPU EP' : 'wasm EP'}, ` +
      `numThreads ${config.threads} -> ${ort.env.wasm.numThreads ?? '?'}`,
    async load(model, onnxBytes) {
      const session = await ort.InferenceSession.create(onnxBytes, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
      });
      sessions.set(model.id, { session, inputs: new Map() });
    },
    async outputs(model) {
      return Float32Array.from(await runOnce(model, model.checkBatch));
    },
    async trainLosses() {
      throw new UnsupportedError('cannot train: onnxruntime-web runs inference only (its training API is not in it)');
    },
    async run(model, mode, batch) {
      if (mode === 'train')
        throw new UnsupportedError('cannot train: onnxruntime-web runs inference only (its training API is not in it)');
      await runOnce(model, batch);
    },
    async unload(model) {
      await sessions.get(model.id)?.session.release();
      sessions.delete(model.id);
    },
  };
}

// ---- the run ----------------------------------------------------------------------------------------------

async function describeAdapter(): Promise<{ adapter: AdapterDescription | null; adapterError?: string }> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(options?: object): Promise<unknown> } }).gpu;
  if (gpu === undefined) return { adapter: null, adapterError: 'navigator.gpu is missing (no WebGPU in this browser)' };
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as {
    info?: Partial<AdapterDescription>;
    isFallbackAdapter?: boolean;
  } | null;
  if (adapter === null) return { adapter: null, adapterError: 'requestAdapter() returned no adapter' };
  const info = adapter.info ?? {};
  return {
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
    },
  };
}

/** Starts every library asked for; one that cannot start is a failure for all its models. */
async function startRunners(failures: BrowserFailure[]): Promise<Runner[]> {
  const runners: Runner[] = [];
  const fail = (library: BrowserLibraryId, error: unknown) => {
    failures.push({ library, reason: `did not start: ${errorText(error)}`, isUnsupported: false });
    progress(`${library}: did not start: ${errorText(error)}`);
  };
  const wants = (library: BrowserLibraryId) => config.libraries.includes(library);
  if (wants('convnet-wasm')) {
    try {
      const info = await convnet.initWasmBackend({
        threads: config.threads,
        wasmUrl: config.convnetWasmUrl,
        workerUrl: config.convnetWorkerUrl,
      });
      const describe = () =>
        `ConvNet.ts wasm backend, build ${info.build}, threads ${config.threads} -> ` +
        `${convnet.backendInfo().wasm?.threads ?? '?'}`;
      runners.push(convnetRunner('convnet-wasm', 'wasm', describe));
    } catch (error) {
      fail('convnet-wasm', error);
    }
  }
  if (wants('convnet-webgpu')) {
    try {
      const { adapterName } = await convnet.initWebGpuBackend();
      runners.push(convnetRunner('convnet-webgpu', 'webgpu', () => `ConvNet.ts webgpu backend on '${adapterName}'`));
    } catch (error) {
      fail('convnet-webgpu', error);
    }
  }
  if (wants('tfjs-webgpu')) {
    try {
      if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') returned false");
      await tf.ready();
      runners.push(tfjsRunner(() => `TF.js ${tf.version.tfjs} webgpu backend (@tensorflow/tfjs-backend-webgpu)`));
    } catch (error) {
      fail('tfjs-webgpu', error);
    }
  }
  if (wants('ort-webgpu') || wants('ort-wasm')) {
    let ort: OrtModule | null = null;
    try {
      ort = await loadOrt();
    } catch (error) {
      for (const library of ['ort-webgpu', 'ort-wasm'] as const) if (wants(library)) fail(library, error);
    }
    if (ort !== null) {
      if (wants('ort-webgpu')) runners.push(ortRunner('ort-webgpu', ort, 'webgpu'));
      if (wants('ort-wasm')) runners.push(ortRunner('ort-wasm', ort, 'wasm'));
    }
  }
  return runners;
}

/**
 * Compares `actual` with `expected`: passes where every |difference| <= absolute * scale + relative * |expected|,
 * scale being the largest |expected| (at least 1): an ImageNet network's logits near zero carry the rounding of
 * sums that reach its largest ones.
 */
function compare(
  library: BrowserLibraryId,
  model: string,
  kind: 'infer' | 'train',
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): BrowserCheck {
  const { relative, absolute } = config.tolerance;
  if (actual.length !== expected.length)
    return {
      library,
      model,
      kind,
      isPassed: false,
      largestDifference: Number.POSITIVE_INFINITY,
      detail: `${actual.length} values, the reference ${expected.length}`,
    };
  let scale = 1;
  for (let index = 0; index < expected.length; index++) scale = Math.max(scale, Math.abs(expected[index]!));
  let largest = 0;
  let worst = -1;
  let isPassed = true;
  for (let index = 0; index < expected.length; index++) {
    const difference = Math.abs(actual[index]! - expected[index]!);
    if (!(difference <= absolute * scale + relative * Math.abs(expected[index]!))) isPassed = false;
    if (!(difference <= largest)) {
      largest = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference;
      worst = index;
    }
  }
  const where = worst < 0 ? '' : ` at ${worst} (${actual[worst]} against ${expected[worst]})`;
  return {
    library,
    model,
    kind,
    isPassed,
    largestDifference: largest,
    detail: `${expected.length} values, largest difference ${largest.toPrecision(3)}${where}`,
  };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Checks, then times, every runner on one model; what fails its check is reported and not timed. */
async function benchModel(
  model: BrowserModelSpec,
  runners: readonly Runner[],
  reference: Runner,
  result: BrowserBenchPageResult,
): Promise<void> {
  const bytes = await fetchBytes(model.onnxUrl);
  const batches = [...new Set([model.checkBatch, ...model.modes.map((each) => each.batch)])];
  const isTrainable = model.modes.some((each) => each.mode === 'train');
  await reference.load(model, bytes, batches);
  const expectedOutputs = await reference.outputs(model);
  const expectedLosses = isTrainable ? await reference.trainLosses(model, config.trainCheckSteps) : [];
  progress(`${model.id}: reference outputs and losses ${expectedLosses.map((loss) => loss.toFixed(5)).join(', ')}`);

  /** The modes each runner passed its checks for. */
  const cleared = new Map<Runner, BrowserMode[]>();
  for (const runner of runners) {
    const fail = (reason: string, mode?: BrowserMode, isUnsupported = false) => {
      result.failures.push({
        library: runner.library,
        model: model.id,
        ...(mode === undefined ? {} : { mode }),
        reason,
        isUnsupported,
      });
      progress(`${runner.library} ${model.id}${mode === undefined ? '' : ` ${mode}`}: ${reason}`);
    };
    try {
      await runner.load(model, bytes, batches);
    } catch (error) {
      fail(errorText(error), undefined, error instanceof UnsupportedError);
      continue;
    }
    const modes: BrowserMode[] = [];
    try {
      const check = compare(runner.library, model.id, 'infer', await runner.outputs(model), expectedOutputs);
      result.checks.push(check);
      progress(`${runner.library} ${model.id} check infer: ${check.isPassed ? 'passed' : 'FAILED'}, ${check.detail}`);
      if (check.isPassed) modes.push('infer', 'latency');
      else for (const mode of ['infer', 'latency'] as const) fail(`wrong result, not timed: ${check.detail}`, mode);
    } catch (error) {
      fail(`check failed to run: ${errorText(error)}`);
    }
    if (isTrainable) {
      try {
        const losses = await runner.trainLosses(model, config.trainCheckSteps);
        const check = compare(runner.library, model.id, 'train', losses, expectedLosses);
        result.checks.push(check);
        progress(`${runner.library} ${model.id} check train: ${check.isPassed ? 'passed' : 'FAILED'}, ${check.detail}`);
        if (check.isPassed) modes.push('train');
        else fail(`wrong result, not timed: ${check.detail}`, 'train');
      } catch (error) {
        fail(errorText(error), 'train', error instanceof UnsupportedError);
      }
    }
    cleared.set(runner, modes);
  }

  const timed = runners.filter((runner) => (cleared.get(runner)?.length ?? 0) > 0);
  const figures = new Map<string, BrowserFigure>();
  for (const runner of timed) {
    for (const { mode, batch } of model.modes) {
      if (!cleared.get(runner)!.includes(mode)) continue;
      const figure: BrowserFigure = {
        library: runner.library,
        model: model.id,
        mode,
        batch,
        unit: mode === 'latency' ? 'ms' : 'img/s',
        rounds: [],
      };
      figures.set(`${runner.library}/${mode}`, figure);
      result.figures.push(figure);
    }
  }
  const warmUps = new WarmUpTurns();
  for (let round = 0; round < config.rounds; round++) {
    for (const runner of roundOrder(timed, round)) {
      for (const { mode, batch } of model.modes) {
        const figure = figures.get(`${runner.library}/${mode}`);
        if (figure === undefined) continue;
        try {
          const plan = config.plans[mode];
          if (warmUps.needsWarmUp(runner.library, mode))
            for (let index = 0; index < plan.warmup; index++) await runner.run(model, mode, batch);
          const milliseconds: number[] = [];
          for (let index = 0; index < plan.repetitions; index++) {
            const started = performance.now();
            await runner.run(model, mode, batch);
            milliseconds.push(performance.now() - started);
          }
          figure.rounds.push(roundFigure(milliseconds, mode === 'latency' ? null : batch));
          warmUps.noteRan(runner.library, mode);
        } catch (error) {
          figure.rounds.push(null);
          if (!result.failures.some((each) => each.library === runner.library && each.model === model.id))
            result.failures.push({
              library: runner.library,
              model: model.id,
              mode,
              reason: `round ${round + 1}: ${errorText(error)}`,
              isUnsupported: false,
            });
        }
      }
    }
    const line = [...figures.values()]
      .map((figure) => `${figure.library} ${figure.mode} ${figure.rounds[round]?.toPrecision(4) ?? 'failed'}`)
      .join(', ');
    progress(`${model.id} round ${round + 1}/${config.rounds}: ${line}`);
  }
  for (const runner of [...runners, reference]) await runner.unload(model).catch(() => undefined);
}

async function run(given: BrowserBenchConfig): Promise<BrowserBenchPageResult> {
  config = given;
  const result: BrowserBenchPageResult = {
    adapter: null,
    userAgent: navigator.userAgent,
    isCrossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    participants: [],
    reference: "ConvNet.ts's reference backend (plain TypeScript kernels) on the same ONNX file and input",
    checks: [],
    figures: [],
    failures: [],
  };
  Object.assign(result, await describeAdapter());
  progress(`adapter: ${JSON.stringify(result.adapter ?? result.adapterError)}`);
  const runners = await startRunners(result.failures);
  // The reference's library id is never reported: it only computes what the checks compare with.
  const reference = convnetRunner('convnet-wasm', 'reference', () => 'reference');
  for (const model of config.models) {
    try {
      await benchModel(model, runners, reference, result);
    } catch (error) {
      for (const runner of runners)
        result.failures.push({
          library: runner.library,
          model: model.id,
          reason: `the model failed: ${errorText(error)}`,
          isUnsupported: false,
        });
      progress(`${model.id}: failed: ${errorText(error)}`);
    }
  }
  result.participants = runners.map((runner) => ({ library: runner.library, note: runner.describe() }));
  return result;
}

(window as unknown as { browserBench: { run: typeof run } }).browserBench = { run };
