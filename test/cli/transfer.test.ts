// `convnet train --dataset DIR --from MODEL` on small folders of MNIST sample digits written as PNG,
// taught to the bundled mnist network: frozen layers byte-identical in the saved model, the fine-tune
// changing only the top, the saved whole network read by predict and evaluate, and the usage errors.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Dense,
  encodePng,
  imageFromPixels,
  Input,
  loadBundledModel,
  loadMnistSample,
  loadModel,
  saveModel,
  Sequential,
  type Model,
} from '../../src/index.js';
import { lastJson, repoRoot } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-transfer-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], {
    encoding: 'utf8',
    cwd: scratch,
  });
}

/**
 * A folder of train/ and test/ class folders: `perClass` training and 10 test digits of each of `digits`, as PNG files.
 */
function digitFolder(name: string, digits: readonly number[], perClass: number): string {
  const { train, test } = loadMnistSample();
  const folder = join(scratch, name);
  for (const [split, set, count] of [
    ['train', train, perClass],
    ['test', test, 10],
  ] as const) {
    for (const digit of digits) {
      const directory = join(folder, split, `digit-${digit}`);
      mkdirSync(directory, { recursive: true });
      let written = 0;
      for (let index = 0; index < set.count && written < count; index++) {
        if (set.labels[index] !== digit) continue;
        const pixels = set.images.subarray(index * 784, (index + 1) * 784);
        writeFileSync(join(directory, `${index}.png`), encodePng(imageFromPixels(pixels, 28, 28, 'gray')));
        written++;
      }
    }
  }
  return folder;
}

/** Each weight of layer `name`, as bytes. */
function weightBytes(model: Model, name: string): Buffer[] {
  const layer = model.layers.find((candidate) => candidate.name === name);
  assert.ok(layer !== undefined, `no layer ${name}`);
  return layer.weights().map((weight) => {
    const data = weight.tensor.dataSync() as Float32Array;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  });
}

const folder = digitFolder('digits', [0, 1, 7], 12);
const bundled = loadBundledModel('mnist').model;
/** The bundled mnist network's layers below its classifier (dense_2 reads relu_3). */
const BACKBONE_WEIGHTED = ['conv2d_1', 'conv2d_2', 'dense_1'];

describe('convnet train --from', () => {
  test(
    '--freeze backbone: only the head trains; every backbone weight byte-identical in the saved model, ' +
      'which predict and evaluate read',
    () => {
      const out = join(scratch, 'frozen');
      const result = cli(
        'train',
        '--dataset',
        folder,
        '--from',
        'mnist',
        '--freeze',
        'backbone',
        '--out',
        out,
        '--json',
        '--threads',
        '1',
      );
      assert.equal(result.status, 0, String(result.stderr));
      assert.match(String(result.stderr), /Transfer recipe from mnist:/);
      assert.match(String(result.stderr), /the new head reads 'relu_3' \(128\); no fine-tune/);
      const summary = lastJson(String(result.stdout));
      assert.equal(summary.headInput, 'relu_3');
      assert.equal(summary.fineTuneFrom, null);
      // The recipe: 36 pictures, 3 batches of 16; about 300 steps is 100 epochs, at most 50.
      assert.equal(summary.headEpochs, 50);
      assert.equal(summary.fineTuneEpochs, 0);
      const saved = loadModel(out);
      assert.deepEqual(saved.manifest.classNames, ['digit-0', 'digit-1', 'digit-7']);
      assert.equal(saved.model.classes, 3);
      assert.deepEqual(saved.model.inputShape, [28, 28, 1]);
      // Saved as an ordinary network: every layer trainable again.
      assert.ok(saved.model.layers.every((layer) => layer.trainable));
      for (const name of BACKBONE_WEIGHTED)
        assert.deepEqual(weightBytes(saved.model, name), weightBytes(bundled, name), name);
      // The three digits are told apart well by the trained features, even from 36 pictures: 30 test pictures, above
      // chance (1/3) by far.
      assert.ok((summary.testAccuracy as number) >= 0.8, `test accuracy ${String(summary.testAccuracy)}`);

      const evaluated = cli('evaluate', '--model', out, '--dataset', folder, '--json');
      assert.equal(evaluated.status, 0, String(evaluated.stderr));
      assert.equal(lastJson(String(evaluated.stdout)).accuracy, summary.testAccuracy);
      const predicted = cli('predict', '--model', out, join(folder, 'test', 'digit-7'), '--json');
      assert.equal(predicted.status, 0, String(predicted.stderr));
      const predictions = lastJson(String(predicted.stdout)).predictions as { top: { name: string }[] }[];
      assert.equal(predictions.length, 10);
      assert.ok(predictions.every((prediction) => ['digit-0', 'digit-1', 'digit-7'].includes(prediction.top[0]!.name)));
      const onnx = join(scratch, 'frozen.onnx');
      const exported = cli('export', '--model', out, '--out', onnx);
      assert.equal(exported.status, 0, String(exported.stderr));
    },
  );

  test(
    'the default recipe: head, then a fine-tune of the top two weighted layers; the layers below them ' +
      'byte-identical',
    () => {
      const out = join(scratch, 'fine-tuned');
      const result = cli(
        'train',
        '--dataset',
        folder,
        '--from',
        'mnist',
        '--epochs',
        '2',
        '--out',
        out,
        '--json',
        '--threads',
        '1',
      );
      assert.equal(result.status, 0, String(result.stderr));
      const summary = lastJson(String(result.stdout));
      // Weighted layers below the head: conv2d_1, conv2d_2, dense_1; the top two are fine-tuned.
      assert.equal(summary.fineTuneFrom, 'conv2d_2');
      assert.ok((summary.fineTuneEpochs as number) >= 2);
      assert.match(String(result.stderr), /Fine-tune from 'conv2d_2': \d+ epochs, Adam 0\.0001, augmentation shift/);
      const saved = loadModel(out).model;
      assert.deepEqual(weightBytes(saved, 'conv2d_1'), weightBytes(bundled, 'conv2d_1'));
      for (const name of ['conv2d_2', 'dense_1'])
        assert.notDeepEqual(weightBytes(saved, name), weightBytes(bundled, name), `${name} was fine-tuned`);
    },
  );

  test('--freeze LAYER keeps it and everything below frozen; --head LAYER cuts the network there', () => {
    const out = join(scratch, 'cut');
    const result = cli(
      'train',
      '--dataset',
      folder,
      '--from',
      'mnist',
      '--head',
      'maxpool2d_2',
      '--freeze',
      'conv2d_1',
      '--epochs',
      '1',
      '--out',
      out,
      '--json',
      '--threads',
      '1',
    );
    assert.equal(result.status, 0, String(result.stderr));
    const summary = lastJson(String(result.stdout));
    assert.equal(summary.headInput, 'maxpool2d_2');
    assert.equal(summary.fineTuneFrom, 'relu_1');
    const saved = loadModel(out).model;
    // Cut at the second pooling: the old Flatten and Dense layers are gone; an average pooling, Dense(3) and Softmax
    // read the 7x7x64 map.
    assert.deepEqual(
      saved.layers.map((layer) => layer.className),
      [
        'Input',
        'Conv2D',
        'ReLU',
        'MaxPool2D',
        'Conv2D',
        'ReLU',
        'MaxPool2D',
        'GlobalAveragePooling2D',
        'Dense',
        'Softmax',
      ],
    );
    assert.equal(saved.classes, 3);
    assert.deepEqual(weightBytes(saved, 'conv2d_1'), weightBytes(bundled, 'conv2d_1'));
    assert.notDeepEqual(weightBytes(saved, 'conv2d_2'), weightBytes(bundled, 'conv2d_2'));
  });

  const featuresModel = join(scratch, 'features-model');
  saveModel(new Sequential([new Input({ shape: [4] }), new Dense({ units: 2 })]), featuresModel);
  const oneClass = digitFolder('one-class', [3], 4);
  const usageCases: [string, string[], RegExp][] = [
    [
      'an unknown --head layer lists the layers',
      ['--from', 'mnist', '--head', 'conv9'],
      /--head conv9: model mnist has no layer of that name; its layers, from the output down, are softmax_1, dense_2, relu_3, dense_1/,
    ],
    [
      "an unknown --freeze layer lists the backbone's layers",
      ['--from', 'mnist', '--freeze', 'dense_2'],
      /--freeze dense_2: the network below the new head has no layer of that name; its layers, from the output down, are relu_3, dense_1, /,
    ],
    ['a model that takes feature vectors', ['--from', featuresModel], /takes feature vectors, not images/],
    [
      'a folder of one class',
      ['--from', 'mnist', '--dataset', oneClass],
      /needs at least 2 class folders, found 1 \(digit-3\)/,
    ],
    [
      'a named dataset',
      ['--from', 'mnist', '--dataset', 'mnist-sample'],
      /--from teaches a model the classes of an image folder/,
    ],
    ['--model with --from', ['--from', 'mnist', '--model', 'resnet'], /--model is not used with --from/],
    ['--freeze without --from', ['--freeze', 'backbone'], /--freeze is used with --from MODEL/],
    [
      'a model that is not there',
      ['--from', 'no-such-model'],
      /no-such-model: is not a model directory, nor a bundled model/,
    ],
  ];
  for (const [title, args, message] of usageCases) {
    test(`usage error: ${title}`, () => {
      const withDataset = args.includes('--dataset') ? args : ['--dataset', folder, ...args];
      const result = cli('train', ...withDataset, '--out', join(scratch, 'unused'));
      assert.equal(result.status, 2, String(result.stderr));
      assert.match(String(result.stderr), message);
      assert.equal(String(result.stderr).trim().split('\n').length, 1, String(result.stderr));
    });
  }
});
