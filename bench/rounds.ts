// The statistics of interleaved rounds (bench/imagenet.ts): the order in which long-lived library
// processes take turns, each library's median over rounds, and each peer's per-round speed ratio to
// ConvNet.ts with its spread. Pure functions, so test/bench/rounds.test.ts checks them without timing.
// Why rounds: a shared machine's speed drifts by tens of percent within minutes; a ratio taken from
// two figures measured seconds apart, round after round, cancels most of that drift.

import { median } from './timing.js';

/**
 * The order of turns in round `round` (0-based): every participant once, rotated by one place per
 * round (A B C, B C A, C A B, ...), so that no library always runs first, right after a model load,
 * or always follows the same neighbour.
 */
export function roundOrder<T>(participants: readonly T[], round: number): T[] {
  const count = participants.length;
  if (count === 0) return [];
  const shift = ((round % count) + count) % count;
  return [...participants.slice(shift), ...participants.slice(0, shift)];
}

/** Which way a figure is better: lower for a latency (ms), higher for a throughput (img/s). */
export type Direction = 'lower-is-better' | 'higher-is-better';

/**
 * ConvNet.ts speed / peer speed, for one round: for a latency, peer ms / ConvNet.ts ms. Above 1 means
 * ConvNet.ts is faster, as in the table of `npm run bench`.
 */
export function speedRatio(convnetValue: number, peerValue: number, direction: Direction): number {
  return direction === 'lower-is-better' ? peerValue / convnetValue : convnetValue / peerValue;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation between order statistics). */
  lowerQuartile: number;
  upperQuartile: number;
  count: number;
}

/** The value at fraction `fraction` (0 to 1) of the sorted values, interpolating between neighbours. */
export function quantile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const position = (sortedValues.length - 1) * fraction;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const weight = position - below;
  return sortedValues[below]! * (1 - weight) + sortedValues[above]! * weight;
}

/** Median, extremes and quartiles of the finite values; null when there are none. */
export function spreadOf(values: readonly number[]): Spread | null {
  const finite = values.filter((value) => Number.isFinite(value)).sort((left, right) => left - right);
  if (finite.length === 0) return null;
  return {
    median: median(finite),
    min: finite[0]!,
    max: finite[finite.length - 1]!,
    lowerQuartile: quantile(finite, 0.25),
    upperQuartile: quantile(finite, 0.75),
    count: finite.length,
  };
}

/**
 * Per-round ratios of a peer to ConvNet.ts, from the two libraries' per-round figures (index = round;
 * null where that round has no figure). A round where either is missing gives no ratio.
 */
export function roundRatios(
  convnetRounds: readonly (number | null)[],
  peerRounds: readonly (number | null)[],
  direction: Direction,
): number[] {
  const ratios: number[] = [];
  const rounds = Math.min(convnetRounds.length, peerRounds.length);
  for (let round = 0; round < rounds; round++) {
    const convnetValue = convnetRounds[round];
    const peerValue = peerRounds[round];
    if (convnetValue === null || convnetValue === undefined || peerValue === null || peerValue === undefined) continue;
    ratios.push(speedRatio(convnetValue, peerValue, direction));
  }
  return ratios;
}

/** One round's figure from its timed repetitions: their median, as images/s where `imagesPerRun` is given. */
export function roundFigure(milliseconds: readonly number[], imagesPerRun: number | null): number {
  const middle = median(milliseconds);
  return imagesPerRun === null ? middle : (imagesPerRun * 1000) / middle;
}

/** The mode whose turns change a model's weights. */
const TRAIN_MODE = 'train';

/**
 * Which turns run their warm-up first: a (process and model, mode) pair's first turn, and a predict mode's next
 * turn after a training turn of the same process and model, since the step changed the weights and a library may
 * prepare its inference afresh (ConvNet.ts rebuilds its inference plan: folded weights, packed and Winograd
 * filters: 5 to 10 ms of CPU for MobileNetV2 at batch 8). Without it, one of throughput's two timed runs after each
 * training turn paid that rebuild: MobileNetV2 at batch 8 on 2 threads read 143 img/s in round 1 and about 127 after.
 */
export class WarmUpTurns {
  /** By owner (one process's model): the modes whose warm-up ran since its last training turn. */
  private readonly warmModes = new Map<string, Set<string>>();

  /** Whether the turn of `owner` in `mode` runs its warm-up first. */
  needsWarmUp(owner: string, mode: string): boolean {
    return !(this.warmModes.get(owner)?.has(mode) ?? false);
  }

  /** Records a turn of `owner` in `mode` that ran; a training turn leaves the owner's other modes cold. */
  noteRan(owner: string, mode: string): void {
    let modes = this.warmModes.get(owner);
    if (modes === undefined) {
      modes = new Set();
      this.warmModes.set(owner, modes);
    }
    if (mode === TRAIN_MODE) modes.clear();
    modes.add(mode);
  }
}
