// Preprocessing kept on a model (src/image/preprocessing.ts): the presets' values, the shorter-side resize
// worked by hand, imagesToInput against the same steps done by hand (resize, center crop, normalize), and
// model.json (version 3, and version 2 files without it still loading) and ONNX metadata round trips.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
  parseModel,
  preprocessingPreset,
  Random,
  resizedSize,
  serializeModel,
  ValueError,
  type Image,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

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
    assertClose(
      imagesToInput(model, [photo]).dataSync(),
      imagesToTensor([hand]).dataSync(),
      { atol: 1e-6 },
      'imagenet input',
    );
    // A bgr, 0..255 preprocessing (Caffe's): channels reversed, then (255 v - mean) / std.
    model.setPreprocessing({
      resize: 'stretch',
      scale: 255,
      mean: [104, 117, 123],
      std: [1, 1, 1],
      channelOrder: 'bgr',
    });
    const fitted = fitImage(photo, 32, 32);
    const first = imagesToInput(model, [photo]).dataSync();
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
