// Decoding within bounds: the streaming PNG decoder against the samples it was given (every color
// type, bit depth, filter type and interlacing), decoding fitted to a size against fitImage, the byte
// budget refusing what a header declares before anything is allocated (in child processes under a
// memory ceiling for the files that once took gigabytes), a deflate bomb stopped after the last row,
// and a JPEG's scans counted, not timed. Pictures are made here (pngFiles.ts, jpeg-js).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDeflate } from 'node:zlib';
import { decode as fastPngDecode } from 'fast-png';
import { MAX_DECODE_BYTES, MAX_JPEG_SCAN_BLOCKS, MAX_JPEG_SCANS } from '../../src/core/limits.js';
import {
  FileFormatError,
  Random,
  ValueError,
  decodeImage,
  encodeJpeg,
  encodePng,
  fitImage,
  readImageSize,
  type Image,
} from '../../src/index.js';
import { describeRun, runBounded } from '../boundedRun.js';
import { assertThrowsWith, repoRoot } from '../helpers.js';
import { assemblePng, constantPng, encodeTestPng, pngChunk, randomSamples, type PngHeaderFields } from './pngFiles.js';

let scratch = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'convnet-decode-limits-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

const MIB = 1024 * 1024;

/**
 * What the decoder must give for `samples` of a PNG: values over the largest sample, palettes looked up, gray + alpha
 * and keys as RGBA.
 */
function expectedValues(
  header: PngHeaderFields,
  samples: ArrayLike<number>,
  palette?: readonly (readonly number[])[],
  transparency?: readonly number[],
): number[] {
  const maximum = 2 ** header.depth - 1;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[header.colorType]!;
  const values: number[] = [];
  for (let pixel = 0; pixel < header.width * header.height; pixel++) {
    const pixelSamples = Array.from({ length: channels }, (_, channel) => samples[pixel * channels + channel]!);
    if (header.colorType === 3) {
      const entry = pixelSamples[0]!;
      values.push(...palette![entry]!.map((value) => value / 255));
      if (transparency !== undefined) values.push((transparency[entry] ?? 255) / 255);
    } else if (header.colorType === 4) {
      values.push(...[0, 0, 0].map(() => pixelSamples[0]! / maximum), pixelSamples[1]! / maximum);
    } else if (transparency !== undefined) {
      const gray = header.colorType === 0;
      values.push(...[0, 1, 2].map((channel) => pixelSamples[gray ? 0 : channel]! / maximum));
      values.push(pixelSamples.every((sample, channel) => sample === transparency[channel]) ? 0 : 1);
    } else {
      values.push(...pixelSamples.map((sample) => sample / maximum));
    }
  }
  return values;
}

describe('the streaming PNG decoder', () => {
  test('decodes every color type, bit depth, filter type and interlacing to the samples encoded', () => {
    const random = new Random(12);
    const combinations: [number, number[]][] = [
      [0, [1, 2, 4, 8, 16]],
      [2, [8, 16]],
      [3, [1, 2, 4, 8]],
      [4, [8, 16]],
      [6, [8, 16]],
    ];
    let cases = 0;
    for (const [colorType, depths] of combinations) {
      for (const depth of depths) {
        for (const isInterlaced of depth < 8 ? [false] : [false, true]) {
          for (const [width, height] of [
            [13, 7],
            [1, 1],
            [9, 17],
          ] as const) {
            const header = { width, height, depth, colorType, isInterlaced };
            const paletteSize = Math.min(2 ** depth, 5);
            const palette =
              colorType === 3
                ? Array.from({ length: paletteSize }, () => [
                    random.integer(256),
                    random.integer(256),
                    random.integer(256),
                  ])
                : undefined;
            const samples = randomSamples(header, random, paletteSize);
            const bytes = encodeTestPng(
              { ...header, samples, ...(palette === undefined ? {} : { palette }) },
              random,
              7,
            );
            // The test encoder is right: fast-png reads back the same samples (it de-interlaces 8 and 16 bits only).
            if (colorType !== 3 && depth >= 8)
              assert.deepEqual(
                Array.from(fastPngDecode(bytes).data),
                Array.from(samples),
                `fast-png ${JSON.stringify(header)}`,
              );
            const image = decodeImage(bytes, 'case.png');
            assert.deepEqual([image.width, image.height], [width, height]);
            const expected = Float32Array.from(expectedValues(header, samples, palette));
            assert.deepEqual(Array.from(image.data), Array.from(expected), JSON.stringify(header));
            cases++;
          }
        }
      }
    }
    assert.equal(cases, 72);
  });

  test('transparency (tRNS) on palette, gray and RGB PNGs becomes alpha', () => {
    const random = new Random(3);
    const palette = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    for (const [header, transparency, paletteOf] of [
      [{ width: 5, height: 3, depth: 8, colorType: 3 }, [0, 128], palette],
      [{ width: 5, height: 3, depth: 2, colorType: 0 }, [1], undefined],
      [{ width: 5, height: 3, depth: 16, colorType: 2 }, [3, 1, 2], undefined],
    ] as const) {
      const samples =
        header.colorType === 2
          ? Uint16Array.from({ length: 45 }, (_, index) => [3, 1, 2][index % 3]! + (index % 6 < 3 ? 0 : 1))
          : randomSamples(header, random, 3);
      const bytes = encodeTestPng(
        { ...header, samples, transparency, ...(paletteOf === undefined ? {} : { palette: paletteOf }) },
        random,
      );
      const image = decodeImage(bytes, 'key.png');
      assert.equal(image.colorModel, 'rgba');
      assert.deepEqual(
        Array.from(image.data),
        Array.from(Float32Array.from(expectedValues(header, samples, paletteOf, transparency))),
        JSON.stringify(header),
      );
    }
  });

  test('damaged structures are typed errors naming the file and the fault', () => {
    const random = new Random(5);
    const header = { width: 4, height: 2, depth: 8, colorType: 3 };
    const samples = randomSamples(header, random, 2);
    const good = encodeTestPng(
      {
        ...header,
        samples,
        palette: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      random,
    );
    /** The whole IDAT chunk (length, type, data, CRC) of a file with one. */
    const idat = (bytes: Uint8Array): Uint8Array => {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      let offset = 8;
      while (String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)) !== 'IDAT')
        offset += 12 + view.getUint32(offset);
      return bytes.subarray(offset, offset + 12 + view.getUint32(offset));
    };
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'a second IHDR',
        assemblePng(header, [pngChunk('PLTE', new Uint8Array(6)), pngChunk('IHDR', new Uint8Array(13)), idat(good)]),
        /has a second IHDR chunk at byte 51/,
      ],
      [
        'a 257-entry palette',
        assemblePng(header, [pngChunk('PLTE', new Uint8Array(771)), idat(good)]),
        /has a palette \(PLTE\) of 771 bytes/,
      ],
      ['no palette', assemblePng(header, [idat(good)]), /is a palette PNG without a palette/],
      [
        'a palette index past the palette',
        encodeTestPng(
          {
            ...header,
            samples: [0, 1, 2, 0, 0, 0, 0, 0],
            palette: [
              [1, 2, 3],
              [4, 5, 6],
            ],
          },
          random,
        ),
        /pixel \(2, 0\) has palette index 2 but the palette has 2 entries/,
      ],
      [
        'a tRNS of 7 bytes on RGB',
        assemblePng({ ...header, colorType: 2 }, [pngChunk('tRNS', new Uint8Array(7)), idat(good)]),
        /transparency chunk \(tRNS\) of 7 bytes, which color type 2 does not allow/,
      ],
      [
        '16 bits per palette index',
        assemblePng({ ...header, depth: 16 }, [idat(good)]),
        /has 16 bits per sample for color type 3, which allows 1, 2, 4, 8/,
      ],
      [
        'color type 5',
        assemblePng({ ...header, colorType: 5 }, [idat(good)]),
        /has color type 5; PNG defines 0, 2, 3, 4 and 6/,
      ],
      [
        'a bad CRC',
        Uint8Array.from(good, (value, index) => (index === good.length - 20 ? value ^ 1 : value)),
        /the CRC of its IDAT chunk at byte \d+ does not match/,
      ],
      [
        'a chunk cut short',
        good.subarray(0, good.length - 15),
        /it is truncated \(its IDAT chunk at byte \d+ declares \d+ bytes, \d+ remain\)/,
      ],
      ['no IEND', good.subarray(0, good.length - 12), /it is truncated \(\d+ bytes, no IEND chunk\)/],
      ['no image data', assemblePng(header, [pngChunk('PLTE', new Uint8Array(6))]), /has no image data \(IDAT chunk\)/],
      [
        'image data of too few rows',
        assemblePng({ ...header, height: 3 }, [pngChunk('PLTE', new Uint8Array(6)), idat(good)]),
        /its image data ends in row 2 of pass 1/,
      ],
      [
        'image data too short for the size declared',
        assemblePng({ ...header, width: 50_000 }, [pngChunk('PLTE', new Uint8Array(6)), idat(good)]),
        /its \d+ bytes of image data inflate to at most \d+, and 50000x2 pixels need 100002/,
      ],
    ];
    for (const [what, bytes, pattern] of cases) {
      assert.throws(
        () => decodeImage(bytes, 'bad.png'),
        (error: unknown) => {
          assert.ok(error instanceof FileFormatError, `${what}: ${String(error)}`);
          assert.match(error.message, /^bad\.png: /, what);
          assert.match(error.message, pattern, what);
          return true;
        },
      );
    }
  });
});

describe('decoding fitted to a size', () => {
  test('gives exactly what fitImage gives on the whole picture: shrinking, the same size, enlarging and mixed', () => {
    const random = new Random(8);
    const header = { width: 37, height: 23, depth: 16, colorType: 4 };
    const png = encodeTestPng({ ...header, samples: randomSamples(header, random) }, random);
    const jpegSource: Image = {
      width: 40,
      height: 30,
      colorModel: 'rgb',
      data: Float32Array.from({ length: 3600 }, () => random.uniform()),
    };
    const jpeg = encodeJpeg(jpegSource, 90);
    for (const [bytes, name] of [
      [png, 'fit.png'],
      [jpeg, 'fit.jpg'],
    ] as const) {
      const whole = decodeImage(bytes, name);
      for (const [width, height] of [
        [5, 3],
        [whole.width, whole.height],
        [whole.width - 1, whole.height],
        [80, 50],
        [60, 7],
      ] as const) {
        const fitted = decodeImage(bytes, name, { fit: { width, height } });
        const expected = fitImage(whole, width, height);
        assert.deepEqual([fitted.width, fitted.height, fitted.colorModel], [width, height, expected.colorModel]);
        assert.deepEqual(Array.from(fitted.data), Array.from(expected.data), `${name} fitted to ${width}x${height}`);
      }
    }
    assert.throws(() => decodeImage(png, 'fit.png', { fit: { width: 0, height: 3 } }), ValueError);
  });

  test('readImageSize reads the size from the header alone', () => {
    const png = encodePng({ width: 7, height: 5, colorModel: 'gray', data: new Float32Array(35) });
    assert.deepEqual(readImageSize(png.subarray(0, 24)), { width: 7, height: 5 });
    const jpeg = encodeJpeg({ width: 9, height: 4, colorModel: 'gray', data: new Float32Array(36) });
    assert.deepEqual(readImageSize(jpeg), { width: 9, height: 4 });
    assert.equal(readImageSize(jpeg.subarray(0, 20)), null, 'no frame header yet');
    assert.equal(readImageSize(new TextEncoder().encode('GIF89a')), null);
  });
});

/** A 16-bit gray + alpha PNG header of `width` x `height` with a few bytes of (valid, short) image data. */
function lyingPng(width: number, height: number): Uint8Array {
  const header = { width, height, depth: 16, colorType: 4 };
  return assemblePng(header, [
    pngChunk('IDAT', Uint8Array.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])),
  ]);
}

/** A baseline JPEG of 8x8 pixels whose frame header is made to declare `width` x `height`. */
function lyingJpeg(width: number, height: number): Uint8Array {
  const bytes = encodeJpeg({ width: 8, height: 8, colorModel: 'rgb', data: new Float32Array(192).fill(0.5) }, 90);
  for (let offset = 2; offset < bytes.length; offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!)) {
    if (bytes[offset + 1] === 0xc0) {
      new DataView(bytes.buffer, bytes.byteOffset).setUint16(offset + 5, height);
      new DataView(bytes.buffer, bytes.byteOffset).setUint16(offset + 7, width);
      return bytes;
    }
  }
  throw new Error('no frame header');
}

/** `jpeg` with its scan (from the SOS marker to EOI) repeated `count` times. */
function withScans(jpeg: Uint8Array, count: number): Uint8Array {
  let start = 2;
  while (!(jpeg[start] === 0xff && jpeg[start + 1] === 0xda)) start += 2 + ((jpeg[start + 2]! << 8) | jpeg[start + 3]!);
  const scan = jpeg.subarray(start, jpeg.length - 2);
  const out = new Uint8Array(start + scan.length * count + 2);
  out.set(jpeg.subarray(0, start));
  for (let index = 0; index < count; index++) out.set(scan, start + index * scan.length);
  out.set([0xff, 0xd9], out.length - 2);
  return out;
}

describe('the decoding budget (MAX_DECODE_BYTES)', () => {
  test('a header declaring more than the budget is refused before decoding, with the estimate and the budget', () => {
    assertThrowsWith(
      () => decodeImage(lyingPng(10_000, 10_000), 'photo.png'),
      FileFormatError,
      'photo.png: a 10000x10000 PNG of 16-bit rgba pixels: decoding it would take about ',
      `MiB, more than the ${MAX_DECODE_BYTES / MIB} MiB a decode may use (MAX_DECODE_BYTES)`,
    );
    assertThrowsWith(
      () => decodeImage(lyingJpeg(10_000, 10_000), 'photo.jpg'),
      FileFormatError,
      'photo.jpg: a 10000x10000 JPEG of 3 components: decoding it would take about ',
      `more than the ${MAX_DECODE_BYTES / MIB} MiB`,
    );
    // The estimate: 16-byte float32 RGBA pixels alone are 1.6 GB.
    const estimate = (error: unknown): number => Number(/about (\d+) MiB/.exec((error as Error).message)![1]);
    assert.throws(
      () => decodeImage(lyingPng(10_000, 10_000), 'photo.png'),
      (error) => estimate(error) >= 1_600_000_000 / MIB,
    );
    // Fitted to a model's input, the same picture needs no float32 copy of itself and fits the budget;
    // then its 9 bytes of image data are found too few for the pixels it declares.
    assert.throws(
      () => decodeImage(lyingPng(10_000, 10_000), 'photo.png', { fit: { width: 28, height: 28 } }),
      /photo\.png: cannot be decoded as PNG: its 9 bytes of image data inflate to at most 9288, and 10000x10000 pixels need 400010000/,
    );
    // A smaller budget is the caller's to ask for.
    const small = encodePng({ width: 64, height: 64, colorModel: 'rgb', data: new Float32Array(64 * 64 * 3) });
    assertThrowsWith(
      () => decodeImage(small, 'small.png', { maxBytes: 10_000 }),
      FileFormatError,
      'more than the 10000 bytes a decode may use',
    );
    assert.equal(decodeImage(small, 'small.png', { maxBytes: 1_000_000 }).width, 64);
    assert.throws(() => decodeImage(small, 'small.png', { maxBytes: Number.NaN }), ValueError);
  });

  /** Runs decodeImage on `path` in a child process under `memoryBytes`; prints the size or the error. */
  function decodeInChild(path: string, fit: number | null, memoryBytes: number) {
    const script = `import { readFileSync } from 'node:fs'; import { decodeImage } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))};
      const fit = ${fit === null ? 'undefined' : `{ width: ${fit}, height: ${fit} }`};
      try { const image = decodeImage(readFileSync(process.argv[1]), process.argv[1], { fit }); console.log(image.width, image.height, image.colorModel); }
      catch (error) { console.log(error.message); }`;
    return runBounded(process.execPath, ['--input-type=module', '-e', script, path], {
      timeoutMs: 60_000,
      memoryBytes,
    });
  }

  // Before the budget, this 400 KB PNG took over 1.5 GiB (3 GB measured: fast-png's samples, then two
  // float32 copies) and a 618-byte JPEG declaring 10000x10000 over 1.5 GiB in jpeg-js's blocks.
  test(
    'a 100-megapixel 16-bit gray + alpha PNG is refused whole, and decodes fitted to 28x28, in bounded ' +
      'memory (child processes)',
    async () => {
      const path = join(scratch, 'big.png');
      writeFileSync(path, await constantPng({ width: 10_000, height: 10_000, depth: 16, colorType: 4 }, 0x80));
      const whole = await decodeInChild(path, null, 512 * MIB);
      assert.equal(whole.killedFor, null, describeRun(whole));
      assert.match(
        whole.stdout,
        /a 10000x10000 PNG of 16-bit rgba pixels: decoding it would take about \d+ MiB, more than the 1024 MiB/,
        describeRun(whole),
      );
      assert.ok(whole.peakRssBytes < 200 * MIB, describeRun(whole));
      const fitted = await decodeInChild(path, 28, 512 * MIB);
      assert.equal(fitted.killedFor, null, describeRun(fitted));
      assert.equal(fitted.stdout.trim(), '28 28 rgba', describeRun(fitted));
      assert.ok(fitted.peakRssBytes < 400 * MIB, describeRun(fitted));
    },
  );

  test('a JPEG declaring 10000x10000 pixels is refused in bounded memory (child process)', async () => {
    const path = join(scratch, 'lying.jpg');
    writeFileSync(path, lyingJpeg(10_000, 10_000));
    const run = await decodeInChild(path, null, 512 * MIB);
    assert.equal(run.killedFor, null, describeRun(run));
    assert.match(
      run.stdout,
      /a 10000x10000 JPEG of 3 components: decoding it would take about \d+ MiB, more than the 1024 MiB/,
      describeRun(run),
    );
    assert.ok(run.peakRssBytes < 200 * MIB, describeRun(run));
  });

  test(
    'a deflate bomb (a 1x1 PNG whose data inflates to 256 MB) stops inflating after its row ' + '(child process)',
    async () => {
      const deflate = createDeflate({ level: 9 });
      const pieces: Buffer[] = [];
      deflate.on('data', (piece: Buffer) => pieces.push(piece));
      const done = new Promise((resolve) => deflate.on('end', resolve));
      const zeros = new Uint8Array(1 << 20);
      for (let written = 0; written < 256; written++) {
        if (!deflate.write(zeros)) await new Promise((resolve) => deflate.once('drain', resolve));
      }
      deflate.end();
      await done;
      const path = join(scratch, 'bomb.png');
      writeFileSync(
        path,
        assemblePng({ width: 1, height: 1, depth: 8, colorType: 0 }, [pngChunk('IDAT', Buffer.concat(pieces))]),
      );
      // Before, fast-png inflated all of it, twice over: 825 MiB at the peak.
      const run = await decodeInChild(path, null, 400 * MIB);
      assert.equal(run.killedFor, null, describeRun(run));
      assert.equal(run.stdout.trim(), '1 1 gray', describeRun(run));
      assert.ok(run.peakRssBytes < 256 * MIB, describeRun(run));
    },
  );
});

describe('JPEG scans', () => {
  const base = encodeJpeg(
    {
      width: 16,
      height: 8,
      colorModel: 'rgb',
      data: Float32Array.from({ length: 384 }, (_, index) => (index % 7) / 7),
    },
    90,
  );

  test(
    `${MAX_JPEG_SCANS} scans decode (to the picture one scan gives); ${MAX_JPEG_SCANS + 1} and 4,000 are ` +
      `refused by count`,
    () => {
      const once = decodeImage(base, 'once.jpg');
      const repeated = decodeImage(withScans(base, MAX_JPEG_SCANS), 'many.jpg');
      assert.deepEqual(Array.from(repeated.data), Array.from(once.data));
      for (const count of [MAX_JPEG_SCANS + 1, 4000]) {
        assertThrowsWith(
          () => decodeImage(withScans(base, count), 'scans.jpg'),
          FileFormatError,
          `scans.jpg: has ${count} scans, more than the ${MAX_JPEG_SCANS} this decoder accepts (MAX_JPEG_SCANS`,
        );
      }
    },
  );

  test('scans times blocks is bounded: a large frame with few scans is refused by its block count', () => {
    // 4000x4000, three components at full resolution: 500 x 500 x 3 = 750,000 blocks per scan.
    const scans = Math.floor(MAX_JPEG_SCAN_BLOCKS / 750_000) + 1;
    assertThrowsWith(
      () => decodeImage(withScans(lyingJpeg(4000, 4000), scans), 'wide.jpg'),
      FileFormatError,
      `wide.jpg: has ${scans} scans over 750000 blocks of 8x8 pixels: ${scans * 750_000} block decodes, ` +
        `more than the ${MAX_JPEG_SCAN_BLOCKS} allowed`,
    );
  });

  test('a JPEG too short to code the blocks its frame declares is refused before jpeg-js allocates them', () => {
    // 2000x1500 at full resolution: 250 x 188 x 3 = 141,000 blocks, at least one bit each; the file has about 600
    // bytes.
    const bytes = lyingJpeg(2000, 1500);
    assertThrowsWith(
      () => decodeImage(bytes, 'short.jpg'),
      FileFormatError,
      `short.jpg: cannot be decoded as JPEG: its ${bytes.length} bytes cannot code the 141000 blocks of 8x8 ` +
        `pixels of a 2000x1500 frame`,
    );
  });

  test('frames jpeg-js cannot decode, and bad sampling, are refused from the header', () => {
    const frameAt = base.findIndex((value, index) => value === 0xff && base[index + 1] === 0xc0);
    const withByte = (offset: number, value: number): Uint8Array =>
      Uint8Array.from(base, (byte, index) => (index === offset ? value : byte));
    assertThrowsWith(
      () => decodeImage(withByte(frameAt + 1, 0xc3), 'lossless.jpg'),
      FileFormatError,
      'lossless.jpg: is a JPEG of frame type SOF3',
    );
    assertThrowsWith(
      () => decodeImage(withByte(frameAt + 9, 5), 'five.jpg'),
      FileFormatError,
      'five.jpg: has 5 color components; this decoder takes 1 to 4',
    );
    assertThrowsWith(
      () => decodeImage(withByte(frameAt + 11, 0x51), 'sampling.jpg'),
      FileFormatError,
      'sampling.jpg: has sampling factors 5x1 on component 1',
    );
  });
});
