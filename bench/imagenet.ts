// `npm run bench:imagenet`: ResNet-18, MobileNetV2, EfficientNet-B0 and ResNet-50 at 224x224 with ConvNet.ts
// and its peers in interleaved rounds: each library (and thread count) lives in its own process, and the parent
// sends "measure" requests round-robin, so the machine's drift hits all alike; each peer gets the median of its
// per-round ratios to ConvNet.ts. Then ResNet-50's memory at batch 8, ConvNet.ts beside onnxruntime-web.
// Writes bench/results-imagenet.json. Options: see USAGE; bench/README.md explains every figure.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  formatImagenetTable,
  formatMemoryTable,
  ratiosOf,
  summarize,
  CONVNET,
  type ImagenetFailure,
  type ImagenetFigure,
  type MemoryFigure,
} from './imagenetReport.js';
import {
  DEFAULT_CACHE_FOLDER,
  IMAGENET_MODELS,
  IMAGENET_MODES,
  PYTHON,
  REPOSITORY_ROOT,
  THROUGHPUT_BATCH,
  batchOf,
  ensureOnnxFiles,
  hasTorchvision,
  writeInputFile,
  type ImagenetMode,
  type ImagenetModelId,
} from './imagenetModels.js';
import type { WorkerLibrary } from './imagenetProtocol.js';
import { describeMachine, formatMachine, sampleOtherBusyCores } from './machine.js';
import { roundFigure, roundOrder, WarmUpTurns } from './rounds.js';
import { WorkerProcess } from './workerProcess.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

type LibraryId = WorkerLibrary | 'pytorch';
const LIBRARY_IDS: readonly LibraryId[] = ['convnet', 'onnxruntime-web', 'onnxruntime-node', 'pytorch', 'tfjs-wasm'];
/** Libraries measured at the highest thread count only: the browser-side peers, as a page would run them. */
const TOP_THREADS_ONLY: ReadonlySet<LibraryId> = new Set(['onnxruntime-web', 'tfjs-wasm']);
/** Table columns, in this order. */
const PEER_LIBRARIES = ['onnxruntime-web', 'onnxruntime-node', 'PyTorch', 'TF.js wasm'];

/**
 * Per round and participant: untimed runs the first time a (model, mode) is measured and again after a training
 * turn changed the model's weights (WarmUpTurns), then timed runs.
 */
const PLANS: Record<ImagenetMode, { warmup: number; repetitions: number }> = {
  latency: { warmup: 3, repetitions: 5 },
  throughput: { warmup: 1, repetitions: 2 },
  train: { warmup: 2, repetitions: 1 },
};
/**
 * PyTorch's OpenMP threads sleep when idle instead of spinning. With its default (active) policy, its two
 * threads spin at every barrier, and on a loaded machine one of them is often descheduled: ResNet-18 at
 * batch 1 on 2 threads took about 550 ms with the default and 100 ms with PASSIVE (1 thread: about 120 ms),
 * with 5 other helpers' builds sharing the 2 cores.
 */
const TORCH_OMP_WAIT_POLICY = 'PASSIVE';
/** ResNet-50 at batch 8: the memory figures' model. */
const MEMORY_MODEL: ImagenetModelId = 'resnet50';
const MEMORY_RUNS = 3;
/**
 * Pause between two turns: onnxruntime's and OpenMP's idle threads spin for a moment after a run, and
 * that spinning would otherwise eat into the next library's first timed run.
 */
const PAUSE_BETWEEN_TURNS_MS = 100;
const START_TIMEOUT_SECONDS = 120;
const REQUEST_TIMEOUT_SECONDS = 300;

/** Fine-tuning is timed on these by default (the issue's targets); ResNet-50's step alone takes many seconds. */
const DEFAULT_TRAIN_MODELS: readonly ImagenetModelId[] = ['resnet18', 'mobilenet_v2'];

const USAGE = `usage: node dist/bench/imagenet.js [--models ${IMAGENET_MODELS.join(',')}] [--modes ${IMAGENET_MODES.join(',')}]
  [--libraries ${LIBRARY_IDS.join(',')}] [--threads 1,2] [--rounds 3] [--train-models ${DEFAULT_TRAIN_MODELS.join(',')}]
  [--onnx-folder DIR] [--no-memory] [--out FILE]`;

interface Options {
  models: ImagenetModelId[];
  modes: ImagenetMode[];
  libraries: LibraryId[];
  threads: number[];
  rounds: number;
  trainModels: ImagenetModelId[];
  onnxFolder: string;
  isMemoryMeasured: boolean;
  outputFile: string;
}

function listOption<T extends string>(value: string, allowed: readonly T[], name: string): T[] {
  const items = value.split(',').filter((item) => item !== '');
  for (const item of items)
    if (!allowed.includes(item as T))
      throw new Error(`bench:imagenet: unknown ${name} '${item}'; choose from ${allowed.join(', ')}\n${USAGE}`);
  return items as T[];
}

function parseImagenetArguments(argv: readonly string[]): Options {
  const options: Options = {
    models: [...IMAGENET_MODELS],
    modes: [...IMAGENET_MODES],
    libraries: [...LIBRARY_IDS],
    threads: [1, 2],
    rounds: 3,
    trainModels: [...DEFAULT_TRAIN_MODELS],
    onnxFolder: DEFAULT_CACHE_FOLDER,
    isMemoryMeasured: true,
    outputFile: path.join(REPOSITORY_ROOT, 'bench', 'results-imagenet.json'),
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const value = argv[index + 1];
    if (argument === '--no-memory') {
      options.isMemoryMeasured = false;
      continue;
    }
    if (value === undefined) throw new Error(`bench:imagenet: ${argument} needs a value\n${USAGE}`);
    index++;
    if (argument === '--models') options.models = listOption(value, IMAGENET_MODELS, 'model');
    else if (argument === '--modes') options.modes = listOption(value, IMAGENET_MODES, 'mode');
    else if (argument === '--libraries') options.libraries = listOption(value, LIBRARY_IDS, 'library');
    else if (argument === '--threads') options.threads = value.split(',').map(Number);
    else if (argument === '--rounds') options.rounds = Number(value);
    else if (argument === '--train-models') options.trainModels = listOption(value, IMAGENET_MODELS, 'model');
    else if (argument === '--onnx-folder') options.onnxFolder = path.resolve(value);
    else if (argument === '--out') options.outputFile = path.resolve(value);
    else throw new Error(`bench:imagenet: unknown argument '${argument}'\n${USAGE}`);
  }
  if (!options.threads.every((threads) => Number.isInteger(threads) && threads >= 1))
    throw new Error(`bench:imagenet: --threads must list positive integers\n${USAGE}`);
  if (!(Number.isInteger(options.rounds) && options.rounds >= 1))
    throw new Error(`bench:imagenet: --rounds must be a positive integer\n${USAGE}`);
  return options;
}

/** One library at one thread count: its own process for the whole run. */
interface Participant {
  id: LibraryId;
  threads: number;
  process: WorkerProcess;
  /** The name its figures carry (the hello line's). */
  library: string;
  note: string;
}

function log(line: string): void {
  console.log(line);
}

function startProcess(id: LibraryId, threads: number): WorkerProcess {
  const label = `${id} ${threads}t`;
  if (id === 'pytorch') {
    const environment = { ...process.env, OMP_WAIT_POLICY: TORCH_OMP_WAIT_POLICY };
    return new WorkerProcess(
      label,
      PYTHON,
      [path.join(REPOSITORY_ROOT, 'bench', 'torchImagenet.py'), String(threads)],
      log,
      environment,
    );
  }
  return new WorkerProcess(
    label,
    process.execPath,
    ['--expose-gc', path.join(HERE, 'imagenetWorker.js'), id, String(threads)],
    log,
  );
}

const LIBRARY_NAMES: Record<LibraryId, string> = {
  convnet: CONVNET,
  'onnxruntime-web': 'onnxruntime-web',
  'onnxruntime-node': 'onnxruntime-node',
  pytorch: 'PyTorch',
  'tfjs-wasm': 'TF.js wasm',
};

async function startParticipant(
  id: LibraryId,
  threads: number,
  failures: ImagenetFailure[],
): Promise<Participant | null> {
  const library = LIBRARY_NAMES[id];
  if (id === 'pytorch' && !hasTorchvision()) {
    failures.push({
      library,
      threads,
      reason:
        `not found: ${PYTHON} cannot import torch and torchvision (Debian's python3-torch and ` +
        `python3-torchvision; the bench installs nothing)`,
      isUnsupported: false,
    });
    return null;
  }
  const workerProcess = startProcess(id, threads);
  const hello = await workerProcess.start(START_TIMEOUT_SECONDS);
  if (hello === null) {
    failures.push({
      library,
      threads,
      reason: `did not start: ${workerProcess.failure ?? 'no hello line'}`,
      isUnsupported: false,
    });
    log(`  ${library} ${threads}t: did not start: ${workerProcess.failure}`);
    return null;
  }
  log(`  ${library} ${threads}t: ${hello.note}`);
  return { id, threads, process: workerProcess, library, note: hello.note };
}

function participantsWanted(options: Options): { id: LibraryId; threads: number }[] {
  const topThreads = Math.max(...options.threads);
  const wanted: { id: LibraryId; threads: number }[] = [];
  for (const id of options.libraries) {
    const threadCounts = TOP_THREADS_ONLY.has(id) ? [topThreads] : [...new Set(options.threads)].sort();
    for (const threads of threadCounts) wanted.push({ id, threads });
  }
  return wanted;
}

/** Measures one memory figure: `id` in a fresh process, ResNet-50 loaded, batch 8 predicted a few times. */
async function measureMemory(
  id: LibraryId,
  threads: number,
  onnxFile: string,
  inputFile: string,
  failures: ImagenetFailure[],
): Promise<MemoryFigure | null> {
  const library = LIBRARY_NAMES[id];
  const workerProcess = startProcess(id, threads);
  try {
    if ((await workerProcess.start(START_TIMEOUT_SECONDS)) === null)
      throw new Error(`did not start: ${workerProcess.failure}`);
    const loaded = await workerProcess.request(
      { command: 'load', model: MEMORY_MODEL, onnxFile, inputFile },
      REQUEST_TIMEOUT_SECONDS,
    );
    if (!loaded.ok) throw new Error(loaded.error);
    const measured = await workerProcess.request(
      { command: 'measure', model: MEMORY_MODEL, mode: 'throughput', warmup: 0, repetitions: MEMORY_RUNS },
      REQUEST_TIMEOUT_SECONDS,
    );
    if (!measured.ok) throw new Error(measured.error);
    const reply = await workerProcess.request({ command: 'memory' }, REQUEST_TIMEOUT_SECONDS);
    if (!reply.ok || reply.memory === undefined) throw new Error(reply.ok ? 'no memory report' : reply.error);
    return { library, model: MEMORY_MODEL, batch: THROUGHPUT_BATCH, threads, ...reply.memory };
  } catch (error) {
    failures.push({
      library,
      threads,
      model: MEMORY_MODEL,
      reason: `memory: ${(error as Error).message}`,
      isUnsupported: false,
    });
    return null;
  } finally {
    await workerProcess.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const options = parseImagenetArguments(process.argv.slice(2));
  const machine = await describeMachine();
  log(`machine: ${formatMachine(machine)}`);
  const failures: ImagenetFailure[] = [];

  const { files, missing } = ensureOnnxFiles(options.models, options.onnxFolder, log);
  for (const [model, reason] of missing) {
    log(`${model}: ${reason}`);
    failures.push({ library: CONVNET, model, reason, isUnsupported: false });
  }
  const models = options.models.filter((model) => files.has(model));
  const folder = mkdtempSync(path.join(os.tmpdir(), 'convnet-bench-imagenet-'));
  const inputFile = path.join(folder, 'input.bin');
  writeInputFile(inputFile);

  log('\nstarting the library processes');
  const participants: Participant[] = [];
  for (const { id, threads } of participantsWanted(options)) {
    const participant = await startParticipant(id, threads, failures);
    if (participant !== null) participants.push(participant);
  }
  const topThreads = Math.max(...options.threads);
  /** Per (model, mode, participant): one figure per round. */
  const samples = new Map<string, (number | null)[]>();
  const keyOf = (model: ImagenetModelId, mode: ImagenetMode, participant: Participant): string =>
    `${model}|${mode}|${participant.library}|${participant.threads}`;
  /** One process's copy of a model: its training turns change the weights its predict turns use. */
  const ownerOf = (model: ImagenetModelId, participant: Participant): string =>
    `${model}|${participant.library}|${participant.threads}`;
  const otherBusyCoresBeforeModel: Record<string, number | null> = {};

  for (const model of models) {
    otherBusyCoresBeforeModel[model] = await sampleOtherBusyCores();
    log(
      `\n[${model}] loading in ${participants.length} processes (other processes busy on ` +
        `${otherBusyCoresBeforeModel[model] ?? '?'} cores)`,
    );
    const ready: Participant[] = [];
    for (const participant of participants) {
      const reply = await participant.process.request(
        { command: 'load', model, onnxFile: files.get(model)!, inputFile },
        REQUEST_TIMEOUT_SECONDS,
      );
      if (reply.ok) {
        ready.push(participant);
        if (reply.note !== undefined) participant.note = reply.note;
        continue;
      }
      failures.push({
        library: participant.library,
        threads: participant.threads,
        model,
        reason: reply.error,
        isUnsupported: reply.isUnsupported === true,
      });
      log(
        `  ${participant.library} ${participant.threads}t: ` +
          `${reply.isUnsupported === true ? 'n/a' : 'failed'}: ${reply.error}`,
      );
    }
    const warmUps = new WarmUpTurns();
    const isUnsupported = new Set<string>();
    for (let round = 0; round < options.rounds; round++) {
      const roundStarted = performance.now();
      for (const mode of options.modes) {
        if (mode === 'train' && !options.trainModels.includes(model)) continue;
        for (const participant of roundOrder(ready, round)) {
          // Fine-tuning is measured at the highest thread count only.
          if (mode === 'train' && participant.threads !== topThreads) continue;
          const key = keyOf(model, mode, participant);
          if (isUnsupported.has(key)) continue;
          const plan = PLANS[mode];
          await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_TURNS_MS));
          const reply = await participant.process.request(
            {
              command: 'measure',
              model,
              mode,
              warmup: warmUps.needsWarmUp(ownerOf(model, participant), mode) ? plan.warmup : 0,
              repetitions: plan.repetitions,
            },
            REQUEST_TIMEOUT_SECONDS,
          );
          const figures = samples.get(key) ?? Array.from({ length: options.rounds }, () => null);
          samples.set(key, figures);
          if (reply.ok && reply.milliseconds !== undefined) {
            warmUps.noteRan(ownerOf(model, participant), mode);
            figures[round] = roundFigure(reply.milliseconds, mode === 'latency' ? null : batchOf(mode));
            continue;
          }
          const error = reply.ok ? 'no timings' : reply.error;
          const unsupported = !reply.ok && reply.isUnsupported === true;
          if (unsupported) isUnsupported.add(key);
          if (!unsupported)
            log(`  ${participant.library} ${participant.threads}t ${mode}, round ${round + 1}: failed: ${error}`);
          // One failure per cell is listed; a later round's figure may still fill it.
          if (
            !failures.some(
              (failure) =>
                failure.library === participant.library &&
                failure.threads === participant.threads &&
                failure.model === model &&
                failure.mode === mode,
            )
          ) {
            failures.push({
              library: participant.library,
              threads: participant.threads,
              model,
              mode,
              reason: error,
              isUnsupported: unsupported,
            });
          }
        }
      }
      const convnetLine = options.modes
        .map((mode) => {
          const convnet = participants.find(
            (participant) => participant.library === CONVNET && participant.threads === topThreads,
          );
          const value = convnet === undefined ? null : samples.get(keyOf(model, mode, convnet))?.[round];
          return value === null || value === undefined
            ? null
            : `${mode} ${value.toFixed(1)} ${mode === 'latency' ? 'ms' : 'img/s'}`;
        })
        .filter((part) => part !== null)
        .join(', ');
      log(
        `  round ${round + 1}/${options.rounds} in ` +
          `${((performance.now() - roundStarted) / 1000).toFixed(0)} s; ConvNet.ts ${topThreads}t: ${convnetLine}`,
      );
    }
    for (const participant of ready)
      await participant.process.request({ command: 'unload', model }, REQUEST_TIMEOUT_SECONDS);
  }
  for (const participant of participants) await participant.process.stop();

  const memory: MemoryFigure[] = [];
  // Measured whichever models were timed: ResNet-50 is the largest, where memory matters most.
  const memoryFile = options.isMemoryMeasured
    ? (files.get(MEMORY_MODEL) ?? ensureOnnxFiles([MEMORY_MODEL], options.onnxFolder, log).files.get(MEMORY_MODEL))
    : undefined;
  if (memoryFile !== undefined) {
    log(`\n[memory] ${MEMORY_MODEL}, batch ${THROUGHPUT_BATCH}, each library in a fresh process`);
    for (const id of ['convnet', 'onnxruntime-web'] as const) {
      if (!options.libraries.includes(id)) continue;
      const figure = await measureMemory(id, topThreads, memoryFile, inputFile, failures);
      if (figure !== null) memory.push(figure);
    }
  }
  rmSync(folder, { recursive: true, force: true });

  const figures: ImagenetFigure[] = [];
  for (const model of models) {
    for (const mode of options.modes) {
      for (const participant of participants) {
        const rounds = samples.get(keyOf(model, mode, participant));
        if (rounds === undefined || rounds.every((value) => value === null)) continue;
        figures.push(
          summarize({
            model,
            mode,
            library: participant.library,
            threads: participant.threads,
            batch: batchOf(mode),
            unit: mode === 'latency' ? 'ms' : 'img/s',
            rounds,
          }),
        );
      }
    }
  }
  const ratios = ratiosOf(figures);
  const runSeconds = Math.round((performance.now() - started) / 1000);
  log(`\n${formatImagenetTable(figures, ratios, failures, { models, modes: options.modes, peers: PEER_LIBRARIES })}`);
  if (memory.length > 0)
    log(
      `\nMemory, ${MEMORY_MODEL} at batch ${THROUGHPUT_BATCH} (growth: over the process before the model ` +
        `was loaded):\n${formatMemoryTable(memory, MEMORY_RUNS)}`,
    );
  const reported = failures.filter((failure) => !failure.isUnsupported);
  if (reported.length > 0) {
    log('\nNot measured:');
    for (const failure of reported)
      log(
        `- ${failure.library}${failure.threads === undefined ? '' : ` ${failure.threads}t`} ` +
          `${[failure.model, failure.mode].filter(Boolean).join(' ')}: ${failure.reason}`,
      );
  }
  log(`\nmachine: ${formatMachine(machine)}`);
  const participantsRecord = participants.map((participant) => ({
    library: participant.library,
    threads: participant.threads,
    note: participant.note,
  }));
  // The folders are left out: they name places on this machine, not what was measured.
  const { onnxFolder: _onnxFolder, outputFile: _outputFile, ...measuredOptions } = options;
  const record = {
    options: {
      ...measuredOptions,
      plans: PLANS,
      pauseBetweenTurnsMs: PAUSE_BETWEEN_TURNS_MS,
      torchOmpWaitPolicy: TORCH_OMP_WAIT_POLICY,
    },
    participants: participantsRecord,
    figures,
    ratios,
    memory,
    failures,
    machine,
    otherBusyCoresBeforeModel,
    runSeconds,
  };
  writeFileSync(options.outputFile, `${JSON.stringify(record, null, 2)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), options.outputFile)} in ${runSeconds} s`);
}

await main();
