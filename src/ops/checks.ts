// Argument checks shared by ops. Messages name the op (or layer), the argument and the values.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** What the shape checks read of a tensor (a plan checks a map it never stores with them). */
export type TensorShape = Pick<Tensor, 'shape' | 'rank' | 'dtype'>;

export function checkRank(tensor: TensorShape, rank: number, what: string, layout: string): void {
  if (tensor.rank !== rank) {
    throw new ShapeError(
      `${what}: expected a rank-${rank} tensor ${layout} but got shape ${formatShape(tensor.shape)}`,
    );
  }
}

/** Throws unless `input` of op `name` is a batch of images, [batch, height, width, channels]. */
export function checkImageBatch(input: TensorShape, name: string): void {
  checkRank(input, 4, `${name}: input`, '[batch, height, width, channels]');
}

export function checkSameDtype(what: string, ...tensors: (TensorShape | null)[]): void {
  const present = tensors.filter((tensor): tensor is TensorShape => tensor !== null);
  const dtype = present[0]?.dtype;
  for (const tensor of present) {
    if (tensor.dtype !== dtype) throw new ValueError(`${what}: mixed dtypes ${dtype} and ${tensor.dtype}`);
  }
}

export function checkSameShape(what: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((dimension, axis) => dimension !== b.shape[axis])) {
    throw new ShapeError(`${what}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ`);
  }
}

/** `value`, or ValueError unless it is a positive integer. */
export function checkPositiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ValueError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * The parameter checks of the normalizations: ShapeError unless each per-channel tensor given (gamma, beta, the
 * statistics) is a vector of the input's `columns` channels, ValueError unless `epsilon` is positive.
 */
export function checkNormalizationParams(
  name: string,
  input: TensorShape,
  columns: number,
  perChannel: readonly (readonly [string, TensorShape | undefined])[],
  epsilon: number,
): void {
  for (const [what, tensor] of perChannel) {
    if (tensor !== undefined && (tensor.rank !== 1 || tensor.shape[0] !== columns)) {
      throw new ShapeError(
        `${name}: ${what} has shape ${formatShape(tensor.shape)} but the input ${formatShape(input.shape)} ` +
          `has ${columns} channels`,
      );
    }
  }
  if (!(epsilon > 0)) throw new ValueError(`${name}: epsilon must be positive, got ${epsilon}`);
}

export function checkFiniteNumber(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ValueError(`${what} must be a finite number, got ${value}`);
}

/**
 * Checks the interval [min, max] of a clip: min a number below Infinity, max one above -Infinity
 * (either side may be unbounded), neither NaN, and min <= max.
 */
export function checkBounds(min: number, max: number, what: string): void {
  if (typeof min !== 'number' || Number.isNaN(min) || min === Infinity)
    throw new ValueError(`${what}: min must be a finite number or -Infinity, got ${min}`);
  if (typeof max !== 'number' || Number.isNaN(max) || max === -Infinity)
    throw new ValueError(`${what}: max must be a finite number or Infinity, got ${max}`);
  if (min > max) throw new ValueError(`${what}: min ${min} is greater than max ${max}`);
}
