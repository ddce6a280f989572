// What the figures were measured on: CPU, cores, runtime versions, WebAssembly feature support and the
// load at start (other processes share the cores, and the benchmark cannot subtract them).
// Probes: the smallest modules using each feature, from wasm-feature-detect (GoogleChromeLabs).
// Limits: CPU flags are read from /proc/cpuinfo, so only on Linux.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';

export interface MachineInfo {
  cpuModel: string;
  /** Cores this process may use (os.availableParallelism). */
  cores: number;
  /** x86 vector extensions the native peers can use. */
  cpuVectorFlags: string[];
  nodeVersion: string;
  v8Version: string;
  os: string;
  wasmSimd: boolean;
  /** Relaxed SIMD with the engine's default flags. */
  wasmRelaxedSimd: boolean;
  /** Relaxed SIMD once V8's flag is set at run time, as ConvNet.ts does on Node 20 (peers do not). */
  wasmRelaxedSimdWithV8Flag: boolean;
  wasmThreads: boolean;
  /** One-minute load average when the run started (it includes the build that `npm run bench` runs first). */
  loadAverageAtStart: number;
  /** Cores kept busy by other processes, sampled while the benchmark itself was idle; null off Linux. */
  otherBusyCoresAtStart: number | null;
  date: string;
}

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
const SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
];
// (module (func (result v128) i32.const 1 i8x16.splat i32.const 2 i8x16.splat i8x16.relaxed_swizzle))
const RELAXED_SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15,
  253, 128, 2, 11,
];
// (module (memory 1 1 shared) (func i32.const 0 i32.atomic.load drop))
const THREADS_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0,
  26, 11,
];

function validates(bytes: readonly number[]): boolean {
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

/** Sets V8's relaxed-SIMD flag in this process (the orchestrator, which measures nothing) and probes again. */
function relaxedSimdWithFlag(): boolean {
  if (validates(RELAXED_SIMD_PROBE)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return validates(RELAXED_SIMD_PROBE);
}

function cpuVectorFlags(): string[] {
  try {
    const flagsLine = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('flags'));
    const flags = new Set((flagsLine ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
    return ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16'].filter((flag) => flags.has(flag));
  } catch {
    return [];
  }
}

/** Busy and total jiffies of all cores since boot, from the first line of /proc/stat. */
function readCpuTimes(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = fields[3]! + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Cores other processes keep busy, measured over `milliseconds` while this process sleeps. Unlike the load
 * average, it is not inflated by the build that just ran, and it shows what each suite competes with.
 */
export async function sampleOtherBusyCores(milliseconds = 500): Promise<number | null> {
  const before = readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  const after = readCpuTimes();
  if (before === null || after === null || after.total === before.total) return null;
  const busyFraction = (after.busy - before.busy) / (after.total - before.total);
  return Number((busyFraction * os.cpus().length).toFixed(2));
}

/** Call before anything else sets V8 flags, so that wasmRelaxedSimd reflects the defaults. */
export async function describeMachine(): Promise<MachineInfo> {
  const wasmRelaxedSimd = validates(RELAXED_SIMD_PROBE);
  const otherBusyCoresAtStart = await sampleOtherBusyCores(1000);
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    cpuVectorFlags: cpuVectorFlags(),
    nodeVersion: process.version,
    v8Version: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    wasmSimd: validates(SIMD_PROBE),
    wasmRelaxedSimd,
    wasmRelaxedSimdWithV8Flag: relaxedSimdWithFlag(),
    wasmThreads: validates(THREADS_PROBE) && typeof SharedArrayBuffer === 'function',
    loadAverageAtStart: Number(os.loadavg()[0]!.toFixed(2)),
    otherBusyCoresAtStart,
    date: new Date().toISOString(),
  };
}

export function formatMachine(machine: MachineInfo): string {
  const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
  return [
    `${machine.cpuModel}, ${machine.cores} cores (${machine.cpuVectorFlags.join(' ') || 'no AVX flags read'})`,
    `Node ${machine.nodeVersion} (V8 ${machine.v8Version}), ${machine.os}`,
    `wasm SIMD ${yesNo(machine.wasmSimd)}, relaxed SIMD ` +
      `${machine.wasmRelaxedSimd ? 'yes' : machine.wasmRelaxedSimdWithV8Flag ? 'behind a V8 flag' : 'no'}, ` +
      `threads ${yesNo(machine.wasmThreads)}`,
    `other processes busy on ${machine.otherBusyCoresAtStart ?? '?'} cores at start (load average ` +
      `${machine.loadAverageAtStart}), ${machine.date}`,
  ].join('; ');
}
