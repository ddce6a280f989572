// Element types. Storage is float32; the reference path also runs in float64 so that gradient checks
// by finite differences are not drowned in rounding error.

/** Element type of a tensor: float32 storage, float64 for the reference path and gradient checks. */
export type DType = 'float32' | 'float64';

/** The storage of a tensor: one flat typed array in row-major (C) order. */
export type FloatArray = Float32Array | Float64Array;

/** Allocates a zero-filled array of `size` elements of `dtype`. */
export function allocateArray(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype of a storage array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}
