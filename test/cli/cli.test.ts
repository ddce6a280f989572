// The `convnet` command end to end: usage errors are one line with exit code 2, and the default
// `convnet train` reaches at least 97% test accuracy on the bundled sample and saves a loadable model.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { datasetToTensor, encodePng, imageFromBytes, loadMnistSample, loadModel } from '../../src/index.js';
import { repoRoot } from '../helpers.js';

function convnet(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('convnet usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['train', '--epoch', '3'], /unknown option '--epoch'.*--epochs/],
    ['bad integer', ['train', '--epochs', 'abc'], /--epochs.*positive integer/],
    ['zero batch size', ['train', '--batch-size', '0'], /--batch-size.*positive integer/],
    ['negative learning rate', ['train', '--lr', '-1'], /--lr.*positive number/],
    ['unknown dataset', ['train', '--dataset', 'cifar100'], /cifar100.*mnist-sample/],
    ['mnist without data dir', ['train', '--dataset', 'mnist'], /--data-dir/],
    ['missing data dir', ['train', '--dataset', 'mnist', '--data-dir', 'no/such/folder'], /no\/such\/folder: no such directory/],
    ['unknown command', ['fly'], /unknown command 'fly'/],
    ['missing model folder', ['summary', '--model', 'no/such/model'], /no\/such\/model.*not a model directory/],
    ['predict without --model', ['predict', 'x.png'], /--model/],
    ['predict a missing file', ['predict', '--model', 'no/such/model', 'x.png'], /not a model directory/],
  ];
  for (const [title, args, pattern] of cases) {
    test(title, () => {
      const result = convnet(...args);
      assert.equal(result.status, 2, `exit code for ${args.join(' ')}; stderr: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line of error, got: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\s+at\s/, 'no stack trace');
    });
  }
});

test('convnet summary prints the default model with shapes and the size formula', () => {
  const result = convnet('summary');
  assert.equal(result.status, 0, result.stderr);
  // Conv 3x3, 1 -> 16 channels: 3*3*1*16 + 16 = 160 weights, 28*28*16*9 = 112,896 multiply-adds.
  assert.match(result.stdout, /conv2d_1 \(Conv2D\)\s+28x28x16\s+160\s+112,896\s+\(28 - 3 \+ 2\*1\) \/ 1 \+ 1 = 28/);
  assert.match(result.stdout, /flatten_1 \(Flatten\)\s+1568\s+0\s+0\s+7 \* 7 \* 32 = 1568/);
  assert.match(result.stdout, /Total params: 105,866/);
});

test('convnet train with defaults reaches >= 97% on the bundled sample, saves a model that reloads', () => {
  const out = mkdtempSync(join(tmpdir(), 'convnet-train-'));
  try {
    const result = convnet('train', '--out', out, '--json');
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
    for (const field of ['testAccuracy', 'testLoss', 'epochs', 'seconds', 'imagesPerSecond']) {
      assert.equal(typeof report[field], 'number', `JSON field ${field}`);
    }
    assert.ok(report['testAccuracy']! >= 0.97, `test accuracy ${report['testAccuracy']} >= 0.97`);

    const { model, manifest } = loadModel(out);
    assert.deepEqual(manifest.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const { test: testSet } = loadMnistSample();
    const reloaded = model.evaluate(datasetToTensor(testSet), testSet.labels);
    // The reloaded model computes exactly what the trained one reported (same weights, same kernels).
    assert.equal(reloaded.accuracy, report['testAccuracy']);
    assert.ok(Math.abs(reloaded.loss - report['testLoss']!) < 1e-12, `loss ${reloaded.loss} vs ${report['testLoss']}`);

    const summary = convnet('summary', '--model', out);
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /dense_2 \(Dense\)\s+10\s+650/);

    // convnet predict on PNG files written from the test set, plus one broken file it must skip.
    const digits = join(out, 'digits');
    mkdirSync(digits);
    const count = 40;
    for (let index = 0; index < count; index++) {
      const pixels = testSet.images.subarray(index * 784, (index + 1) * 784);
      writeFileSync(join(digits, `${String(index).padStart(2, '0')}.png`), encodePng(imageFromBytes(pixels, 28, 28, 'gray')));
    }
    writeFileSync(join(digits, 'broken.png'), 'not an image');
    const predicted = convnet('predict', '--model', out, digits, '--json', '--top', '2');
    assert.equal(predicted.status, 1, 'exit code 1: one file could not be classified');
    const predictLines = predicted.stdout.trim().split('\n');
    const predictions = JSON.parse(predictLines[predictLines.length - 1]!) as { predictions: { file: string; top: { class: number }[] }[]; errors: { file: string; error: string }[] };
    assert.equal(predictions.predictions.length, count);
    assert.equal(predictions.predictions[0]!.top.length, 2);
    const correct = predictions.predictions.filter((prediction, index) => prediction.top[0]!.class === testSet.labels[index]).length;
    assert.ok(correct >= count - 2, `${correct} of ${count} digit PNGs classified correctly through convnet predict`);
    assert.equal(predictions.errors.length, 1);
    assert.match(predictions.errors[0]!.error, /broken\.png: is not a PNG or JPEG file/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
