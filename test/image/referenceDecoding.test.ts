// decodeImage against an independent reference: ImageMagick (Debian's /usr/bin/convert) makes PNG and
// JPEG fixtures at test time, identify confirms each is what it claims, and ImageMagick's own decoding
// (raw samples) is the expected output. PNG must match exactly; JPEG within measured IDCT bounds.
// NOTE: /usr/local/bin/convert may be a stand-in, so only /usr/bin/convert is used, after checking
// that its -version says ImageMagick. Skipped, and said so, where ImageMagick is missing.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileFormatError, decodeImage, type Image } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const CONVERT = '/usr/bin/convert';
const IDENTIFY = '/usr/bin/identify';

/** "ImageMagick 6.9.11-60" from `convert -version`, or null where it (or identify) is absent or not ImageMagick. */
function imageMagickVersion(): string | null {
  const convert = spawnSync(CONVERT, ['-version'], { encoding: 'utf8' });
  const identify = spawnSync(IDENTIFY, ['-version'], { encoding: 'utf8' });
  if (convert.status !== 0 || identify.status !== 0) return null;
  const match = /^Version: (ImageMagick \S+)/m.exec(convert.stdout);
  return match === null ? null : match[1]!;
}

const version = imageMagickVersion();
const skip =
  version === null ? `${CONVERT} and ${IDENTIFY} are missing or not ImageMagick (Debian package imagemagick)` : false;

/** Sources, in ImageMagick's own lossless MIFF format, at 16 bits (Q16): odd sizes, so rows end mid-byte. */
const SOURCES: Record<string, string[]> = {
  plasma: ['-seed', '7', '-size', '37x23', 'plasma:'],
  // Alpha varies from 0 (top left) to 1 (bottom right).
  translucent: [
    '-seed',
    '7',
    '-size',
    '37x23',
    'plasma:',
    '-alpha',
    'set',
    '-channel',
    'A',
    '-fx',
    '(i+j)/(w+h-2)',
    '+channel',
  ],
  // Binary transparency outside a circle, with one color (black) kept for the transparent pixels.
  cutout: [
    '-seed',
    '7',
    '-size',
    '37x23',
    'plasma:',
    '(',
    '+clone',
    '-fill',
    'black',
    '-colorize',
    '100',
    '-fill',
    'white',
    '-draw',
    'circle 18,11 18,1',
    ')',
    '-alpha',
    'off',
    '-compose',
    'CopyOpacity',
    '-composite',
    '-background',
    'black',
    '-alpha',
    'background',
  ],
  radial: ['-size', '29x17', 'radial-gradient:yellow-navy'],
};

type DecodedModel = 'gray' | 'rgb' | 'rgba';

interface PngFixture {
  name: string;
  source: string;
  /** Arguments between the source and the output (which may carry a PNG8:/PNG24: prefix). */
  args: string[];
  output: string;
  /** What the IHDR must say: bit depth, color type (0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA), interlace. */
  depth: number;
  colorType: number;
  interlace: 0 | 1;
  hasTransparencyChunk?: boolean;
  colorModel: DecodedModel;
}

const PNG_FIXTURES: PngFixture[] = [
  {
    name: 'gray8',
    source: 'plasma',
    args: ['-colorspace', 'Gray', '-depth', '8'],
    output: 'gray8.png',
    depth: 8,
    colorType: 0,
    interlace: 0,
    colorModel: 'gray',
  },
  {
    name: 'grayAlpha8',
    source: 'translucent',
    args: ['-colorspace', 'Gray', '-depth', '8'],
    output: 'grayAlpha8.png',
    depth: 8,
    colorType: 4,
    interlace: 0,
    colorModel: 'rgba',
  },
  {
    name: 'rgb8',
    source: 'plasma',
    args: ['-depth', '8'],
    output: 'PNG24:rgb8.png',
    depth: 8,
    colorType: 2,
    interlace: 0,
    colorModel: 'rgb',
  },
  {
    name: 'rgba8',
    source: 'translucent',
    args: ['-depth', '8'],
    output: 'PNG32:rgba8.png',
    depth: 8,
    colorType: 6,
    interlace: 0,
    colorModel: 'rgba',
  },
  {
    name: 'gray16',
    source: 'plasma',
    args: ['-colorspace', 'Gray', '-depth', '16'],
    output: 'gray16.png',
    depth: 16,
    colorType: 0,
    interlace: 0,
    colorModel: 'gray',
  },
  {
    name: 'grayAlpha16',
    source: 'translucent',
    args: ['-colorspace', 'Gray', '-depth', '16'],
    output: 'grayAlpha16.png',
    depth: 16,
    colorType: 4,
    interlace: 0,
    colorModel: 'rgba',
  },
  {
    name: 'rgb16',
    source: 'plasma',
    args: ['-depth', '16'],
    output: 'PNG48:rgb16.png',
    depth: 16,
    colorType: 2,
    interlace: 0,
    colorModel: 'rgb',
  },
  {
    name: 'rgba16',
    source: 'translucent',
    args: ['-depth', '16'],
    output: 'PNG64:rgba16.png',
    depth: 16,
    colorType: 6,
    interlace: 0,
    colorModel: 'rgba',
  },
  {
    name: 'palette8',
    source: 'plasma',
    args: ['-colors', '64'],
    output: 'PNG8:palette8.png',
    depth: 8,
    colorType: 3,
    interlace: 0,
    colorModel: 'rgb',
  },
  {
    name: 'palette4',
    source: 'plasma',
    args: ['-colors', '13', '-define', 'png:bit-depth=4'],
    output: 'PNG8:palette4.png',
    depth: 4,
    colorType: 3,
    interlace: 0,
    colorModel: 'rgb',
  },
  {
    name: 'palette2',
    source: 'plasma',
    args: ['-colors', '4', '-define', 'png:bit-depth=2'],
    output: 'PNG8:palette2.png',
    depth: 2,
    colorType: 3,
    interlace: 0,
    colorModel: 'rgb',
  },
  {
    name: 'palette1',
    source: 'plasma',
    args: ['-colors', '2', '-define', 'png:bit-depth=1'],
    output: 'PNG8:palette1.png',
    depth: 1,
    colorType: 3,
    interlace: 0,
    colorModel: 'rgb',
  },
  {
    name: 'paletteTransparent',
    source: 'cutout',
    args: ['-colors', '32'],
    output: 'PNG8:paletteTransparent.png',
    depth: 8,
    colorType: 3,
    interlace: 0,
    hasTransparencyChunk: true,
    colorModel: 'rgba',
  },
  {
    name: 'gray1',
    source: 'plasma',
    args: ['-colorspace', 'Gray', '-colors', '2', '-type', 'Bilevel'],
    output: 'gray1.png',
    depth: 1,
    colorType: 0,
    interlace: 0,
    colorModel: 'gray',
  },
  {
    name: 'gray2',
    source: 'plasma',
    args: ['-colorspace', 'Gray', '-depth', '2'],
    output: 'gray2.png',
    depth: 2,
    colorType: 0,
    interlace: 0,
    colorModel: 'gray',
  },
  {
    name: 'gray4',
    source: 'plasma',
    args: ['-colorspace', 'Gray', '-depth', '4', '-define', 'png:bit-depth=4', '-define', 'png:color-type=0'],
    output: 'gray4.png',
    depth: 4,
    colorType: 0,
    interlace: 0,
    colorModel: 'gray',
  },
  // A tRNS chunk on gray or RGB names one fully transparent color (PNG spec 11.3.2.1).
  {
    name: 'grayColorKey',
    source: 'cutout',
    args: ['-colorspace', 'Gray', '-depth', '8', '-define', 'png:color-type=0'],
    output: 'grayColorKey.png',
    depth: 8,
    colorType: 0,
    interlace: 0,
    hasTransparencyChunk: true,
    colorModel: 'rgba',
  },
  {
    name: 'rgbColorKey',
    source: 'cutout',
    args: ['-depth', '8', '-define', 'png:color-type=2'],
    output: 'rgbColorKey.png',
    depth: 8,
    colorType: 2,
    interlace: 0,
    hasTransparencyChunk: true,
    colorModel: 'rgba',
  },
  {
    name: 'rgb8Adam7',
    source: 'plasma',
    args: ['-depth', '8', '-interlace', 'PNG'],
    output: 'PNG24:rgb8Adam7.png',
    depth: 8,
    colorType: 2,
    interlace: 1,
    colorModel: 'rgb',
  },
  {
    name: 'rgba16Adam7',
    source: 'translucent',
    args: ['-depth', '16', '-interlace', 'PNG'],
    output: 'PNG64:rgba16Adam7.png',
    depth: 16,
    colorType: 6,
    interlace: 1,
    colorModel: 'rgba',
  },
];

interface JpegFixture {
  name: string;
  source: string;
  args: string[];
  /** What identify must say: sampling factors per component, and 'JPEG' for progressive, 'None' for baseline. */
  sampling: string;
  interlace: 'None' | 'JPEG';
  colorModel: DecodedModel;
  isSubsampled: boolean;
}

const JPEG_FIXTURES: JpegFixture[] = [
  {
    name: 'baseline444',
    source: 'plasma',
    args: ['-quality', '90', '-sampling-factor', '1x1'],
    sampling: '1x1,1x1,1x1',
    interlace: 'None',
    colorModel: 'rgb',
    isSubsampled: false,
  },
  {
    name: 'baseline420',
    source: 'plasma',
    args: ['-quality', '90', '-sampling-factor', '2x2'],
    sampling: '2x2,1x1,1x1',
    interlace: 'None',
    colorModel: 'rgb',
    isSubsampled: true,
  },
  {
    name: 'baseline422',
    source: 'radial',
    args: ['-quality', '85', '-sampling-factor', '2x1'],
    sampling: '2x1,1x1,1x1',
    interlace: 'None',
    colorModel: 'rgb',
    isSubsampled: true,
  },
  {
    name: 'progressive444',
    source: 'plasma',
    args: ['-quality', '90', '-sampling-factor', '1x1', '-interlace', 'JPEG'],
    sampling: '1x1,1x1,1x1',
    interlace: 'JPEG',
    colorModel: 'rgb',
    isSubsampled: false,
  },
  {
    name: 'progressive420',
    source: 'plasma',
    args: ['-quality', '90', '-sampling-factor', '2x2', '-interlace', 'Plane'],
    sampling: '2x2,1x1,1x1',
    interlace: 'JPEG',
    colorModel: 'rgb',
    isSubsampled: true,
  },
  {
    name: 'gray',
    source: 'plasma',
    args: ['-quality', '90', '-colorspace', 'Gray'],
    sampling: '1x1',
    interlace: 'None',
    colorModel: 'gray',
    isSubsampled: false,
  },
  // Adobe CMYK (four components, APP14 marker); the reference is ImageMagick's own CMYK to sRGB.
  {
    name: 'cmyk',
    source: 'plasma',
    args: ['-quality', '90', '-colorspace', 'CMYK'],
    sampling: '1x1,1x1,1x1,1x1',
    interlace: 'None',
    colorModel: 'rgb',
    isSubsampled: false,
  },
];

const CHANNELS: Record<DecodedModel, number> = { gray: 1, rgb: 3, rgba: 4 };

describe(`reference decoding against ImageMagick (${version ?? 'not installed'})`, { skip }, () => {
  let directory = '';
  const magick = (args: string[]): Buffer => execFileSync(CONVERT, args, { cwd: directory, maxBuffer: 1 << 24 });
  const path = (output: string): string => join(directory, output.replace(/^PNG\d\d?:/, ''));
  const decode = (output: string): Image => decodeImage(readFileSync(path(output)), output);

  /** ImageMagick's decoding of a fixture as 16-bit samples (explicitly big-endian: its default is the host's). */
  function reference16(file: string, colorModel: DecodedModel): Float32Array {
    const raw = magick([file, '-depth', '16', '-endian', 'MSB', `${colorModel}:-`]);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float32Array.from({ length: raw.length / 2 }, (_, index) => view.getUint16(index * 2) / 65535);
  }

  /** ImageMagick's decoding as 8-bit samples (JPEG decodes to 8 bits, so nothing is lost). */
  function reference8(args: string[], colorModel: DecodedModel): Uint8Array {
    return new Uint8Array(magick([...args, '-depth', '8', `${colorModel}:-`]));
  }

  /** `identify -format` over several files, one line each. */
  function identify(format: string, files: string[]): string[] {
    const text = execFileSync(IDENTIFY, ['-format', `${format}\\n`, ...files], { cwd: directory, encoding: 'utf8' });
    return text.trimEnd().split('\n');
  }

  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'convnet-reference-'));
    for (const [name, args] of Object.entries(SOURCES)) magick([...args, `${name}.miff`]);
    for (const fixture of PNG_FIXTURES) magick([`${fixture.source}.miff`, ...fixture.args, fixture.output]);
    for (const fixture of JPEG_FIXTURES) magick([`${fixture.source}.miff`, ...fixture.args, `${fixture.name}.jpg`]);
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('each PNG fixture has the bit depth, color type and interlace it claims', () => {
    const files = PNG_FIXTURES.map((fixture) => path(fixture.output));
    const lines = identify('%[png:IHDR.bit-depth-orig] %[png:IHDR.color-type-orig] %[interlace]', files);
    for (const [index, fixture] of PNG_FIXTURES.entries()) {
      const bytes = readFileSync(files[index]!);
      // IHDR is the first chunk: bit depth, color type and interlace method at bytes 24, 25 and 28.
      assert.deepEqual(
        [bytes[24], bytes[25], bytes[28]],
        [fixture.depth, fixture.colorType, fixture.interlace],
        `${fixture.name} IHDR`,
      );
      assert.equal(
        lines[index],
        `${fixture.depth} ${fixture.colorType} ${fixture.interlace === 1 ? 'PNG' : 'None'}`,
        `${fixture.name} identify`,
      );
      assert.equal(hasChunk(bytes, 'tRNS'), fixture.hasTransparencyChunk === true, `${fixture.name} tRNS chunk`);
    }
  });

  for (const fixture of PNG_FIXTURES) {
    test(`PNG ${fixture.name} decodes exactly as ImageMagick does`, () => {
      const image = decode(fixture.output);
      assert.deepEqual(
        [image.width, image.height, image.colorModel],
        [37, 23, fixture.colorModel],
        `${fixture.name} size and color model`,
      );
      const expected = reference16(path(fixture.output), fixture.colorModel);
      assert.equal(expected.length, 37 * 23 * CHANNELS[fixture.colorModel]);
      if (fixture.depth === 16) {
        // Meaningful only if the low byte carries information (not 8-bit values times 257).
        assert.ok(
          expected.some((value) => Math.round(value * 65535) % 257 !== 0),
          `${fixture.name} holds true 16-bit values`,
        );
      }
      assertClose(image.data, expected, { atol: 0, rtol: 0 }, `${fixture.name} against ImageMagick`);
    });
  }

  test('interlaced PNGs of 1, 2 or 4 bits are refused, not misdecoded', () => {
    // NOTE: fast-png 8.0.0 sizes Adam7 pass rows at a whole byte per pixel, so these fail with a
    // misleading "Unsupported filter"; decodeImage says what is unsupported instead.
    magick([
      'plasma.miff',
      '-colorspace',
      'Gray',
      '-depth',
      '4',
      '-define',
      'png:bit-depth=4',
      '-interlace',
      'PNG',
      'gray4Adam7.png',
    ]);
    assert.deepEqual(
      identify('%[png:IHDR.bit-depth-orig] %[png:IHDR.color-type-orig] %[interlace]', ['gray4Adam7.png']),
      ['4 0 PNG'],
    );
    assert.throws(
      () => decode('gray4Adam7.png'),
      (error: unknown) =>
        error instanceof FileFormatError && /^gray4Adam7\.png: .*interlaced.*4 bits/.test(error.message),
    );
  });

  test('each JPEG fixture has the sampling, components and coding it claims', () => {
    const files = JPEG_FIXTURES.map((fixture) => `${fixture.name}.jpg`);
    const lines = identify('%[jpeg:sampling-factor] %[interlace]', files);
    for (const [index, fixture] of JPEG_FIXTURES.entries()) {
      assert.equal(lines[index], `${fixture.sampling} ${fixture.interlace}`, `${fixture.name} identify`);
      // SOF2 (FF C2) starts a progressive frame, SOF0 (FF C0) a baseline one.
      const frameMarker = fixture.interlace === 'JPEG' ? 0xc2 : 0xc0;
      assert.equal(frameMarkerOf(readFileSync(path(files[index]!))), frameMarker, `${fixture.name} frame marker`);
    }
  });

  for (const fixture of JPEG_FIXTURES) {
    test(`JPEG ${fixture.name} decodes within the IDCT tolerance of ImageMagick (libjpeg-turbo)`, (context) => {
      const file = `${fixture.name}.jpg`;
      const image = decode(file);
      const size = fixture.source === 'radial' ? [29, 17] : [37, 23];
      assert.deepEqual(
        [image.width, image.height, image.colorModel],
        [...size, fixture.colorModel],
        `${fixture.name} size and color model`,
      );
      const toSrgb = fixture.name === 'cmyk' ? ['-colorspace', 'sRGB'] : [];
      // jpeg-js replicates subsampled chroma (nearest neighbour); libjpeg's default "fancy" upsampling
      // interpolates it. With fancy upsampling off, libjpeg-turbo replicates too, and only the IDCT and
      // the YCbCr to RGB rounding differ.
      const replicated = reference8(['-define', 'jpeg:fancy-upsampling=off', file, ...toSrgb], fixture.colorModel);
      const strict = differences(image.data, replicated);
      context.diagnostic(
        `${fixture.name}: largest ${strict.largest}/255, mean ${strict.mean.toFixed(3)}/255 against ` +
          `libjpeg-turbo without fancy upsampling`,
      );
      // The IDCTs (jpeg-js's from pdf.js, libjpeg's integer ISLOW) and the YCbCr to RGB conversions (float
      // against fixed point) each round differently by about a level. Measured with ImageMagick
      // 6.9.11-60 and libjpeg-turbo 2.1.5: largest 3, mean at most 0.53 levels; bounds 4 and 1.
      assert.ok(
        strict.largest <= 4 && strict.mean <= 1,
        `${fixture.name}: largest ${strict.largest}, mean ${strict.mean} levels (bounds 4 and 1)`,
      );
      if (fixture.isSubsampled) {
        const interpolated = reference8([file], fixture.colorModel);
        const loose = differences(image.data, interpolated);
        context.diagnostic(
          `${fixture.name}: largest ${loose.largest}/255, mean ${loose.mean.toFixed(3)}/255 against ` +
            `libjpeg-turbo's fancy upsampling`,
        );
        // Interpolated and replicated chroma part most where chroma changes fast. Measured: largest 20
        // (4:2:0 plasma) and 15 (4:2:2 gradient), mean up to 3.5 levels; bounds 24 and 5.
        assert.ok(
          loose.largest <= 24 && loose.mean <= 5,
          `${fixture.name}: largest ${loose.largest}, mean ${loose.mean} levels (bounds 24 and 5)`,
        );
      }
    });
  }

  test('progressive JPEGs decode exactly as their baseline twins (same coefficients, other scans)', () => {
    for (const sampling of ['444', '420']) {
      // Premise: ImageMagick decodes the two identically.
      assert.deepEqual(
        reference8([`progressive${sampling}.jpg`], 'rgb'),
        reference8([`baseline${sampling}.jpg`], 'rgb'),
        `ImageMagick ${sampling}`,
      );
      assertClose(
        decode(`progressive${sampling}.jpg`).data,
        decode(`baseline${sampling}.jpg`).data,
        { atol: 0, rtol: 0 },
        `progressive ${sampling}`,
      );
    }
  });

  test('an RGB-coded JPEG (Adobe APP14 marker, transform 0) decodes without YCbCr conversion', (context) => {
    // The baseline 4:4:4 coefficients, with its JFIF APP0 segment (which implies YCbCr) replaced by an
    // Adobe APP14 segment: version 100, flags 0, transform 0 (no color transform, so R, G, B planes).
    const baseline = readFileSync(path('baseline444.jpg'));
    assert.equal(String.fromCharCode(...baseline.subarray(6, 10)), 'JFIF');
    const adobe = [0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
    const rgbCoded = Buffer.concat([
      baseline.subarray(0, 2),
      Buffer.from(adobe),
      baseline.subarray(4 + baseline.readUInt16BE(4)),
    ]);
    writeFileSync(path('rgbCoded.jpg'), rgbCoded);
    const expected = reference8(['rgbCoded.jpg'], 'rgb');
    // Premise: libjpeg-turbo reads the planes differently from the YCbCr original.
    assert.ok(differences(decode('baseline444.jpg').data, expected).largest > 50, 'the marker changes the decoding');
    const image = decode('rgbCoded.jpg');
    assert.equal(image.colorModel, 'rgb');
    const { largest, mean } = differences(image.data, expected);
    context.diagnostic(`rgbCoded: largest ${largest}/255, mean ${mean.toFixed(3)}/255 against libjpeg-turbo`);
    // Measured: largest 1, mean 0.06 levels (only the IDCT differs: no color conversion to round).
    assert.ok(largest <= 4 && mean <= 1, `largest ${largest}, mean ${mean} levels (bounds 4 and 1)`);
  });
});

/** Largest and mean absolute difference, in 8-bit levels, between [0, 1] values and 8-bit samples. */
function differences(actual: Float32Array, expected: Uint8Array): { largest: number; mean: number } {
  assert.equal(actual.length, expected.length, `${actual.length} decoded values, ${expected.length} reference samples`);
  let largest = 0;
  let sum = 0;
  for (let index = 0; index < actual.length; index++) {
    const difference = Math.abs(Math.round(actual[index]! * 255) - expected[index]!);
    largest = Math.max(largest, difference);
    sum += difference;
  }
  return { largest, mean: sum / actual.length };
}

/** Whether a PNG has a chunk of this type (walking length, type, data, CRC from byte 8). */
function hasChunk(bytes: Uint8Array, type: string): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 8; offset + 8 <= bytes.length; offset += 12 + view.getUint32(offset)) {
    if (String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)) === type) return true;
  }
  return false;
}

/** The second byte of a JPEG's start-of-frame marker (C0 baseline, C1 extended, C2 progressive), walking segments. */
function frameMarkerOf(bytes: Uint8Array): number {
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return marker;
    offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  }
  return -1;
}
