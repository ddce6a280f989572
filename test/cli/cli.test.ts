// The `convnet` command end to end: usage errors are one line with exit code 2, and the default
// `convnet train` reaches at least 97% test accuracy on the bundled sample and saves a loadable model.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  datasetToTensor,
  decodeImage,
  decodeNpy,
  encodeJpeg,
  encodeNpy,
  encodePng,
  imageFromPixels,
  loadMnistSample,
  loadModel,
} from '../../src/index.js';
import { assertClose, repoRoot } from '../helpers.js';

function convnet(...args: string[]) {
  // An empty download cache: `--dataset mnist` without --data-dir must not find a developer's own download.
  const env = { ...process.env, CONVNET_CACHE_DIR: join(tmpdir(), 'convnet-cli-test-no-cache') };
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('convnet usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['train', '--epoch', '3'], /unknown option '--epoch'.*--epochs/],
    ['bad integer', ['train', '--epochs', 'abc'], /--epochs.*positive integer/],
    ['zero batch size', ['train', '--batch-size', '0'], /--batch-size.*positive integer/],
    ['negative learning rate', ['train', '--lr', '-1'], /--lr.*positive number/],
    ['unknown dataset', ['train', '--dataset', 'cifar100'], /cifar100.*mnist-sample/],
    [
      'unknown preset',
      ['train', '--model', 'vgg16'],
      /vgg16.*Allowed choices are digits-cnn, mnist-cnn, lenet5, cifar-cnn, resnet/,
    ],
    ['unknown augmentation', ['train', '--augment', 'mixup'], /mixup.*Allowed choices/],
    ['evaluate without --model', ['evaluate'], /--model/],
    ['mnist without data dir', ['train', '--dataset', 'mnist'], /--data-dir/],
    [
      'missing data dir',
      ['train', '--dataset', 'mnist', '--data-dir', 'no/such/folder'],
      /no\/such\/folder: no such directory/,
    ],
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

test(
  'convnet train with defaults reaches >= 97% on the bundled sample, saves a model that reloads, ' +
    'predicts, exports and visualizes',
  async () => {
    const out = mkdtempSync(join(tmpdir(), 'convnet-train-'));
    try {
      const result = convnet('train', '--out', out, '--json', '--plot', join(out, 'curves.png'));
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      const report = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
      for (const field of ['testAccuracy', 'testLoss', 'epochs', 'seconds', 'imagesPerSecond']) {
        assert.equal(typeof report[field], 'number', `JSON field ${field}`);
      }
      assert.ok(report.testAccuracy! >= 0.97, `test accuracy ${report.testAccuracy} >= 0.97`);
      const curves = decodeImage(readFileSync(join(out, 'curves.png')), 'curves.png');
      assert.deepEqual([curves.width, curves.height], [800, 450], '--plot draws the training curves');

      const { model, manifest } = loadModel(out);
      assert.deepEqual(manifest.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      const { test: testSet } = loadMnistSample();
      const reloaded = model.evaluate(datasetToTensor(testSet), testSet.labels);
      // The reloaded model computes exactly what the trained one reported (same weights, same kernels).
      assert.equal(reloaded.accuracy, report.testAccuracy);
      assert.ok(Math.abs(reloaded.loss - report.testLoss!) < 1e-12, `loss ${reloaded.loss} vs ${report.testLoss}`);

      // convnet evaluate: the same accuracy, with per-class figures and a confusion matrix that add up.
      const evaluated = convnet('evaluate', '--model', out, '--json');
      assert.equal(evaluated.status, 0, evaluated.stderr);
      const evaluation = JSON.parse(evaluated.stdout.trim().split('\n').pop()!) as {
        accuracy: number;
        examples: number;
        confusion: number[][];
        classes: { name: string; precision: number; recall: number; support: number }[];
      };
      assert.equal(evaluation.accuracy, report.testAccuracy);
      assert.equal(evaluation.examples, 2000);
      assert.equal(
        evaluation.confusion.flat().reduce((sum, count) => sum + count, 0),
        2000,
      );
      assert.equal(
        evaluation.confusion.reduce((sum, row, index) => sum + row[index]!, 0),
        Math.round(report.testAccuracy! * 2000),
      );
      assert.deepEqual(
        evaluation.classes.map((entry) => entry.support),
        evaluation.confusion.map((row) => row.reduce((sum, count) => sum + count, 0)),
      );
      assert.ok(
        evaluation.classes.every((entry) => entry.precision > 0.9 && entry.recall > 0.9),
        'every digit above 90% precision and recall',
      );
      const table = convnet('evaluate', '--model', out);
      assert.match(table.stdout, /mnist-sample test split: 2000 images, accuracy \d+\.\d\d%/);
      assert.match(table.stdout, /Confusion matrix \(rows: actual, columns: predicted\)/);

      const summary = convnet('summary', '--model', out);
      assert.equal(summary.status, 0, summary.stderr);
      assert.match(summary.stdout, /dense_2 \(Dense\)\s+10\s+650/);

      // convnet predict on PNG files written from the test set, plus one broken file it must skip.
      const digits = join(out, 'digits');
      mkdirSync(digits);
      const count = 40;
      for (let index = 0; index < count; index++) {
        const pixels = testSet.images.subarray(index * 784, (index + 1) * 784);
        writeFileSync(
          join(digits, `${String(index).padStart(2, '0')}.png`),
          encodePng(imageFromPixels(pixels, 28, 28, 'gray')),
        );
      }
      // Hostile files among them: each is reported by name and the rest are classified.
      const png = encodePng(imageFromPixels(testSet.images.subarray(0, 784), 28, 28, 'gray'));
      const withSize = (width: number, height: number) => {
        const bytes = Uint8Array.from(png);
        new DataView(bytes.buffer).setUint32(16, width);
        new DataView(bytes.buffer).setUint32(20, height);
        return bytes;
      };
      const hostile: Record<string, Uint8Array | string> = {
        'broken.png': 'not an image',
        'empty.png': '',
        'truncated.png': png.subarray(0, 60),
        'huge.png': withSize(200_000, 200_000),
        'zero.png': withSize(0, 28),
        'truncated.jpg': encodeJpeg(imageFromPixels(testSet.images.subarray(0, 784), 28, 28, 'gray')).subarray(0, 300),
      };
      for (const [name, bytes] of Object.entries(hostile)) writeFileSync(join(digits, name), bytes);
      const predicted = convnet('predict', '--model', out, digits, '--json', '--top', '2');
      assert.equal(predicted.status, 1, 'exit code 1: some files could not be classified');
      const predictLines = predicted.stdout.trim().split('\n');
      const predictions = JSON.parse(predictLines[predictLines.length - 1]!) as {
        predictions: { file: string; top: { class: number }[] }[];
        errors: { file: string; error: string }[];
      };
      assert.equal(predictions.predictions.length, count);
      assert.equal(predictions.predictions[0]!.top.length, 2);
      const correct = predictions.predictions.filter(
        (prediction, index) => prediction.top[0]!.class === testSet.labels[index],
      ).length;
      assert.ok(correct >= count - 2, `${correct} of ${count} digit PNGs classified correctly through convnet predict`);
      const errors = Object.fromEntries(
        predictions.errors.map(({ file, error }) => [file.slice(digits.length + 1), error]),
      );
      assert.deepEqual(Object.keys(errors).sort(), Object.keys(hostile).sort());
      assert.match(errors['broken.png']!, /broken\.png: is not a PNG or JPEG file/);
      assert.match(errors['empty.png']!, /empty\.png: is not a PNG or JPEG file \(it starts with nothing\)/);
      assert.match(errors['huge.png']!, /huge\.png: declares 200000x200000 pixels/);
      assert.match(errors['zero.png']!, /zero\.png: declares an empty image/);
      assert.match(errors['truncated.png']!, /truncated\.png: /);
      assert.match(errors['truncated.jpg']!, /truncated\.jpg: /);

      // convnet predict on a tensor batch: uint8 pixels [n, 28, 28, 1] in x.npy, probabilities out in y.npy.
      const pixels = Uint8Array.from(testSet.images.subarray(0, 5 * 784));
      writeFileSync(join(out, 'x.npy'), encodeNpy({ shape: [5, 28, 28, 1], data: pixels }));
      const tensorRun = convnet(
        'predict',
        '--model',
        out,
        '--input',
        join(out, 'x.npy'),
        '--output',
        join(out, 'y.npy'),
      );
      assert.equal(tensorRun.status, 0, tensorRun.stderr);
      const y = decodeNpy(readFileSync(join(out, 'y.npy')), 'y.npy');
      assert.deepEqual(y.shape, [5, 10]);
      const direct = model.predict(datasetToTensor(testSet, { indices: [0, 1, 2, 3, 4] }));
      assertClose(y.data as Float32Array, direct.dataSync(), { atol: 1e-6 }, 'probabilities from the .npy batch');
      const wrongShape = convnet(
        'predict',
        '--model',
        out,
        '--input',
        join(out, 'y.npy'),
        '--output',
        join(out, 'z.npy'),
      );
      assert.equal(wrongShape.status, 2);
      assert.match(wrongShape.stderr, /y\.npy has shape \(5, 10\) but model .* takes \[n, 28, 28, 1\] \(NHWC\)/);

      // convnet export: the ONNX file runs in onnxruntime-node with the same probabilities (1 channel: NCHW = NHWC).
      const exported = convnet('export', '--model', out, '--out', join(out, 'model.onnx'));
      assert.equal(exported.status, 0, exported.stderr);
      assert.match(
        exported.stdout,
        /ONNX opset 13.*input 'input' \[batch, 1, 28, 28\] \(NCHW\), output 'output' \[batch, 10\]/,
      );
      const session = await ort.InferenceSession.create(readFileSync(join(out, 'model.onnx')));
      const onnxInput = Float32Array.from(pixels, (value) => value / 255);
      const { output } = await session.run({ input: new ort.Tensor('float32', onnxInput, [5, 1, 28, 28]) });
      assertClose(
        output!.data as Float32Array,
        direct.dataSync(),
        { atol: 1e-5 },
        'onnxruntime-node on the exported model',
      );

      // convnet visualize: every picture is a valid PNG whose size follows from the layer it shows.
      const pictures = join(out, 'pictures');
      const visualized = convnet('visualize', '--model', out, join(digits, '00.png'), '--out', pictures, '--json');
      assert.equal(visualized.status, 0, visualized.stderr);
      const visualLines = visualized.stdout.trim().split('\n');
      const index = JSON.parse(visualLines[visualLines.length - 1]!) as {
        predicted: { class: number };
        gradCam: { class: number; layer: string };
        files: {
          file: string;
          kind: string;
          width: number;
          height: number;
          shape?: number[];
          scale?: number;
          layer?: string;
        }[];
      };
      assert.deepEqual(JSON.parse(readFileSync(join(pictures, 'index.json'), 'utf8')), index);
      assert.equal(index.predicted.class, testSet.labels[0]);
      assert.equal(index.gradCam.class, index.predicted.class);
      const grid = (tiles: number, columns: number, tileHeight: number, tileWidth: number, scale: number) => {
        const rows = Math.ceil(tiles / columns);
        return [columns * tileWidth * scale + columns + 1, rows * tileHeight * scale + rows + 1];
      };
      const featureMaps = index.files.filter((file) => file.kind === 'feature-map');
      assert.deepEqual(
        featureMaps.map((file) => file.shape),
        model.layerOutputShapes.map((shape) => [...shape]),
      );
      for (const file of index.files) {
        const picture = decodeImage(readFileSync(join(pictures, file.file)), file.file);
        assert.deepEqual([picture.width, picture.height], [file.width, file.height], `${file.file} size as listed`);
        let expected: number[] | null = null;
        if (file.kind === 'kernels') {
          const [kH, kW, inC, outC] = file.shape!;
          expected = grid(outC! * inC!, inC === 1 ? Math.ceil(Math.sqrt(outC!)) : inC!, kH!, kW!, file.scale!);
        } else if (file.kind === 'feature-map' && file.shape!.length === 3) {
          const [height, width, channels] = file.shape!;
          expected = grid(channels!, Math.ceil(Math.sqrt(channels!)), height!, width!, file.scale!);
        } else if (file.kind === 'input' || file.kind === 'grad-cam') {
          expected = [28 * file.scale!, 28 * file.scale!];
        }
        if (expected !== null)
          assert.deepEqual(
            [picture.width, picture.height],
            expected,
            `${file.file}: size from the layer shape ${file.shape}`,
          );
      }
      assert.deepEqual(
        index.files.filter((file) => file.kind === 'kernels').map((file) => file.shape),
        [
          [3, 3, 1, 16],
          [3, 3, 16, 32],
        ],
      );
      assert.ok(index.files.some((file) => file.kind === 'probabilities'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
