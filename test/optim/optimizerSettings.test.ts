// Optimizers made again from their settings (src/optim/optimizerSettings.ts): every built-in class comes
// back with the same getConfig, clipping included; unknown classes and options, options of the wrong
// type and out-of-range values are ValueErrors naming them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adagrad, Adam, AdamW, RMSProp, SGD, ValueError } from '../../src/index.js';
import { OPTIMIZER_OPTIONS, optimizerFromConfig } from '../../src/optim/optimizerSettings.js';
import { assertThrowsWith } from '../helpers.js';

test('each built-in optimizer comes back from its class name and getConfig with the same settings', () => {
  const optimizers = [
    new SGD({ learningRate: 0.2, momentum: 0.9, nesterov: true, clipNorm: 5 }),
    new Adam({ beta1: 0.8, weightDecay: 0.001 }),
    new AdamW({ learningRate: 0.003, clipValue: 0.5 }),
    new RMSProp({ rho: 0.9, momentum: 0.5, centered: true }),
    new Adagrad({ initialAccumulatorValue: 0.1, epsilon: 1e-6 }),
  ];
  assert.deepEqual(
    optimizers.map((optimizer) => optimizer.className),
    Object.keys(OPTIMIZER_OPTIONS),
  );
  for (const optimizer of optimizers) {
    const copy = optimizerFromConfig(optimizer.className, optimizer.getConfig());
    assert.equal(copy.className, optimizer.className);
    assert.deepEqual(copy.getConfig(), optimizer.getConfig(), optimizer.className);
  }
  assert.deepEqual(optimizerFromConfig('SGD', {}).getConfig(), new SGD().getConfig(), 'missing options: defaults');
});

test('an unknown class or option, a wrong type or a value out of range is a ValueError naming it', () => {
  assertThrowsWith(
    () => optimizerFromConfig('Lion', {}),
    ValueError,
    "no built-in optimizer is called 'Lion' (known: SGD, Adam, AdamW, RMSProp, Adagrad)",
  );
  assertThrowsWith(() => optimizerFromConfig('toString', {}), ValueError, "no built-in optimizer is called 'toString'");
  assertThrowsWith(
    () => optimizerFromConfig('SGD', { beta1: 0.9 }),
    ValueError,
    "SGD has no option 'beta1' (it takes learningRate, momentum, nesterov, weightDecay, clipNorm, clipValue)",
  );
  assertThrowsWith(
    () => optimizerFromConfig('RMSProp', { centered: 1 }),
    ValueError,
    'RMSProp centered must be a boolean, got 1',
  );
  assertThrowsWith(() => optimizerFromConfig('Adam', { beta2: 1 }), ValueError, 'Adam beta2 must be in [0, 1), got 1');
});
