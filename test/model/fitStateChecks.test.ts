// Field-by-field checks of a saved fit state (src/model/fitStateChecks.ts): a valid state is copied with
// unknown fields dropped and JSON's null read as NaN; each bad field is named with what it must be and
// what it is. The failure callback here throws an Error of "field: detail", as checkpoints' does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFitState, checkWholeNumber, describeValue, type Fail } from '../../src/model/fitStateChecks.js';

const fail: Fail = (field, detail) => {
  throw new Error(`${field}: ${detail}`);
};

function validState(): Record<string, unknown> {
  const logs = (epoch: number) => ({ epoch, loss: 0.5, accuracy: 0.8, seconds: 1, imagesPerSecond: 100 });
  return {
    epoch: 2,
    random: { shuffle: [1, 2, 3, 4, null], augment: [5, 6, 7, 8, 0.25], layers: [0, 0, 0, 9, null] },
    order: [2, 0, 1],
    history: [logs(1), { ...logs(2), valLoss: null, note: 'dropped' }],
    extra: 'dropped',
  };
}

test('a valid state is copied: unknown fields dropped, null (JSON for NaN) read as NaN', () => {
  const state = checkFitState(validState(), 'fit', fail);
  assert.deepEqual(Object.keys(state).sort(), ['epoch', 'history', 'order', 'random']);
  assert.deepEqual(state.random.shuffle, [1, 2, 3, 4, Number.NaN]);
  assert.deepEqual(state.random.augment, [5, 6, 7, 8, 0.25]);
  assert.deepEqual(state.order, [2, 0, 1]);
  assert.deepEqual(state.history[1], {
    epoch: 2,
    loss: 0.5,
    accuracy: 0.8,
    seconds: 1,
    imagesPerSecond: 100,
    valLoss: Number.NaN,
  });
});

test('each bad field is named with what it must be and what it is', () => {
  const cases: [string, (state: Record<string, unknown>) => void, string][] = [
    ['epoch', (state) => (state.epoch = -1), 'fit.epoch: must be a whole number from 0 to 9007199254740991, got -1'],
    [
      'history',
      (state) => (state.history = [(state.history as unknown[])[0]]),
      'fit.history: must hold the logs of the 2 finished epochs, got 1',
    ],
    [
      'generator',
      (state) => ((state.random as Record<string, unknown>).augment = [0, 0, 0, 0, null]),
      'fit.random.augment: is all zeros, a state no generator reaches (it would only give zeros)',
    ],
    [
      'generator word',
      (state) => ((state.random as Record<string, unknown>).layers = [2 ** 32, 0, 0, 1, null]),
      'fit.random.layers[0]: must be a whole number from 0 to 4294967295, got 4294967296',
    ],
    [
      'order',
      (state) => (state.order = [0, 2, 0]),
      'fit.order[2]: repeats example 0; an order lists each example once',
    ],
    ['order index', (state) => (state.order = [0, 3, 1]), 'fit.order[1]: must be an example index from 0 to 2, got 3'],
    [
      'logs epoch',
      (state) => ((state.history as Record<string, unknown>[])[1]!.epoch = 3),
      'fit.history[1].epoch: must be 2 (the logs list epochs 1, 2, ... in order), got 3',
    ],
    [
      'logs loss',
      (state) => ((state.history as Record<string, unknown>[])[0]!.loss = 'low'),
      'fit.history[0].loss: must be a finite number, got "low"',
    ],
  ];
  for (const [title, tamper, message] of cases) {
    const state = validState();
    tamper(state);
    assert.throws(() => checkFitState(state, 'fit', fail), { message }, title);
  }
  assert.throws(() => checkFitState([1], 'fit', fail), { message: 'fit: must be an object, got an array of 1' });
});

test('describeValue: nothing, arrays by length, JSON cut after 40 characters', () => {
  assert.equal(describeValue(undefined), 'nothing');
  assert.equal(describeValue([1, 2, 3]), 'an array of 3');
  assert.equal(describeValue({ a: 1 }), '{"a":1}');
  assert.equal(describeValue('x'.repeat(50)), `"${'x'.repeat(39)}...`);
  assert.equal(checkWholeNumber(7, 'n', fail, 1, 10), 7);
  assert.throws(() => checkWholeNumber(1.5, 'n', fail), { message: /^n: must be a whole number from 0 to / });
});
