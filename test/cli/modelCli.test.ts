// `convnet inspect`, `convnet import` and `convnet predict --preprocess --labels`: inspect lists what each
// ONNX node (or TF.js layer) became, or every unsupported operator (exit 2); predict with the imagenet
// preprocessing gives what the same steps done by hand give; import keeps the class names and the
// preprocessing so predict needs no flags; hostile labels files end in one error line and exit 2.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import {
  centerCrop,
  datasetToTensor,
  decodeImage,
  digitsCnn,
  loadMnistSample,
  encodePng,
  fitImage,
  imageFromPixels,
  imagesToTensor,
  importOnnx,
  loadModel,
  normalizeImage,
  Random,
  resizedSize,
  preprocessingPreset,
  saveModel,
} from '../../src/index.js';
import { lastJson, repoRoot } from '../helpers.js';
import { randomizeWeights, saveTfjs, tf, writeTfjsFolder } from '../io/tfjs/tfjsModels.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-model-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { encoding: 'utf8' });
}

/** A fixture exported by PyTorch: input [1, 3, 24, 24] (NCHW), 5 logits. */
const fixture = join(repoRoot, 'test', 'fixtures', 'onnx', 'torchvision-ops.onnx');
const LABELS = ['cat', 'dog', 'bird', 'fish', 'horse'];
const labelsFile = join(scratch, 'labels.txt');
writeFileSync(labelsFile, `${LABELS.join('\n')}\n`);

/** A 48x40 RGB photo of smooth seeded colors, as a PNG file. */
const photo = join(scratch, 'photo.png');
{
  const random = new Random(7);
  const phase = [random.uniform() * 6, random.uniform() * 6, random.uniform() * 6];
  const values = new Float32Array(48 * 40 * 3);
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 48; x++)
      for (let c = 0; c < 3; c++) values[(y * 48 + x) * 3 + c] = 0.5 + 0.5 * Math.sin(x / (5 + c) + y / 7 + phase[c]!);
  writeFileSync(photo, encodePng(imageFromPixels(values, 48, 40, 'rgb')));
}

interface Top {
  class: number;
  name: string;
  probability: number;
}

function topOf(stdout: string): Top[] {
  return (lastJson(stdout).predictions as { top: Top[] }[])[0]!.top;
}

/** An ONNX graph of `ops` in a chain (one input, one output), its nodes named <op>_<index> unless `names` says. */
function chainModel(
  ops: readonly string[],
  names: readonly string[] = ops.map((op, index) => `${op.toLowerCase()}_${index}`),
): Uint8Array {
  const { onnx } = onnxProto;
  const float = onnx.TensorProto.DataType.FLOAT;
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        input: [
          {
            name: 'input',
            type: { tensorType: { elemType: float, shape: { dim: [1, 3, 4, 4].map((dimValue) => ({ dimValue })) } } },
          },
        ],
        output: [{ name: 'output', type: { tensorType: { elemType: float } } }],
        node: ops.map((op, index) => ({
          opType: op,
          name: names[index]!,
          input: [index === 0 ? 'input' : `t${index - 1}`],
          output: [index === ops.length - 1 ? 'output' : `t${index}`],
        })),
      },
    }),
  ).finish();
}

describe('convnet inspect', () => {
  test('one line per ONNX node: what it became and its output shape', () => {
    const run = cli('inspect', fixture);
    assert.equal(run.status, 0, String(run.stderr));
    const lines = String(run.stdout).split('\n');
    assert.match(lines[0]!, /ONNX model .*torchvision-ops\.onnx: input NCHW \[3, 24, 24\], 28 nodes, 19 layers/);
    assert.ok(
      lines.some((line) => /^Conv \/conv1\/Conv +Conv2D _conv1_Conv +\[22, 22, 8\]$/.test(line)),
      String(run.stdout),
    );
    assert.ok(
      lines.some((line) => /^Shape \/Shape +folded +\[4\]$/.test(line)),
      String(run.stdout),
    );
    assert.ok(
      lines.some((line) => /^Gemm \/fc\/Gemm +Dense _fc_Gemm +\[5\]$/.test(line)),
      String(run.stdout),
    );
    assert.ok(
      lines.some((line) => /^Input \[24, 24, 3\] \(NHWC\), output logits, 5 classes/.test(line)),
      String(run.stdout),
    );
    const json = cli('inspect', fixture, '--json');
    assert.equal(json.status, 0, String(json.stderr));
    const report = lastJson(String(json.stdout));
    assert.equal((report.nodes as unknown[]).length, 28);
    assert.equal(report.inputLayout, 'NCHW');
  });

  test(
    'a model that cannot be imported: every unsupported operator with its count and first node, exit ' +
      '2; names escaped',
    () => {
      const file = join(scratch, 'unsupported.onnx');
      writeFileSync(
        file,
        chainModel(
          ['Relu', 'Selu', 'Sin', 'Selu', 'Celu'],
          ['relu', 'evil\u001b[2J', 'sin_2', 'selu_3', 'celu\nfake line'],
        ),
      );
      const run = cli('inspect', file);
      assert.equal(run.status, 2, String(run.stderr));
      assert.match(String(run.stderr), /unsupported\.onnx cannot be imported: 3 unsupported operators/);
      const stdout = String(run.stdout);
      assert.ok(!/[\u001b]/.test(stdout), 'no raw escape character');
      assert.match(stdout, /^Selu +2 nodes +first evil\\x1b\[2J$/m);
      assert.match(stdout, /^Sin +1 node +first sin_2$/m);
      assert.match(stdout, /^Celu +1 node +first celu\\nfake line$/m);
      const json = cli('inspect', file, '--json');
      assert.equal(json.status, 2);
      assert.deepEqual(lastJson(String(json.stdout)).unsupported, [
        { opType: 'Selu', count: 2, firstNode: 'evil\u001b[2J' },
        { opType: 'Sin', count: 1, firstNode: 'sin_2' },
        { opType: 'Celu', count: 1, firstNode: 'celu\nfake line' },
      ]);
    },
  );

  test('a TF.js model: one line per TF.js layer and the layers it became', async () => {
    const model = tf.sequential();
    model.add(
      tf.layers.conv2d({
        inputShape: [8, 8, 3],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 'conv',
      }),
    );
    model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
    model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'scores' }));
    randomizeWeights(model, 5);
    const folder = join(scratch, 'tfjs-model');
    writeTfjsFolder(folder, await saveTfjs(model, 200));
    const run = cli('inspect', folder);
    assert.equal(run.status, 0, String(run.stderr));
    const stdout = String(run.stdout);
    assert.match(stdout, /^Conv2D conv +Conv2D conv, ReLU conv_relu +\[8, 8, 4\]$/m);
    assert.match(stdout, /^Dense scores +Dense scores, Softmax scores_softmax +\[3\]$/m);
  });

  test('a native model folder: its summary, classes and preprocessing', () => {
    const folder = join(scratch, 'native');
    saveModel(digitsCnn({ seed: 1 }), folder);
    const run = cli('inspect', folder);
    assert.equal(run.status, 0, String(run.stderr));
    assert.match(String(run.stdout), /Preprocessing: none/);
  });
});

describe('convnet predict --preprocess --labels, and convnet import', () => {
  test("predict --preprocess imagenet --labels FILE gives the hand-made input's softmax, by name", () => {
    const run = cli(
      'predict',
      '--model',
      fixture,
      '--preprocess',
      'imagenet',
      '--labels',
      labelsFile,
      '--top',
      '5',
      '--json',
      photo,
    );
    assert.equal(run.status, 0, String(run.stderr));
    const top = topOf(String(run.stdout));
    // By hand: shorter side 40 -> round(24 / 0.875) = 27 (the long one 48 -> 32), center crop 24x24, normalize.
    const image = decodeImage(readFileSync(photo));
    assert.deepEqual(resizedSize(48, 40, 24, 24, preprocessingPreset('imagenet')), { width: 32, height: 27 });
    const input = normalizeImage(
      centerCrop(fitImage(image, 32, 27), 24, 24),
      [0.485, 0.456, 0.406],
      [0.229, 0.224, 0.225],
    );
    const { model } = importOnnx(readFileSync(fixture), 'fixture.onnx');
    const logits = Array.from(model.predict(imagesToTensor([input])).dataSync());
    const largest = Math.max(...logits);
    const sum = logits.reduce((total, logit) => total + Math.exp(logit - largest), 0);
    const expected = logits.map((logit) => Math.exp(logit - largest) / sum);
    assert.equal(top.length, 5);
    for (const entry of top) {
      assert.equal(entry.name, LABELS[entry.class]);
      assert.ok(
        Math.abs(entry.probability - expected[entry.class]!) <= 1e-5,
        `class ${entry.class}: ${entry.probability} vs ${expected[entry.class]}`,
      );
    }
    assert.ok(
      Math.abs(top.reduce((total, entry) => total + entry.probability, 0) - 1) <= 1e-5,
      'probabilities sum to 1',
    );
  });

  test(
    'import --preprocess --labels, then predict with no flags: the same classes, by name, as classify on ' +
      'the imported model',
    () => {
      const out = join(scratch, 'imported');
      const run = cli('import', fixture, '--out', out, '--preprocess', 'imagenet', '--labels', labelsFile);
      assert.equal(run.status, 0, String(run.stderr));
      assert.match(
        String(run.stdout),
        /Imported .* 5 classes; class names; preprocessing shorter side resized, center crop 0\.875/,
      );
      const { model, manifest } = loadModel(out);
      assert.equal(manifest.formatVersion, 3);
      assert.deepEqual(model.classNames, LABELS);
      assert.deepEqual(model.preprocessing?.mean, [0.485, 0.456, 0.406]);
      const predicted = cli('predict', '--model', out, '--top', '3', '--json', photo);
      assert.equal(predicted.status, 0, String(predicted.stderr));
      const top = topOf(String(predicted.stdout));
      const [classified] = model.classify([decodeImage(readFileSync(photo))], { topK: 3 });
      assert.deepEqual(
        top.map((entry) => entry.name),
        classified!.map((entry) => entry.name),
      );
      top.forEach((entry, index) => {
        assert.ok(Math.abs(entry.probability - classified![index]!.probability) <= 1e-5);
      });
      // The same as predicting the ONNX file with the flags.
      const direct = topOf(
        String(
          cli(
            'predict',
            '--model',
            fixture,
            '--preprocess',
            'imagenet',
            '--labels',
            labelsFile,
            '--top',
            '3',
            '--json',
            photo,
          ).stdout,
        ),
      );
      assert.deepEqual(
        direct.map((entry) => entry.name),
        top.map((entry) => entry.name),
      );
    },
  );

  test('visualize --preprocess --labels shows the class predict gives, its probability a softmax of the logits', () => {
    const flags = ['--preprocess', 'imagenet', '--labels', labelsFile];
    const [best] = topOf(String(cli('predict', '--model', fixture, ...flags, '--json', photo).stdout));
    const run = cli('visualize', photo, '--model', fixture, ...flags, '--out', join(scratch, 'pictures'), '--json');
    assert.equal(run.status, 0, String(run.stderr));
    const predicted = lastJson(String(run.stdout)).predicted as Top;
    assert.equal(predicted.name, best!.name);
    assert.ok(
      Math.abs(predicted.probability - best!.probability) <= 1e-5,
      `${predicted.probability} vs ${best!.probability}`,
    );
  });

  test("evaluate normalizes a dataset as the model's preprocessing says (the images already have its size)", () => {
    const folder = join(scratch, 'normalized-digits');
    const model = digitsCnn({ seed: 3 }).setPreprocessing({
      resize: 'stretch',
      scale: 1,
      mean: [0.1307],
      std: [0.3081],
    });
    saveModel(model, folder);
    const run = cli('evaluate', '--model', folder, '--dataset', 'mnist-sample', '--json');
    assert.equal(run.status, 0, String(run.stderr));
    const { test: split } = loadMnistSample();
    const x = datasetToTensor(split);
    for (let index = 0; index < x.dataSync().length; index++)
      x.dataSync()[index] = (x.dataSync()[index]! - 0.1307) / 0.3081;
    const { loss } = model.evaluate(x, split.labels);
    assert.ok(
      Math.abs((lastJson(String(run.stdout)).loss as number) - loss) <= 1e-5 * Math.max(1, loss),
      `${String(lastJson(String(run.stdout)).loss)} vs ${loss}`,
    );
  });

  test('import refuses a native folder and an --out that is a file', () => {
    const native = join(scratch, 'native-for-import');
    saveModel(digitsCnn({ seed: 1 }), native);
    const again = cli('import', native, '--out', join(scratch, 'x'));
    assert.equal(again.status, 2);
    assert.match(String(again.stderr), /neither a \.onnx file nor a TF\.js Layers model/);
    const onFile = cli('import', fixture, '--out', labelsFile);
    assert.equal(onFile.status, 2);
    assert.match(String(onFile.stderr), /labels\.txt: is a regular file, not a folder/);
  });

  test('hostile labels and preprocessing: one error line, exit 2', () => {
    const big = join(scratch, 'big.txt');
    writeFileSync(big, 'x\n'.repeat(3 * 1024 * 1024));
    const cases: [string[], RegExp][] = [
      [['--labels', big], /big\.txt.*(larger|more than|bytes)/],
      [['--labels', join(scratch, 'three.txt')], /three\.txt: names 3 classes \(one per line\) but the model has 5/],
      [['--labels', join(scratch, 'gap.txt')], /gap\.txt: line 2 is empty/],
      [['--labels', join(scratch, 'missing.txt')], /missing\.txt/],
      [['--labels', 'imagenet'], /--labels imagenet names 1000 classes, but model .* has 5/],
      [['--preprocess', 'caffe'], /--preprocess.*caffe.*imagenet, inception, none/],
    ];
    writeFileSync(join(scratch, 'three.txt'), 'a\nb\nc\n');
    writeFileSync(join(scratch, 'gap.txt'), 'a\n\nb\nc\nd\ne\n');
    for (const [flags, message] of cases) {
      const run = cli('predict', '--model', fixture, ...flags, photo);
      assert.equal(run.status, 2, `${flags.join(' ')}: ${String(run.stderr)}`);
      assert.match(String(run.stderr), message);
      assert.equal(String(run.stderr).trim().split('\n').length, 1, String(run.stderr));
    }
    const gray = join(scratch, 'gray');
    saveModel(digitsCnn({ seed: 1 }), gray);
    const run = cli('predict', '--model', gray, '--preprocess', 'imagenet', photo);
    assert.equal(run.status, 2);
    assert.match(
      String(run.stderr),
      /--preprocess imagenet is for 3-channel \(RGB\) inputs, but model .* takes 1 channels \(gray\)/,
    );
  });
});
