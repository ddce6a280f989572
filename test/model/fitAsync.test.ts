// Model.fitAsync: fit that yields to the event loop (issue 13, point 5). On the 8x8 bars toy set (as in
// fitOptions.test.ts): a 10 ms timer ticks while fitAsync trains (and not at all during a sync fit:
// the old behaviour), the same seed gives bit-identical weights and history to fit, an AbortSignal
// stops after the current batch (rejecting with AbortError, the batches done kept, resumable from the
// last onEpochEnd state), and async callbacks are awaited one after another in order.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import {
  Conv2D,
  DEFAULT_FIT_YIELD_EVERY_MS,
  Dense,
  Dropout,
  Flatten,
  Input,
  MaxPool2D,
  ReLU,
  SGD,
  Sequential,
  Softmax,
  ValueError,
  type EpochLogs,
  type FitState,
} from '../../src/index.js';
import { barImages } from '../helpers.js';

function barModel(seed: number): Sequential {
  return new Sequential(
    [
      new Input({ shape: [8, 8, 1] }),
      new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }),
      new ReLU(),
      new MaxPool2D(),
      new Flatten(),
      new Dropout({ rate: 0.2 }),
      new Dense({ units: 3 }),
      new Softmax(),
    ],
    { seed },
  );
}

function copyWeights(model: Sequential): number[][] {
  return model.trainableWeights().map((weight) => Array.from(weight.dataSync()));
}

/** History without the timings (seconds, imagesPerSecond), which differ from run to run. */
function figures(epochs: readonly EpochLogs[]): unknown[] {
  return epochs.map(({ seconds: _seconds, imagesPerSecond: _rate, ...rest }) => rest);
}

const TRAIN = barImages(240, 1);

/** Counts the ticks of a 10 ms interval while `run` goes on; elapsed in ms. */
async function ticksDuring(run: () => unknown): Promise<{ ticks: number; elapsedMs: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  try {
    await run();
    const elapsedMs = performance.now() - started;
    // Read before this function awaits anything: a sync fit gives the timer no turn at all.
    return { ticks, elapsedMs };
  } finally {
    clearInterval(timer);
  }
}

describe('fitAsync yields to the event loop', () => {
  test('a 10 ms timer ticks during a fitAsync of 600 steps (at least a quarter of elapsed / 10 ms)', async () => {
    const model = barModel(1);
    let steps = 0;
    const { ticks, elapsedMs } = await ticksDuring(() =>
      model.fitAsync(TRAIN.x, TRAIN.labels, {
        epochs: 20,
        batchSize: 8,
        optimizer: new SGD({ learningRate: 0.05 }),
        callbacks: { onBatchEnd: () => void steps++ },
      }),
    );
    assert.equal(steps, 600);
    // Yielding every 16 ms gives about elapsed / 16 ticks (Node does not catch up missed ticks).
    assert.ok(ticks >= Math.floor(elapsedMs / 10 / 4), `${ticks} ticks in ${elapsedMs.toFixed(1)} ms`);
  });

  test('the same fit done synchronously gives the timer 0 ticks (the old behaviour fitAsync fixes)', async () => {
    const model = barModel(1);
    const { ticks, elapsedMs } = await ticksDuring(() =>
      model.fit(TRAIN.x, TRAIN.labels, { epochs: 20, batchSize: 8, optimizer: new SGD({ learningRate: 0.05 }) }),
    );
    assert.ok(elapsedMs >= 10, `took ${elapsedMs.toFixed(1)} ms: too short for a tick to be due`);
    assert.equal(ticks, 0);
  });

  test('the default time between yields is 16 ms; yieldEveryMs must be a number >= 0', async () => {
    assert.equal(DEFAULT_FIT_YIELD_EVERY_MS, 16);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(
        barModel(1).fitAsync(TRAIN.x, TRAIN.labels, { yieldEveryMs: bad }),
        (error: unknown) =>
          error instanceof ValueError && /yieldEveryMs must be a number of milliseconds >= 0/.test(error.message),
      );
    }
  });
});

describe('fitAsync runs the steps of fit', () => {
  test(
    "weights and history equal fit's bit for bit (shuffle, Dropout, validation split, yielding " + 'after every batch)',
    async () => {
      const options = { epochs: 3, batchSize: 16, validationSplit: 0.2, seed: 7 };
      const synchronous = barModel(2);
      const syncHistory = synchronous.fit(TRAIN.x, TRAIN.labels, {
        ...options,
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      });
      const asynchronous = barModel(2);
      const asyncHistory = await asynchronous.fitAsync(TRAIN.x, TRAIN.labels, {
        ...options,
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
        yieldEveryMs: 0,
      });
      assert.deepEqual(copyWeights(asynchronous), copyWeights(synchronous));
      assert.notDeepEqual(copyWeights(asynchronous), copyWeights(barModel(2)));
      assert.deepEqual(figures(asyncHistory.epochs), figures(syncHistory.epochs));
      assert.equal(asyncHistory.epochs.length, 3);
    },
  );

  test('errors of fit reject the promise (bad options)', async () => {
    await assert.rejects(barModel(1).fitAsync(TRAIN.x, TRAIN.labels, { batchSize: 0 }), ValueError);
  });
});

describe('fitAsync stops on an AbortSignal after the current batch', () => {
  test(
    'abort in onBatchEnd of batch 5: rejects with AbortError, exactly 5 batches ran, ' + 'their weights kept',
    async () => {
      const controller = new AbortController();
      const model = barModel(3);
      let batches = 0;
      let trainEnded = false;
      await assert.rejects(
        model.fitAsync(TRAIN.x, TRAIN.labels, {
          epochs: 2,
          batchSize: 16,
          optimizer: new SGD({ learningRate: 0.05 }),
          signal: controller.signal,
          callbacks: {
            onBatchEnd: () => {
              if (++batches === 5) controller.abort();
            },
            onTrainEnd: () => {
              trainEnded = true;
            },
          },
        }),
        (error: unknown) => error instanceof Error && error.name === 'AbortError',
      );
      assert.equal(batches, 5);
      assert.equal(trainEnded, false);
      // The weights are those of a sync fit stopped after 5 batches (by a throwing callback).
      const reference = barModel(3);
      assert.throws(
        () =>
          reference.fit(TRAIN.x, TRAIN.labels, {
            epochs: 2,
            batchSize: 16,
            optimizer: new SGD({ learningRate: 0.05 }),
            callbacks: {
              onBatchEnd: (progress) => {
                if (progress.batch === 5) throw new Error('stop');
              },
            },
          }),
        /stop/,
      );
      assert.deepEqual(copyWeights(model), copyWeights(reference));
    },
  );

  test(
    'an abort from elsewhere (a timer) stops within a batch: the batch count is the one at the abort, ' +
      'plus at most 1',
    async () => {
      const controller = new AbortController();
      let batches = 0;
      let batchesAtAbort = -1;
      const pending = barModel(3).fitAsync(TRAIN.x, TRAIN.labels, {
        epochs: 200,
        batchSize: 4,
        yieldEveryMs: 0,
        signal: controller.signal,
        callbacks: { onBatchEnd: () => void batches++ },
      });
      setTimeout(() => {
        batchesAtAbort = batches;
        controller.abort();
      }, 30);
      await assert.rejects(pending, { name: 'AbortError' });
      assert.ok(batchesAtAbort >= 1 && batchesAtAbort < 200 * 60);
      assert.ok(
        batches === batchesAtAbort || batches === batchesAtAbort + 1,
        `${batches} batches, ${batchesAtAbort} at the abort`,
      );
    },
  );

  test(
    "the signal's reason is the rejection; a signal aborted before the fit runs no batch and " + 'changes no weight',
    async () => {
      const reason = new Error('user cancelled');
      const controller = new AbortController();
      controller.abort(reason);
      const model = barModel(4);
      const before = copyWeights(model);
      let batches = 0;
      await assert.rejects(
        model.fitAsync(TRAIN.x, TRAIN.labels, {
          signal: controller.signal,
          callbacks: { onBatchEnd: () => void batches++ },
        }),
        (error: unknown) => error === reason,
      );
      assert.equal(batches, 0);
      assert.deepEqual(copyWeights(model), before);
    },
  );

  test(
    'an aborted fit resumes from the FitState and weights of its last onEpochEnd, as if it ' + 'had not stopped',
    async () => {
      const options = { epochs: 3, batchSize: 16, seed: 5 };
      const straight = barModel(6);
      const straightHistory = straight.fit(TRAIN.x, TRAIN.labels, {
        ...options,
        optimizer: new SGD({ learningRate: 0.05 }),
      });

      const model = barModel(6);
      const controller = new AbortController();
      let saved: { state: FitState; weights: number[][] } | undefined;
      await assert.rejects(
        model.fitAsync(TRAIN.x, TRAIN.labels, {
          ...options,
          optimizer: new SGD({ learningRate: 0.05 }),
          signal: controller.signal,
          callbacks: {
            onEpochEnd: (_logs, state) => {
              saved = { state, weights: copyWeights(model) };
            },
            onBatchEnd: (progress) => {
              if (progress.epoch === 2 && progress.batch === 7) controller.abort();
            },
          },
        }),
        { name: 'AbortError' },
      );
      assert.equal(saved?.state.epoch, 1);
      model.trainableWeights().forEach((weight, index) => {
        weight.dataSync().set(saved!.weights[index]!);
      });
      const resumed = await model.fitAsync(TRAIN.x, TRAIN.labels, {
        ...options,
        optimizer: new SGD({ learningRate: 0.05 }),
        resume: saved.state,
      });
      assert.deepEqual(copyWeights(model), copyWeights(straight));
      assert.deepEqual(figures(resumed.epochs), figures(straightHistory.epochs));
    },
  );
});

describe('fitAsync awaits async callbacks', () => {
  test(
    "each callback's promise is awaited before the next callback and the next batch, in " + 'the order given',
    async () => {
      const events: string[] = [];
      const logger = (name: string) => ({
        onEpochBegin: async (epoch: number) => {
          events.push(`${name} begin ${epoch}`);
          await nextTurn();
          events.push(`${name} begun ${epoch}`);
        },
        onBatchEnd: async (progress: { epoch: number; batch: number }) => {
          events.push(`${name} start ${progress.epoch}.${progress.batch}`);
          await sleep(1);
          events.push(`${name} end ${progress.epoch}.${progress.batch}`);
        },
      });
      await barModel(1).fitAsync(TRAIN.x, TRAIN.labels, {
        epochs: 2,
        batchSize: 80,
        callbacks: [logger('a'), logger('b')],
      });
      const expected: string[] = [];
      for (const epoch of [1, 2]) {
        expected.push(`a begin ${epoch}`, `a begun ${epoch}`, `b begin ${epoch}`, `b begun ${epoch}`);
        for (const batch of [1, 2, 3]) {
          for (const name of ['a', 'b'])
            expected.push(`${name} start ${epoch}.${batch}`, `${name} end ${epoch}.${batch}`);
        }
      }
      assert.deepEqual(events, expected);
    },
  );

  test(
    'an async onEpochEnd resolving to false stops after that epoch; onTrainEnd is awaited before the ' +
      'promise resolves',
    async () => {
      let trainEnded = false;
      const history = await barModel(1).fitAsync(TRAIN.x, TRAIN.labels, {
        epochs: 5,
        batchSize: 80,
        callbacks: {
          onEpochEnd: async (logs) => {
            await sleep(1);
            return logs.epoch < 2;
          },
          onTrainEnd: async () => {
            await sleep(1);
            trainEnded = true;
          },
        },
      });
      assert.equal(history.epochs.length, 2);
      assert.equal(trainEnded, true);
    },
  );
});
