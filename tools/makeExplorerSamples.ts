// Writes the built-in input images of the explorer's Convolution and Pooling pages
// (web/src/assets/convolution/): the first test digit of a few classes of the bundled MNIST sample,
// unchanged, as 28x28 gray PNGs, and ImageMagick's built-in 70x46 "rose:" photo as an RGB PNG.
// Usage: node dist/tools/makeExplorerSamples.js [out-dir]   (needs ImageMagick's `convert` for the rose)

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, imageFromPixels, loadMnistSample } from '../src/index.js';

const DIGIT_LABELS = [0, 3, 5, 7];
const outDirectory = process.argv[2] ?? 'web/src/assets/convolution';
mkdirSync(outDirectory, { recursive: true });

const { test } = loadMnistSample();
const pixels = test.height * test.width;
for (const label of DIGIT_LABELS) {
  const index = test.labels.indexOf(label);
  const image = imageFromPixels(
    test.images.subarray(index * pixels, (index + 1) * pixels),
    test.width,
    test.height,
    'gray',
  );
  const file = join(outDirectory, `digit-${label}.png`);
  writeFileSync(file, encodePng(image));
  console.log(`${file}: MNIST test example ${index} (label ${label})`);
}

// -strip drops the time stamps, so the file is the same on every run.
const rose = join(outDirectory, 'rose.png');
const result = spawnSync('convert', ['rose:', '-strip', `png24:${rose}`], { stdio: 'inherit' });
if (result.status !== 0)
  throw new Error(`convert rose: failed (${result.error?.message ?? `exit ${result.status}`}); install ImageMagick`);
console.log(`${rose}: ImageMagick's built-in rose: image`);
