// Optimizer state (src/optim/optimizerState.ts, shared by every optimizer class): the buffers and steps
// each optimizer lists and restores (getState / setState, for checkpoints), iterations, and the checks
// that weights, gradients and a restored state pair up. Each optimizer's own step is in its own file
// (sgd, adam, adamW, rmsProp, adagrad). Weights are float64, so the reference kernels run on any backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adagrad, Adam, AdamW, RMSProp, SGD, Tensor, ValueError, type Optimizer } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

describe('optimizer state: listing and restoring it continues training exactly', () => {
  const makers: [string, () => Optimizer, string[]][] = [
    ['SGD', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), ['velocity']],
    ['Adam', () => new Adam({ learningRate: 0.1 }), ['firstMoment', 'secondMoment']],
    ['AdamW', () => new AdamW({ learningRate: 0.1 }), ['firstMoment', 'secondMoment']],
    [
      'RMSProp',
      () => new RMSProp({ momentum: 0.9, centered: true }),
      ['gradientAverage', 'momentumBuffer', 'squareAverage'],
    ],
    ['RMSProp plain', () => new RMSProp(), ['squareAverage']],
    ['Adagrad', () => new Adagrad({ initialAccumulatorValue: 0.1 }), ['accumulator']],
  ];
  for (const [name, make, bufferNames] of makers) {
    test(
      `${name}: getState lists ${bufferNames.join(', ')} and the steps; setState on a new optimizer ` +
        `gives the same third step`,
      () => {
        const weights = [f64Tensor(W0), f64Tensor([0.5, 0.25, -0.125])];
        const gradientsAt = (step: number) => [
          f64Tensor([G1[0]! * step, G2[1]! - step]),
          f64Tensor([0.1 * step, -0.2, 0.3]),
        ];
        const original = make();
        const unused = f64Tensor([7]);
        assert.deepEqual(original.getState([weights[0]!]), { iterations: 0, weights: [null] });
        original.applyGradients(weights, gradientsAt(1));
        original.applyGradients(weights, gradientsAt(2));
        const state = original.getState([...weights, unused]);
        assert.equal(original.iterations, 2);
        assert.equal(state.iterations, 2);
        assert.equal(state.weights[2], null, 'a weight never updated has no state');
        for (const entry of state.weights.slice(0, 2)) {
          assert.equal(entry!.step, 2);
          assert.deepEqual(Object.keys(entry!.buffers).sort(), bufferNames);
        }
        const copies = weights.map((weight) => weight.clone());
        const restored = make();
        restored.setState(copies, { iterations: state.iterations, weights: state.weights.slice(0, 2) });
        assert.equal(restored.iterations, 2);
        original.applyGradients(weights, gradientsAt(3));
        restored.applyGradients(copies, gradientsAt(3));
        weights.forEach((weight, index) => {
          assertClose(
            copies[index]!.dataSync(),
            weight.dataSync(),
            { atol: 0, rtol: 0 },
            `weight ${index} after step 3`,
          );
        });
        // getState hands out copies: changing them leaves the optimizer alone.
        state.weights[0]!.buffers[bufferNames[0]!]!.fill(123);
        assert.notEqual(original.getState(weights).weights[0]!.buffers[bufferNames[0]!]![0], 123);
      },
    );
  }

  test('setState refuses a state of another optimizer or of other weights', () => {
    const weight = f64Tensor(W0);
    const adam = new Adam();
    adam.applyGradients([weight], [f64Tensor(G1)]);
    const state = adam.getState([weight]);
    assert.throws(
      () => new SGD().setState([weight], state),
      (error: unknown) =>
        error instanceof ValueError &&
        /SGD setState: weight 0 has buffers \[firstMoment, secondMoment\] but this optimizer keeps \[velocity\]/.test(
          error.message,
        ),
    );
    assert.throws(
      () => new Adam().setState([f64Tensor([1, 2, 3])], state),
      /Adam setState: buffer 'firstMoment' of weight 0 has 2 values, the weight 3/,
    );
    assert.throws(() => new Adam().setState([weight, weight], state), /the state has 1 weights but 2 were given/);
  });

  test('applyGradients checks that weights and gradients pair up', () => {
    assert.throws(() => new SGD().applyGradients([f64Tensor(W0)], []), /SGD applyGradients: 1 weights but 0 gradients/);
    assert.throws(
      () => new RMSProp().applyGradients([f64Tensor(W0)], [f64Tensor([1])]),
      /RMSProp applyGradients: weight 0 is 2 float64 values but its gradient 1 float64/,
    );
  });
});
