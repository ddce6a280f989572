// The optimizer classes (src/optim): each one's step on known values, the state they list and restore
// (getState / setState, for checkpoints), iterations, getConfig and option errors. Weights are float64,
// so the reference kernels run on any backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adagrad, Adam, AdamW, RMSProp, SGD, Tensor, ValueError, type Optimizer } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const FLOAT64 = { atol: 1e-14, rtol: 1e-12 };

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

describe('each optimizer class takes the step of its kernel, with its state kept per weight', () => {
  test('AdamW: step 1 is w (1 - lr * decay) - lr sign(g); its default decay is 0.01', () => {
    const weight = f64Tensor(W0);
    const optimizer = new AdamW({ learningRate: 0.1 });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    // [1 * 0.999 - 0.1, -2 * 0.999 - 0.1], within the epsilon 1e-8 the closed form drops
    assertClose(weight.dataSync(), [0.899, -2.098], { atol: 1e-7, rtol: 0 }, 'AdamW step 1');
    assert.equal(optimizer.className, 'AdamW');
    assert.equal(optimizer.weightDecay, 0.01);
  });

  test('Adam weight decay is L2 (added to the gradient), AdamW weight decay shrinks the weight: they differ', () => {
    const adamWeight = f64Tensor(W0);
    const adamWWeight = f64Tensor(W0);
    new Adam({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([adamWeight], [f64Tensor(G1)]);
    new AdamW({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([adamWWeight], [f64Tensor(G1)]);
    // Adam: g' = g + 0.5 w = [1, -0.75], step 1 moves 0.1 against its sign: [0.9, -1.9]
    assertClose(adamWeight.dataSync(), [0.9, -1.9], { atol: 1e-7, rtol: 0 }, 'Adam L2');
    // AdamW: w (1 - 0.05) - 0.1 sign(g) = [0.85, -2.0]
    assertClose(adamWWeight.dataSync(), [0.85, -2.0], { atol: 1e-7, rtol: 0 }, 'AdamW decoupled');
  });

  test('RMSProp: step 1 is w - lr sign(g) / sqrt(1 - rho); with momentum step 2 adds momentum times step 1', () => {
    const weight = f64Tensor(W0);
    const optimizer = new RMSProp({ learningRate: 0.01, rho: 0.9, momentum: 0.5 });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    // within the epsilon 1e-8 the closed form drops: 1e-8 / (sqrt(0.1) * 0.25) of the step, about 4e-9
    const step = 0.01 / Math.sqrt(0.1);
    assertClose(weight.dataSync(), [1 - step, -2 - step], { atol: 1e-8, rtol: 0 }, 'step 1');
    // Step 2 with g = 0 leaves s at 0.9 s and a plain step of 0: only the momentum 0.5 * b1 moves the weight.
    optimizer.applyGradients([weight], [f64Tensor([0, 0])]);
    assertClose(weight.dataSync(), [1 - 1.5 * step, -2 - 1.5 * step], { atol: 1e-8, rtol: 0 }, 'step 2');
  });

  test('Adagrad: the initial accumulator value fills every buffer', () => {
    const weight = f64Tensor(W0);
    const optimizer = new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1 });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    assertClose(
      weight.dataSync(),
      [1 - 0.05 / Math.sqrt(0.35), -2 - 0.025 / Math.sqrt(0.1625)],
      { atol: 1e-9, rtol: 0 },
      'step 1',
    );
    const state = optimizer.getState([weight]);
    assertClose(state.weights[0]!.buffers.accumulator!, [0.35, 0.1625], FLOAT64, 'accumulator');
  });
});

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

test('option errors name the optimizer, the option and the value', () => {
  assert.throws(() => new RMSProp({ rho: 1 }), /RMSProp rho must be in \[0, 1\), got 1/);
  assert.throws(() => new RMSProp({ momentum: -0.1 }), /RMSProp momentum must be in \[0, 1\), got -0.1/);
  assert.throws(
    () => new Adagrad({ initialAccumulatorValue: -1 }),
    /Adagrad initialAccumulatorValue must be a finite number >= 0, got -1/,
  );
  assert.throws(() => new AdamW({ beta2: 1.5 }), /AdamW beta2 must be in \[0, 1\), got 1.5/);
  assert.deepEqual(new AdamW().getConfig(), {
    learningRate: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0.01,
  });
  assert.deepEqual(new RMSProp().getConfig(), {
    learningRate: 0.01,
    rho: 0.99,
    epsilon: 1e-8,
    momentum: 0,
    centered: false,
    weightDecay: 0,
  });
});
