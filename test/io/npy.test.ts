// .npy files (src/io/npy.ts): round trips of every dtype, hostile headers that must fail with a typed error,
// and interchange with NumPy itself where python3 has it (files written by NumPy read here, and ours read
// there). Reading a file in rows is in npyFile.test.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeNpy, encodeNpy, FileFormatError } from '../../src/index.js';
import { header, withData } from './npyBytes.js';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('.npy', () => {
  test('round trips float32, float64, uint8 and int64 of any rank; data starts 64-byte aligned', () => {
    const arrays = [
      { shape: [2, 3], data: Float32Array.of(1, -2.5, 3, 0, Number.NaN, Infinity) },
      { shape: [4], data: Float64Array.of(Math.PI, -1e300, 5e-324, 0) },
      { shape: [2, 2, 2], data: Uint8Array.of(0, 1, 2, 3, 252, 253, 254, 255) },
      { shape: [3], data: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 62n) },
      { shape: [], data: Float32Array.of(7) },
      { shape: [0, 5], data: new Float32Array(0) },
    ];
    for (const array of arrays) {
      const bytes = encodeNpy(array);
      assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, 'aligned data');
      const decoded = decodeNpy(bytes, 'x.npy');
      assert.deepEqual(decoded.shape, array.shape);
      assert.deepEqual(
        Array.from(decoded.data as ArrayLike<number | bigint>),
        Array.from(array.data as ArrayLike<number | bigint>),
      );
    }
    const text = new TextDecoder().decode(encodeNpy({ shape: [2, 3], data: new Float32Array(6) }).subarray(10, 70));
    assert.match(text, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \}/);
    assert.match(new TextDecoder().decode(encodeNpy({ shape: [5], data: new Uint8Array(5) })), /'shape': \(5,\)/);
  });

  test('reads big-endian values and format version 2.0 headers', () => {
    const bigEndian = withData(
      header("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"),
      Uint8Array.of(0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0),
    );
    assert.deepEqual(Array.from(decodeNpy(bigEndian).data as Float32Array), [1, -2]);
    const version2 = withData(
      header("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", 2),
      Uint8Array.of(5, 0, 0, 0, 0, 0, 0, 0),
    );
    assert.deepEqual(Array.from(decodeNpy(version2).data as BigInt64Array), [5n]);
  });

  test('hostile or unsupported files raise FileFormatError naming the file and the field', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['not npy', new TextEncoder().encode('PK\u0003\u0004 zip file'), /bad\.npy: is not a \.npy file/],
      ['empty', new Uint8Array(0), /is not a \.npy file/],
      ['version 9', Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0), /format version 9\.0/],
      [
        'header past the end',
        (() => {
          const bytes = header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }");
          new DataView(bytes.buffer).setUint16(8, 60000, true);
          return bytes;
        })(),
        /header length 60000 exceeds the file/,
      ],
      [
        'huge version 2 header',
        (() => {
          const bytes = header('{}', 2);
          new DataView(bytes.buffer).setUint32(8, 0xffffffff, true);
          return bytes;
        })(),
        /header length 4294967295 exceeds/,
      ],
      [
        'shape larger than the data',
        withData(
          header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }"),
          new Uint8Array(16),
        ),
        /'shape' \(1000000000, 1000000000\) needs .* bytes of float64 but the file has 16/,
      ],
      [
        'shape smaller than the data',
        withData(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), new Uint8Array(8)),
        /needs 4 bytes of float32 but the file has 8/,
      ],
      [
        'object array',
        withData(header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), new Uint8Array(8)),
        /'descr' is missing or not a simple dtype/,
      ],
      [
        'complex',
        withData(header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), new Uint8Array(8)),
        /'descr' is '<c8'; float32, float64, uint8 and int64 are read/,
      ],
      [
        'Fortran order',
        withData(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"), new Uint8Array(16)),
        /'fortran_order' is True/,
      ],
      [
        'negative shape',
        withData(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), new Uint8Array(4)),
        /'shape' is not a tuple of sizes/,
      ],
      [
        'no shape',
        withData(header("{'descr': '<f4', 'fortran_order': False}"), new Uint8Array(4)),
        /'shape' is missing/,
      ],
      [
        'code in the header',
        withData(
          header("{'descr': __import__('os').system('ls'), 'fortran_order': False, 'shape': (1,), }"),
          new Uint8Array(4),
        ),
        /'descr' is missing or not a simple dtype/,
      ],
    ];
    for (const [label, bytes, message] of cases) {
      assert.throws(
        () => decodeNpy(bytes, 'bad.npy'),
        (error: unknown) => error instanceof FileFormatError && message.test(error.message),
        label,
      );
    }
  });
});

describe('.npy interchange with NumPy', { skip: hasNumpy ? false : 'python3 has no numpy' }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'convnet-npy-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('files NumPy writes (every dtype, both byte orders, format 2.0) decode to its values', () => {
    const script = `
import numpy as np, json, sys
d = sys.argv[1]
arrays = {
  'f4': np.arange(12, dtype='<f4').reshape(3, 4) / 7,
  'f8be': (np.arange(6, dtype='>f8') - 2.5) * 1e10,
  'u1': np.arange(256, dtype=np.uint8).reshape(16, 16),
  'i8': np.array([-2**63, -1, 0, 2**62], dtype='<i8'),
  'scalar': np.float32(3.5).reshape(()),
}
for name, array in arrays.items(): np.save(f'{d}/{name}.npy', array)
with open(f'{d}/v2.npy', 'wb') as f: np.lib.format.write_array(f, np.ones((2, 3), dtype='<f4'), version=(2, 0))
print(json.dumps({name: [list(a.shape), [float(v) if a.dtype.kind == 'f' else int(v) for v in a.ravel()]] for name, a in arrays.items()}))
`;
    const result = spawnSync('python3', ['-c', script, directory], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const expected = JSON.parse(result.stdout) as Record<string, [number[], number[]]>;
    for (const [name, [shape, values]] of Object.entries(expected)) {
      const decoded = decodeNpy(readFileSync(join(directory, `${name}.npy`)), `${name}.npy`);
      assert.deepEqual(decoded.shape, shape, name);
      const actual = Array.from(decoded.data as ArrayLike<number | bigint>, (value) =>
        typeof value === 'bigint' ? Number(value) : value,
      );
      actual.forEach((value, index) => {
        assert.ok(
          Math.abs(value - values[index]!) <= Math.abs(values[index]!) * 1e-7,
          `${name}[${index}] ${value} vs ${values[index]}`,
        );
      });
    }
    assert.deepEqual(
      Array.from(decodeNpy(readFileSync(join(directory, 'v2.npy'))).data as Float32Array),
      [1, 1, 1, 1, 1, 1],
    );
  });

  test('files written here load in NumPy with their dtype, shape and values', () => {
    writeFileSync(
      join(directory, 'ours-f4.npy'),
      encodeNpy({ shape: [2, 3], data: Float32Array.of(0.5, 1, 2, 3, 4, -5) }),
    );
    writeFileSync(
      join(directory, 'ours-i8.npy'),
      encodeNpy({ shape: [2], data: BigInt64Array.of(-7n, 9007199254740993n) }),
    );
    writeFileSync(join(directory, 'ours-u1.npy'), encodeNpy({ shape: [3], data: Uint8Array.of(0, 128, 255) }));
    const script = `
import numpy as np, sys
d = sys.argv[1]
a = np.load(f'{d}/ours-f4.npy'); assert a.dtype == np.float32 and a.shape == (2, 3) and a[1, 2] == -5, a
b = np.load(f'{d}/ours-i8.npy'); assert b.dtype == np.int64 and b[1] == 9007199254740993, b
c = np.load(f'{d}/ours-u1.npy'); assert c.dtype == np.uint8 and list(c) == [0, 128, 255], c
print('ok')
`;
    const result = spawnSync('python3', ['-c', script, directory], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'ok');
  });
});
