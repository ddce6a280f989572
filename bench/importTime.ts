// Import time of ConvNet.ts in Node, and the cost of the backend's start at the first op: each sample
// is a fresh `node` process that times `await import(entry)`, then its first conv2d (where the
// WebAssembly backend starts, synchronously), then a second one. Prints the median of N samples.
// Entries given with --entry (several: interleaved sample by sample, so a busy machine slows all alike):
// a file, or a package name such as convnet-ts, resolved from here as an app would (the package's exports).
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/importTime.js [--samples 9] [--entry
// path/to/index.js ...]

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEFAULT_SAMPLES = 9;

/** What one process measured, in milliseconds. */
interface Sample {
  importMs: number;
  /** CPU time of the import (user + system, all threads): less sensitive than wall time to a busy machine. */
  importCpuMs: number;
  firstOpMs: number;
  secondOpMs: number;
  active: string;
}

const CHILD = `
const entry = process.argv[2];
const cpuStart = process.cpuUsage();
const start = performance.now();
const c = await import(entry);
const imported = performance.now();
const cpu = process.cpuUsage(cpuStart);
const x = new c.Tensor(new Float32Array(8 * 28 * 28 * 1).fill(0.5), [8, 28, 28, 1]);
const filter = new c.Tensor(new Float32Array(3 * 3 * 1 * 16).fill(0.1), [3, 3, 1, 16]);
const beforeFirst = performance.now();
c.conv2d(x, filter, null);
const afterFirst = performance.now();
c.conv2d(x, filter, null);
const afterSecond = performance.now();
console.log(JSON.stringify({ importMs: imported - start, importCpuMs: (cpu.user + cpu.system) / 1000, firstOpMs: afterFirst - beforeFirst, secondOpMs: afterSecond - afterFirst, active: c.backendInfo().active }));
process.exit(0);
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function argumentValues(name: string): string[] {
  const values: string[] = [];
  process.argv.forEach((argument, index) => {
    if (argument === name && process.argv[index + 1] !== undefined) values.push(process.argv[index + 1]!);
  });
  return values;
}

const samples = Number(argumentValues('--samples')[0] ?? DEFAULT_SAMPLES);
const ownEntry = fileURLToPath(import.meta.resolve('convnet-ts'));
const entries = argumentValues('--entry').map((entry) =>
  existsSync(entry) ? resolve(entry) : fileURLToPath(import.meta.resolve(entry)),
);
if (entries.length === 0) entries.push(ownEntry);

// A script file, not `node -e`: worker threads inherit the flags of `-e` and fail to start.
const folder = mkdtempSync(join(tmpdir(), 'convnet-import-time-'));
const script = join(folder, 'child.mjs');
writeFileSync(script, CHILD);
try {
  const results = new Map<string, Sample[]>(entries.map((entry) => [entry, []]));
  for (let round = 0; round < samples; round++) {
    for (const entry of entries) {
      const stdout = execFileSync(process.execPath, [script, pathToFileURL(entry).href], { encoding: 'utf8' });
      results.get(entry)!.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample);
    }
  }
  console.log(`Node ${process.version}, ${samples} fresh processes per entry, medians (min-max) in ms`);
  for (const [entry, list] of results) {
    const figure = (pick: (sample: Sample) => number) => {
      const values = list.map(pick);
      return `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
    };
    console.log(entry);
    console.log(
      `  import ${figure((sample) => sample.importMs)} (CPU ${figure((sample) => sample.importCpuMs)}); ` +
        `first conv2d ${figure((sample) => sample.firstOpMs)}; second ` +
        `${figure((sample) => sample.secondOpMs)}; backend ${list[0]!.active}`,
    );
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
