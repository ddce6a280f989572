// Measures the active backend's matrix multiply in GFLOP/s on random n x n matrices: the figure the
// benchmark reports next to the peers (bench/). Not used by training.

import { Random } from '../../core/random.js';
import { getBackend, getKernel, withScope } from '../registry.js';

/**
 * Median GFLOP/s of `repetitions` n x n x n products (2 n^3 flops each) on the active backend.
 *
 * @example
 * await initWasmBackend({ threads: 1 }); benchmarkGemm(512); // about 40 with relaxed SIMD
 */
export function benchmarkGemm(n: number, repetitions = 9): number {
  return withScope(() => {
    const backend = getBackend();
    const random = new Random(n);
    const a = backend.allocate('float32', n * n);
    const b = backend.allocate('float32', n * n);
    const c = backend.allocate('float32', n * n);
    for (let index = 0; index < n * n; index++) {
      a[index] = random.uniform() - 0.5;
      b[index] = random.uniform() - 0.5;
    }
    const matMul = getKernel('MatMul');
    const params = { m: n, k: n, n, transposeA: false, transposeB: false };
    matMul(a, b, c, params);
    const rates: number[] = [];
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const started = performance.now();
      matMul(a, b, c, params);
      rates.push((2 * n ** 3) / ((performance.now() - started) / 1000) / 1e9);
    }
    rates.sort((x, y) => x - y);
    return rates[rates.length >> 1]!;
  });
}
