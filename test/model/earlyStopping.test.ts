// earlyStopping (src/model/earlyStopping.ts): its rule on hand-made epoch logs (losses fall, accuracies
// rise, minDelta, patience), then inside fit: it stops training, and restoreBestWeights puts back the
// weights of the best epoch. Toy set: seeded 8x8 bar images, as in training.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Dense,
  Flatten,
  Input,
  SGD,
  Sequential,
  Softmax,
  ValueError,
  earlyStopping,
  type EarlyStoppingOptions,
  type EpochLogs,
} from '../../src/index.js';
import { barImages } from '../helpers.js';

function denseModel(seed: number): Sequential {
  return new Sequential([new Input({ shape: [8, 8, 1] }), new Flatten(), new Dense({ units: 3 }), new Softmax()], {
    seed,
  });
}

const TRAIN = barImages(120, 1);

/** Feeds `values` of the monitored figure as epochs 1, 2, ...; returns the epochs the callback let run. */
function epochsRun(
  options: EarlyStoppingOptions,
  values: number[],
): { epochs: number; stopper: ReturnType<typeof earlyStopping> } {
  const stopper = earlyStopping(options);
  const model = denseModel(1);
  stopper.onTrainBegin({
    epochs: values.length,
    batchesPerEpoch: 1,
    examples: 1,
    validationExamples: 1,
    model,
    optimizer: new SGD(),
  });
  let epochs = 0;
  for (const [index, value] of values.entries()) {
    epochs++;
    const logs: EpochLogs = {
      epoch: index + 1,
      loss: value,
      accuracy: value,
      valLoss: value,
      valAccuracy: value,
      seconds: 1,
      imagesPerSecond: 1,
    };
    if (!stopper.onEpochEnd(logs)) break;
  }
  return { epochs, stopper };
}

describe('the stopping rule on hand-made logs', () => {
  test('a loss must fall: patience 2 stops at the second epoch in a row without a new best', () => {
    // best 1.0 at epoch 2; epochs 3 and 4 do not beat it
    const { epochs, stopper } = epochsRun({ monitor: 'valLoss', patience: 2 }, [1.2, 1.0, 1.1, 1.0, 0.5]);
    assert.equal(epochs, 4);
    assert.deepEqual([stopper.bestEpoch, stopper.bestValue, stopper.stoppedEpoch], [2, 1.0, 4]);
  });

  test('an accuracy must rise; an improvement resets the count', () => {
    const { epochs, stopper } = epochsRun({ monitor: 'accuracy', patience: 2 }, [0.5, 0.4, 0.6, 0.6, 0.55, 0.9]);
    assert.equal(epochs, 5);
    assert.deepEqual([stopper.bestEpoch, stopper.stoppedEpoch], [3, 5]);
  });

  test('minDelta: a change of at most minDelta is not an improvement', () => {
    // 0.95 is better than 1.0 by 0.05, not by more than 0.1
    assert.equal(epochsRun({ monitor: 'loss', minDelta: 0.1 }, [1.0, 0.95, 0.5]).epochs, 2);
    assert.equal(epochsRun({ monitor: 'loss', minDelta: 0.01 }, [1.0, 0.95, 0.9]).epochs, 3);
  });

  test('patience 0 stops at the first epoch without improvement, as patience 1 does', () => {
    assert.equal(epochsRun({ monitor: 'valAccuracy' }, [0.5, 0.6, 0.6, 0.7]).epochs, 3);
    assert.equal(epochsRun({ monitor: 'valAccuracy', patience: 1 }, [0.5, 0.6, 0.6, 0.7]).epochs, 3);
  });

  test('never stops while the figure keeps improving', () => {
    const { epochs, stopper } = epochsRun({ monitor: 'loss', patience: 1 }, [4, 3, 2, 1]);
    assert.deepEqual([epochs, stopper.stoppedEpoch, stopper.bestEpoch], [4, null, 4]);
  });
});

describe('earlyStopping inside fit', () => {
  test('a loss that never moves (learning rate 0) stops fit after 1 + patience epochs', () => {
    const stopper = earlyStopping({ monitor: 'loss', patience: 2 });
    const history = denseModel(2).fit(TRAIN.x, TRAIN.labels, {
      epochs: 10,
      batchSize: 40,
      shuffle: false,
      optimizer: new SGD({ learningRate: 0 }),
      callbacks: [stopper],
    });
    assert.equal(history.epochs.length, 3);
    assert.deepEqual([stopper.bestEpoch, stopper.stoppedEpoch], [1, 3]);
  });

  test('restoreBestWeights puts back the weights of the best epoch; without it the last ones stay', () => {
    // Epoch 1 trains; then a callback freezes training and flips the sign of the logits, so every later
    // validation loss is worse than epoch 1's and the best weights are those at the end of epoch 1.
    const run = (restoreBestWeights: boolean) => {
      const model = denseModel(3);
      const dense = model.layers[2] as Dense;
      const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
      let afterEpoch1: number[][] = [];
      let flipped: number[][] = [];
      const stopper = earlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights });
      const history = model.fit(TRAIN.x, TRAIN.labels, {
        epochs: 10,
        batchSize: 20,
        optimizer,
        validationData: [TRAIN.x, TRAIN.labels],
        callbacks: [
          {
            onEpochBegin: (epoch) => {
              if (epoch !== 2) return;
              optimizer.learningRate = 0;
              for (const tensor of [dense.kernel!, dense.bias!])
                for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = -tensor.dataSync()[index]!;
              flipped = model.trainableWeights().map((weight) => Array.from(weight.dataSync()));
            },
            onEpochEnd: (logs) => {
              if (logs.epoch === 1)
                afterEpoch1 = model.trainableWeights().map((weight) => Array.from(weight.dataSync()));
            },
          },
          stopper,
        ],
      });
      return {
        history,
        stopper,
        afterEpoch1,
        flipped,
        final: model.trainableWeights().map((weight) => Array.from(weight.dataSync())),
      };
    };
    const restored = run(true);
    assert.equal(restored.history.epochs.length, 3);
    assert.ok(
      restored.history.epochs[1]!.valLoss! > restored.history.epochs[0]!.valLoss!,
      'the flip makes the validation loss worse',
    );
    assert.deepEqual([restored.stopper.bestEpoch, restored.stopper.stoppedEpoch], [1, 3]);
    assert.deepEqual(restored.final, restored.afterEpoch1, 'weights of epoch 1');
    const kept = run(false);
    assert.deepEqual(kept.final, kept.flipped, "the last epoch's weights stay");
    assert.notDeepEqual(kept.final, kept.afterEpoch1);
  });

  test("monitoring 'valLoss' without validation data throws ValueError before any training", () => {
    const model = denseModel(4);
    const before = model.trainableWeights().map((weight) => Array.from(weight.dataSync()));
    assert.throws(
      () => model.fit(TRAIN.x, TRAIN.labels, { epochs: 2, callbacks: [earlyStopping()] }),
      (error: unknown) =>
        error instanceof ValueError && error.message.includes("earlyStopping: monitor 'valLoss' needs validation data"),
    );
    assert.deepEqual(
      model.trainableWeights().map((weight) => Array.from(weight.dataSync())),
      before,
    );
  });

  test('bad options throw ValueError naming the option', () => {
    assert.throws(() => earlyStopping({ patience: -1 }), /earlyStopping: patience must be an integer >= 0, got -1/);
    assert.throws(
      () => earlyStopping({ minDelta: Number.NaN }),
      /earlyStopping: minDelta must be a finite number >= 0, got NaN/,
    );
    assert.throws(
      () => earlyStopping({ monitor: 'val_loss' as 'valLoss' }),
      /monitor must be 'valLoss', 'valAccuracy', 'loss' or 'accuracy', got 'val_loss'/,
    );
  });
});
