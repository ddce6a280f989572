// Training smoke test on a fixed seeded toy set (8x8 bars: horizontal, vertical, diagonal, with noise):
// a few SGD steps must lower the loss and classify well (convnetjs). Also determinism, evaluate on
// hand-computed predictions, predict, summary(), validation split and the NaN/Infinity loss guard.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Flatten,
  Input,
  MaxPool2D,
  ReLU,
  Sequential,
  SGD,
  Softmax,
  Tensor,
  ValueError,
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

const TRAIN = barImages(200, 1);
const FIT_OPTIONS = { epochs: 2, batchSize: 20 } as const;

describe('training smoke test on 200 seeded 8x8 bar images', () => {
  test(
    '20 steps of SGD with momentum lower the loss by more than half and reach 90% accuracy, also ' + 'on unseen images',
    () => {
      const model = barModel(3);
      const before = model.evaluate(TRAIN.x, TRAIN.labels);
      const history = model.fit(TRAIN.x, TRAIN.labels, {
        ...FIT_OPTIONS,
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      });
      const after = model.evaluate(TRAIN.x, TRAIN.labels);
      assert.equal(history.epochs.length, 2);
      assert.ok(
        history.epochs[1]!.loss < history.epochs[0]!.loss,
        `epoch losses ${history.epochs.map((logs) => logs.loss)}`,
      );
      assert.ok(after.loss < 0.5 * before.loss, `loss ${before.loss} -> ${after.loss}, expected below half`);
      assert.ok(after.accuracy >= 0.9, `training accuracy ${after.accuracy} < 0.9 (was ${before.accuracy})`);
      const unseen = barImages(90, 2);
      const test = model.evaluate(unseen.x, unseen.labels);
      assert.ok(test.accuracy >= 0.9, `accuracy on unseen images ${test.accuracy} < 0.9`);
    },
  );

  test('two fits from the same seed give bit-identical losses and weights; another seed differs', () => {
    const fit = (seed: number) => {
      const model = barModel(seed);
      const history = model.fit(TRAIN.x, TRAIN.labels, {
        ...FIT_OPTIONS,
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      });
      return {
        losses: history.epochs.map((logs) => logs.loss),
        weights: model.trainableWeights().map((weight) => Array.from(weight.dataSync())),
      };
    };
    const first = fit(5);
    const second = fit(5);
    assert.deepEqual(second.losses, first.losses, 'losses (exact)');
    assert.deepEqual(second.weights, first.weights, 'weights (exact)');
    assert.notDeepEqual(fit(6).weights, first.weights, 'a different seed gives different weights');
  });

  test('validationSplit 0.2 holds out the last 40 examples and reports valLoss and valAccuracy', () => {
    const model = barModel(3);
    const seenCounts: number[] = [];
    const history = model.fit(TRAIN.x, TRAIN.labels, {
      ...FIT_OPTIONS,
      optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      validationSplit: 0.2,
      callbacks: { onTrainBegin: (info) => seenCounts.push(info.examples) },
    });
    assert.deepEqual(seenCounts, [160]);
    for (const logs of history.epochs) {
      assert.ok(Number.isFinite(logs.valLoss), `valLoss ${logs.valLoss}`);
      assert.ok(
        logs.valAccuracy !== undefined && logs.valAccuracy >= 0 && logs.valAccuracy <= 1,
        `valAccuracy ${logs.valAccuracy}`,
      );
    }
    // The last epoch's validation figures are those of evaluate on the held-out examples after training.
    const heldOut = Tensor.fromArray(TRAIN.x.dataSync().subarray(160 * 64), [40, 8, 8, 1]);
    const expected = model.evaluate(heldOut, TRAIN.labels.slice(160));
    const last = history.epochs[history.epochs.length - 1]!;
    assertClose(
      [last.valLoss!, last.valAccuracy!],
      [expected.loss, expected.accuracy],
      { atol: 0, rtol: 0 },
      'validation figures',
    );
  });

  test('fit without validation data reports no valLoss', () => {
    const history = barModel(3).fit(TRAIN.x, TRAIN.labels, { epochs: 1, batchSize: 50 });
    assert.equal(history.epochs[0]!.valLoss, undefined);
    assert.equal(history.epochs[0]!.valAccuracy, undefined);
  });

  test('predict gives [count, 3] rows that sum to 1 (within 1e-6), in batches or all at once', () => {
    const model = barModel(3);
    const probabilities = model.predict(TRAIN.x, { batchSize: 64 });
    assert.deepEqual(probabilities.shape, [200, 3]);
    const sums = Array.from(
      { length: 200 },
      (_, row) =>
        probabilities.dataSync()[row * 3]! +
        probabilities.dataSync()[row * 3 + 1]! +
        probabilities.dataSync()[row * 3 + 2]!,
    );
    assertClose(sums, new Array<number>(200).fill(1), { atol: 1e-6, rtol: 0 }, 'row sums');
    assertClose(
      model.predict(TRAIN.x).dataSync(),
      probabilities.dataSync(),
      { atol: 0, rtol: 0 },
      'batch size does not matter',
    );
  });
});

describe('the loss guard: fit throws a clear ValueError when the loss becomes NaN or Infinity', () => {
  test('a huge learning rate', () => {
    assert.throws(
      () => barModel(3).fit(TRAIN.x, TRAIN.labels, { ...FIT_OPTIONS, optimizer: new SGD({ learningRate: 1e6 }) }),
      (error: unknown) =>
        error instanceof ValueError &&
        /fit: the loss became (NaN|Infinity|-Infinity) at epoch \d+, batch \d+/.test(error.message) &&
        error.message.includes('1000000'),
    );
  });

  test('an input containing NaN stops at the first batch', () => {
    const x = TRAIN.x.clone();
    x.dataSync()[5] = Number.NaN;
    assert.throws(
      () => barModel(3).fit(x, TRAIN.labels, { epochs: 1, batchSize: 20, shuffle: false }),
      (error: unknown) =>
        error instanceof ValueError && error.message.includes('the loss became NaN at epoch 1, batch 1'),
    );
  });
});

describe('evaluate on known predictions', () => {
  // Input [2] -> Dense 2 with identity kernel and zero bias -> Softmax, so the logits are the inputs.
  function identityModel(): Sequential {
    const model = new Sequential([new Input({ shape: [2] }), new Dense({ units: 2 }), new Softmax()], {
      dtype: 'float64',
    });
    const dense = model.layers[1] as Dense;
    dense.kernel!.dataSync().set([1, 0, 0, 1]);
    dense.bias!.dataSync().fill(0);
    return model;
  }

  test('loss is the mean of -log softmax at the label, accuracy the share of argmax hits', () => {
    // rows (logits, label): ([2, 0], 0) -> log(1 + e^-2), right; ([0, 1], 0) -> log(1 + e^1), wrong; ([1, 3], 1) ->
    // log(1 + e^-2), right
    const x = Tensor.fromArray([2, 0, 0, 1, 1, 3], [3, 2], 'float64');
    const result = identityModel().evaluate(x, [0, 0, 1], { batchSize: 2 });
    const expectedLoss = (2 * Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.E)) / 3;
    assertClose(
      [result.loss, result.accuracy],
      [expectedLoss, 2 / 3],
      { atol: 1e-14, rtol: 1e-12 },
      'loss and accuracy',
    );
  });

  test('target probabilities as labels: cross-entropy with soft targets, accuracy by their argmax', () => {
    // row 0 logits [2, 0], targets [0.75, 0.25]: loss = -0.75 log p0 - 0.25 log p1 = log(1 + e^-2) + 0.25 * 2
    const x = Tensor.fromArray([2, 0], [1, 2], 'float64');
    const result = identityModel().evaluate(x, Tensor.fromArray([0.75, 0.25], [1, 2], 'float64'));
    assertClose(
      [result.loss, result.accuracy],
      [Math.log(1 + Math.exp(-2)) + 0.5, 1],
      { atol: 1e-14, rtol: 1e-12 },
      'soft targets',
    );
  });

  test('predict of the identity model is softmax of the inputs', () => {
    const probabilities = identityModel().predict(Tensor.fromArray([0, 0, 0, Math.LN2], [2, 2], 'float64'));
    assertClose(probabilities.dataSync(), [0.5, 0.5, 1 / 3, 2 / 3], { atol: 1e-15, rtol: 1e-12 }, 'softmax rows');
  });
});

describe('summary()', () => {
  // Conv2D 5x5, 1 -> 8: 5*5*1*8 + 8 = 208 parameters, 28*28*8 * 25 = 156,800 multiply-adds.
  // Conv2D 1x1, 8 -> 4 on 14x14: 8*4 + 4 = 36 parameters, 14*14*4 * 8 = 6,272 multiply-adds.
  // Dense 784 -> 10: 784*10 + 10 = 7,850 parameters, 7,840 multiply-adds. Totals 8,094 and 170,912.
  const model = new Sequential([
    new Input({ shape: [28, 28, 1], name: 'image' }),
    new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', name: 'conv5' }),
    new ReLU({ name: 'relu' }),
    new MaxPool2D({ name: 'pool' }),
    new Conv2D({ filters: 4, kernelSize: 1, name: 'conv1' }),
    new Flatten({ name: 'flat' }),
    new Dense({ units: 10, name: 'logits' }),
    new Softmax({ name: 'probabilities' }),
  ]);

  test('summaryData rows: output shapes, parameter counts, multiply-adds and formulas worked by hand', () => {
    const summary = model.summaryData();
    assert.deepEqual(
      summary.rows.map((row) => [row.name, row.className, row.outputShape.join('x'), row.parameters, row.multiplyAdds]),
      [
        ['image', 'Input', '28x28x1', 0, 0],
        ['conv5', 'Conv2D', '28x28x8', 208, 156_800],
        ['relu', 'ReLU', '28x28x8', 0, 0],
        ['pool', 'MaxPool2D', '14x14x8', 0, 0],
        ['conv1', 'Conv2D', '14x14x4', 36, 6_272],
        ['flat', 'Flatten', '784', 0, 0],
        ['logits', 'Dense', '10', 7_850, 7_840],
        ['probabilities', 'Softmax', '10', 0, 0],
      ],
    );
    assert.equal(summary.totalParameters, 8_094);
    assert.equal(summary.totalMultiplyAdds, 170_912);
    assert.equal(summary.rows[1]!.shapeNote, '(28 - 5 + 2*2) / 1 + 1 = 28');
    assert.equal(summary.rows[3]!.shapeNote, '(28 - 2 + 2*0) / 2 + 1 = 14');
    assert.equal(summary.rows[5]!.shapeNote, '14 * 14 * 4 = 784');
  });

  test('the printed table lists every layer with its shape, counts and the formula column', () => {
    const text = model.summary();
    assert.ok(text.includes('(W - K + 2P) / S + 1'), text);
    for (const fragment of [
      'image (Input)',
      'conv5 (Conv2D)',
      '28x28x8',
      '208',
      '156,800',
      'pool (MaxPool2D)',
      '14x14x8',
      'flat (Flatten)',
      '784',
      'logits (Dense)',
      '7,850',
      'probabilities (Softmax)',
      'Total params: 8,094',
      '170,912',
      '(28 - 5 + 2*2) / 1 + 1 = 28',
    ]) {
      assert.ok(text.includes(fragment), `summary lacks "${fragment}":\n${text}`);
    }
    const conv5Line = text.split('\n').find((line) => line.startsWith('conv5 (Conv2D)'));
    assert.ok(
      conv5Line !== undefined && /28x28x8\s+208\s+156,800\s+\(28 - 5/.test(conv5Line),
      `conv5 row: ${conv5Line}`,
    );
  });

  test('a rectangular, strided layer shows the formula per axis', () => {
    const strided = new Sequential([
      new Input({ shape: [7, 5, 3] }),
      new Conv2D({ filters: 2, kernelSize: [3, 2], strides: [2, 1], name: 'c' }),
    ]);
    // H: (7 - 3 + 0) / 2 + 1 = 3; W: (5 - 2 + 0) / 1 + 1 = 4
    assert.equal(
      strided.summaryData().rows[1]!.shapeNote,
      'H: (7 - 3 + 2*0) / 2 + 1 = 3; W: (5 - 2 + 2*0) / 1 + 1 = 4',
    );
    assert.deepEqual(strided.outputShape, [3, 4, 2]);
  });
});
