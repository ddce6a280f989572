// The bundled models by name in the CLI: `convnet predict --model cifar10 <picture>` prints the class
// the library gives each sample picture; summary, inspect and evaluate take a bundled name too; a file
// or folder of that name in the working folder wins over the bundled model; an unknown bare name ends
// in one error line listing the bundled models, exit code 2.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BUNDLED_MODEL_NAMES, BUNDLED_MODELS, bundledSampleFiles, digitsCnn, saveModel } from '../../src/index.js';
import { lastJson, repoRoot } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-bundled-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(args: readonly string[], cwd = repoRoot): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Prediction {
  file: string;
  top: { class: number; name: string; probability: number }[];
}

describe('convnet with a bundled model', () => {
  for (const info of BUNDLED_MODELS) {
    test(`convnet predict --model ${info.name} prints the class of each sample picture`, () => {
      const samples = bundledSampleFiles(info.name);
      const json = cli(['predict', '--model', info.name, '--json', ...samples.map((sample) => sample.path)]);
      assert.equal(json.status, 0, json.stderr);
      const predictions = lastJson(json.stdout).predictions as Prediction[];
      assert.deepEqual(
        predictions.map((prediction) => prediction.file),
        samples.map((sample) => sample.path),
      );
      predictions.forEach((prediction, index) => {
        const recorded = samples[index]!.predicted;
        assert.deepEqual(
          [prediction.top[0]!.class, prediction.top[0]!.name],
          [recorded, info.classNames[recorded]],
          prediction.file,
        );
        assert.ok(prediction.top[0]!.probability > 0 && prediction.top[0]!.probability <= 1);
      });

      // The plain output: one line per picture, the top class first.
      const first = samples[0]!;
      const text = cli(['predict', '--model', info.name, first.path]);
      assert.equal(text.status, 0, text.stderr);
      assert.ok(text.stdout.startsWith(`${first.path}: ${info.classNames[first.predicted]} `), text.stdout);
      assert.match(
        text.stdout.split('\n')[0]!,
        /: \S+ \d+\.\d%(, \S+ \d+\.\d%){2}$/,
        'the top 3 classes with their probabilities',
      );
    });

    test(`convnet summary and inspect take the name ${info.name}`, () => {
      const summary = cli(['summary', '--model', info.name]);
      assert.equal(summary.status, 0, summary.stderr);
      assert.match(summary.stdout, new RegExp(`Total params: ${info.parameters.toLocaleString('en-US')}\\n`));
      const inspect = cli(['inspect', info.name, '--json']);
      assert.equal(inspect.status, 0, inspect.stderr);
      const report = lastJson(inspect.stdout);
      assert.deepEqual(report.classNames, [...info.classNames]);
      assert.deepEqual(report.inputShape, [...info.inputShape]);
    });
  }

  test(
    "convnet evaluate --model mnist on the bundled sample's 2,000 test digits (the first of the split it " +
      'was measured on): at least 98%',
    () => {
      const result = cli(['evaluate', '--model', 'mnist', '--dataset', 'mnist-sample', '--json']);
      assert.equal(result.status, 0, result.stderr);
      const report = lastJson(result.stdout) as { accuracy: number; examples: number };
      assert.equal(report.examples, 2000);
      assert.ok(report.accuracy >= 0.98, `accuracy ${report.accuracy}`);
    },
  );

  test('a folder in the working folder named like a bundled model is that folder, not the bundled model', () => {
    const name = BUNDLED_MODEL_NAMES[0];
    saveModel(digitsCnn({ seed: 1 }), join(scratch, name));
    const result = cli(['summary', '--model', name], scratch);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Total params: 105,866\n/, 'the digits-cnn saved there');
  });

  test(
    'a folder named like a bundled model that holds no model (a dataset folder) does not hide ' + 'the bundled model',
    () => {
      const folder = join(scratch, 'pictures');
      mkdirSync(join(folder, BUNDLED_MODEL_NAMES[0], 'train'), { recursive: true });
      const result = cli(['summary', '--model', BUNDLED_MODEL_NAMES[0]], folder);
      assert.equal(result.status, 0, result.stderr);
      assert.match(
        result.stdout,
        new RegExp(`Total params: ${BUNDLED_MODELS[0]!.parameters.toLocaleString('en-US')}\\n`),
      );
    },
  );

  test('an unknown bare name is one error line listing the bundled models, exit code 2', () => {
    const result = cli(['predict', '--model', 'cifar100', bundledSampleFiles(BUNDLED_MODEL_NAMES[0])[0]!.path]);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `cifar100: is not a model directory, nor a bundled model \\(the bundled models are ` +
          `${BUNDLED_MODEL_NAMES.join(', ')}\\)`,
      ),
    );
  });
});
