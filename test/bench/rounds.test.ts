// The interleaving and statistics of `npm run bench:imagenet` (bench/rounds.ts, bench/imagenetReport.ts):
// the rotating turn order, per-round figures and ratios, their spread, and how each peer is paired with
// ConvNet.ts. Pure functions on hand-worked numbers; nothing here is timed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ratiosOf, summarize, type ImagenetFigure } from '../../bench/imagenetReport.js';
import {
  quantile,
  roundFigure,
  roundOrder,
  roundRatios,
  speedRatio,
  spreadOf,
  WarmUpTurns,
} from '../../bench/rounds.js';

describe('roundOrder', () => {
  test('rotates the participants by one place per round, each first once in as many rounds', () => {
    const participants = ['A', 'B', 'C'];
    assert.deepEqual(roundOrder(participants, 0), ['A', 'B', 'C']);
    assert.deepEqual(roundOrder(participants, 1), ['B', 'C', 'A']);
    assert.deepEqual(roundOrder(participants, 2), ['C', 'A', 'B']);
    assert.deepEqual(roundOrder(participants, 3), ['A', 'B', 'C']);
    const firsts = [0, 1, 2].map((round) => roundOrder(participants, round)[0]);
    assert.deepEqual([...firsts].sort(), participants);
  });

  test('keeps every participant once and leaves its input alone; an empty list stays empty', () => {
    const participants = ['A', 'B', 'C', 'D'];
    assert.deepEqual([...roundOrder(participants, 5)].sort(), participants);
    assert.deepEqual(participants, ['A', 'B', 'C', 'D']);
    assert.deepEqual(roundOrder([], 2), []);
  });
});

describe('per-round figures and ratios', () => {
  test('a round figure is the median of its repetitions, in ms or as images/s', () => {
    assert.equal(roundFigure([10, 30, 20], null), 20);
    assert.equal(roundFigure([10, 30, 20], 8), 400);
    assert.equal(roundFigure([10, 20], null), 15);
  });

  test('the ratio is ConvNet.ts speed / peer speed: above 1 when ConvNet.ts is faster', () => {
    assert.equal(speedRatio(10, 20, 'lower-is-better'), 2);
    assert.equal(speedRatio(60, 30, 'higher-is-better'), 2);
    assert.equal(speedRatio(30, 60, 'higher-is-better'), 0.5);
  });

  test('ratios pair the same rounds and skip a round where either figure is missing', () => {
    assert.deepEqual(roundRatios([10, null, 40, 20], [20, 30, null, 10], 'lower-is-better'), [2, 0.5]);
    assert.deepEqual(roundRatios([10, 20], [20], 'lower-is-better'), [2]);
  });
});

describe('spreadOf', () => {
  test('median, extremes and interpolated quartiles of 1, 2, 3, 4', () => {
    assert.deepEqual(spreadOf([3, 1, 4, 2]), {
      median: 2.5,
      min: 1,
      max: 4,
      lowerQuartile: 1.75,
      upperQuartile: 3.25,
      count: 4,
    });
  });

  test('ignores values that are not finite; null when none is left', () => {
    assert.equal(spreadOf([Number.NaN, 5, Number.POSITIVE_INFINITY])?.median, 5);
    assert.equal(spreadOf([]), null);
    assert.equal(spreadOf([Number.NaN]), null);
  });

  test('quantile interpolates between order statistics', () => {
    assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantile([0, 10], 0.25), 2.5);
    assert.equal(quantile([7], 0.75), 7);
  });
});

describe('ratiosOf', () => {
  const figure = (library: string, threads: number, rounds: (number | null)[]): ImagenetFigure =>
    summarize({ model: 'resnet18', mode: 'latency', library, threads, batch: 1, unit: 'ms', rounds });

  test('per-round ratios cancel a drift that moves both libraries alike', () => {
    // The machine slows down threefold from round to round; ConvNet.ts is twice as fast throughout.
    const figures = [figure('ConvNet.ts', 2, [10, 30, 90]), figure('onnxruntime-web', 2, [20, 60, 180])];
    const [ratio] = ratiosOf(figures);
    assert.deepEqual(ratio!.rounds, [2, 2, 2]);
    assert.equal(ratio!.summary!.min, 2);
    assert.equal(ratio!.summary!.max, 2);
  });

  test('a peer is paired with ConvNet.ts at its thread count, or the nearest count below', () => {
    const figures = [
      figure('ConvNet.ts', 1, [20]),
      figure('ConvNet.ts', 2, [10]),
      figure('PyTorch', 1, [40]),
      figure('PyTorch', 2, [30]),
      figure('onnxruntime-web', 4, [5]),
    ];
    const ratios = ratiosOf(figures);
    const find = (peer: string, threads: number) =>
      ratios.find((ratio) => ratio.peer === peer && ratio.threads === threads)!;
    assert.equal(find('PyTorch', 1).convnetThreads, 1);
    assert.deepEqual(find('PyTorch', 1).rounds, [2]);
    assert.equal(find('PyTorch', 2).convnetThreads, 2);
    assert.deepEqual(find('PyTorch', 2).rounds, [3]);
    assert.equal(find('onnxruntime-web', 4).convnetThreads, 2);
    assert.deepEqual(find('onnxruntime-web', 4).rounds, [0.5]);
    assert.equal(ratios.length, 3);
  });
});

describe('WarmUpTurns', () => {
  /** The turns of rounds of `modes` for each owner in turn, as `owner mode` where that turn warmed up first. */
  function warmedTurns(owners: readonly string[], modes: readonly string[], rounds: number): string[] {
    const warmUps = new WarmUpTurns();
    const warmed: string[] = [];
    for (let round = 0; round < rounds; round++)
      for (const owner of roundOrder(owners, round))
        for (const mode of modes) {
          if (warmUps.needsWarmUp(owner, mode)) warmed.push(`${round} ${owner} ${mode}`);
          warmUps.noteRan(owner, mode);
        }
    return warmed;
  }

  test('without training, each owner and mode warms up in its first turn only', () => {
    assert.deepEqual(warmedTurns(['A', 'B'], ['latency', 'throughput'], 3), [
      '0 A latency',
      '0 A throughput',
      '0 B latency',
      '0 B throughput',
    ]);
  });

  test('after a training turn the same owner warms its predict modes up again, not the training step', () => {
    assert.deepEqual(warmedTurns(['A'], ['latency', 'throughput', 'train'], 3), [
      '0 A latency',
      '0 A throughput',
      '0 A train',
      '1 A latency',
      '1 A throughput',
      '2 A latency',
      '2 A throughput',
    ]);
  });

  test("one owner's training leaves another owner warm", () => {
    const warmUps = new WarmUpTurns();
    for (const owner of ['resnet18|ConvNet.ts|1', 'resnet18|ConvNet.ts|2']) warmUps.noteRan(owner, 'throughput');
    warmUps.noteRan('resnet18|ConvNet.ts|2', 'train');
    assert.equal(warmUps.needsWarmUp('resnet18|ConvNet.ts|1', 'throughput'), false);
    assert.equal(warmUps.needsWarmUp('resnet18|ConvNet.ts|2', 'throughput'), true);
    assert.equal(warmUps.needsWarmUp('resnet18|ConvNet.ts|2', 'train'), false);
    assert.equal(warmUps.needsWarmUp('mobilenet_v2|ConvNet.ts|2', 'throughput'), true);
  });
});
