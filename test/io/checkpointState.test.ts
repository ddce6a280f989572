// Validation of a checkpoint's optimizer record and settings (src/io/checkpointState.ts): a valid record
// and config pass (a built-in class comes back as an optimizer, a custom one as its config alone); each bad
// field is a FileFormatError naming state.json and the field.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileFormatError } from '../../src/index.js';
import { checkOptimizerConfig, checkOptimizerRecord, fieldFailure } from '../../src/io/checkpointState.js';
import { assertThrowsWith } from '../helpers.js';

const fail = fieldFailure('run/state.json');

test('a valid record of two weights, one not updated yet, is returned as it is', () => {
  const record = { className: 'Adam', iterations: 3, steps: [3, null], buffers: [['firstMoment', 'secondMoment'], []] };
  assert.deepEqual(checkOptimizerRecord(record, 'optimizer', 2, 2, fail), record);
});

test('bad record fields name state.json and the field', () => {
  const good = { className: 'SGD', iterations: 2, steps: [2], buffers: [['velocity']] };
  const cases: [Record<string, unknown>, string][] = [
    [{ ...good, className: 'no spaces allowed' }, `field 'optimizer.className' must name an optimizer class`],
    [{ ...good, steps: [2, 2] }, `field 'optimizer.steps' must list the step counts of the model's 1 trainable`],
    [{ ...good, steps: [3] }, `field 'optimizer.steps[0]' must be a whole number from 0 to 2, got 3`],
    [{ ...good, steps: [null] }, `field 'optimizer.buffers[0]' must be [] for a weight not updated yet`],
    [{ ...good, buffers: [['a', 'b']] }, `field 'optimizer.buffers[0]' must list at most 1 buffer names`],
    [{ ...good, buffers: [['../x']] }, `field 'optimizer.buffers[0][0]' must be a buffer name`],
  ];
  for (const [record, fragment] of cases)
    assertThrowsWith(
      () => checkOptimizerRecord(record, 'optimizer', 1, 1, fail),
      FileFormatError,
      'run/state.json: ',
      fragment,
    );
  assertThrowsWith(
    () => checkOptimizerRecord({ ...good, buffers: [['velocity', 'velocity']] }, 'optimizer', 1, 2, fail),
    FileFormatError,
    `field 'optimizer.buffers[0]' names a buffer twice`,
  );
});

test('settings: a built-in class gives an optimizer, a custom one its config only, none gives null', () => {
  const built = checkOptimizerConfig({ learningRate: 0.5, momentum: 0.9 }, 'SGD', 'optimizer.config', fail);
  assert.equal(built!.optimizer!.className, 'SGD');
  assert.equal(built!.optimizer!.getConfig().momentum, 0.9);
  const custom = checkOptimizerConfig({ rate: 1, flag: true }, 'Lion', 'optimizer.config', fail);
  assert.deepEqual(custom, { config: { rate: 1, flag: true }, optimizer: null });
  assert.equal(checkOptimizerConfig(undefined, 'SGD', 'optimizer.config', fail), null);
});

test("bad settings name the option: unknown, of the wrong type, or refused by the class's constructor", () => {
  assertThrowsWith(
    () => checkOptimizerConfig({ beta1: 0.9 }, 'SGD', 'optimizer.config', fail),
    FileFormatError,
    `field 'optimizer.config.beta1' is not an option of SGD (it takes learningRate, momentum, nesterov,`,
  );
  assertThrowsWith(
    () => checkOptimizerConfig({ nesterov: 1 }, 'SGD', 'optimizer.config', fail),
    FileFormatError,
    `field 'optimizer.config.nesterov' must be true or false, got 1`,
  );
  assertThrowsWith(
    () => checkOptimizerConfig({ learningRate: 0.1, beta2: 1 }, 'Adam', 'optimizer.config', fail),
    FileFormatError,
    `field 'optimizer.config.beta2' is refused: Adam beta2 must be in [0, 1), got 1`,
  );
});
