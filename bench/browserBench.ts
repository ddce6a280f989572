// `npm run bench:browser`: ConvNet.ts's WebGPU and WebAssembly backends against TF.js webgpu and
// onnxruntime-web (WebGPU and wasm EPs) in one Chromium page (bench/browserDriver.ts, bench/browser/benchPage.ts):
// W1/W2 training and inference, ResNet-18 / MobileNetV2 inference where their ONNX files exist. Prints the
// table and writes bench/results-browser.json. Skips, saying why, where Chromium is missing.
// Limits: on SwiftShader (no GPU) the figures check correctness only; they say nothing of a GPU's speed.

import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserLibraryId, BrowserMode } from './browser/protocol.js';
import {
  BROWSER_LIBRARY_IDS,
  BROWSER_MODEL_IDS,
  DEFAULT_CHROMIUM,
  DEFAULT_ONNX_FOLDER,
  DEFAULT_PLANS,
  REPOSITORY_ROOT,
  runBrowserBench,
  type BrowserBenchOptions,
  type BrowserModelId,
} from './browserDriver.js';
import {
  browserRatios,
  formatAdapter,
  formatBrowserTable,
  isSoftwareAdapter,
  summarizeFigures,
} from './browserReport.js';
import { describeMachine, formatMachine } from './machine.js';
import { BATCH } from './workloads.js';

const USAGE =
  'node dist/bench/browserBench.js [--models W1,W2,resnet18,mobilenet_v2] [--libraries ' +
  `${BROWSER_LIBRARY_IDS.join(',')}] [--rounds 3 (1 without --gpu)] [--batch 64] [--check-batch 8] [--threads N] ` +
  '[--repetitions N] [--chromium PATH] [--gpu] [--flag --chromium-switch] [--onnx-folder DIR] [--timeout SECONDS] ' +
  '[--out FILE]';

function listOf<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').filter((item) => item !== '');
  for (const item of items)
    if (!(allowed as readonly string[]).includes(item))
      throw new Error(`bench:browser: unknown ${what} '${item}'; use ${allowed.join(', ')}`);
  return items as T[];
}

function positiveInteger(value: string, what: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`bench:browser: ${what} must be a whole number >= 1, got '${value}'`);
  return parsed;
}

function parseArguments(argv: readonly string[]): { options: BrowserBenchOptions; outputFile: string } {
  const options: BrowserBenchOptions = {
    models: [...BROWSER_MODEL_IDS],
    libraries: [...BROWSER_LIBRARY_IDS],
    rounds: 3,
    batch: BATCH,
    checkBatch: 8,
    threads: Math.min(os.availableParallelism(), 4),
    plans: structuredClone(DEFAULT_PLANS),
    chromium: process.env.CHROMIUM ?? DEFAULT_CHROMIUM,
    isGpu: false,
    extraFlags: [],
    onnxFolder: DEFAULT_ONNX_FOLDER,
    timeoutSeconds: 1800,
  };
  let outputFile = path.join(REPOSITORY_ROOT, 'bench', 'results-browser.json');
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--gpu') {
      options.isGpu = true;
      continue;
    }
    const value = argv[++index];
    if (value === undefined) throw new Error(`bench:browser: '${argument}' needs a value; usage: ${USAGE}`);
    if (argument === '--models') options.models = listOf<BrowserModelId>(value, BROWSER_MODEL_IDS, 'model');
    else if (argument === '--libraries')
      options.libraries = listOf<BrowserLibraryId>(value, BROWSER_LIBRARY_IDS, 'library');
    else if (argument === '--rounds') options.rounds = positiveInteger(value, '--rounds');
    else if (argument === '--batch') options.batch = positiveInteger(value, '--batch');
    else if (argument === '--check-batch') options.checkBatch = positiveInteger(value, '--check-batch');
    else if (argument === '--threads') options.threads = positiveInteger(value, '--threads');
    else if (argument === '--repetitions') {
      const repetitions = positiveInteger(value, '--repetitions');
      for (const mode of Object.keys(options.plans) as BrowserMode[]) options.plans[mode].repetitions = repetitions;
    } else if (argument === '--chromium') options.chromium = value;
    else if (argument === '--flag') options.extraFlags = [...options.extraFlags, value];
    else if (argument === '--onnx-folder') options.onnxFolder = path.resolve(value);
    else if (argument === '--timeout') options.timeoutSeconds = positiveInteger(value, '--timeout');
    else if (argument === '--out') outputFile = path.resolve(value);
    else throw new Error(`bench:browser: unknown argument '${argument}'; usage: ${USAGE}`);
  }
  if (!options.isGpu) {
    // SwiftShader runs the GPU libraries' kernels on the CPU: a W2 training step at batch 64 took 80 to 130 s
    // on 2 loaded cores. A correctness run needs one round and one timed run, not a spread.
    if (!argv.includes('--rounds')) options.rounds = 1;
    for (const plan of Object.values(options.plans)) {
      plan.warmup = Math.min(plan.warmup, 1);
      if (!argv.includes('--repetitions')) plan.repetitions = 1;
    }
  }
  return { options, outputFile };
}

async function main(): Promise<void> {
  const started = performance.now();
  const { options, outputFile } = parseArguments(process.argv.slice(2));
  if (!existsSync(options.chromium)) {
    console.log(
      `bench:browser: skipped: ${options.chromium} is not installed (Debian package chromium; ` +
        'or pass --chromium PATH / set CHROMIUM)',
    );
    return;
  }
  const machine = await describeMachine();
  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`chromium: ${options.chromium} ${options.isGpu ? '(GPU adapter)' : '(SwiftShader flags)'}`);
  const run = await runBrowserBench(options);
  const { page } = run;
  const isSoftware = isSoftwareAdapter(page.adapter);
  const figures = summarizeFigures(page.figures);
  const ratios = browserRatios(page.figures);
  const rows = run.models.flatMap((model) => model.modes.map(({ mode, batch }) => ({ model: model.id, mode, batch })));

  const adapterLine = `adapter: ${formatAdapter(page.adapter, page.adapterError)}`;
  const speedNote = isSoftware
    ? 'NOTE: the adapter is SwiftShader (software Vulkan on the CPU): these figures are a correctness run, not speed.'
    : null;
  console.log(`\n${adapterLine}`);
  if (speedNote !== null) console.log(speedNote);
  console.log(`\n${formatBrowserTable(figures, ratios, page.failures, rows)}`);
  console.log('\nChecks against the reference (ConvNet.ts reference backend, same ONNX file and input):');
  for (const check of page.checks)
    console.log(
      `  ${check.library} ${check.model} ${check.kind}: ${check.isPassed ? 'passed' : 'FAILED'}; ${check.detail}`,
    );
  if (page.failures.length > 0 || run.skippedModels.length > 0) {
    console.log('\nNot measured:');
    for (const failure of page.failures)
      console.log(
        `  ${failure.library}${failure.model === undefined ? '' : ` ${failure.model}`}` +
          `${failure.mode === undefined ? '' : ` ${failure.mode}`}: ${failure.reason}`,
      );
    for (const skipped of run.skippedModels) console.log(`  ${skipped.model}: ${skipped.reason}`);
  }
  console.log('\nParticipants:');
  for (const participant of page.participants) console.log(`  ${participant.library}: ${participant.note}`);
  console.log(`  page: ${page.userAgent}; cross-origin isolated ${page.isCrossOriginIsolated}`);
  console.log(adapterLine);
  if (speedNote !== null) console.log(speedNote);

  const runSeconds = Math.round((performance.now() - started) / 1000);
  const file = {
    adapter: page.adapter,
    ...(page.adapterError === undefined ? {} : { adapterError: page.adapterError }),
    isSoftwareAdapter: isSoftware,
    ...(speedNote === null ? {} : { note: speedNote }),
    browser: {
      chromium: run.chromium,
      flags: run.chromiumFlags,
      userAgent: page.userAgent,
      isCrossOriginIsolated: page.isCrossOriginIsolated,
      hardwareConcurrency: page.hardwareConcurrency,
    },
    options: {
      models: options.models,
      libraries: options.libraries,
      rounds: options.rounds,
      batch: options.batch,
      checkBatch: options.checkBatch,
      threads: options.threads,
      plans: options.plans,
    },
    participants: page.participants,
    reference: page.reference,
    checks: page.checks,
    figures,
    ratios,
    failures: page.failures,
    skippedModels: run.skippedModels,
    machine,
    runSeconds,
  };
  writeFileSync(outputFile, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), outputFile)} in ${runSeconds} s`);
}

await main();
