// Timing helpers shared by every suite: warm up, then repeat until a count or a time budget is reached,
// and report the median (robust to the odd slow repetition from GC or another process).
// Limits: wall-clock time (performance.now) of one process; the machine's other load is not subtracted.

export interface RepetitionPlan {
  /** Untimed runs first, so JIT compilation, lazy allocation and kernel caches are out of the figure. */
  warmup: number;
  minRepetitions: number;
  maxRepetitions: number;
  /** Stop repeating (after minRepetitions) once the timed runs have taken this long. */
  budgetSeconds: number;
}

export interface Timing {
  medianMilliseconds: number;
  repetitions: number;
}

/** Runs `action` per the plan; `warmupAction` (default `action`) is what the warm-up runs, e.g. a smaller batch. */
export async function timeRepeated(
  action: () => unknown,
  plan: RepetitionPlan,
  warmupAction: () => unknown = action,
): Promise<Timing> {
  for (let index = 0; index < plan.warmup; index++) await warmupAction();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < plan.maxRepetitions) {
    const before = performance.now();
    await action();
    samples.push(performance.now() - before);
    const isOverBudget = performance.now() - started > plan.budgetSeconds * 1000;
    if (samples.length >= plan.minRepetitions && isOverBudget) break;
  }
  return { medianMilliseconds: median(samples), repetitions: samples.length };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Plans for libraries that take milliseconds per batch. */
export const FAST_PLANS = {
  train: { warmup: 3, minRepetitions: 5, maxRepetitions: 25, budgetSeconds: 4 },
  infer: { warmup: 3, minRepetitions: 5, maxRepetitions: 25, budgetSeconds: 3 },
  latency: { warmup: 5, minRepetitions: 11, maxRepetitions: 51, budgetSeconds: 2 },
} satisfies Record<string, RepetitionPlan>;

/** Plans for libraries that take seconds per batch (ConvNet.ts reference, TF.js cpu). */
export const SLOW_PLANS = {
  train: { warmup: 1, minRepetitions: 1, maxRepetitions: 2, budgetSeconds: 3 },
  infer: { warmup: 1, minRepetitions: 2, maxRepetitions: 3, budgetSeconds: 4 },
  latency: { warmup: 2, minRepetitions: 3, maxRepetitions: 9, budgetSeconds: 2 },
} satisfies Record<string, RepetitionPlan>;

export function imagesPerSecond(batch: number, milliseconds: number): number {
  return (batch * 1000) / milliseconds;
}

/** How a figure was taken, for a result's note: "batches of 64: median of 25". */
export function describeTiming(timing: Timing, what: string): string {
  return timing.repetitions === 1 ? `${what}: a single timed run` : `${what}: median of ${timing.repetitions}`;
}
