// A pass over an ONNX file's protobuf wire format that reads it as onnx-proto's decoder would (the
// same fields, the same types, the same leniencies) but builds nothing: it counts what decoding would
// allocate and how deep the decoder would recurse, so importOnnx refuses a file that would exhaust the
// heap or the stack before decoding it. Schema: onnx-proto 8.0.1's generated decoders (ONNX 1.10.2's
// onnx.proto); reader: protobufjs 6.11's Reader. Linear in the file's bytes, with an explicit stack.

import { FileFormatError } from '../core/errors.js';
import { MAX_ONNX_DECODED_HEAP_BYTES, MAX_ONNX_MESSAGE_DEPTH, MAX_ONNX_NODES } from '../core/limits.js';

/**
 * How onnx-proto reads a field, from its declared type alone (it never checks the wire type, except to
 * tell packed repeated numbers from one value): one value ('int32', 'float', 'int64'); repeated
 * numbers, packed when the wire type is 2 ('int32s', 'floats', 'doubles', 'int64s'); a length-prefixed
 * 'string' or 'bytes'; or a nested message, named. '[]' marks the other repeated fields.
 */
type FieldType =
  | 'int32'
  | 'float'
  | 'int64'
  | 'int32s'
  | 'floats'
  | 'doubles'
  | 'int64s'
  | Repeatable
  | `${Repeatable}[]`;

type Repeatable = 'string' | 'bytes' | MessageName;

type MessageName =
  | 'ModelProto'
  | 'GraphProto'
  | 'NodeProto'
  | 'AttributeProto'
  | 'ValueInfoProto'
  | 'TensorProto'
  | 'Segment'
  | 'SparseTensorProto'
  | 'TensorShapeProto'
  | 'Dimension'
  | 'TypeProto'
  | 'TypeTensor'
  | 'TypeSequence'
  | 'TypeMap'
  | 'TypeOptional'
  | 'TypeSparseTensor'
  | 'OperatorSetIdProto'
  | 'StringStringEntryProto'
  | 'TensorAnnotation'
  | 'TrainingInfoProto'
  | 'FunctionProto';

// Copied from the decode functions of node_modules/onnx-proto/dist/onnx.js; the field numbers agree
// with onnx.proto. uint64_data (TensorProto 11) is read as int64_data is. Fields onnx-proto does not
// know (later ONNX versions') are skipped by the decoder and by this scan alike.
const SCHEMA: Record<MessageName, Record<number, FieldType>> = {
  ModelProto: {
    1: 'int64',
    2: 'string',
    3: 'string',
    4: 'string',
    5: 'int64',
    6: 'string',
    7: 'GraphProto',
    8: 'OperatorSetIdProto[]',
    14: 'StringStringEntryProto[]',
    20: 'TrainingInfoProto[]',
    25: 'FunctionProto[]',
  },
  GraphProto: {
    1: 'NodeProto[]',
    2: 'string',
    5: 'TensorProto[]',
    10: 'string',
    11: 'ValueInfoProto[]',
    12: 'ValueInfoProto[]',
    13: 'ValueInfoProto[]',
    14: 'TensorAnnotation[]',
    15: 'SparseTensorProto[]',
  },
  NodeProto: {
    1: 'string[]',
    2: 'string[]',
    3: 'string',
    4: 'string',
    5: 'AttributeProto[]',
    6: 'string',
    7: 'string',
  },
  AttributeProto: {
    1: 'string',
    2: 'float',
    3: 'int64',
    4: 'bytes',
    5: 'TensorProto',
    6: 'GraphProto',
    7: 'floats',
    8: 'int64s',
    9: 'bytes[]',
    10: 'TensorProto[]',
    11: 'GraphProto[]',
    13: 'string',
    14: 'TypeProto',
    15: 'TypeProto[]',
    20: 'int32',
    21: 'string',
    22: 'SparseTensorProto',
    23: 'SparseTensorProto[]',
  },
  ValueInfoProto: { 1: 'string', 2: 'TypeProto', 3: 'string' },
  TensorProto: {
    1: 'int64s',
    2: 'int32',
    3: 'Segment',
    4: 'floats',
    5: 'int32s',
    6: 'bytes[]',
    7: 'int64s',
    8: 'string',
    9: 'bytes',
    10: 'doubles',
    11: 'int64s',
    12: 'string',
    13: 'StringStringEntryProto[]',
    14: 'int32',
  },
  Segment: { 1: 'int64', 2: 'int64' },
  SparseTensorProto: { 1: 'TensorProto', 2: 'TensorProto', 3: 'int64s' },
  TensorShapeProto: { 1: 'Dimension[]' },
  Dimension: { 1: 'int64', 2: 'string', 3: 'string' },
  TypeProto: {
    1: 'TypeTensor',
    4: 'TypeSequence',
    5: 'TypeMap',
    6: 'string',
    8: 'TypeSparseTensor',
    9: 'TypeOptional',
  },
  TypeTensor: { 1: 'int32', 2: 'TensorShapeProto' },
  TypeSequence: { 1: 'TypeProto' },
  TypeMap: { 1: 'int32', 2: 'TypeProto' },
  TypeOptional: { 1: 'TypeProto' },
  TypeSparseTensor: { 1: 'int32', 2: 'TensorShapeProto' },
  OperatorSetIdProto: { 1: 'string', 2: 'int64' },
  StringStringEntryProto: { 1: 'string', 2: 'string' },
  TensorAnnotation: { 1: 'string', 2: 'StringStringEntryProto[]' },
  TrainingInfoProto: { 1: 'GraphProto', 2: 'GraphProto', 3: 'StringStringEntryProto[]', 4: 'StringStringEntryProto[]' },
  FunctionProto: {
    1: 'string',
    4: 'string[]',
    5: 'string[]',
    6: 'string[]',
    7: 'NodeProto[]',
    8: 'string',
    9: 'OperatorSetIdProto[]',
    10: 'string',
  },
};

// What decoding keeps on the heap per item, in bytes: measured on Node 20 (x64) by decoding a
// million items of each kind and reading heapUsed after a collection, then rounded up. Garbage made
// on the way (protobufjs's LongBits, its UTF-8 chunks) is collected as it goes.
// - A message: 34.5 with no repeated field, and 40 more for each repeated field, whose empty array
//   its constructor makes (a NodeProto 154.5, a TensorProto 354.5).
// - A repeated field's first value replaces that array with one of 17 slots: 152 more (a NodeProto
//   with one input 306.6, an AttributeProto with one int 514.6 against 314.5 without).
// - A Long with its array slot: 58.5 (int64 and uint64 values).
// - A number in an array: 10.5 (int32, float and double values).
// - A byte string (a view of the file, or an empty Uint8Array): 106.5 to 194.5.
// - A string: 34.5 for 8 ASCII characters, 130 for 100, and up to 2 bytes per byte of the file
//   (225 for 100 invalid bytes from a Node Buffer, each becoming U+FFFD; 81.5 from a Uint8Array);
//   so 32 plus twice its UTF-8 bytes.
const MESSAGE_BYTES = 40;
const ARRAY_BYTES = 40;
const FILLED_ARRAY_BYTES = 152;
const LONG_BYTES = 60;
const NUMBER_BYTES = 12;
const BYTE_STRING_BYTES = 200;
const STRING_BYTES = 32;

/** What decoding a file would make, counted in its bytes by scanOnnxWire. */
export interface OnnxWireCounts {
  /** NodeProto messages, in every graph, subgraph and function. */
  nodes: number;
  /** Messages of every type, the ModelProto included. */
  messages: number;
  /** int64 and uint64 values (dims, int64_data, ints, dim_value...): a Long object each. */
  int64Values: number;
  /** int32, float and double values (int32_data, float_data, floats, enums...). */
  numbers: number;
  /** Strings (names, op types, doc strings) and their UTF-8 bytes. */
  strings: number;
  stringBytes: number;
  /** Byte strings (raw_data, string_data, attribute strings): a Uint8Array each. */
  byteStrings: number;
  /** The heap that decoding would keep, estimated from the counts above. */
  decodedHeapBytes: number;
  /** How far the scan read: the file's length, unless it stopped once decodedHeapBytes passed its bound. */
  scannedBytes: number;
}

/** A problem in the wire format; scanOnnxWire reports it as the file not being an ONNX model. */
class WireError extends Error {}

// Field codes: the message types are numbered from 0 in SCHEMA's order; the kinds of value follow.
const MESSAGE_NAMES = Object.keys(SCHEMA) as MessageName[];
const VALUE_KINDS = ['int32', 'float', 'int64', 'int32s', 'floats', 'doubles', 'int64s', 'string', 'bytes'] as const;
const [INT32, , INT64, INT32S, FLOATS, DOUBLES, INT64S, STRING, BYTES] = VALUE_KINDS.map(
  (_, index) => MESSAGE_NAMES.length + index,
) as number[];
const UNKNOWN = -1;
/** In the scan's stack: a group being skipped (wire types 3 and 4), which protobufjs skips recursively. */
const GROUP = -2;
const MODEL = MESSAGE_NAMES.indexOf('ModelProto');
const NODE = MESSAGE_NAMES.indexOf('NodeProto');
/** Per message type, its fields' codes indexed by field number (no field number passes 25). */
const FIELD_CODES: number[][] = MESSAGE_NAMES.map((name) => {
  const codes = new Array<number>(32).fill(UNKNOWN);
  for (const [field, type] of Object.entries(SCHEMA[name])) {
    const single = type.replace('[]', '');
    const kind = VALUE_KINDS.indexOf(single as (typeof VALUE_KINDS)[number]);
    codes[Number(field)] = kind >= 0 ? MESSAGE_NAMES.length + kind : MESSAGE_NAMES.indexOf(single as MessageName);
  }
  return codes;
});
/** Per message type, a bit (1 << field number) for each repeated field. */
const REPEATED_FIELDS: number[] = MESSAGE_NAMES.map((name) =>
  Object.entries(SCHEMA[name])
    .filter(([, type]) => type.endsWith('[]') || ['int32s', 'floats', 'doubles', 'int64s'].includes(type))
    .reduce((bits, [field]) => bits | (1 << Number(field)), 0),
);
const MESSAGE_HEAP_BYTES = MESSAGE_NAMES.map(
  (_, type) => MESSAGE_BYTES + ARRAY_BYTES * bitCount(REPEATED_FIELDS[type]!),
);

function bitCount(bits: number): number {
  let count = 0;
  for (; bits !== 0; bits &= bits - 1) count++;
  return count;
}

/**
 * protobufjs's Reader, reading nothing: each method moves `position` as the Reader's namesake does,
 * faults included (a uint32 takes 5 bytes and skips 5 more when they all continue; an int64 near the
 * end takes its fourth byte unseen), and throws a WireError where the Reader would throw.
 */
class WireCursor {
  position = 0;
  readonly length: number;

  constructor(readonly bytes: Uint8Array) {
    this.length = bytes.length;
  }

  /** Reader.uint32: the low 32 bits of a varint. A byte past the end reads as undefined does there: 0, continued. */
  uint32(): number {
    let value = 0;
    for (let index = 0; index < 5; index++) {
      const byte = this.position < this.length ? this.bytes[this.position]! : 0x80;
      this.position++;
      value = (value | ((byte & (index === 4 ? 15 : 127)) << (7 * index))) >>> 0;
      if (byte < 0x80) return value;
    }
    this.position += 5;
    if (this.position > this.length) throw this.pastEnd();
    return value;
  }

  /** Reader.int64 and uint64 (readLongVarint): up to 10 bytes, bounds checked only near the end. */
  int64(): void {
    const { bytes, length } = this;
    if (length - this.position > 4) {
      for (let index = 0; index < 5; index++) if (bytes[this.position++]! < 0x80) return;
      if (length - this.position > 4) {
        for (let index = 0; index < 5; index++) if (bytes[this.position++]! < 0x80) return;
      } else {
        for (let index = 0; index < 5; index++) {
          if (this.position >= length) throw this.pastEnd();
          if (bytes[this.position++]! < 0x80) return;
        }
      }
      throw new WireError(`a varint longer than 10 bytes ends at byte ${this.position}`);
    }
    for (let index = 0; index < 3; index++) {
      if (this.position >= length) throw this.pastEnd();
      if (bytes[this.position++]! < 0x80) return;
    }
    this.position++; // NOTE: protobufjs takes a fourth byte here without looking, even past the end.
  }

  /** Reader.skip(count): fixed-size values, bytes fields, unknown length-delimited fields. */
  skip(count: number): void {
    if (this.position + count > this.length) throw this.pastEnd();
    this.position += count;
  }

  /** Reader.string, as Node's BufferReader reads it: a length past the end is cut at the end. */
  string(): number {
    const length = this.uint32();
    const start = this.position;
    this.position = Math.min(this.position + length, this.length);
    return this.position - start;
  }

  /** Reader.skipType for a field the schema does not know; false for a group start, which the caller stacks. */
  skipUnknown(wireType: number): boolean {
    if (wireType === 0) {
      do {
        if (this.position >= this.length) throw this.pastEnd();
      } while (this.bytes[this.position++]! & 0x80);
    } else if (wireType === 1) {
      this.skip(8);
    } else if (wireType === 2) {
      this.skip(this.uint32());
    } else if (wireType === 5) {
      this.skip(4);
    } else if (wireType === 3) {
      return false;
    } else {
      throw new WireError(`invalid wire type ${wireType} before byte ${this.position}`);
    }
    return true;
  }

  pastEnd(): WireError {
    return new WireError(
      `a value at byte ${Math.min(this.position, this.length)} runs past the end of the file's ${this.length} bytes`,
    );
  }
}

/**
 * Counts what onnx-proto's `ModelProto.decode(bytes)` would allocate, without decoding; it stops early
 * (scannedBytes) once the estimate passes `maxHeapBytes`. Throws FileFormatError where the decoder
 * would throw (the file is not protobuf), and where messages nest more than MAX_ONNX_MESSAGE_DEPTH
 * deep (the decoder recurses once a level, groups included).
 */
export function scanOnnxWire(bytes: Uint8Array, file: string, maxHeapBytes = Infinity): OnnxWireCounts {
  const cursor = new WireCursor(bytes);
  let nodes = 0;
  let messages = 1;
  let int64Values = 0;
  let numbers = 0;
  let strings = 0;
  let stringBytes = 0;
  let byteStrings = 0;
  let heapBytes = MESSAGE_HEAP_BYTES[MODEL]!;
  // The decoders' call stack: each level's message type (or GROUP), where it ends, and which of its
  // repeated fields hold values (a bit each, as in REPEATED_FIELDS).
  const types: number[] = [MODEL];
  const ends: number[] = [bytes.length];
  const filled: number[] = [0];
  const enter = (type: number, end: number, at: number): void => {
    if (types.length >= MAX_ONNX_MESSAGE_DEPTH) {
      throw new FileFormatError(
        file,
        `has messages nested more than ${MAX_ONNX_MESSAGE_DEPTH} deep (at byte ` +
          `${at.toLocaleString('en-US')}), more than an ONNX file may nest (MAX_ONNX_MESSAGE_DEPTH)`,
      );
    }
    types.push(type);
    ends.push(end);
    filled.push(0);
  };
  const leave = (): void => {
    types.pop();
    ends.pop();
    filled.pop();
  };
  try {
    while (types.length > 0 && heapBytes <= maxHeapBytes) {
      const level = types.length - 1;
      const type = types[level]!;
      const at = cursor.position;
      if (type === GROUP) {
        const wireType = cursor.uint32() & 7;
        if (wireType === 4) leave();
        else if (!cursor.skipUnknown(wireType)) enter(GROUP, 0, at);
        continue;
      }
      if (cursor.position >= ends[level]!) {
        leave();
        continue;
      }
      const tag = cursor.uint32();
      const field = tag >>> 3;
      const code = field < 32 ? FIELD_CODES[type]![field]! : UNKNOWN;
      if (code === UNKNOWN) {
        if (!cursor.skipUnknown(tag & 7)) enter(GROUP, 0, at);
        continue;
      }
      // The first value of a repeated field gives its message a new array.
      const bit = REPEATED_FIELDS[type]! & (1 << field);
      if (bit !== 0 && (filled[level]! & bit) === 0) {
        filled[level]! |= bit;
        heapBytes += FILLED_ARRAY_BYTES;
      }
      if (code < MESSAGE_NAMES.length) {
        const length = cursor.uint32();
        messages++;
        heapBytes += MESSAGE_HEAP_BYTES[code]!;
        if (code === NODE) nodes++;
        enter(code, cursor.position + length, at);
      } else if (code === STRING) {
        const length = cursor.string();
        strings++;
        stringBytes += length;
        heapBytes += STRING_BYTES + 2 * length;
      } else if (code === BYTES) {
        cursor.skip(cursor.uint32());
        byteStrings++;
        heapBytes += BYTE_STRING_BYTES;
      } else if ((tag & 7) === 2 && (code === INT32S || code === FLOATS || code === DOUBLES || code === INT64S)) {
        // Packed numbers, read one by one to the run's end as the decoder pushes them; a varint run
        // stops where it passes maxHeapBytes, so a hostile file is refused in a moment.
        const end = cursor.uint32() + cursor.position;
        let values = 0;
        if (code === INT64S) {
          const most = Math.floor((maxHeapBytes - heapBytes) / LONG_BYTES) + 1;
          for (; cursor.position < end && values < most; values++) cursor.int64();
          int64Values += values;
          heapBytes += LONG_BYTES * values;
        } else {
          if (code === INT32S) {
            const most = Math.floor((maxHeapBytes - heapBytes) / NUMBER_BYTES) + 1;
            for (; cursor.position < end && values < most; values++) cursor.uint32();
          } else {
            const size = code === DOUBLES ? 8 : 4;
            values = Math.ceil((end - cursor.position) / size);
            cursor.skip(values * size);
          }
          numbers += values;
          heapBytes += NUMBER_BYTES * values;
        }
      } else if (code === INT64 || code === INT64S) {
        cursor.int64();
        int64Values++;
        heapBytes += LONG_BYTES;
      } else {
        if (code === INT32 || code === INT32S) cursor.uint32();
        else cursor.skip(code === DOUBLES ? 8 : 4);
        numbers++;
        heapBytes += NUMBER_BYTES;
      }
    }
  } catch (error) {
    if (error instanceof WireError) throw new FileFormatError(file, `is not an ONNX model (${error.message})`);
    throw error;
  }
  return {
    nodes,
    messages,
    int64Values,
    numbers,
    strings,
    stringBytes,
    byteStrings,
    decodedHeapBytes: heapBytes,
    scannedBytes: Math.min(cursor.position, bytes.length),
  };
}

/**
 * Scans `bytes` (scanOnnxWire) and refuses, with a FileFormatError naming the figures and the limit, a
 * file whose decoding would take more than MAX_ONNX_DECODED_HEAP_BYTES of heap or that has more than
 * MAX_ONNX_NODES nodes; returns the counts otherwise.
 */
export function checkOnnxWire(bytes: Uint8Array, file: string): OnnxWireCounts {
  const counts = scanOnnxWire(bytes, file, MAX_ONNX_DECODED_HEAP_BYTES);
  const format = (value: number) => value.toLocaleString('en-US');
  if (counts.decodedHeapBytes > MAX_ONNX_DECODED_HEAP_BYTES) {
    const items = [
      [counts.int64Values, 'int64 value'],
      [counts.numbers, 'int32, float and double value'],
      [counts.strings, 'string'],
      [counts.byteStrings, 'byte string'],
      [counts.messages, 'message'],
    ] as const;
    const what = items
      .filter(([count]) => count > 0)
      .map(([count, name]) => `${format(count)} ${name}${count === 1 ? '' : 's'}`);
    const listed = what.length === 1 ? what[0] : `${what.slice(0, -1).join(', ')} and ${what.at(-1)}`;
    throw new FileFormatError(
      file,
      `decoding it would take more than the ${format(MAX_ONNX_DECODED_HEAP_BYTES / 2 ** 20)} MiB of memory ` +
        `an ONNX file may take (MAX_ONNX_DECODED_HEAP_BYTES): ` +
        `its first ${format(counts.scannedBytes)} bytes already hold ${listed}; ` +
        'tensors whose values are raw_data bytes take almost none',
    );
  }
  if (counts.nodes > MAX_ONNX_NODES) {
    throw new FileFormatError(
      file,
      `has ${format(counts.nodes)} nodes, more than the ${format(MAX_ONNX_NODES)} an imported graph may have`,
    );
  }
  return counts;
}
