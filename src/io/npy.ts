// NumPy's .npy format (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a version, a header
// length (2 bytes in 1.0, 4 in 2.0 and 3.0), a header that is a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }, padded so the data starts 64-byte
// aligned, then the raw values. The header is parsed as text, never evaluated, and every size is
// checked against the file before anything is allocated. Header and values decode separately, so a
// large file can be read in rows from its descriptor (npyFile.ts) instead of whole.

import { sizeOf } from '../core/shape.js';
import { FileFormatError, ValueError } from '../core/errors.js';
import { NPY_MAX_HEADER_BYTES } from '../core/limits.js';

/** The .npy element types decodeNpy and encodeNpy handle. */
export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int64';

/** A decoded array: C-order values of its dtype (int64 as BigInt64Array). */
export interface NpyArray {
  /** The element type. */
  dtype: NpyDtype;
  /** The array's shape (an empty array for a scalar). */
  shape: number[];
  /** The values in C order, product(shape) of them. */
  data: Float32Array | Float64Array | Uint8Array | BigInt64Array;
}

/** The header of a .npy file: what its data hold and where they start. */
export interface NpyHeader {
  /** The element type. */
  dtype: NpyDtype;
  /** The array's shape (an empty array for a scalar). */
  shape: number[];
  /** Values in the data: the product of the shape. */
  count: number;
  /** Bytes per value: 1, 4 or 8. */
  bytesPerValue: number;
  /** Whether the values are stored big-endian ('>' in the descr). */
  isBigEndian: boolean;
  /** Byte offset of the first value in the file. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const DESCRIPTORS: Record<string, { dtype: NpyDtype; bytes: number }> = {
  f4: { dtype: 'float32', bytes: 4 },
  f8: { dtype: 'float64', bytes: 8 },
  u1: { dtype: 'uint8', bytes: 1 },
  i8: { dtype: 'int64', bytes: 8 },
};
const DESCRIPTOR_OF: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', uint8: '|u1', int64: '<i8' };

/**
 * Decodes the header at the start of `bytes`, which need hold only the first
 * 12 + NPY_MAX_HEADER_BYTES bytes of a file of `fileBytes` bytes (a reader that streams the data reads
 * no more), and checks that the shape needs exactly the bytes the file has after the header.
 * Throws FileFormatError naming `file` and the field, as {@link decodeNpy}.
 *
 * @example
 * const header = decodeNpyHeader(firstBytes, 'x.npy', fileSize); // { dtype: 'uint8', shape: [50000, 32, 32, 3], ... }
 */
export function decodeNpyHeader(bytes: Uint8Array, file = 'array.npy', fileBytes = bytes.length): NpyHeader {
  if (bytes.length < 10 || !MAGIC.every((value, index) => bytes[index] === value)) {
    throw new FileFormatError(file, 'is not a .npy file (it does not start with "\\x93NUMPY")');
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3)
    throw new FileFormatError(file, `has .npy format version ${major}.${bytes[7]}; versions 1.0 to 3.0 are read`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new FileFormatError(file, 'is truncated inside its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (headerLength > NPY_MAX_HEADER_BYTES || dataOffset > fileBytes || dataOffset > bytes.length) {
    throw new FileFormatError(
      file,
      `header length ${headerLength} exceeds the file (${fileBytes} bytes) or the ${NPY_MAX_HEADER_BYTES}-byte limit`,
    );
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataOffset));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (descr === null)
    throw new FileFormatError(file, `header field 'descr' is missing or not a simple dtype: ${header.trim()}`);
  if (fortran === null) throw new FileFormatError(file, `header field 'fortran_order' is missing`);
  if (shapeMatch === null) throw new FileFormatError(file, `header field 'shape' is missing`);
  const [, byteOrder, kind, size] = descr as unknown as [string, string, string, string];
  const type = DESCRIPTORS[`${kind}${size}`];
  if (type === undefined)
    throw new FileFormatError(
      file,
      `header field 'descr' is '${byteOrder}${kind}${size}'; float32, float64, uint8 and int64 are read`,
    );
  if (fortran[1] === 'True')
    throw new FileFormatError(
      file,
      `header field 'fortran_order' is True; save the array in C order (numpy.ascontiguousarray)`,
    );
  const parts = shapeMatch[1]!
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (!parts.every((part) => /^\d+$/.test(part)))
    throw new FileFormatError(file, `header field 'shape' is not a tuple of sizes: (${shapeMatch[1]})`);
  const shape = parts.map(Number);
  const count = sizeOf(shape);
  const dataBytes = fileBytes - dataOffset;
  if (!Number.isSafeInteger(count) || count * type.bytes !== dataBytes) {
    throw new FileFormatError(
      file,
      `header field 'shape' (${shape.join(', ')}) needs ${count * type.bytes} bytes of ${type.dtype} but ` +
        `the file has ${dataBytes}`,
    );
  }
  return {
    dtype: type.dtype,
    shape,
    count,
    bytesPerValue: type.bytes,
    isBigEndian: byteOrder === '>' && type.bytes > 1,
    dataOffset,
  };
}

/** The values held in `data` (raw .npy data bytes, a whole number of values) as the header's dtype, in host order. */
export function decodeNpyValues(
  data: Uint8Array,
  header: Pick<NpyHeader, 'dtype' | 'bytesPerValue' | 'isBigEndian'>,
): NpyArray['data'] {
  const count = Math.floor(data.length / header.bytesPerValue);
  const values = allocate(header.dtype, count);
  const source = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const isLittleEndian = !header.isBigEndian;
  for (let index = 0; index < count; index++) {
    const at = index * header.bytesPerValue;
    if (values instanceof Float32Array) values[index] = source.getFloat32(at, isLittleEndian);
    else if (values instanceof Float64Array) values[index] = source.getFloat64(at, isLittleEndian);
    else if (values instanceof BigInt64Array) values[index] = source.getBigInt64(at, isLittleEndian);
    else values[index] = source.getUint8(at);
  }
  return values;
}

/**
 * Decodes .npy bytes: float32, float64, uint8 and int64, little- or big-endian, C order. Throws
 * FileFormatError naming `file` and the field for anything else (Fortran order, object arrays,
 * a shape that does not match the data).
 *
 * @example
 * const { shape, data } = decodeNpy(readFileSync('x.npy'), 'x.npy');
 */
export function decodeNpy(bytes: Uint8Array, file = 'array.npy'): NpyArray {
  const header = decodeNpyHeader(bytes, file);
  return { dtype: header.dtype, shape: header.shape, data: decodeNpyValues(bytes.subarray(header.dataOffset), header) };
}

function allocate(dtype: NpyDtype, count: number): NpyArray['data'] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(count);
    case 'float64':
      return new Float64Array(count);
    case 'uint8':
      return new Uint8Array(count);
    case 'int64':
      return new BigInt64Array(count);
  }
}

const DTYPE_OF_ARRAY = new Map<unknown, NpyDtype>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Uint8Array, 'uint8'],
  [BigInt64Array, 'int64'],
]);

/**
 * The header of a version 1.0 .npy file of little-endian, C-order `dtype` values of `shape`, padded
 * so the data start 64-byte aligned: what a writer that streams the values writes first.
 *
 * @example
 * write(encodeNpyHeader('float32', [50000, 10])); // then 50000 rows of 10 float32 values
 */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  if (!shape.every((extent) => Number.isSafeInteger(extent) && extent >= 0)) {
    throw new ValueError(`encodeNpyHeader: shape (${shape.join(', ')}) must hold whole sizes >= 0`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCRIPTOR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Spaces and a newline pad the header so the data starts on a 64-byte boundary, as NumPy writes it.
  header += `${' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const headerBytes = new TextEncoder().encode(header);
  const bytes = new Uint8Array(10 + headerBytes.length);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, headerBytes.length, true);
  bytes.set(headerBytes, 10);
  return bytes;
}

/**
 * Encodes an array as a version 1.0 .npy file (little-endian, C order); its dtype follows the typed array.
 *
 * @example
 * writeFileSync('y.npy', encodeNpy({ shape: [2, 10], data: probabilities }));
 */
export function encodeNpy(array: { shape: readonly number[]; data: NpyArray['data'] }): Uint8Array {
  const dtype = DTYPE_OF_ARRAY.get(array.data.constructor);
  if (dtype === undefined)
    throw new ValueError('encodeNpy: data must be a Float32Array, Float64Array, Uint8Array or BigInt64Array');
  const count = sizeOf(array.shape);
  if (!array.shape.every((extent) => Number.isInteger(extent) && extent >= 0) || count !== array.data.length) {
    throw new ValueError(
      `encodeNpy: shape (${array.shape.join(', ')}) holds ${count} values but data has ${array.data.length}`,
    );
  }
  const header = encodeNpyHeader(dtype, array.shape);
  const bytes = new Uint8Array(header.length + array.data.byteLength);
  bytes.set(header);
  // Little-endian hosts (every engine that runs this) hold the values in file order already.
  bytes.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), header.length);
  return bytes;
}
