// What the single-kernel timing tools (depthwiseKernels, expandedDepthwiseKernels, pointwiseKernels,
// preparedConvKernels, stemKernels) share: random operands in the backend's own memory, so a call times the kernel
// and not a copy into it, and the clock each reads.

import type * as convnet from 'convnet-ts';
import type { SeededRandom } from './seededRandom.js';

/** A persistent array of `backend`'s memory (a plain array where it has none) holding values uniform in [-scale, scale). */
export function persistentRandomArray(
  backend: convnet.Backend,
  random: SeededRandom,
  size: number,
  scale = 1,
): Float32Array {
  const values = (backend.allocatePersistent?.('float32', size) ?? new Float32Array(size)) as Float32Array;
  for (let index = 0; index < size; index++) values[index] = (random.uniform() * 2 - 1) * scale;
  return values;
}

/** Milliseconds of this process's user + system time, all threads. */
export function cpuNow(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** The clock a tool reads: the process's CPU time (steadier on a busy machine) or the wall clock. */
export function clockOf(isCpuClock: boolean): () => number {
  return isCpuClock ? cpuNow : () => performance.now();
}
