// Field-by-field checks of a fit's state (FitState: the generators' states, the example order, the
// logs), for whatever hands one back: a checkpoint's state.json (io/checkpointState.ts, which fails
// with a FileFormatError naming the file) or a caller's fit({ resume }) (a ValueError). Every value
// fit() reads is checked for its type and range, never a TypeError later in training; each check is
// one pass over its value: linear.

import type { EpochLogs, FitState } from './callbacks.js';

export type Fail = (field: string, detail: string) => never;

/** A short description of a value for messages: its JSON, cut to a few dozen characters. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkRecord(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (!isRecord(value)) fail(field, `must be an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

export function checkWholeNumber(
  value: unknown,
  field: string,
  fail: Fail,
  minimum = 0,
  maximum = Number.MAX_SAFE_INTEGER,
): number {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum && value <= maximum)) {
    fail(field, `must be a whole number from ${minimum} to ${maximum}, got ${describeValue(value)}`);
  }
  return value as number;
}

function checkFinite(value: unknown, field: string, fail: Fail): number {
  if (!(typeof value === 'number' && Number.isFinite(value)))
    fail(field, `must be a finite number, got ${describeValue(value)}`);
  return value as number;
}

/** A number that may be NaN ("none"), which JSON writes as null: NaN then. */
function checkNumberOrNull(value: unknown, field: string, fail: Fail): number {
  if (value === null || Number.isNaN(value)) return Number.NaN;
  return checkFinite(value, field, fail);
}

const UINT32_MAX = 2 ** 32 - 1;

/**
 * A Random's state as Random.getState writes it: four 32-bit words (xoshiro128**, never all zero) and
 * the spare normal sample (null when there is none: JSON writes getState's NaN as null).
 */
function checkGeneratorState(value: unknown, field: string, fail: Fail): number[] {
  const shape = 'a generator state: 4 whole numbers from 0 to 4294967295 and a spare normal (a number or null)';
  if (!Array.isArray(value) || value.length !== 5) fail(field, `must be ${shape}, got ${describeValue(value)}`);
  const state = value as unknown[];
  const words = state
    .slice(0, 4)
    .map((word, index) => checkWholeNumber(word, `${field}[${index}]`, fail, 0, UINT32_MAX));
  if (words.every((word) => word === 0))
    fail(field, 'is all zeros, a state no generator reaches (it would only give zeros)');
  return [...words, checkNumberOrNull(state[4], `${field}[4]`, fail)];
}

/** An order of `length` examples: each of 0 to length - 1 exactly once (checked with one bitmap, linearly). */
function checkOrder(value: unknown, field: string, fail: Fail): number[] {
  if (!Array.isArray(value)) fail(field, `must be an array of example indices, got ${describeValue(value)}`);
  const order = value as unknown[];
  const seen = new Uint8Array(order.length);
  order.forEach((index, position) => {
    if (!(typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < order.length)) {
      fail(
        `${field}[${position}]`,
        `must be an example index from 0 to ${order.length - 1}, got ${describeValue(index)}`,
      );
    }
    if (seen[index as number] === 1)
      fail(`${field}[${position}]`, `repeats example ${index as number}; an order lists each example once`);
    seen[index as number] = 1;
  });
  return order as number[];
}

/** The logs of one finished epoch, copied field by field (unknown fields dropped). */
function checkEpochLogs(value: unknown, field: string, epoch: number, fail: Fail): EpochLogs {
  const record = checkRecord(value, field, fail);
  if (record.epoch !== epoch)
    fail(
      `${field}.epoch`,
      `must be ${epoch} (the logs list epochs 1, 2, ... in order), got ${describeValue(record.epoch)}`,
    );
  const logs: EpochLogs = {
    epoch,
    loss: checkFinite(record.loss, `${field}.loss`, fail),
    accuracy: checkFinite(record.accuracy, `${field}.accuracy`, fail),
    seconds: checkFinite(record.seconds, `${field}.seconds`, fail),
    imagesPerSecond: checkFinite(record.imagesPerSecond, `${field}.imagesPerSecond`, fail),
  };
  for (const key of ['valLoss', 'valAccuracy', 'learningRate'] as const) {
    if (record[key] !== undefined) logs[key] = checkNumberOrNull(record[key], `${field}.${key}`, fail);
  }
  return logs;
}

/**
 * The fit state of a checkpoint, checked field by field and copied (so nothing but the checked
 * fields reaches fit): epoch, the three generators' states, the example order (a permutation), and
 * one log per finished epoch. `field` is the state's own name in the file ('fit').
 */
export function checkFitState(value: unknown, field: string, fail: Fail): FitState {
  const record = checkRecord(value, field, fail);
  const epoch = checkWholeNumber(record.epoch, `${field}.epoch`, fail);
  const random = checkRecord(record.random, `${field}.random`, fail);
  const history = record.history;
  if (!Array.isArray(history))
    fail(
      `${field}.history`,
      `must be an array of the logs of the ${epoch} finished epochs, got ${describeValue(history)}`,
    );
  if ((history as unknown[]).length !== epoch)
    fail(
      `${field}.history`,
      `must hold the logs of the ${epoch} finished epochs, got ${(history as unknown[]).length}`,
    );
  return {
    epoch,
    random: {
      shuffle: checkGeneratorState(random.shuffle, `${field}.random.shuffle`, fail),
      augment: checkGeneratorState(random.augment, `${field}.random.augment`, fail),
      layers: checkGeneratorState(random.layers, `${field}.random.layers`, fail),
    },
    order: checkOrder(record.order, `${field}.order`, fail),
    history: (history as unknown[]).map((logs, index) =>
      checkEpochLogs(logs, `${field}.history[${index}]`, index + 1, fail),
    ),
  };
}
