// Field-by-field validation of a checkpoint's state.json, as model files are validated: the fit
// state by model/fitStateChecks.ts, the optimizer's step counts, buffer names and settings here; a bad value is
// a FileFormatError naming state.json and the field, never a TypeError later in training.

import { FileFormatError, ValueError } from '../core/errors.js';
import { checkRecord, checkWholeNumber, describeValue, type Fail } from '../model/fitStateChecks.js';
import type { Optimizer } from '../optim/optimizer.js';
import { OPTIMIZER_OPTIONS, optimizerFromConfig, type OptimizerConfig } from '../optim/optimizerSettings.js';

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

export function checkOptimizerRecord(
  value: unknown,
  field: string,
  weights: number,
  maxBuffers: number,
  fail: Fail,
): OptimizerRecord {
  const record = checkRecord(value, field, fail);
  const className = record.className;
  if (typeof className !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(className))
    fail(`${field}.className`, `must name an optimizer class, got ${describeValue(className)}`);
  const iterations = checkWholeNumber(record.iterations, `${field}.iterations`, fail);
  const { steps, buffers } = record;
  if (!Array.isArray(steps) || steps.length !== weights)
    fail(
      `${field}.steps`,
      `must list the step counts of the model's ${weights} trainable weights, got ${describeValue(steps)}`,
    );
  if (!Array.isArray(buffers) || buffers.length !== weights)
    fail(
      `${field}.buffers`,
      `must list the buffer names of the model's ${weights} trainable weights, got ${describeValue(buffers)}`,
    );
  const checkedSteps = (steps as unknown[]).map((step, index) =>
    step === null ? null : checkWholeNumber(step, `${field}.steps[${index}]`, fail, 0, iterations),
  );
  const checkedBuffers = (buffers as unknown[]).map((names, index) => {
    const where = `${field}.buffers[${index}]`;
    if (!Array.isArray(names) || names.length > (checkedSteps[index] === null ? 0 : maxBuffers)) {
      fail(
        where,
        checkedSteps[index] === null
          ? `must be [] for a weight not updated yet (its step is null), got ${describeValue(names)}`
          : `must list at most ${maxBuffers} buffer names, got ${describeValue(names)}`,
      );
    }
    const list = names as unknown[];
    list.forEach((name, position) => {
      if (typeof name !== 'string' || !BUFFER_NAME.test(name))
        fail(`${where}[${position}]`, `must be a buffer name (letters and digits), got ${describeValue(name)}`);
    });
    if (new Set(list).size !== list.length) fail(where, 'names a buffer twice');
    return list as string[];
  });
  return { className: className as string, iterations, steps: checkedSteps, buffers: checkedBuffers };
}

/**
 * The optimizer's settings in state.json (`optimizer.config`, from Optimizer.getConfig), for the
 * built-in class `className`: each field must be one of the class's options, of its type, and in
 * its range (the constructor's checks). Returns the config and an optimizer built from it, or null
 * for a class that is not built in (a custom optimizer: the caller gives one). A checkpoint saved
 * before the settings were kept has no config: `value` undefined gives null too.
 */
export function checkOptimizerConfig(
  value: unknown,
  className: string,
  field: string,
  fail: Fail,
): { config: OptimizerConfig; optimizer: Optimizer | null } | null {
  if (value === undefined) return null;
  const record = checkRecord(value, field, fail);
  const options = Object.hasOwn(OPTIMIZER_OPTIONS, className) ? OPTIMIZER_OPTIONS[className]! : null;
  const config: OptimizerConfig = {};
  for (const [key, option] of Object.entries(record)) {
    const where = `${field}.${key}`;
    if (options !== null && !Object.hasOwn(options, key))
      fail(where, `is not an option of ${className} (it takes ${Object.keys(options).join(', ')})`);
    const type = options?.[key];
    if (
      type === 'boolean'
        ? typeof option !== 'boolean'
        : type === 'number'
          ? !(typeof option === 'number' && Number.isFinite(option))
          : !(typeof option === 'boolean' || (typeof option === 'number' && Number.isFinite(option)))
    ) {
      fail(
        where,
        `must be ${type === 'boolean' ? 'true or false' : type === 'number' ? 'a finite number' : 'a finite number or a boolean'}, got ${describeValue(option)}`,
      );
    }
    config[key] = option as number | boolean;
  }
  if (options === null) return { config, optimizer: null };
  try {
    return { config, optimizer: optimizerFromConfig(className, config) };
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    // The constructor's message names the option first (e.g. "SGD momentum must be below 1"): point at that field.
    const mentions = Object.keys(config)
      .map((name) => ({ name, at: error.message.search(new RegExp(`\\b${name}\\b`)) }))
      .filter(({ at }) => at !== -1);
    const key = mentions.sort((a, b) => a.at - b.at)[0]?.name;
    return fail(key === undefined ? field : `${field}.${key}`, `is refused: ${error.message}`);
  }
}
