// Range checks of optimizer options, shared by every optimizer; each error names the option and its value.

import { ValueError } from '../core/errors.js';

export function checkNonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new ValueError(`${what} must be a finite number >= 0, got ${value}`);
  return value;
}

/** A decay rate or momentum: in [0, 1). */
export function checkFraction(value: number, what: string): number {
  if (!(value >= 0 && value < 1)) throw new ValueError(`${what} must be in [0, 1), got ${value}`);
  return value;
}
