// fit's training options on a fixed seeded toy set (8x8 bars, as in training.test.ts): learning-rate
// schedules applied per step, label smoothing in the training loss, the augment hook (called on every
// training batch in place, deterministically, apart from the shuffling), the NaN / Infinity guard
// (NonFiniteLossError, the failing step not applied, moving averages put back) and several callback objects.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  Input,
  MaxPool2D,
  NonFiniteLossError,
  ReLU,
  SGD,
  Sequential,
  Softmax,
  Tensor,
  ValueError,
  stepDecay,
  type TrainBeginInfo,
} from '../../src/index.js';
import { assertClose, barImages } from '../helpers.js';

function barModel(seed: number): Sequential {
  return new Sequential(
    [
      new Input({ shape: [8, 8, 1] }),
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
      new ReLU(),
      new MaxPool2D(),
      new Flatten(),
      new Dense({ units: 3 }),
      new Softmax(),
    ],
    { seed },
  );
}

function copyWeights(model: Sequential): number[][] {
  return model.trainableWeights().map((weight) => Array.from(weight.dataSync()));
}

const TRAIN = barImages(200, 1);

describe('learningRateSchedule: set before every step from optimizer.iterations', () => {
  test('8 steps call the schedule with steps 0..7; a second fit with the same optimizer goes on at 8', () => {
    const optimizer = new SGD({ learningRate: 0.05 });
    const steps: number[] = [];
    const ratesUsed: number[] = [];
    const schedule = (step: number) => {
      steps.push(step);
      return 0.01 * (step + 1);
    };
    const model = barModel(3);
    const history = model.fit(TRAIN.x, TRAIN.labels, {
      epochs: 2,
      batchSize: 50,
      optimizer,
      learningRateSchedule: schedule,
      callbacks: { onBatchEnd: () => ratesUsed.push(optimizer.learningRate) },
    });
    assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6, 7]);
    assertClose(
      ratesUsed,
      [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08],
      { atol: 1e-15, rtol: 0 },
      'rate of each step',
    );
    assertClose(
      history.epochs.map((logs) => logs.learningRate!),
      [0.04, 0.08],
      { atol: 1e-15, rtol: 0 },
      'EpochLogs.learningRate',
    );
    model.fit(TRAIN.x, TRAIN.labels, { epochs: 1, batchSize: 50, optimizer, learningRateSchedule: schedule });
    assert.deepEqual(steps.slice(8), [8, 9, 10, 11]);
    assert.equal(optimizer.iterations, 12);
  });

  test(
    'the schedule is what the optimizer uses: a schedule of 0 leaves the weights, and stepDecay matches ' +
      'setting the rate by hand',
    () => {
      const frozen = barModel(3);
      const before = copyWeights(frozen);
      frozen.fit(TRAIN.x, TRAIN.labels, {
        epochs: 1,
        batchSize: 50,
        optimizer: new SGD({ learningRate: 0.05 }),
        learningRateSchedule: () => 0,
      });
      assert.deepEqual(copyWeights(frozen), before);

      const scheduled = barModel(3);
      scheduled.fit(TRAIN.x, TRAIN.labels, {
        epochs: 2,
        batchSize: 50,
        optimizer: new SGD({ learningRate: 1 }),
        learningRateSchedule: stepDecay({ initialLearningRate: 0.05, decaySteps: 4, decayRate: 0.5 }),
      });
      const byHand = barModel(3);
      const optimizer = new SGD({ learningRate: 0.05 });
      byHand.fit(TRAIN.x, TRAIN.labels, {
        epochs: 2,
        batchSize: 50,
        optimizer,
        callbacks: {
          onEpochBegin: (epoch) => {
            optimizer.learningRate = 0.05 * 0.5 ** (epoch - 1);
          },
        },
      });
      assert.deepEqual(copyWeights(scheduled), copyWeights(byHand));
    },
  );

  test('a schedule giving a negative or NaN rate throws ValueError naming the step', () => {
    assert.throws(
      () =>
        barModel(3).fit(TRAIN.x, TRAIN.labels, {
          epochs: 1,
          batchSize: 50,
          learningRateSchedule: (step) => (step < 2 ? 0.01 : Number.NaN),
        }),
      (error: unknown) =>
        error instanceof ValueError && error.message.includes('fit: learningRateSchedule gave NaN at step 2'),
    );
  });
});

describe('labelSmoothing', () => {
  test('the training loss is the smoothed cross-entropy; valLoss stays plain', () => {
    // Learning rate 0: the weights never move, so the epoch's loss is the smoothed loss of predict's probabilities.
    const model = barModel(4);
    const smoothing = 0.2;
    const probabilities = model.predict(TRAIN.x).dataSync();
    let expected = 0;
    for (let example = 0; example < 200; example++) {
      for (let column = 0; column < 3; column++) {
        const target = (1 - smoothing) * (column === TRAIN.labels[example] ? 1 : 0) + smoothing / 3;
        expected -= target * Math.log(probabilities[example * 3 + column]!);
      }
    }
    expected /= 200;
    const history = model.fit(TRAIN.x, TRAIN.labels, {
      epochs: 1,
      batchSize: 32,
      labelSmoothing: smoothing,
      optimizer: new SGD({ learningRate: 0 }),
      validationData: [TRAIN.x, TRAIN.labels],
    });
    const logs = history.epochs[0]!;
    // float32 logits and log-probabilities: about 1e-7 relative each.
    assertClose([logs.loss], [expected], { atol: 1e-5, rtol: 1e-5 }, 'smoothed training loss');
    assertClose(
      [logs.valLoss!],
      [model.evaluate(TRAIN.x, TRAIN.labels).loss],
      { atol: 0, rtol: 0 },
      'plain validation loss',
    );
    assert.ok(logs.loss > logs.valLoss!, `smoothing adds to the loss: ${logs.loss} vs ${logs.valLoss}`);
  });

  test('labelSmoothing outside [0, 1] throws ValueError', () => {
    assert.throws(
      () => barModel(3).fit(TRAIN.x, TRAIN.labels, { labelSmoothing: -0.1 }),
      /fit: labelSmoothing must be in \[0, 1\], got -0.1/,
    );
  });
});

describe('the augment hook', () => {
  test('called once per training batch with the NHWC batch; validation batches are not augmented', () => {
    const shapes: string[] = [];
    barModel(3).fit(TRAIN.x, TRAIN.labels, {
      epochs: 2,
      batchSize: 64,
      validationSplit: 0.2,
      augment: (batch) => shapes.push(batch.shape.join('x')),
    });
    // 160 training examples in batches of 64: 64, 64, 32, twice
    assert.deepEqual(shapes, ['64x8x8x1', '64x8x8x1', '32x8x8x1', '64x8x8x1', '64x8x8x1', '32x8x8x1']);
  });

  test('changes in place reach the forward pass: zeroed batches give the loss of all-zero images', () => {
    const model = barModel(5);
    const history = model.fit(TRAIN.x, TRAIN.labels, {
      epochs: 1,
      batchSize: 40,
      optimizer: new SGD({ learningRate: 0 }),
      augment: (batch) => batch.dataSync().fill(0),
    });
    const zeros = model.evaluate(Tensor.zeros([200, 8, 8, 1]), TRAIN.labels);
    assertClose([history.epochs[0]!.loss], [zeros.loss], { atol: 1e-6, rtol: 1e-6 }, 'loss of zero images');
  });

  test('the same seed gives the same draws and weights; its generator is apart from the shuffling', () => {
    const run = (seed: number, drawsPerBatch: number) => {
      const draws: number[] = [];
      const firstPixels: number[] = [];
      const model = barModel(3);
      model.fit(TRAIN.x, TRAIN.labels, {
        epochs: 2,
        batchSize: 50,
        seed,
        optimizer: new SGD({ learningRate: 0.05 }),
        augment: (batch, random) => {
          firstPixels.push(batch.dataSync()[0]!);
          for (let draw = 0; draw < drawsPerBatch; draw++) draws.push(random.uniform());
          if (drawsPerBatch > 0) batch.dataSync()[0] = draws[draws.length - 1]!;
        },
      });
      return { draws, firstPixels, weights: copyWeights(model) };
    };
    const first = run(9, 3);
    const second = run(9, 3);
    assert.deepEqual(second, first, 'same seed: same draws, batches and weights');
    assert.notDeepEqual(run(10, 3).draws, first.draws, 'another seed draws other numbers');
    // Drawing (or not) in augment does not change which examples each batch holds.
    assert.deepEqual(run(9, 0).firstPixels, first.firstPixels, 'same shuffling without draws');
  });
});

describe('the NaN / Infinity guard', () => {
  test(
    'a huge learning rate: NonFiniteLossError names the epoch and batch, and the failing step ' + 'is not applied',
    () => {
      const model = barModel(3);
      let weightsAfterLastStep = copyWeights(model);
      let error: unknown = null;
      try {
        model.fit(TRAIN.x, TRAIN.labels, {
          epochs: 3,
          batchSize: 20,
          optimizer: new SGD({ learningRate: 1e6 }),
          callbacks: {
            onBatchEnd: () => {
              weightsAfterLastStep = copyWeights(model);
            },
          },
        });
      } catch (caught) {
        error = caught;
      }
      assert.ok(error instanceof NonFiniteLossError && error instanceof ValueError, `threw ${String(error)}`);
      assert.ok(!Number.isFinite(error.loss));
      assert.match(
        error.message,
        new RegExp(
          `^fit: the loss became ${error.loss} at epoch ${error.epoch}, batch ${error.batch}; the step was not applied`,
        ),
      );
      assert.ok(error.message.includes('Lower the learning rate (now 1000000)'), error.message);
      assert.deepEqual(copyWeights(model), weightsAfterLastStep, 'weights as the last applied step left them');
    },
  );

  test('a NaN in the second batch: moving averages updated by its forward pass are put back too', () => {
    const model = new Sequential(
      [
        new Input({ shape: [8, 8, 1] }),
        new Conv2D({ filters: 4, kernelSize: 3 }),
        new BatchNormalization(),
        new ReLU(),
        new Flatten(),
        new Dense({ units: 3 }),
        new Softmax(),
      ],
      { seed: 3 },
    );
    const x = TRAIN.x.clone();
    x.dataSync()[25 * 64 + 10] = Number.NaN;
    const everything = () => model.namedWeights().map((weight) => Array.from(weight.tensor.dataSync()));
    let afterBatch1: number[][] = [];
    assert.throws(
      () =>
        model.fit(x, TRAIN.labels, {
          epochs: 1,
          batchSize: 20,
          shuffle: false,
          optimizer: new SGD({ learningRate: 0.01 }),
          callbacks: {
            onBatchEnd: () => {
              afterBatch1 = everything();
            },
          },
        }),
      (error: unknown) => error instanceof NonFiniteLossError && error.epoch === 1 && error.batch === 2,
    );
    assert.ok(
      model.namedWeights().some((weight) => !weight.isTrainable),
      'the model has moving averages',
    );
    assert.deepEqual(everything(), afterBatch1, 'weights and moving averages as batch 1 left them');
  });
});

describe('callbacks', () => {
  test(
    'several callback objects are called in order; one returning false stops after the epoch, the ' +
      'others still see it',
    () => {
      const calls: string[] = [];
      let info: TrainBeginInfo | null = null;
      const optimizer = new SGD({ learningRate: 0.05 });
      const model = barModel(3);
      const history = model.fit(TRAIN.x, TRAIN.labels, {
        epochs: 5,
        batchSize: 100,
        optimizer,
        validationSplit: 0.25,
        callbacks: [
          {
            onTrainBegin: (begin) => {
              info = begin;
              calls.push('a begin');
            },
            onEpochEnd: (logs) => {
              calls.push(`a ${logs.epoch}`);
              return logs.epoch < 2;
            },
            onTrainEnd: () => calls.push('a end'),
          },
          {
            onEpochEnd: (logs) => {
              calls.push(`b ${logs.epoch}`);
            },
            onTrainEnd: () => calls.push('b end'),
          },
        ],
      });
      assert.deepEqual(calls, ['a begin', 'a 1', 'b 1', 'a 2', 'b 2', 'a end', 'b end']);
      assert.equal(history.epochs.length, 2);
      const begin = info as TrainBeginInfo | null;
      assert.ok(begin !== null && begin.model === model && begin.optimizer === optimizer);
      assert.deepEqual(
        [begin.examples, begin.validationExamples, begin.batchesPerEpoch, begin.epochs],
        [150, 50, 2, 5],
      );
    },
  );
});
