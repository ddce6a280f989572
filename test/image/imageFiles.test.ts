// Image files as the commands read them: only regular files (a FIFO named x.png and a .png linked to
// /dev/zero are refused by name at once, in `convnet predict`, `convnet visualize`, loadImageFolder
// and `convnet train --dataset DIR`), one picture decoded and fitted at a time (predict over 64 large
// PNGs holds about one), a huge picture among small ones in an image folder, and a model whose
// probabilities are not finite reported per file. The commands run in child processes under a time
// limit and a memory ceiling; the models are tiny ones saved here.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Dense,
  Flatten,
  Input,
  Random,
  Sequential,
  Softmax,
  encodePng,
  readImageFiles,
  saveModel,
  type Image,
} from '../../src/index.js';
import { describeRun, runBounded, runCliBounded } from '../boundedRun.js';
import { repoRoot } from '../helpers.js';
import { constantPng } from './pngFiles.js';

const MIB = 1024 * 1024;
let scratch = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'convnet-image-files-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function folder(...names: string[]): string {
  const path = join(scratch, ...names);
  mkdirSync(path, { recursive: true });
  return path;
}

/** An 8x8 RGB image of one color. */
function uniform(value: number): Image {
  return { width: 8, height: 8, colorModel: 'rgb', data: new Float32Array(192).fill(value) };
}

/** A saved 8x8 RGB classifier of two classes; `kernelValue` replaces every dense weight when given. */
function saveTinyModel(name: string, kernelValue?: number): string {
  const model = new Sequential(
    [new Input({ shape: [8, 8, 3] }), new Flatten(), new Dense({ units: 2 }), new Softmax()],
    { seed: 1 },
  );
  if (kernelValue !== undefined) model.layers[2]!.weights()[0]!.tensor.dataSync().fill(kernelValue);
  const directory = join(scratch, name);
  saveModel(model, directory, { classNames: ['dark', 'light'] });
  return directory;
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('only regular files are read as images', () => {
  test('readImageFiles reports a FIFO and a link to /dev/zero by name and reads the rest (child process)', async () => {
    const directory = folder('library');
    writeFileSync(join(directory, 'good.png'), encodePng(uniform(0.25)));
    mkfifo(join(directory, 'fifo.png'));
    symlinkSync('/dev/zero', join(directory, 'zero.png'));
    const script = `import { listImageFiles, readImageFiles } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))};
      const { images, failures } = readImageFiles(listImageFiles([process.argv[1]]));
      console.log(JSON.stringify({ images: images.map(({ file }) => file), failures: failures.map(({ error }) => error.constructor.name + ' ' + error.message) }));`;
    const run = await runBounded(process.execPath, ['--input-type=module', '-e', script, directory], {
      timeoutMs: 20_000,
      memoryBytes: 512 * MIB,
    });
    assert.equal(run.killedFor, null, describeRun(run));
    const result = JSON.parse(run.stdout) as { images: string[]; failures: string[] };
    assert.deepEqual(result.images, [join(directory, 'good.png')]);
    assert.deepEqual(result.failures, [
      `FileSystemError ${join(directory, 'fifo.png')}: is a FIFO (named pipe), not a regular file`,
      `FileSystemError ${join(directory, 'zero.png')}: is a character device, not a regular file`,
    ]);
  });

  test(
    'convnet predict reports a FIFO and a link to /dev/zero, classifies the rest and exits 1 ' + '(child process)',
    async () => {
      const model = saveTinyModel('model-fifo');
      const directory = folder('predict-special');
      writeFileSync(join(directory, 'good.png'), encodePng(uniform(0.75)));
      mkfifo(join(directory, 'fifo.png'));
      symlinkSync('/dev/zero', join(directory, 'zero.png'));
      const run = await runCliBounded(['predict', '--model', model, directory, '--json'], {
        timeoutMs: 30_000,
        memoryBytes: 768 * MIB,
      });
      assert.equal(run.killedFor, null, describeRun(run));
      assert.equal(run.status, 1, describeRun(run));
      const result = JSON.parse(run.stdout) as {
        predictions: { file: string }[];
        errors: { file: string; error: string }[];
      };
      assert.deepEqual(
        result.predictions.map(({ file }) => file),
        [join(directory, 'good.png')],
      );
      assert.deepEqual(
        result.errors.map(({ error }) => error),
        [
          `${join(directory, 'fifo.png')}: is a FIFO (named pipe), not a regular file`,
          `${join(directory, 'zero.png')}: is a character device, not a regular file`,
        ],
      );
      assert.match(run.stderr, /convnet: skipped .*fifo\.png: is a FIFO \(named pipe\), not a regular file\n/);
    },
  );

  test('convnet visualize of a FIFO is one line naming it, exit 2 (child process)', async () => {
    const model = saveTinyModel('model-visualize');
    const fifo = join(folder('visualize-special'), 'x.png');
    mkfifo(fifo);
    const run = await runCliBounded(['visualize', '--model', model, fifo, '--out', join(scratch, 'pictures')], {
      timeoutMs: 30_000,
      memoryBytes: 768 * MIB,
    });
    assert.equal(run.killedFor, null, describeRun(run));
    assert.equal(run.status, 2, describeRun(run));
    assert.equal(run.stderr, `convnet: error: ${fifo}: is a FIFO (named pipe), not a regular file\n`);
  });

  test('loadImageFolder and convnet train --dataset DIR skip a FIFO in a class folder (child processes)', async () => {
    const root = folder('folder-special');
    for (const [name, value] of [
      ['dark', 0.1],
      ['light', 0.9],
    ] as const) {
      mkdirSync(join(root, name));
      for (let index = 0; index < 4; index++)
        writeFileSync(join(root, name, `${index}.png`), encodePng(uniform(value)));
    }
    mkfifo(join(root, 'dark', 'fifo.png'));
    symlinkSync('/dev/zero', join(root, 'light', 'zero.png'));
    const script = `import { loadImageFolder } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))};
      const { train, test, failures } = loadImageFolder(process.argv[1], { validationFraction: 0 });
      console.log(JSON.stringify({ count: train.count + test.count, failures: failures.map(({ error }) => error.message) }));`;
    const loaded = await runBounded(process.execPath, ['--input-type=module', '-e', script, root], {
      timeoutMs: 20_000,
      memoryBytes: 512 * MIB,
    });
    assert.equal(loaded.killedFor, null, describeRun(loaded));
    assert.deepEqual(JSON.parse(loaded.stdout), {
      count: 8,
      failures: [
        `${join(root, 'dark', 'fifo.png')}: is a FIFO (named pipe), not a regular file`,
        `${join(root, 'light', 'zero.png')}: is a character device, not a regular file`,
      ],
    });
    const trained = await runCliBounded(
      [
        'train',
        '--dataset',
        root,
        '--epochs',
        '1',
        '--out',
        join(scratch, 'run-special'),
        '--cache-dir',
        join(scratch, 'cache-special'),
      ],
      { timeoutMs: 60_000, memoryBytes: 1024 * MIB },
    );
    assert.equal(trained.killedFor, null, describeRun(trained));
    assert.equal(trained.status, 0, describeRun(trained));
    assert.match(
      trained.stdout + trained.stderr,
      /convnet: skipped .*fifo\.png: is a FIFO \(named pipe\), not a regular file/,
    );
  });
});

describe('one picture at a time', () => {
  test('convnet predict over 64 PNGs of 2000x2000 holds about one picture, not 64 (child process)', async () => {
    const model = saveTinyModel('model-large');
    const directory = folder('predict-large');
    const png = await constantPng({ width: 2000, height: 2000, depth: 8, colorType: 2 }, 200);
    for (let index = 0; index < 64; index++)
      writeFileSync(join(directory, `${String(index).padStart(2, '0')}.png`), png);
    // Decoded whole, each is 48 MB of float32: the 64 of a batch were 3 GB before they were fitted.
    const run = await runCliBounded(['predict', '--model', model, directory, '--json'], {
      timeoutMs: 120_000,
      memoryBytes: 1024 * MIB,
    });
    assert.equal(run.killedFor, null, describeRun(run));
    assert.equal(run.status, 0, describeRun(run));
    const result = JSON.parse(run.stdout) as { predictions: { resizedFrom: string }[] };
    assert.equal(result.predictions.length, 64);
    assert.ok(result.predictions.every(({ resizedFrom }) => resizedFrom === '2000x2000'));
    assert.ok(run.peakRssBytes < 400 * MIB, describeRun(run));
  });

  test(
    "an image folder whose first picture is 6000x6000 takes the small pictures' size and trains " + '(child process)',
    async () => {
      const root = folder('folder-huge-first');
      const random = new Random(4);
      for (const name of ['a', 'b']) {
        mkdirSync(join(root, name));
        for (let index = 0; index < 6; index++) {
          writeFileSync(
            join(root, name, `${index}.png`),
            encodePng({
              width: 8,
              height: 6,
              colorModel: 'rgb',
              data: Float32Array.from({ length: 144 }, () => random.uniform()),
            }),
          );
        }
      }
      // Sorted first: before, every picture was resized up to it (3 GB, no output in 60 s).
      writeFileSync(
        join(root, 'a', '0-huge.png'),
        await constantPng({ width: 6000, height: 6000, depth: 8, colorType: 2 }, 90),
      );
      const script = `import { loadImageFolder } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))};
      const { train, failures } = loadImageFolder(process.argv[1], { validationFraction: 0 });
      console.log(JSON.stringify({ shape: [train.count, train.height, train.width, train.channels], failures: failures.length }));`;
      const loaded = await runBounded(process.execPath, ['--input-type=module', '-e', script, root], {
        timeoutMs: 60_000,
        memoryBytes: 768 * MIB,
      });
      assert.equal(loaded.killedFor, null, describeRun(loaded));
      assert.deepEqual(JSON.parse(loaded.stdout), { shape: [13, 6, 8, 3], failures: 0 });
      assert.ok(loaded.peakRssBytes < 512 * MIB, describeRun(loaded));
      const trained = await runCliBounded(
        [
          'train',
          '--dataset',
          root,
          '--epochs',
          '1',
          '--out',
          join(scratch, 'run-huge'),
          '--cache-dir',
          join(scratch, 'cache-huge'),
          '--json',
        ],
        { timeoutMs: 60_000, memoryBytes: 1024 * MIB },
      );
      assert.equal(trained.killedFor, null, describeRun(trained));
      assert.equal(trained.status, 0, describeRun(trained));
    },
  );
});

test(
  'convnet predict reports a picture whose probabilities are not finite as an error for that file, exit ' +
    '1 (child process)',
  async () => {
    // Finite weights so large that the logits overflow to infinity (192 x 3e38): softmax gives NaN.
    const model = saveTinyModel('model-overflow', 3e38);
    const directory = folder('predict-nan');
    writeFileSync(join(directory, 'x.png'), encodePng(uniform(1)));
    const run = await runCliBounded(['predict', '--model', model, join(directory, 'x.png')], {
      timeoutMs: 30_000,
      memoryBytes: 768 * MIB,
    });
    assert.equal(run.killedFor, null, describeRun(run));
    assert.equal(run.status, 1, describeRun(run));
    assert.equal(run.stdout, '');
    assert.doesNotMatch(run.stderr + run.stdout, /NaN%/);
    assert.match(
      run.stderr,
      /^convnet: skipped .*x\.png: the model's probabilities are not finite \(NaN\); its weights or this picture hold NaN or infinite values\n$/,
    );
  },
);

test('readImageFiles fits each picture as it decodes it and reports the size in the file', () => {
  const directory = folder('fit');
  writeFileSync(
    join(directory, 'a.png'),
    encodePng({ width: 12, height: 9, colorModel: 'gray', data: new Float32Array(108).fill(0.5) }),
  );
  const { images, failures } = readImageFiles([join(directory, 'a.png')], { fit: { width: 4, height: 3 } });
  assert.deepEqual(failures, []);
  assert.deepEqual(
    [images[0]!.image.width, images[0]!.image.height, images[0]!.sourceWidth, images[0]!.sourceHeight],
    [4, 3, 12, 9],
  );
  assert.ok(images[0]!.image.data.every((value) => Math.abs(value - 128 / 255) < 1e-6));
});
