// The safetensors weight format (Hugging Face): an 8-byte little-endian header length N, N bytes of
// JSON mapping each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to
// the end of the header), then the raw little-endian data. Loading checks every size before
// allocating and never executes anything from the file.

import { FileFormatError } from '../core/errors.js';
import { SAFETENSORS_MAX_HEADER_BYTES } from '../core/limits.js';
import { sizeOf } from '../core/shape.js';
import type { FloatArray } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';

const DTYPE_CODES = { float32: 'F32', float64: 'F64' } as const;
const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F64: 8 };

/** A tensor and the name it is stored under in a safetensors file. */
export interface NamedTensor {
  /** The name it is stored under, e.g. 'conv2d_1/kernel'. */
  name: string;
  /** The values, with their shape and dtype. */
  tensor: Tensor;
}

/** Encodes tensors (and optional string metadata) as a safetensors file; their backend must read synchronously. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  return encodeValues(
    tensors.map(({ name, tensor }) => ({ name, tensor, values: tensor.dataSync() })),
    metadata,
  );
}

/**
 * encodeSafetensors on every backend: each tensor's values are read with `await tensor.data()`, so
 * tensors on a device backend that reads only asynchronously (WebGPU) are encoded too.
 *
 * @example
 * const bytes = await encodeSafetensorsAsync([{ name: 'dense/kernel', tensor: kernel }]);
 */
export async function encodeSafetensorsAsync(
  tensors: readonly NamedTensor[],
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const values = await Promise.all(tensors.map(({ tensor }) => tensor.data()));
  return encodeValues(
    tensors.map(({ name, tensor }, index) => ({ name, tensor, values: values[index]! })),
    metadata,
  );
}

/** The file of encodeSafetensors from each tensor's values, already read. */
function encodeValues(
  entries: readonly { name: string; tensor: Tensor; values: FloatArray }[],
  metadata: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const { name, tensor, values } of entries) {
    header[name] = {
      dtype: DTYPE_CODES[tensor.dtype],
      shape: [...tensor.shape],
      data_offsets: [offset, offset + values.byteLength],
    };
    offset += values.byteLength;
  }
  const encoder = new TextEncoder();
  let headerText = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (allowed by the format, helps zero-copy readers).
  headerText += ' '.repeat((8 - ((8 + encoder.encode(headerText).length) % 8)) % 8);
  const headerBytes = encoder.encode(headerText);
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const { values } of entries) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position);
    position += values.byteLength;
  }
  return bytes;
}

export interface DecodedSafetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Decodes a safetensors file; every inconsistency is a FileFormatError naming `file` and the field. */
export function decodeSafetensors(bytes: Uint8Array, file: string): DecodedSafetensors {
  if (bytes.length < 8) throw new FileFormatError(file, `too short for a safetensors header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(Math.min(SAFETENSORS_MAX_HEADER_BYTES, bytes.length - 8))) {
    throw new FileFormatError(
      file,
      `header length ${declared} exceeds the file (${bytes.length} bytes) or the ` +
        `${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`,
    );
  }
  const headerLength = Number(declared);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new FileFormatError(file, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new FileFormatError(file, 'header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry, file);
      continue;
    }
    const { dtype, shape, begin, end } = checkEntry(name, entry, file);
    const elementBytes = BYTES_PER_ELEMENT[dtype]!;
    if (end > dataLength)
      throw new FileFormatError(
        file,
        `tensor '${name}': data_offsets end ${end} is past the end of the data (${dataLength} bytes)`,
      );
    if (end - begin !== sizeOf(shape) * elementBytes) {
      throw new FileFormatError(
        file,
        `tensor '${name}': shape [${shape.join(', ')}] of ${dtype} needs ${sizeOf(shape) * elementBytes} ` +
          `bytes but data_offsets span ${end - begin}`,
      );
    }
    ranges.push([begin, end, name]);
    // Copy rather than view: the file's offsets need not be aligned for a typed-array view. (Not
    // bytes.slice: on a Node Buffer that returns a view of a shared pool.)
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    const data = dtype === 'F32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
    tensors.set(name, new Tensor(data, shape.length === 0 ? [] : shape));
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let index = 1; index < ranges.length; index++) {
    if (ranges[index]![0] < ranges[index - 1]![1]) {
      throw new FileFormatError(file, `tensors '${ranges[index - 1]![2]}' and '${ranges[index]![2]}' overlap`);
    }
  }
  return { tensors, metadata };
}

function checkEntry(
  name: string,
  entry: unknown,
  file: string,
): { dtype: string; shape: number[]; begin: number; end: number } {
  if (typeof entry !== 'object' || entry === null)
    throw new FileFormatError(file, `tensor '${name}': entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
    throw new FileFormatError(file, `tensor '${name}': dtype ${JSON.stringify(dtype)} is not supported (F32 or F64)`);
  }
  if (
    !Array.isArray(shape) ||
    shape.length > 8 ||
    !shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 1)
  ) {
    throw new FileFormatError(
      file,
      `tensor '${name}': shape ${JSON.stringify(shape)} is not a list of at most 8 positive integers`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new FileFormatError(
      file,
      `tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 <= begin <= end`,
    );
  }
  if (!Number.isSafeInteger(sizeOf(shape)))
    throw new FileFormatError(file, `tensor '${name}': shape ${JSON.stringify(shape)} is too large`);
  return { dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}

function checkMetadata(entry: unknown, file: string): Record<string, string> {
  if (
    typeof entry !== 'object' ||
    entry === null ||
    Array.isArray(entry) ||
    !Object.values(entry).every((value) => typeof value === 'string')
  ) {
    throw new FileFormatError(file, '__metadata__ must map names to strings');
  }
  return entry as Record<string, string>;
}
