// Fuzzing the image readers: seeded mutations of small valid PNGs (gray, RGB, RGBA, palette with
// transparency, 16-bit, gray + alpha, interlaced; rows filtered every way) and JPEGs (baseline,
// progressive, gray) through decodeImage, whole and fitted; and image folders of mutated and odd
// files (empty, truncated, not images, odd names, nested folders) through loadImageFolder. Every case
// must decode or raise a typed ConvNetError, quickly, within the bounds of test/fuzzing.ts.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Random, decodeImage, encodeJpeg, loadImageFolder } from '../../src/index.js';
import { check, mutateBytes } from '../fuzzing.js';
import { encodeTestPng, randomSamples, withRepairedCrcs } from './pngFiles.js';

/**
 * 16x12 progressive 4:2:0 JPEG, 10 scans: `convert -seed 7 -size 16x12 plasma: -strip -quality 75 -sampling-factor 2x2
 * -interlace JPEG` (ImageMagick 6.9.11-60).
 */
const PROGRESSIVE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wgARCAAMABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABAAH/8QAFQEBAQAAAAAAAAAAAAAAAAAAAAL/2gAMAwEAAhADEAAAAULzSV//xAAcEAABAwUAAAAAAAAAAAAAAAACAQQiBRESEyH/2gAIAQEAAQUCGp9V/G8dhY//xAAWEQEBAQAAAAAAAAAAAAAAAAABAgD/2gAIAQMBAT8BJk3/xAAVEQEBAAAAAAAAAAAAAAAAAAABAP/aAAgBAgEBPwEL/8QAFxABAQEBAAAAAAAAAAAAAAAAAREAEP/aAAgBAQAGPwKK4a9//8QAGRABAAMBAQAAAAAAAAAAAAAAAQARITGR/9oACAEBAAE/IdiHkE0vKgjMapeT/9oADAMBAAIAAwAAABAL/8QAFhEBAQEAAAAAAAAAAAAAAAAAAQAx/9oACAEDAQE/EBRNv//EABcRAAMBAAAAAAAAAAAAAAAAAAABIWH/2gAIAQIBAT8QRcP/xAAbEAEAAwADAQAAAAAAAAAAAAABABEhMUFx8P/aAAgBAQABPxBhOIArjfthUG5cg+pb7LcjF6jUlCUVxP/Z',
  'base64',
);
/** 4x8 one-component (gray) JPEG, as in codecs.test.ts. */
const GRAY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAIAAQBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAA//EABgQAAIDAAAAAAAAAAAAAAAAAAAaZ6Xi/9oACAEBAAA/ADaZkW02f//Z',
  'base64',
);

/** The valid files every mutation starts from. */
function sources(): Record<string, Uint8Array> {
  const random = new Random(61);
  const png = (
    colorType: number,
    depth: number,
    isInterlaced = false,
    extra: { palette?: number[][]; transparency?: number[] } = {},
  ): Uint8Array => {
    const header = { width: 11, height: 7, depth, colorType, isInterlaced };
    return encodeTestPng(
      { ...header, samples: randomSamples(header, random, extra.palette?.length ?? 0), ...extra },
      random,
      40,
    );
  };
  const rgb = {
    width: 16,
    height: 12,
    colorModel: 'rgb' as const,
    data: Float32Array.from({ length: 576 }, () => random.uniform()),
  };
  return {
    'gray 8-bit PNG': png(0, 8),
    'RGB PNG': png(2, 8),
    'RGBA PNG': png(6, 8),
    'palette PNG with transparency': png(3, 4, false, {
      palette: [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
      ],
      transparency: [0, 128],
    }),
    '16-bit RGB PNG': png(2, 16),
    'gray + alpha PNG': png(4, 8),
    'interlaced RGB PNG': png(2, 8, true),
    'baseline JPEG': encodeJpeg(rgb, 80),
    'progressive JPEG': PROGRESSIVE_JPEG,
    'gray JPEG': GRAY_JPEG,
  };
}

describe('fuzzed images decode or raise typed errors, never crash, hang or allocate without bound', () => {
  const files = sources();

  test('the valid files decode', () => {
    for (const [name, bytes] of Object.entries(files)) assert.ok(decodeImage(bytes, name).width > 0, name);
    assert.deepEqual(
      [decodeImage(files['progressive JPEG']!).width, decodeImage(files['gray JPEG']!).colorModel],
      [16, 'gray'],
    );
  });

  test('150 mutations of each of 10 PNGs and JPEGs, decoded whole and fitted to 5x5', () => {
    const random = new Random(62);
    let cases = 0;
    for (const [name, bytes] of Object.entries(files)) {
      for (let index = 0; index < 150; index++) {
        // Two PNG mutations in three get their CRCs recomputed, so the damage reaches the decoder.
        const mutated = mutateBytes(bytes, random);
        const damaged = name.endsWith('PNG') && index % 3 !== 0 ? withRepairedCrcs(mutated) : mutated;
        check(`${name} case ${index}`, () => decodeImage(damaged, 'fuzz'));
        check(`${name} case ${index} fitted`, () => decodeImage(damaged, 'fuzz', { fit: { width: 5, height: 5 } }));
        cases++;
      }
    }
    assert.equal(cases, 1500);
  });
});

describe('fuzzed image folders load or raise typed errors', () => {
  let scratch = '';
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'convnet-folder-fuzz-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const ODD_NAMES = [
    'a b.png',
    'ünï©ødé.jpg',
    'new\nline.png',
    '-dash.png',
    '%s%n.jpeg',
    '..png',
    'UPPER.PNG',
    ' .jpg',
    'x.png.txt',
    '.hidden.png',
  ];

  test('300 folders of mutated, empty, truncated, misnamed and nested files', () => {
    const random = new Random(63);
    const valid = Object.values(sources());
    for (let index = 0; index < 300; index++) {
      const root = join(scratch, `case${index}`);
      const classes = 1 + random.integer(3);
      for (let label = 0; label < classes; label++) {
        const classFolder = join(root, random.integer(8) === 0 ? `odd class ${label}\t` : `c${label}`);
        mkdirSync(classFolder, { recursive: true });
        for (let file = 0; file < 1 + random.integer(5); file++) {
          const source = valid[random.integer(valid.length)]!;
          const name =
            random.integer(3) === 0
              ? `${file}${ODD_NAMES[random.integer(ODD_NAMES.length)]}`
              : `${file}.${random.integer(2) === 0 ? 'png' : 'jpg'}`;
          const kind = random.integer(6);
          const contents =
            kind === 0
              ? new Uint8Array(0)
              : kind === 1
                ? source.subarray(0, random.integer(source.length))
                : kind === 2
                  ? new TextEncoder().encode('not an image at all')
                  : kind === 3
                    ? mutateBytes(source, random)
                    : source;
          writeFileSync(join(classFolder, name), contents);
        }
        // A folder named like an image, and an image one level down (not read: class folders are not recursed).
        if (random.integer(3) === 0) {
          mkdirSync(join(classFolder, 'folder.png', 'deeper'), { recursive: true });
          writeFileSync(join(classFolder, 'folder.png', 'inside.png'), valid[0]!);
        }
      }
      if (random.integer(5) === 0) mkdirSync(join(root, 'test'), { recursive: true });
      const size =
        random.integer(3) === 0 ? { size: [1 + random.integer(6), 1 + random.integer(6)] as [number, number] } : {};
      check(`folder case ${index}`, () =>
        loadImageFolder(root, { validationFraction: random.integer(2) === 0 ? 0 : 0.5, seed: index, ...size }),
      );
    }
  });
});
