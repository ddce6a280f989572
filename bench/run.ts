// `npm run bench`: trains and infers the two fixed workloads (bench/workloads.ts) with ConvNet.ts and its peers,
// one suite after another, each in its own process; prints the comparison table and writes bench/results.json.
// Options: --only <suite,suite> runs a subset (ids in bench/suites.ts, plus 'browser'); --out <file> moves
// results.json; --no-browser leaves out the browser run (bench/browserBench.ts), which otherwise follows the
// suites in its own process and writes bench/results-browser.json (it skips itself where Chromium is missing).
// Limits: figures are medians of wall time on a shared machine; the load at start is recorded with them.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describeMachine, formatMachine, sampleOtherBusyCores, type MachineInfo } from './machine.js';
import { formatFailures, formatResultList, formatTable } from './report.js';
import { PROGRESS_PREFIX, type BenchResult, type Failure, type GemmResult, type SuiteOutput } from './results.js';
import { SUITES, type Suite } from './suites.js';

interface ResultsFile {
  results: BenchResult[];
  gemm: GemmResult[] | null;
  gemmNote?: string;
  failures: Failure[];
  machine: MachineInfo;
  /** Cores other processes kept busy just before each suite started (see machine.ts). */
  otherBusyCoresBeforeSuite: Record<string, number | null>;
  runSeconds: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPOSITORY_ROOT = path.resolve(HERE, '..', '..');
/** Lines of a suite's other output kept to explain a crash or a timeout. */
const KEPT_OUTPUT_LINES = 12;
/** Above this many busy cores another process is competing with the benchmark. */
const BUSY_CORES_WARNING = 0.25;

function busyNote(busyCores: number | null): string {
  if (busyCores === null || busyCores <= BUSY_CORES_WARNING) return '';
  return (
    ` NOTE: other processes were busy on ${busyCores} cores just before; its figures will be low, ` +
    `above all with 2 threads.`
  );
}

/** The browser run's own limit (bench/browserBench.ts has a page limit of its own inside it). */
const BROWSER_TIMEOUT_SECONDS = 2400;

function parseArguments(argv: readonly string[]): { only: Set<string> | null; outputFile: string; isBrowser: boolean } {
  let only: Set<string> | null = null;
  let isBrowser = true;
  let outputFile = path.join(REPOSITORY_ROOT, 'bench', 'results.json');
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = argv[index + 1];
    if (argument === '--only' && value !== undefined) {
      only = new Set(value.split(','));
      index++;
    } else if (argument === '--out' && value !== undefined) {
      outputFile = path.resolve(value);
      index++;
    } else if (argument === '--no-browser') {
      isBrowser = false;
    } else {
      throw new Error(
        `bench: unknown argument '${argument}'; use --only <${SUITES.map((suite) => suite.id).join(',')},browser>, ` +
          `--out <file> or --no-browser`,
      );
    }
  }
  return { only, outputFile, isBrowser: isBrowser && (only === null || only.has('browser')) };
}

/** Runs bench/browserBench.ts in a child Node process, its output shown as it comes; never throws. */
async function runBrowserProcess(): Promise<void> {
  console.log('\n[browser] ConvNet.ts webgpu and wasm, TF.js webgpu, onnxruntime-web webgpu and wasm, in Chromium');
  const child = spawn(process.execPath, [path.join(HERE, 'browserBench.js')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), BROWSER_TIMEOUT_SECONDS * 1000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  if (exitCode !== 0) console.log(`  browser run: failed: the process exited with ${exitCode ?? 'a signal'}`);
}

/** Runs one suite in a child Node process, echoing its progress lines; never throws. */
async function runSuiteProcess(suite: Suite, folder: string): Promise<SuiteOutput> {
  const outputFile = path.join(folder, `${suite.id}.json`);
  const child = spawn(process.execPath, [path.join(HERE, 'runSuite.js'), suite.id, outputFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const otherLines: string[] = [];
  const onLine = (line: string): void => {
    if (line.startsWith(PROGRESS_PREFIX)) {
      console.log(`  ${line.slice(PROGRESS_PREFIX.length)}`);
      return;
    }
    if (line.trim() === '') return;
    otherLines.push(line);
    if (otherLines.length > KEPT_OUTPUT_LINES) otherLines.shift();
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  let isTimedOut = false;
  const timer = setTimeout(() => {
    isTimedOut = true;
    child.kill('SIGKILL');
  }, suite.timeoutSeconds * 1000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);

  const isComplete = exitCode === 0 && !isTimedOut;
  let output: SuiteOutput = { results: [], failures: [] };
  try {
    // After a crash or a timeout this is the last checkpoint: the figures measured before it.
    output = JSON.parse(readFileSync(outputFile, 'utf8')) as SuiteOutput;
  } catch {
    if (isComplete) output.failures.push({ library: suite.library, reason: 'the suite wrote no results' });
  }
  if (!isComplete) {
    const reason = isTimedOut
      ? `timed out after ${suite.timeoutSeconds} s`
      : `the suite process exited with ${exitCode}`;
    const detail = otherLines.length > 0 && !isTimedOut ? `: ${otherLines[otherLines.length - 1]!.trim()}` : '';
    console.log(`  ${suite.library}: failed: ${reason}${detail}`);
    for (const line of otherLines) console.log(`    | ${line}`);
    output.failures.push({ library: suite.library, reason: `${reason}${detail}` });
  }
  return output;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { only, outputFile, isBrowser } = parseArguments(process.argv.slice(2));
  if (only !== null && !SUITES.some((suite) => only.has(suite.id))) {
    // `--only browser`: no Node suite, so results.json is left as it is.
    if (isBrowser) await runBrowserProcess();
    return;
  }
  const machine = await describeMachine();
  console.log(`machine: ${formatMachine(machine)}`);

  const folder = mkdtempSync(path.join(os.tmpdir(), 'convnet-bench-'));
  const results: BenchResult[] = [];
  const failures: Failure[] = [];
  let gemm: GemmResult[] | null = null;
  let gemmNote: string | undefined;
  const otherBusyCoresBeforeSuite: Record<string, number | null> = {};
  for (const suite of SUITES) {
    if (only !== null && !only.has(suite.id)) continue;
    const busyCores = await sampleOtherBusyCores();
    otherBusyCoresBeforeSuite[suite.id] = busyCores;
    const suiteStarted = performance.now();
    console.log(`\n[${suite.id}] ${suite.library}${busyNote(busyCores)}`);
    const output = await runSuiteProcess(suite, folder);
    results.push(...output.results);
    failures.push(...output.failures);
    if (output.gemm !== undefined) gemm = output.gemm;
    if (output.gemmNote !== undefined) gemmNote = output.gemmNote;
    console.log(`  (${((performance.now() - suiteStarted) / 1000).toFixed(0)} s)`);
  }
  rmSync(folder, { recursive: true, force: true });

  const runSeconds = Math.round((performance.now() - started) / 1000);
  console.log(`\n${formatTable(results, failures)}`);
  if (results.length > 0) console.log(`\nAll results:\n${formatResultList(results)}`);
  if (failures.length > 0) console.log(`\nNot measured:\n${formatFailures(failures)}`);
  const gemmLine =
    gemm === null
      ? `null (${gemmNote ?? 'no fast backend'})`
      : gemm.map((entry) => `n=${entry.n} ${entry.threads}t ${entry.gflops.toFixed(1)} GFLOP/s`).join(', ');
  console.log(`\nGEMM: ${gemmLine}`);
  console.log(`machine: ${formatMachine(machine)}`);

  const file: ResultsFile = {
    results,
    gemm,
    ...(gemmNote === undefined ? {} : { gemmNote }),
    machine,
    failures,
    otherBusyCoresBeforeSuite,
    runSeconds,
  };
  writeFileSync(outputFile, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), outputFile)} in ${runSeconds} s`);
  if (isBrowser) await runBrowserProcess();
}

await main();
