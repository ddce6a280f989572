// Preprocessing kept on a model: the presets' values, the shorter-side resize worked by hand, imagesToInput
// against the same steps done by hand (resize, center crop, normalize), model.json (version 3, and
// version 2 files without it still loading) and ONNX metadata round trips, labels files, and the
// importer's trace of what each node became and its list of unsupported operators.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import {
  centerCrop,
  cifarCnn,
  exportOnnx,
  FileFormatError,
  fitImage,
  IMAGENET_CLASS_NAMES,
  imageFromPixels,
  imagesToInput,
  imagesToTensor,
  importOnnx,
  MODEL_FORMAT_VERSION,
  normalizeImage,
  parseLabels,
  parseModel,
  preprocessingPreset,
  Random,
  resizedSize,
  serializeModel,
  UnsupportedOperatorsError,
  ValueError,
  type Image,
} from '../../src/index.js';
import { assertClose, assertThrowsWith, repoRoot } from '../helpers.js';

/** A w x h RGB picture of seeded random values. */
function randomImage(width: number, height: number, seed: number): Image {
  const random = new Random(seed);
  return imageFromPixels(
    Float32Array.from({ length: width * height * 3 }, () => random.uniform()),
    width,
    height,
    'rgb',
  );
}

describe('preprocessing', () => {
  test("the imagenet preset is torchvision's evaluation transform", () => {
    const imagenet = preprocessingPreset('imagenet')!;
    assert.deepEqual(imagenet.mean, [0.485, 0.456, 0.406]);
    assert.deepEqual(imagenet.std, [0.229, 0.224, 0.225]);
    assert.equal(imagenet.cropFraction, 0.875);
    assert.equal(preprocessingPreset('none'), undefined);
    assert.throws(
      () => preprocessingPreset('caffe'),
      /unknown preset 'caffe'; the presets are imagenet, inception, none/,
    );
  });

  test("shorter side to 256 for a 224 input, the long side truncated as torchvision's Resize(256) does", () => {
    const imagenet = preprocessingPreset('imagenet');
    assert.deepEqual(resizedSize(500, 375, 224, 224, imagenet), { width: 341, height: 256 });
    assert.deepEqual(resizedSize(375, 500, 224, 224, imagenet), { width: 256, height: 341 });
    // Scaled to the model's input: 32 / 0.875 = 36.57 -> 37.
    assert.deepEqual(resizedSize(48, 40, 32, 32, imagenet), { width: 44, height: 37 });
    assert.deepEqual(resizedSize(48, 40, 32, 32, undefined), { width: 32, height: 32 });
    // A picture smaller than the input is enlarged, never cropped below the input's size.
    assert.deepEqual(resizedSize(10, 8, 32, 32, imagenet), { width: 46, height: 37 });
  });

  test('imagesToInput with the imagenet preset is resize, center crop and normalize done by hand', () => {
    const model = cifarCnn({ seed: 1 });
    const photo = randomImage(48, 40, 2);
    const hand = normalizeImage(
      centerCrop(fitImage(photo, 44, 37), 32, 32),
      [0.485, 0.456, 0.406],
      [0.229, 0.224, 0.225],
    );
    model.setPreprocessing(preprocessingPreset('imagenet'));
    assertClose(imagesToInput(model, [photo]).data, imagesToTensor([hand]).data, { atol: 1e-6 }, 'imagenet input');
    // A bgr, 0..255 preprocessing (Caffe's): channels reversed, then (255 v - mean) / std.
    model.setPreprocessing({
      resize: 'stretch',
      scale: 255,
      mean: [104, 117, 123],
      std: [1, 1, 1],
      channelOrder: 'bgr',
    });
    const fitted = fitImage(photo, 32, 32);
    const first = imagesToInput(model, [photo]).data;
    assert.ok(Math.abs(first[0]! - (fitted.data[2]! * 255 - 104)) < 1e-3);
    assert.ok(Math.abs(first[2]! - (fitted.data[0]! * 255 - 123)) < 1e-3);
  });

  test('setPreprocessing refuses what does not fit the input', () => {
    const model = cifarCnn({ seed: 1 });
    assertThrowsWith(
      () => model.setPreprocessing({ resize: 'crop', scale: 1, mean: [0.5], std: [0.5] }),
      ValueError,
      'mean must be 3 finite numbers',
    );
    assertThrowsWith(
      () => model.setPreprocessing({ resize: 'crop', scale: 1, mean: [0, 0, 0], std: [1, 0, 1] }),
      ValueError,
      'std must be 3 positive numbers',
    );
    assertThrowsWith(
      () => model.setPreprocessing({ resize: 'fit' as never, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] }),
      ValueError,
      "resize must be 'stretch' or 'crop'",
    );
    assertThrowsWith(
      () => model.setPreprocessing({ resize: 'crop', cropFraction: 1.5, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] }),
      ValueError,
      'cropFraction',
    );
  });

  test('model.json keeps it (version 3); a version 2 file without it still loads', () => {
    const model = cifarCnn({ seed: 1 }).setPreprocessing(preprocessingPreset('imagenet'));
    const { manifest, weights } = serializeModel(model);
    assert.equal(MODEL_FORMAT_VERSION, 4);
    assert.equal(
      (JSON.parse(manifest) as { formatVersion: number }).formatVersion,
      3,
      'a model with no frozen layer is written as version 3',
    );
    const loaded = parseModel(manifest, weights).model;
    assert.deepEqual(loaded.preprocessing, model.preprocessing);
    const older = JSON.parse(manifest) as Record<string, unknown>;
    older.formatVersion = 2;
    delete older.preprocessing;
    assert.equal(parseModel(JSON.stringify(older), weights).model.preprocessing, undefined);
    const bad = { ...JSON.parse(manifest), preprocessing: { resize: 'crop', scale: 1, mean: [0], std: [1] } };
    assertThrowsWith(
      () => parseModel(JSON.stringify(bad), weights),
      FileFormatError,
      "model.json: field 'preprocessing': preprocessing.mean must be 3",
    );
  });

  test('ONNX metadata keeps it (with the exported layout, NCHW) and the class names', () => {
    const model = cifarCnn({ seed: 1 })
      .setPreprocessing(preprocessingPreset('inception'))
      .setClassNames(IMAGENET_CLASS_NAMES.slice(0, 10));
    const imported = importOnnx(exportOnnx(model), 'cifar.onnx').model;
    assert.deepEqual(imported.preprocessing, { ...model.preprocessing, layout: 'NCHW' });
    assert.deepEqual(imported.classNames, IMAGENET_CLASS_NAMES.slice(0, 10));
  });
});

describe('labels files', () => {
  test('one name per line, CRLF or LF, a final newline and a byte-order mark ignored', () => {
    assert.deepEqual(parseLabels('\uFEFFcat\r\ndog \nbird\n', 'labels.txt', 3), ['cat', 'dog', 'bird']);
    assertThrowsWith(() => parseLabels('cat\n\ndog\n', 'labels.txt'), FileFormatError, 'labels.txt: line 2 is empty');
    assertThrowsWith(
      () => parseLabels('cat\ndog\n', 'labels.txt', 3),
      FileFormatError,
      'names 2 classes (one per line) but the model has 3',
    );
  });

  test("ImageNet's names ship: 1,000, in torchvision's order", () => {
    assert.equal(IMAGENET_CLASS_NAMES.length, 1000);
    // ImageNet's synsets name two pairs alike (crane, maillot); torchvision's list tells them apart.
    assert.equal(new Set(IMAGENET_CLASS_NAMES).size, 1000);
    assert.deepEqual(
      [IMAGENET_CLASS_NAMES[0], IMAGENET_CLASS_NAMES[281], IMAGENET_CLASS_NAMES[999]],
      ['tench', 'tabby', 'toilet tissue'],
    );
  });
});

describe("the importer's trace", () => {
  test('each node of the torchvision-ops fixture, what it became and its shape', () => {
    const { nodes, model } = importOnnx(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', 'torchvision-ops.onnx')),
      'torchvision-ops.onnx',
    );
    assert.equal(nodes.length, 28);
    const byName = new Map(nodes.map((node) => [node.name, node]));
    assert.deepEqual(byName.get('/conv1/Conv'), {
      name: '/conv1/Conv',
      opType: 'Conv',
      became: 'layers',
      layers: [{ name: '_conv1_Conv', className: 'Conv2D' }],
      outputShape: [22, 22, 8],
    });
    assert.equal(byName.get('/Shape')!.became, 'folded');
    assert.equal(byName.get('/Constant')!.became, 'constant');
    assert.equal(byName.get('/Concat')!.became, 'passed through');
    // Every layer of the model comes from one node (the Input from none).
    const traced = nodes.flatMap((node) => (node.became === 'layers' ? node.layers.map((layer) => layer.name) : []));
    assert.deepEqual(
      traced.sort(),
      model.layers
        .slice(1)
        .map((layer) => layer.name)
        .sort(),
    );
  });

  test('the five nodes of an Erf-form GELU: four fused into the GELU layer the last one makes', () => {
    const { nodes } = importOnnx(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', 'channels-last-block.onnx')),
      'channels-last-block.onnx',
    );
    assert.equal(nodes.length, 21, 'every node of the file');
    const gelu = nodes.filter((node) => node.name.startsWith('/gelu/') && node.opType !== 'Constant');
    assert.deepEqual(
      gelu.map((node) => [node.opType, node.became, node.layers.map((layer) => layer.className)]),
      [...['Div', 'Erf', 'Add', 'Mul'].map((op) => [op, 'fused', ['GELU']]), ['Mul', 'layers', ['GELU']]],
    );
    assert.deepEqual(gelu[0]!.outputShape, [6, 5, 16]);
  });

  test('a constant Add after a Gemm is fused into its Dense', () => {
    const { onnx } = onnxProto;
    const float = onnx.TensorProto.DataType.FLOAT;
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 7,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          input: [
            {
              name: 'input',
              type: { tensorType: { elemType: float, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } },
            },
          ],
          output: [{ name: 'output', type: { tensorType: { elemType: float } } }],
          initializer: [
            {
              name: 'w',
              dims: [3, 4],
              dataType: float,
              floatData: Array.from({ length: 12 }, (_, index) => index / 10),
            },
            { name: 'b', dims: [3], dataType: float, floatData: [1, 2, 3] },
          ],
          node: [
            {
              opType: 'Gemm',
              name: 'fc',
              input: ['input', 'w'],
              output: ['t0'],
              attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
            },
            { opType: 'Add', name: 'bias', input: ['t0', 'b'], output: ['output'] },
          ],
        },
      }),
    ).finish();
    const { nodes } = importOnnx(bytes, 'fused.onnx');
    assert.deepEqual(
      nodes.map((node) => [node.name, node.became, node.layers.map((layer) => layer.name)]),
      [
        ['fc', 'layers', ['fc']],
        ['bias', 'fused', ['fc']],
      ],
    );
  });

  test('every unsupported operator, with its count and first node, as a list on the error', () => {
    const { onnx } = onnxProto;
    const float = onnx.TensorProto.DataType.FLOAT;
    const ops = ['Relu', 'Selu', 'Sin', 'Selu', 'Celu'];
    const bytes = onnx.ModelProto.encode(
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
            name: `${op.toLowerCase()}_${index}`,
            input: [index === 0 ? 'input' : `t${index - 1}`],
            output: [index === ops.length - 1 ? 'output' : `t${index}`],
          })),
        },
      }),
    ).finish();
    assert.throws(
      () => importOnnx(bytes, 'unsupported.onnx'),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedOperatorsError);
        assert.deepEqual(error.operators, [
          { opType: 'Selu', count: 2, firstNode: 'selu_1' },
          { opType: 'Sin', count: 1, firstNode: 'sin_2' },
          { opType: 'Celu', count: 1, firstNode: 'celu_4' },
        ]);
        assert.match(error.message, /unsupported\.onnx: node 'selu_1' \(Selu\): operator Selu is not supported/);
        return true;
      },
    );
  });
});
