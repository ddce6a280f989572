// Tensor: a flat typed array plus its shape. It holds no maths: ops compute, kernels do the loops.

import { allocateArray, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { ShapeError } from './errors.js';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';

/**
 * An n-dimensional array of float32 (or float64) values in row-major order.
 * Image batches are NHWC: `[batch, height, width, channels]`.
 *
 * @example
 * const x = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1]);
 * x.shape; // [1, 2, 2, 1]
 */
export class Tensor {
  readonly shape: Shape;
  readonly data: FloatArray;

  /** Wraps `data` (not copied). Throws ShapeError if its length is not the product of `shape`. */
  constructor(data: FloatArray, shape: Shape) {
    checkShape(shape, 'Tensor');
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(
        `Tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} values but the data has ${data.length}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A zero-filled tensor. */
  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocateArray(dtype, sizeOf(shape)), shape);
  }

  /** A tensor holding a copy of `values`. */
  static fromArray(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    const data = allocateArray(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape);
  }

  /** The same data seen with another shape of the same size (no copy). */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, shape);
  }

  /** A deep copy, optionally converted to another dtype. */
  clone(dtype: DType = this.dtype): Tensor {
    return Tensor.fromArray(this.data, this.shape, dtype);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype})`;
  }
}
