// Batching helpers for the training loop: gather examples by index and turn labels into targets.

import { allocateArray, type FloatArray } from '../core/dtype.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, sizeOf } from '../core/shape.js';
import { storageOf, Tensor } from '../core/tensor.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor, tensorFromHost } from '../ops/allocate.js';

/** Class indices (one per example), or target probabilities [examples, classes]. */
export type Labels = ArrayLike<number> | Tensor;

/**
 * Copies the examples at `indices[start .. start + count)` of `x` into a new batch tensor of `dtype`: on the
 * active backend, or, with `isOnHost`, in a host array whatever the backend (x must then be readable synchronously).
 */
export function gatherExamples(
  x: Tensor,
  indices: ArrayLike<number>,
  start: number,
  count: number,
  dtype: Tensor['dtype'] = x.dtype,
  isOnHost = false,
): Tensor {
  const exampleSize = sizeOf(x.shape.slice(1));
  if (storageOf(x).device !== null && dtype === x.dtype && !isOnHost) return gatherOnDevice(x, indices, start, count);
  const examples = x.dataSync();
  const shape = [count, ...x.shape.slice(1)];
  const fill = (values: FloatArray): void => {
    for (let row = 0; row < count; row++) {
      const source = indices[start + row]! * exampleSize;
      values.set(examples.subarray(source, source + exampleSize), row * exampleSize);
    }
  };
  if (!isOnHost) return tensorFromHost(shape, dtype, fill);
  const values = allocateArray(dtype, count * exampleSize);
  fill(values);
  return new Tensor(values, shape);
}

/**
 * gatherExamples of a tensor whose values are on a device (a validation split made there): one
 * CopyColumns per example, so nothing is read back.
 */
function gatherOnDevice(x: Tensor, indices: ArrayLike<number>, start: number, count: number): Tensor {
  const exampleSize = sizeOf(x.shape.slice(1));
  const batch = allocateTensor([count, ...x.shape.slice(1)], x.dtype);
  for (let row = 0; row < count; row++) {
    runKernel('CopyColumns', x, batch, {
      rows: 1,
      columns: exampleSize,
      sourceStride: x.size,
      sourceOffset: indices[start + row]! * exampleSize,
      destinationStride: batch.size,
      destinationOffset: row * exampleSize,
    });
  }
  return batch;
}

/** Target rows [count, classes] for the examples at `indices[start .. start + count)`. */
export function gatherTargets(
  labels: Labels,
  classes: number,
  indices: ArrayLike<number>,
  start: number,
  count: number,
  dtype: Tensor['dtype'],
): Tensor {
  // Only the batch's rows are converted (typed-array copies convert), never the whole label set.
  if (labels instanceof Tensor) return gatherExamples(labels, indices, start, count, dtype);
  return tensorFromHost([count, classes], dtype, (values) => {
    values.fill(0);
    for (let row = 0; row < count; row++) values[row * classes + labels[indices[start + row]!]!] = 1;
  });
}

/** Checks that labels fit `examples` examples of `classes` classes. */
export function checkLabels(labels: Labels, examples: number, classes: number, what: string): void {
  if (labels instanceof Tensor) {
    if (labels.rank !== 2 || labels.shape[0] !== examples || labels.shape[1] !== classes) {
      throw new ShapeError(
        `${what}: target probabilities must be [${examples}, ${classes}] but got ${formatShape(labels.shape)}`,
      );
    }
    return;
  }
  if (labels.length !== examples) throw new ShapeError(`${what}: ${examples} examples but ${labels.length} labels`);
  for (let index = 0; index < labels.length; index++) {
    const label = labels[index]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ValueError(`${what}: label ${label} at index ${index} is not a class index in [0, ${classes})`);
    }
  }
}

/** The class of each example: its label, or the largest target probability. */
export function classOf(labels: Labels, classes: number, index: number): number {
  if (!(labels instanceof Tensor)) return labels[index]!;
  return argmaxRow(labels.dataSync(), index * classes, classes);
}

/** Index of the largest of `length` values starting at `offset`. */
export function argmaxRow(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let column = 1; column < length; column++) if (values[offset + column]! > values[offset + best]!) best = column;
  return best;
}
