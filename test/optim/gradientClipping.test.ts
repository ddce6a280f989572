// Gradient clipping (src/optim/gradientClipping.ts, the optimizer options clipNorm and clipValue): the
// global norm, clipping by norm and by value on known values, the same for every optimizer, a NaN
// gradient refused, and the options in getConfig. Weights are float64.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adagrad, Adam, AdamW, RMSProp, SGD, Tensor, ValueError, gradientNorm } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const FLOAT64 = { atol: 1e-14, rtol: 1e-12 };

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];

describe('gradient clipping (optimizer options clipNorm and clipValue)', () => {
  test('gradientNorm is the L2 norm of all gradients together: |[3], [4]| = 5', () => {
    assert.equal(gradientNorm([f64Tensor([3]), f64Tensor([4])]), 5);
  });

  test('clipNorm 1 scales the gradients [3] and [4] (global norm 5) to [0.6] and [0.8]', () => {
    const weights = [f64Tensor([0]), f64Tensor([0])];
    new SGD({ learningRate: 1, clipNorm: 1 }).applyGradients(weights, [f64Tensor([3]), f64Tensor([4])]);
    assertClose([weights[0]!.dataSync()[0]!, weights[1]!.dataSync()[0]!], [-0.6, -0.8], FLOAT64, 'weights');
  });

  test('clipNorm above the norm changes nothing', () => {
    const weights = [f64Tensor([0, 0])];
    new SGD({ learningRate: 1, clipNorm: 5 }).applyGradients(weights, [f64Tensor([3, 4])]);
    assertClose(weights[0]!.dataSync(), [-3, -4], { atol: 0, rtol: 0 }, 'weights');
  });

  test(
    'clipValue 0.5 clamps each value; with clipNorm 2.5 the norm comes first: [3, -4] -> [1.5, -2] ' + '-> [0.5, -0.5]',
    () => {
      const clamped = f64Tensor([0, 0, 0]);
      new SGD({ learningRate: 1, clipValue: 0.5 }).applyGradients([clamped], [f64Tensor([3, -4, 0.25])]);
      assertClose(clamped.dataSync(), [-0.5, 0.5, -0.25], { atol: 0, rtol: 0 }, 'clipValue');
      const both = f64Tensor([0, 0]);
      new SGD({ learningRate: 1, clipNorm: 2.5, clipValue: 1.6 }).applyGradients([both], [f64Tensor([3, -4])]);
      assertClose(both.dataSync(), [-1.5, 1.6], FLOAT64, 'clipNorm then clipValue');
    },
  );

  test('clipping works the same for every optimizer: Adam with clipValue sees the clamped gradient', () => {
    const clipped = f64Tensor([0]);
    const byHand = f64Tensor([0]);
    new Adam({ learningRate: 0.1, clipValue: 0.5, beta1: 0.5 }).applyGradients([clipped], [f64Tensor([-3])]);
    new Adam({ learningRate: 0.1, beta1: 0.5 }).applyGradients([byHand], [f64Tensor([-0.5])]);
    assertClose(clipped.dataSync(), byHand.dataSync(), { atol: 0, rtol: 0 }, 'weights');
  });

  test('a NaN gradient with clipNorm throws ValueError and applies nothing', () => {
    const weight = f64Tensor(W0);
    const optimizer = new AdamW({ clipNorm: 1 });
    assert.throws(
      () => optimizer.applyGradients([weight], [f64Tensor([Number.NaN, 1])]),
      (error: unknown) =>
        error instanceof ValueError &&
        error.message.includes("AdamW applyGradients: the gradients' global norm is NaN") &&
        error.message.includes('weights unchanged'),
    );
    assertClose(weight.dataSync(), W0, { atol: 0, rtol: 0 }, 'weights unchanged');
    assert.equal(optimizer.iterations, 0);
    assert.deepEqual(optimizer.getState([weight]).weights, [null]);
  });

  test('getConfig records clipping; bad bounds throw ValueError naming the option', () => {
    assert.deepEqual(new SGD({ clipNorm: 1 }).getConfig(), {
      learningRate: 0.01,
      momentum: 0,
      nesterov: false,
      weightDecay: 0,
      clipNorm: 1,
    });
    assert.deepEqual(new Adagrad({ clipValue: 2 }).getConfig(), {
      learningRate: 0.01,
      initialAccumulatorValue: 0,
      epsilon: 1e-10,
      weightDecay: 0,
      clipValue: 2,
    });
    assert.throws(() => new Adam({ clipNorm: 0 }), /Adam clipNorm must be a finite number > 0, got 0/);
    assert.throws(
      () => new RMSProp({ clipValue: Number.NaN }),
      /RMSProp clipValue must be a finite number > 0, got NaN/,
    );
  });
});
