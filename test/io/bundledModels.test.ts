// The models bundled in data/models/: each loads through the ordinary model loader with its class
// names and preprocessing, keeps its weights under 2 MB, agrees with its record in BUNDLED_MODELS
// (sizes, training record), classifies its sample pictures as recorded, and ships in the package,
// where an app's bundler reaches the files as 'convnet-ts/models/<name>/<file>' (Vite checked here);
// an unknown name is a typed error listing the known ones.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { build as viteBuild } from 'vite';
import {
  BUNDLED_MODEL_NAMES,
  BUNDLED_MODELS,
  bundledModelDirectory,
  bundledModelInfo,
  bundledSampleFiles,
  isBundledModelName,
  loadBundledModel,
  readImageFile,
  UnknownBundledModelError,
  ValueError,
  type Input,
} from '../../src/index.js';
import { repoRoot } from '../helpers.js';

/** The issue's budget for a bundled model's weights file. */
const MAX_WEIGHTS_BYTES = 2_000_000;

/**
 * The fewest of `count` samples (one picture per class, the first of its test folder, not picked by how
 * the model does) a model of test accuracy `accuracy` gets right but by chance: two standard deviations
 * of the binomial below count x accuracy (9 of 10 for MNIST's 99.45%).
 */
function fewestRight(count: number, accuracy: number): number {
  return Math.floor(count * accuracy - 2 * Math.sqrt(count * accuracy * (1 - accuracy)));
}

describe('bundled models', () => {
  test('BUNDLED_MODELS lists every name once, in the order of BUNDLED_MODEL_NAMES, frozen', () => {
    assert.deepEqual(
      BUNDLED_MODELS.map((info) => info.name),
      [...BUNDLED_MODEL_NAMES],
    );
    assert.ok(
      Object.isFrozen(BUNDLED_MODELS) &&
        BUNDLED_MODELS.every((info) => Object.isFrozen(info) && Object.isFrozen(info.samples)),
    );
    for (const name of BUNDLED_MODEL_NAMES) {
      assert.equal(isBundledModelName(name), true);
      assert.equal(bundledModelInfo(name).name, name);
      assert.equal(bundledModelDirectory(name), join(repoRoot, 'data', 'models', name));
    }
  });

  for (const info of BUNDLED_MODELS) {
    describe(info.name, () => {
      test('loads with its class names, preprocessing and input, matching its record', () => {
        const { model, manifest } = loadBundledModel(info.name);
        assert.deepEqual(model.classNames, [...info.classNames]);
        assert.deepEqual([...model.inputShape], [...info.inputShape]);
        const input = model.layers[0] as Input;
        assert.equal(input.colorModel, info.inputShape[2] === 1 ? 'gray' : 'rgb');
        // The preprocessing is written out (stretched, 0..1), not left to a reader's default.
        assert.deepEqual(model.preprocessing, {
          resize: 'stretch',
          scale: 1,
          mean: new Array(info.inputShape[2]).fill(0),
          std: new Array(info.inputShape[2]).fill(1),
          channelOrder: 'rgb',
        });
        assert.equal(model.summaryData().totalParameters, info.parameters);
        assert.equal(model.output, 'probabilities');
        const training = manifest.training ?? {};
        assert.equal(training.command, info.training.command);
        assert.equal(training.model, info.training.preset);
        assert.equal(training.seed, info.training.seed);
        assert.equal(training.epochs, info.training.epochs);
        assert.equal(training.testAccuracy, info.training.testAccuracy);
        assert.equal(training.stage, info.training.stage);
        assert.equal(training.out, undefined, 'no folder of the machine that trained it');
      });

      test('weights.safetensors is the recorded size, at most 2 MB', () => {
        const bytes = statSync(join(bundledModelDirectory(info.name), 'weights.safetensors')).size;
        assert.equal(bytes, info.weightsBytes);
        assert.ok(bytes <= MAX_WEIGHTS_BYTES, `${bytes} bytes <= ${MAX_WEIGHTS_BYTES}`);
      });

      test('classifies its sample pictures as recorded', () => {
        const { model } = loadBundledModel(info.name);
        const samples = bundledSampleFiles(info.name);
        assert.ok(samples.length >= 8, `${samples.length} samples`);
        let right = 0;
        for (const sample of samples) {
          const { image } = readImageFile(sample.path);
          assert.deepEqual(
            [image.height, image.width],
            info.inputShape.slice(0, 2),
            `${sample.file} has the input's size`,
          );
          const [top] = model.classify([image], { topK: 1 })[0]!;
          assert.equal(
            top!.index,
            sample.predicted,
            `${sample.file} (a ${info.classNames[sample.label]}) is read as ${top!.name}, recorded ` +
              `${info.classNames[sample.predicted]}`,
          );
          if (top!.index === sample.label) right++;
        }
        const fewest = fewestRight(samples.length, info.training.testAccuracy);
        assert.ok(
          right >= fewest,
          `${right} of ${samples.length} right, at least ${fewest} at a test accuracy of ${info.training.testAccuracy}`,
        );
        assert.equal(new Set(samples.map((sample) => sample.label)).size, samples.length, 'one picture per class');
      });
    });
  }

  test('an unknown name is an UnknownBundledModelError (a ValueError) naming it and listing the known names', () => {
    for (const attempt of [
      () => loadBundledModel('cifar100'),
      () => bundledModelInfo('cifar100'),
      () => bundledSampleFiles('cifar100'),
      () => bundledModelDirectory('cifar100'),
    ]) {
      assert.throws(attempt, (error: unknown) => {
        assert.ok(error instanceof UnknownBundledModelError && error instanceof ValueError);
        assert.equal(error.name, 'UnknownBundledModelError');
        assert.equal(error.requested, 'cifar100');
        assert.deepEqual([...error.known], [...BUNDLED_MODEL_NAMES]);
        assert.equal(
          error.message,
          `bundled model: unknown name 'cifar100'; the bundled models are ${BUNDLED_MODEL_NAMES.join(', ')}`,
        );
        return true;
      });
    }
    // Not a path either: a name that climbs out of data/models/ is no bundled model.
    assert.equal(isBundledModelName('../mnist-sample'), false);
    assert.equal(isBundledModelName('constructor'), false);
  });

  test('the package publishes every bundled model file', () => {
    // --ignore-scripts: the listing alone, without the build that `prepare` runs.
    const listing = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { files: { path: string }[] }[];
    const published = new Set(listing[0]!.files.map((file) => file.path));
    for (const info of BUNDLED_MODELS) {
      const expected = [
        'model.json',
        'weights.safetensors',
        ...info.samples.map((sample) => `samples/${sample.file}`),
      ].map((file) => `${info.folder}/${file}`);
      assert.deepEqual(
        expected.filter((file) => !published.has(file)),
        [],
        `${info.name}: files missing from the package`,
      );
    }
  });

  test(
    "an app's bundler reaches the files as 'convnet-ts/models/<name>/<file>': Vite emits " + 'them unchanged',
    async () => {
      const info = BUNDLED_MODELS[0]!;
      const files = ['model.json', 'weights.safetensors', `samples/${info.samples[0]!.file}`];
      for (const file of files) {
        assert.equal(
          fileURLToPath(import.meta.resolve(`convnet-ts/models/${info.name}/${file}`)),
          join(repoRoot, info.folder, file),
        );
      }
      const app = mkdtempSync(join(tmpdir(), 'convnet-bundled-vite-'));
      try {
        mkdirSync(join(app, 'node_modules'));
        symlinkSync(repoRoot, join(app, 'node_modules', 'convnet-ts'), 'dir');
        writeFileSync(join(app, 'package.json'), '{ "type": "module" }\n');
        writeFileSync(join(app, 'index.html'), '<script type="module" src="./main.js"></script>\n');
        writeFileSync(
          join(app, 'main.js'),
          [
            ...files.map((file, index) => `import url${index} from 'convnet-ts/models/${info.name}/${file}?url';`),
            `document.body.dataset.urls = JSON.stringify([${files.map((_, index) => `url${index}`).join(', ')}]);`,
            '',
          ].join('\n'),
        );
        const outDir = join(app, 'dist');
        await viteBuild({
          root: app,
          configFile: false,
          logLevel: 'silent',
          base: './',
          build: { outDir, assetsInlineLimit: 0 },
        });
        const scripts = readFileSync(join(outDir, 'index.html'), 'utf8').match(/src="\.\/(assets\/[^"]+\.js)"/);
        assert.ok(scripts !== null, 'the page script');
        const bundle = readFileSync(join(outDir, scripts[1]!), 'utf8');
        for (const file of files) {
          const base = file
            .split('/')
            .pop()!
            .replace(/\.[a-z]+$/, '');
          // With base './', an asset's address is relative to the script, both in assets/.
          const emitted = bundle.match(new RegExp(`${base}-[A-Za-z0-9_-]+\\.[a-z]+`));
          assert.ok(emitted !== null, `${file} is emitted and referenced`);
          assert.deepEqual(
            readFileSync(join(outDir, 'assets', emitted[0])),
            readFileSync(join(repoRoot, info.folder, file)),
            `${file} unchanged`,
          );
        }
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    },
  );
});
