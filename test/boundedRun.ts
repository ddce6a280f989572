// Runs a command in a child process under a time limit and a memory ceiling, as the resource tests
// need: the child's resident memory is sampled from /proc every few milliseconds and the child is
// killed the moment it passes the ceiling, so a test of a hostile file fails fast instead of taking
// the machine's memory or the suite's time.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';

export interface BoundedRunLimits {
  /** Wall-clock limit in milliseconds. */
  timeoutMs: number;
  /** Resident memory ceiling in bytes. */
  memoryBytes: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's standard input (then closed); by default it is closed at once. */
  stdin?: string;
}

export interface BoundedRunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The largest resident memory seen, in bytes. */
  peakRssBytes: number;
  /** Why the child was killed, or null when it ended by itself. */
  killedFor: 'time' | 'memory' | null;
  elapsedMs: number;
}

function residentBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Runs `command args` under the limits. */
export function runBounded(
  command: string,
  args: readonly string[],
  limits: BoundedRunLimits,
): Promise<BoundedRunResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], {
      cwd: limits.cwd ?? repoRoot,
      env: limits.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakRssBytes = 0;
    let killedFor: BoundedRunResult['killedFor'] = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {}); // a child that exits before reading its input
    child.stdin.end(limits.stdin ?? '');
    const kill = (reason: 'time' | 'memory'): void => {
      if (killedFor === null) killedFor = reason;
      child.kill('SIGKILL');
    };
    const sampler = setInterval(() => {
      if (child.pid === undefined) return;
      const rss = residentBytes(child.pid);
      peakRssBytes = Math.max(peakRssBytes, rss);
      if (rss > limits.memoryBytes) kill('memory');
    }, 5);
    const timer = setTimeout(() => kill('time'), limits.timeoutMs);
    child.on('error', (error) => {
      clearInterval(sampler);
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      resolvePromise({
        status,
        signal,
        stdout,
        stderr,
        peakRssBytes,
        killedFor,
        elapsedMs: performance.now() - started,
      });
    });
  });
}

/** Runs `convnet args` under the limits (the CLI as built into dist/). */
export function runCliBounded(args: readonly string[], limits: BoundedRunLimits): Promise<BoundedRunResult> {
  return runBounded(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], limits);
}

/** A one-line summary of a run for assertion messages. */
export function describeRun(result: BoundedRunResult): string {
  const peak = (result.peakRssBytes / 2 ** 20).toFixed(0);
  return (
    `status ${result.status}, signal ${result.signal}, killed for ${result.killedFor ?? 'nothing'}, ` +
    `peak ${peak} MiB, ${result.elapsedMs.toFixed(0)} ms; stderr: ${result.stderr.slice(0, 600)}`
  );
}
