// Field-by-field validation of a checkpoint's state.json, as model files are validated: the fit
// state by model/fitStateChecks.ts, the optimizer's step counts and buffer names here; a bad value is
// a FileFormatError naming state.json and the field, never a TypeError later in training.

import { FileFormatError } from '../core/errors.js';
import { checkRecord, checkWholeNumber, describeValue, type Fail } from '../model/fitStateChecks.js';

/** A Fail that throws FileFormatError naming `file` and the field. */
export function fieldFailure(file: string): Fail {
  return (field, detail) => {
    throw new FileFormatError(file, `field '${field}' ${detail}`);
  };
}

/** What state.json says of the optimizer, checked against the model's `weights` trainable weights. */
export interface OptimizerRecord {
  className: string;
  iterations: number;
  /** Per weight: its update count, or null for a weight not updated yet. */
  steps: (number | null)[];
  /** Per weight: the names of its buffers in optimizer.safetensors (none for a null step). */
  buffers: string[][];
}

/** Buffer names are identifiers ('velocity', 'firstMoment'): they become keys and tensor names. */
const BUFFER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export function checkOptimizerRecord(value: unknown, field: string, weights: number, maxBuffers: number, fail: Fail): OptimizerRecord {
  const record = checkRecord(value, field, fail);
  const className = record['className'];
  if (typeof className !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(className)) fail(`${field}.className`, `must name an optimizer class, got ${describeValue(className)}`);
  const iterations = checkWholeNumber(record['iterations'], `${field}.iterations`, fail);
  const { steps, buffers } = record;
  if (!Array.isArray(steps) || steps.length !== weights) fail(`${field}.steps`, `must list the step counts of the model's ${weights} trainable weights, got ${describeValue(steps)}`);
  if (!Array.isArray(buffers) || buffers.length !== weights) fail(`${field}.buffers`, `must list the buffer names of the model's ${weights} trainable weights, got ${describeValue(buffers)}`);
  const checkedSteps = (steps as unknown[]).map((step, index) => (step === null ? null : checkWholeNumber(step, `${field}.steps[${index}]`, fail, 0, iterations)));
  const checkedBuffers = (buffers as unknown[]).map((names, index) => {
    const where = `${field}.buffers[${index}]`;
    if (!Array.isArray(names) || names.length > (checkedSteps[index] === null ? 0 : maxBuffers)) {
      fail(where, checkedSteps[index] === null ? `must be [] for a weight not updated yet (its step is null), got ${describeValue(names)}` : `must list at most ${maxBuffers} buffer names, got ${describeValue(names)}`);
    }
    const list = names as unknown[];
    list.forEach((name, position) => {
      if (typeof name !== 'string' || !BUFFER_NAME.test(name)) fail(`${where}[${position}]`, `must be a buffer name (letters and digits), got ${describeValue(name)}`);
    });
    if (new Set(list).size !== list.length) fail(where, 'names a buffer twice');
    return list as string[];
  });
  return { className: className as string, iterations, steps: checkedSteps, buffers: checkedBuffers };
}
