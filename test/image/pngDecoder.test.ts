// The streaming PNG decoder (src/image/pngDecoder.ts): the structure read from a small palette PNG with
// transparency (chunks walked, nothing inflated), its rows decoded to RGBA, the inflated size of plain and
// Adam7 pictures worked by hand, and damaged files (bad CRC, cut short, bad header fields, a header
// that lies about the size) refused with a FileFormatError or Error naming what is wrong.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkPngDataSize,
  pngColorModel,
  pngInflatedBytes,
  pngRows,
  readPngHeader,
  readPngStructure,
} from '../../src/image/pngDecoder.js';
import { FileFormatError, Random } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assemblePng, encodeTestPng, pngChunk } from './pngFiles.js';

// 3x2 palette picture, 2 bits per index; entry 1 half transparent, entry 2 has no tRNS entry (opaque).
const PALETTE = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];
const INDICES = [0, 1, 2, 2, 1, 0];

function palettePng(): Uint8Array {
  return encodeTestPng(
    { width: 3, height: 2, depth: 2, colorType: 3, samples: INDICES, palette: PALETTE, transparency: [255, 128] },
    new Random(5),
  );
}

describe('a small valid PNG', () => {
  test('the structure: header fields, the palette, its alphas (255 past the tRNS entries), one IDAT', () => {
    const structure = readPngStructure(palettePng(), 'palette.png');
    assert.deepEqual(
      [structure.width, structure.height, structure.depth, structure.colorType, structure.channels],
      [3, 2, 2, 3, 1],
    );
    assert.equal(structure.isInterlaced, false);
    assert.deepEqual(Array.from(structure.palette), PALETTE.flat());
    assert.deepEqual(Array.from(structure.paletteAlpha!), [255, 128, 255]);
    assert.equal(structure.transparentColor, null);
    assert.equal(structure.imageData.length, 1);
    assert.equal(pngColorModel(structure), 'rgba');
  });

  test('its rows decode to RGBA: palette colors / 255, alpha 128 / 255 on entry 1', () => {
    const rows = pngRows(readPngStructure(palettePng(), 'palette.png'));
    assert.deepEqual([rows.width, rows.height, rows.colorModel], [3, 2, 'rgba']);
    const half = Math.fround(128 / 255);
    const red = [1, 0, 0, 1];
    const green = [0, 1, 0, half];
    const blue = [0, 0, 1, 1];
    const decoded: number[][] = [];
    rows.forEachRow((values, y) => {
      assert.equal(y, decoded.length);
      decoded.push(Array.from(values));
    });
    assert.deepEqual(decoded, [
      [...red, ...green, ...blue],
      [...blue, ...green, ...red],
    ]);
  });

  test('inflated bytes: a filter byte per row of each pass; 8x8 gray Adam7 is 79 bytes, plain 72', () => {
    const plain = { width: 8, height: 8, depth: 8, colorType: 0, channels: 1, isInterlaced: false };
    assert.equal(pngInflatedBytes(plain), 8 * (1 + 8));
    // Passes 1..7 of 8x8: 1x1, 1x1, 2x1, 2x2, 4x2, 4x4, 8x4 (columns x rows), each row 1 + columns bytes.
    assert.equal(pngInflatedBytes({ ...plain, isInterlaced: true }), 2 + 2 + 3 + 2 * 3 + 2 * 5 + 4 * 5 + 4 * 9);
    // 3x2 RGB at 16 bits: 2 rows of 1 + 3 * 3 * 2 bytes; 5x1 gray at 1 bit: 1 + ceil(5 / 8).
    assert.equal(pngInflatedBytes({ ...plain, width: 3, height: 2, depth: 16, colorType: 2, channels: 3 }), 38);
    assert.equal(pngInflatedBytes({ ...plain, width: 5, height: 1, depth: 1 }), 2);
  });
});

describe('damaged PNGs raise a FileFormatError naming the file and the fault', () => {
  test('a flipped byte in the image data fails its chunk CRC; a file cut short names the chunk', () => {
    const bytes = palettePng();
    // Signature 8, IHDR 25, PLTE 12 + 9, tRNS 12 + 2: the IDAT chunk starts at byte 68.
    const damaged = bytes.slice();
    damaged[68 + 8]! ^= 0xff;
    assertThrowsWith(
      () => readPngStructure(damaged, 'damaged.png'),
      FileFormatError,
      'damaged.png: cannot be decoded as PNG: the CRC of its IDAT chunk at byte 68 does not match (the file is damaged)',
    );
    // The IDAT chunk's data is what lies between its 12 bytes of framing and IEND's 12 bytes.
    const idatLength = bytes.length - 68 - 12 - 12;
    assertThrowsWith(
      () => readPngStructure(bytes.subarray(0, 68 + 12 + 2), 'cut.png'),
      FileFormatError,
      `cut.png: cannot be decoded as PNG: it is truncated (its IDAT chunk at byte 68 declares ${idatLength} bytes, ` +
        '2 remain)',
    );
    assertThrowsWith(
      () => readPngStructure(bytes.subarray(0, 72), 'cut.png'),
      FileFormatError,
      'it is truncated (72 bytes, no IEND chunk)',
    );
    assertThrowsWith(
      () => readPngStructure(bytes.subarray(0, 8), 'tiny.png'),
      FileFormatError,
      'is truncated (8 bytes',
    );
    assertThrowsWith(() => readPngHeader(Uint8Array.of(1, 2, 3), 'x.png'), FileFormatError, 'x.png: is not a PNG file');
  });

  test('header fields outside the spec, a palette PNG without PLTE and a file without IDAT are refused', () => {
    const idat = pngChunk('IDAT', Uint8Array.of(0x78, 0x9c, 3, 0, 0, 0, 0, 1));
    const header = { width: 2, height: 2, depth: 8, colorType: 0 };
    assertThrowsWith(
      () => readPngHeader(assemblePng({ ...header, colorType: 5 }, [idat]), 'a.png'),
      FileFormatError,
      'has color type 5; PNG defines 0, 2, 3, 4 and 6',
    );
    assertThrowsWith(
      () => readPngHeader(assemblePng({ ...header, colorType: 2, depth: 4 }, [idat]), 'a.png'),
      FileFormatError,
      'has 4 bits per sample for color type 2, which allows 8, 16',
    );
    assertThrowsWith(
      () => readPngStructure(assemblePng({ ...header, colorType: 3 }, [idat]), 'a.png'),
      FileFormatError,
      'is a palette PNG without a palette (PLTE chunk)',
    );
    assertThrowsWith(
      () => readPngStructure(assemblePng(header, []), 'a.png'),
      FileFormatError,
      'has no image data (IDAT chunk)',
    );
  });

  test('a header that lies about the size: 8 bytes of data cannot inflate to 1000x1000 pixels', () => {
    const idat = pngChunk('IDAT', new Uint8Array(8));
    const structure = readPngStructure(assemblePng({ width: 1000, height: 1000, depth: 8, colorType: 0 }, [idat]), 'a');
    assert.throws(
      () => checkPngDataSize(structure),
      /its 8 bytes of image data inflate to at most 8256, and 1000x1000 pixels need 1001000/,
    );
  });
});
