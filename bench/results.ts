// The records a suite produces and results.json stores, plus the recorder that turns one failing
// measurement into a reported failure instead of a lost run.
// Limits: a result is one median; the spread is not kept (the repetition count is in its note).

import { writeFileSync } from 'node:fs';
import type { WorkloadId } from './workloads.js';

export type Mode = 'train' | 'infer' | 'latency';
export type Unit = 'img/s' | 'ms';

export interface BenchResult {
  library: string;
  workload: WorkloadId;
  mode: Mode;
  threads: number;
  value: number;
  unit: Unit;
  note?: string;
}

/** A library, or one of its measurements, that could not run; `reason` is the error or the skip rule. */
export interface Failure {
  library: string;
  workload?: WorkloadId;
  mode?: Mode;
  reason: string;
}

export interface GemmResult {
  n: number;
  threads: number;
  gflops: number;
}

/** What one suite hands back to bench/run.ts. */
export interface SuiteOutput {
  results: BenchResult[];
  failures: Failure[];
  /** Only the ConvNet.ts fast-backend suite sets these. */
  gemm?: GemmResult[] | null;
  gemmNote?: string;
}

/** Lines with this prefix on a suite's stderr are progress; run.ts echoes them and keeps the rest for errors. */
export const PROGRESS_PREFIX = 'bench| ';

export function progress(message: string): void {
  process.stderr.write(`${PROGRESS_PREFIX}${message}\n`);
}

let checkpointFile: string | null = null;

/**
 * Makes every recorder rewrite `file` with its output after each figure, so that a suite cut off by its
 * timeout (TF.js cpu spends minutes on one W2 step) still hands back what it measured before.
 */
export function checkpointTo(file: string): void {
  checkpointFile = file;
}

export function writeCheckpoint(output: SuiteOutput): void {
  if (checkpointFile !== null) writeFileSync(checkpointFile, JSON.stringify(output));
}

export function unitOf(mode: Mode): Unit {
  return mode === 'latency' ? 'ms' : 'img/s';
}

export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

export interface Measured {
  value: number;
  note?: string;
}

/** Collects one library's results; a measurement that throws becomes a Failure and the suite goes on. */
export class SuiteRecorder {
  readonly output: SuiteOutput = { results: [], failures: [] };

  constructor(readonly library: string) {}

  async record(
    workload: WorkloadId,
    mode: Mode,
    threads: number,
    measure: () => Promise<Measured | null>,
  ): Promise<void> {
    const label = `${this.library} ${workload} ${mode} (${threads} thread${threads === 1 ? '' : 's'})`;
    try {
      const measured = await measure();
      if (measured === null) return;
      const result: BenchResult = {
        library: this.library,
        workload,
        mode,
        threads,
        value: measured.value,
        unit: unitOf(mode),
      };
      if (measured.note !== undefined) result.note = measured.note;
      this.output.results.push(result);
      writeCheckpoint(this.output);
      progress(`${label}: ${formatValue(measured.value)} ${result.unit}`);
    } catch (error) {
      this.fail(errorMessage(error), workload, mode);
      progress(`${label}: failed: ${errorMessage(error)}`);
    }
  }

  fail(reason: string, workload?: WorkloadId, mode?: Mode): void {
    const failure: Failure = { library: this.library, reason };
    if (workload !== undefined) failure.workload = workload;
    if (mode !== undefined) failure.mode = mode;
    this.output.failures.push(failure);
    writeCheckpoint(this.output);
  }
}

/** Three significant digits, at least no decimals for big values: 1234, 123, 12.3, 1.23, 0.123. */
export function formatValue(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}
