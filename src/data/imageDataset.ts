// ImageDataset: the in-memory image set that every loader returns (MNIST, Fashion-MNIST, image folders),
// kept as bytes (NHWC, 0-255) so 60,000 digits cost 47 MB instead of 188 MB of float32.
// Tensors are made per batch by datasetToTensor. Limits: one byte per value, so no 16-bit or HDR images.

import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/**
 * A labelled set of same-sized images.
 * `images` holds `count * height * width * channels` bytes in NHWC order (example, row, column,
 * channel), one unsigned byte per value (0-255). `labels[i]` is the class index of example `i`,
 * an index into `classNames`.
 */
export interface ImageDataset {
  /** count * height * width * channels bytes, NHWC (example, row, column, channel), 0-255. */
  readonly images: Uint8Array;
  /** The class index of each example, [count], an index into classNames. */
  readonly labels: Uint8Array;
  /** Examples in the set. */
  readonly count: number;
  /** Each image's height in pixels. */
  readonly height: number;
  /** Each image's width in pixels. */
  readonly width: number;
  /** Channels per pixel: 1 for gray, 3 for RGB (an image folder's color model decides). */
  readonly channels: number;
  /** The class names, by class index. */
  readonly classNames: readonly string[];
}

/** A dataset's training and test parts, as the loaders return them. */
export interface TrainTestSplits {
  /** The training part. */
  train: ImageDataset;
  /** The test part. */
  test: ImageDataset;
}

/** Options of {@link datasetToTensor}. */
export interface DatasetToTensorOptions {
  /** Examples to take, in this order (repeats allowed). Default: all, in dataset order. */
  indices?: ArrayLike<number> | undefined;
  /** Factor applied to every byte. Default 1/255, which maps 0-255 to [0, 1]. */
  scale?: number | undefined;
}

/**
 * Checks that a dataset's fields agree with each other: positive integer sizes, `images` and `labels`
 * of the right lengths, and every label below `classNames.length`.
 * Throws ValueError naming `context`, the field and the actual values.
 *
 * @example
 * checkImageDataset(dataset, 'myLoader');
 * // throws ValueError: "myLoader: images has 100 bytes but 2x5x5x1 needs 50"
 */
export function checkImageDataset(dataset: ImageDataset, context: string): void {
  const { count, height, width, channels } = dataset;
  if (!Number.isInteger(count) || count < 0) {
    throw new ValueError(`${context}: count must be a non-negative integer, got ${count}`);
  }
  for (const [name, value] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ValueError(`${context}: ${name} must be a positive integer, got ${value}`);
    }
  }
  const expectedBytes = count * height * width * channels;
  if (dataset.images.length !== expectedBytes) {
    throw new ValueError(
      `${context}: images has ${dataset.images.length} bytes` +
        ` but ${count}x${height}x${width}x${channels} needs ${expectedBytes}`,
    );
  }
  if (dataset.labels.length !== count) {
    throw new ValueError(`${context}: labels has ${dataset.labels.length} entries but count is ${count}`);
  }
  const classCount = dataset.classNames.length;
  for (let index = 0; index < count; index++) {
    if (dataset.labels[index]! >= classCount) {
      throw new ValueError(
        `${context}: label ${dataset.labels[index]} of example ${index} is not below the ${classCount} class names`,
      );
    }
  }
}

/**
 * Converts examples of a dataset to a float32 NHWC tensor `[n, height, width, channels]` whose values
 * are `byte * scale`. Takes all examples, or `options.indices` in that order (n = indices.length).
 * Throws ValueError for an index that is not an integer in [0, count), a non-finite scale, or an empty selection.
 *
 * @example
 * const { train } = loadMnistSample();
 * const batch = datasetToTensor(train, { indices: [0, 1, 2] }); // shape [3, 28, 28, 1], values in [0, 1]
 */
export function datasetToTensor(dataset: ImageDataset, options: DatasetToTensorOptions = {}): Tensor {
  const scale = options.scale ?? 1 / 255;
  if (!Number.isFinite(scale)) {
    throw new ValueError(`datasetToTensor: scale must be a finite number, got ${scale}`);
  }
  const { count, height, width, channels, images } = dataset;
  const exampleSize = height * width * channels;
  const selectedCount = options.indices === undefined ? count : options.indices.length;
  if (selectedCount === 0) {
    throw new ValueError('datasetToTensor: no examples selected (the dataset or the index list is empty)');
  }
  const output = new Float32Array(selectedCount * exampleSize);
  for (let position = 0; position < selectedCount; position++) {
    const example = options.indices === undefined ? position : options.indices[position]!;
    if (!Number.isInteger(example) || example < 0 || example >= count) {
      throw new ValueError(`datasetToTensor: indices[${position}] is ${example}, not an integer in [0, ${count})`);
    }
    const sourceStart = example * exampleSize;
    const targetStart = position * exampleSize;
    for (let offset = 0; offset < exampleSize; offset++) {
      output[targetStart + offset] = images[sourceStart + offset]! * scale;
    }
  }
  return new Tensor(output, [selectedCount, height, width, channels]);
}

/**
 * The examples `start` to `start + count - 1` of a dataset, as a view: `images` and `labels` share
 * memory with the original (no copy), so writing to one changes the other.
 * Throws ValueError unless `start` and `count` are non-negative integers with `start + count <= dataset.count`.
 *
 * @example
 * const { train } = loadMnist('mnist');
 * const firstThousand = takeExamples(train, 0, 1000);
 * firstThousand.count; // 1000
 */
export function takeExamples(dataset: ImageDataset, start: number, count: number): ImageDataset {
  if (!Number.isInteger(start) || start < 0) {
    throw new ValueError(`takeExamples: start must be a non-negative integer, got ${start}`);
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new ValueError(`takeExamples: count must be a non-negative integer, got ${count}`);
  }
  if (start + count > dataset.count) {
    throw new ValueError(
      `takeExamples: examples ${start} to ${start + count - 1} requested but the dataset has ${dataset.count}`,
    );
  }
  const exampleSize = dataset.height * dataset.width * dataset.channels;
  return {
    images: dataset.images.subarray(start * exampleSize, (start + count) * exampleSize),
    labels: dataset.labels.subarray(start, start + count),
    count,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: dataset.classNames,
  };
}
