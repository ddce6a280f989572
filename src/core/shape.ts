// Shape arithmetic. A shape is a readonly array of dimension sizes, outermost first; activations are
// NHWC ([batch, height, width, channels]) and per-example shapes drop the batch ([height, width, channels]).

import { ShapeError } from './errors.js';

/** A tensor shape: one size per axis, outermost first (NHWC for feature maps). */
export type Shape = readonly number[];

/** Number of elements of a tensor of this shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const dimension of shape) size *= dimension;
  return size;
}

/** Whether two shapes have the same rank and the same size on every axis. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((dimension, axis) => dimension === b[axis]);
}

/** Formats a shape the way summaries and errors print it: `28x28x1`, or `[]` for a scalar. */
export function formatShape(shape: Shape): string {
  return shape.length === 0 ? '[]' : shape.join('x');
}

/** Checks that a shape is a list of positive integers, naming `what` in the error. */
export function checkShape(shape: Shape, what: string): void {
  for (const dimension of shape) {
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new ShapeError(`${what}: every dimension must be a positive integer, got [${shape.join(', ')}]`);
    }
  }
}
