// A JPEG's structure read before decoding (src/image/jpegStructure.ts): the frame header, the color
// rule (JFIF, Adobe transform, component ids), scans counted, jpeg-js's block layout worked by hand, and
// damaged or unsupported files refused with a FileFormatError naming the file and the fault. The files
// are built marker by marker: the structure is read before any entropy-coded data.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jpegBlocks, readJpegStructure } from '../../src/image/jpegStructure.js';
import { encodeJpeg, FileFormatError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

/** A marker segment: FF, the marker, a 2-byte length counting itself, the data. */
function segment(marker: number, data: readonly number[]): number[] {
  return [0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data];
}

const JFIF = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
/** Adobe APP14: 'Adobe', version 100, flags0, flags1, transform. */
function adobe(transform: number): number[] {
  return segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, transform]);
}
/** Start of frame `marker` (0xc0 baseline, 0xc2 progressive): 8-bit, height, width, [id, sampling] per component. */
function frame(marker: number, width: number, height: number, components: [number, number, number][]): number[] {
  const data = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, components.length];
  for (const [id, h, v] of components) data.push(id, (h << 4) | v, 0);
  return segment(marker, data);
}
/** A scan header and a few bytes of entropy-coded data. */
const SCAN = [...segment(0xda, [1, 1, 0, 0, 63, 0]), 0x12, 0x34, 0xff, 0x00, 0x56];

function jpeg(...parts: number[][]): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, ...parts.flat(), 0xff, 0xd9]);
}

const YCBCR_420: [number, number, number][] = [
  [1, 2, 2],
  [2, 1, 1],
  [3, 1, 1],
];

describe('the structure of a JPEG', () => {
  test('a JFIF 4:2:0 baseline frame of 17x9 pixels with two scans', () => {
    const structure = readJpegStructure(jpeg(JFIF, frame(0xc0, 17, 9, YCBCR_420), SCAN, SCAN), 'photo.jpg');
    assert.deepEqual(structure, {
      width: 17,
      height: 9,
      components: [
        { id: 1, h: 2, v: 2 },
        { id: 2, h: 1, v: 1 },
        { id: 3, h: 1, v: 1 },
      ],
      isProgressive: false,
      scans: 2,
      isRgbCoded: false,
    });
  });

  test("colors: Adobe transform 0 means RGB, JFIF means YCbCr, and without either ids 'R', 'G', 'B' mean RGB", () => {
    const ids = (first: number, second: number, third: number): [number, number, number][] => [
      [first, 1, 1],
      [second, 1, 1],
      [third, 1, 1],
    ];
    const isRgb = (...parts: number[][]) => readJpegStructure(jpeg(...parts, SCAN), 'a.jpg').isRgbCoded;
    assert.equal(isRgb(adobe(0), frame(0xc0, 8, 8, ids(1, 2, 3))), true);
    assert.equal(isRgb(adobe(1), frame(0xc0, 8, 8, ids(0x52, 0x47, 0x42))), false, 'Adobe YCbCr wins over ids');
    assert.equal(isRgb(frame(0xc0, 8, 8, ids(0x52, 0x47, 0x42))), true);
    assert.equal(isRgb(JFIF, adobe(0), frame(0xc0, 8, 8, ids(1, 2, 3))), false, 'JFIF wins');
    assert.equal(readJpegStructure(jpeg(frame(0xc2, 8, 8, ids(1, 2, 3)), SCAN), 'a.jpg').isProgressive, true);
  });

  test("jpeg-js's blocks for 17x9 4:2:0: MCUs of 16x16, 2 by 1; luma 4x2 allocated, 3x2 used; chroma 2x1", () => {
    const structure = readJpegStructure(jpeg(JFIF, frame(0xc0, 17, 9, YCBCR_420), SCAN), 'photo.jpg');
    assert.deepEqual(jpegBlocks(structure), [
      { allocated: 8, perLine: 3, perColumn: 2 },
      { allocated: 2, perLine: 2, perColumn: 1 },
      { allocated: 2, perLine: 2, perColumn: 1 },
    ]);
  });

  test("the library's own JPEG encoder writes a structure read back with its size and three components", () => {
    const image = { width: 20, height: 12, colorModel: 'rgb' as const, data: new Float32Array(20 * 12 * 3).fill(0.5) };
    const structure = readJpegStructure(encodeJpeg(image), 'encoded.jpg');
    assert.deepEqual([structure.width, structure.height, structure.components.length], [20, 12, 3]);
    assert.equal(structure.scans, 1);
    assert.equal(structure.isRgbCoded, false);
  });
});

describe('damaged or unsupported JPEGs raise a FileFormatError naming the file', () => {
  test('cut before the frame header, a scan without a frame, a lossless frame, bad counts and sampling', () => {
    const whole = jpeg(JFIF, frame(0xc0, 17, 9, YCBCR_420), SCAN);
    assertThrowsWith(
      () => readJpegStructure(whole.subarray(0, 12), 'cut.jpg'),
      FileFormatError,
      'cut.jpg: cannot be decoded as JPEG: it is truncated (12 bytes, before its frame header)',
    );
    assertThrowsWith(
      () => readJpegStructure(jpeg(JFIF, SCAN), 'a.jpg'),
      FileFormatError,
      'a.jpg: has no frame header (SOF marker) before its first scan',
    );
    assertThrowsWith(
      () => readJpegStructure(jpeg(frame(0xc3, 8, 8, [[1, 1, 1]]), SCAN), 'a.jpg'),
      FileFormatError,
      'is a JPEG of frame type SOF3 (lossless, hierarchical or arithmetic-coded)',
    );
    assertThrowsWith(
      () => readJpegStructure(jpeg(frame(0xc0, 8, 8, []), SCAN), 'a.jpg'),
      FileFormatError,
      'has 0 color components; this decoder takes 1 to 4',
    );
    assertThrowsWith(
      () => readJpegStructure(jpeg(frame(0xc0, 8, 8, [[1, 5, 1]]), SCAN), 'a.jpg'),
      FileFormatError,
      'has sampling factors 5x1 on component 1; JPEG allows 1 to 4',
    );
  });
});
