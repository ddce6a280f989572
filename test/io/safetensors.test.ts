// The safetensors format (src/io/safetensors.ts): a round trip keeps names, shapes, dtypes and bits with
// the data 8-byte aligned, and corrupt headers are refused with a FileFormatError naming the file.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeSafetensors, encodeSafetensors, FileFormatError, Random, Tensor } from '../../src/index.js';

function randomTensor(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const random = new Random(seed);
  const tensor = Tensor.zeros(shape, dtype);
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = random.normal();
  return tensor;
}

describe('safetensors', () => {
  test('round trip keeps names, shapes, dtypes and bits', () => {
    const tensors = [
      { name: 'conv/kernel', tensor: randomTensor([3, 3, 1, 4], 1) },
      { name: 'conv/bias', tensor: randomTensor([4], 2, 'float64') },
    ];
    const bytes = encodeSafetensors(tensors, { note: 'hello' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + headerLength) % 8, 0, 'data starts 8-byte aligned');
    const decoded = decodeSafetensors(bytes, 'weights.safetensors');
    assert.deepEqual(decoded.metadata, { note: 'hello' });
    for (const { name, tensor } of tensors) {
      const back = decoded.tensors.get(name)!;
      assert.deepEqual(back.shape, tensor.shape);
      assert.equal(back.dtype, tensor.dtype);
      assert.deepEqual(Array.from(back.dataSync()), Array.from(tensor.dataSync()));
    }
  });

  const valid = encodeSafetensors([{ name: 'w', tensor: randomTensor([2, 3], 3) }]);
  const header = (text: string, extra = 0) => {
    const headerBytes = new TextEncoder().encode(text);
    const bytes = new Uint8Array(8 + headerBytes.length + extra);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
    bytes.set(headerBytes, 8);
    return bytes;
  };
  const corrupt: [string, Uint8Array, RegExp][] = [
    ['too short', valid.subarray(0, 5), /too short/],
    [
      'header length claims 100 GB',
      (() => {
        const bytes = valid.slice();
        new DataView(bytes.buffer).setBigUint64(0, 100n * 1024n ** 3n, true);
        return bytes;
      })(),
      /header length/,
    ],
    ['header not JSON', header('{"w": '), /not valid UTF-8 JSON/],
    ['header is an array', header('[1, 2]'), /not a JSON object/],
    ['unsupported dtype', header('{"w":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}', 1), /dtype "I8"/],
    ['offsets past the end', header('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 8), /past the end/],
    [
      'shape and offsets disagree',
      header('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8),
      /needs 12 bytes/,
    ],
    ['negative dimension', header('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', 4), /shape/],
    [
      'overlapping tensors',
      header(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
        12,
      ),
      /overlap/,
    ],
  ];
  for (const [title, bytes, pattern] of corrupt) {
    test(`rejects ${title}`, () => {
      assert.throws(
        () => decodeSafetensors(bytes, 'bad.safetensors'),
        (error: unknown) => {
          assert.ok(error instanceof FileFormatError, `FileFormatError, got ${String(error)}`);
          assert.match(error.message, /^bad\.safetensors: /);
          assert.match(error.message, pattern);
          return true;
        },
      );
    });
  }
});
