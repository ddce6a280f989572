// The model format without files (src/io/modelFormat.ts): serializeModel's manifest and weights, parsed
// back by parseModel to the same weights and predictions; manifests and weights that disagree with the
// format or with each other refused with a FileFormatError naming the file and the field.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Dense,
  encodeSafetensors,
  FileFormatError,
  Input,
  parseModel,
  Sequential,
  serializeModel,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

function smallModel(): Sequential {
  return new Sequential([new Input({ shape: [3] }), new Dense({ units: 2 })], { seed: 7 });
}

const FILES = { manifest: 'net/model.json', weights: 'net/weights.safetensors' };

describe('serializeModel then parseModel', () => {
  test('the manifest lists format, version, dtype, seed, layers and weights; the parsed model predicts the same', () => {
    const model = smallModel();
    const { manifest, weights } = serializeModel(model, { classNames: ['no', 'yes'], training: { epochs: 2 } });
    const record = JSON.parse(manifest);
    assert.equal(record.format, 'convnet-ts-model');
    assert.equal(record.formatVersion, 3, 'version 3 unless a layer is frozen');
    assert.equal(record.dtype, 'float32');
    assert.equal(record.seed, 7);
    assert.deepEqual(
      record.layers.map((layer: { className: string }) => layer.className),
      ['Input', 'Dense'],
    );
    assert.deepEqual(
      record.weights,
      model.namedWeights().map((weight) => ({ name: weight.name, shape: [...weight.tensor.shape] })),
    );
    assert.deepEqual(record.classNames, ['no', 'yes']);
    assert.deepEqual(record.training, { epochs: 2 });
    const loaded = parseModel(manifest, weights, FILES);
    assert.deepEqual(loaded.model.classNames, ['no', 'yes']);
    const x = Tensor.fromArray([0.5, -1, 2, 3, 0, -0.25], [2, 3]);
    assert.deepEqual(Array.from(loaded.model.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
  });

  test('a frozen layer is written trainable: false with version 4, and reads back frozen', () => {
    const model = smallModel();
    model.layers[1]!.trainable = false;
    const { manifest, weights } = serializeModel(model);
    const record = JSON.parse(manifest);
    assert.equal(record.formatVersion, 4);
    assert.equal(record.layers[1].trainable, false);
    assert.equal(parseModel(manifest, weights).model.layers[1]!.trainable, false);
  });

  test('class names of the wrong count are a ValueError when saving', () => {
    assertThrowsWith(
      () => serializeModel(smallModel(), { classNames: ['only one'] }),
      ValueError,
      'serializeModel: classNames must be 2 strings, one per class, got 1 entries',
    );
  });
});

describe('bad manifests and weights raise a FileFormatError naming the file and the field', () => {
  const { manifest, weights } = serializeModel(smallModel());
  const good = JSON.parse(manifest);
  const cases: [string, unknown, string][] = [
    ['not JSON', '{"format": ', 'net/model.json: is not valid JSON'],
    ['another format', { ...good, format: 'keras' }, `field 'format' must be "convnet-ts-model"`],
    [
      'a newer version',
      { ...good, formatVersion: 99 },
      "field 'formatVersion' is 99; this version of ConvNet.ts reads versions 1 to 4",
    ],
    ['an unknown dtype', { ...good, dtype: 'int8' }, `field 'dtype' must be "float32" or "float64"`],
    ['a seed that is text', { ...good, seed: '7' }, "field 'seed' must be a number"],
    ['layers without configs', { ...good, layers: [{ className: 'Dense' }] }, "field 'layers' must be a list"],
    [
      'inputs from a later layer',
      { ...good, layers: [good.layers[0], { ...good.layers[1], inputs: [1] }] },
      "field 'layers[1].inputs' must list indices of earlier layers",
    ],
    [
      'trainable: true written out',
      { ...good, layers: [good.layers[0], { ...good.layers[1], trainable: true }] },
      "field 'layers[1].trainable' must be false or absent",
    ],
    ['class names that are numbers', { ...good, classNames: [0, 1] }, "field 'classNames' must be a list of strings"],
    [
      'three class names for two classes',
      { ...good, classNames: ['a', 'b', 'c'] },
      "field 'classNames' names 3 classes but the model has 2",
    ],
  ];
  for (const [title, changed, fragment] of cases) {
    test(`refuses ${title}`, () => {
      const text = typeof changed === 'string' ? changed : JSON.stringify(changed);
      assertThrowsWith(() => parseModel(text, weights, FILES), FileFormatError, 'net/model.json: ', fragment);
    });
  }

  test('a weight missing from the weights file, or of another shape, names the weight and both shapes', () => {
    const [kernel, bias] = smallModel().namedWeights();
    // The bias's values stored under another name: as many values as the model needs, its bias not among them.
    const withoutBias = encodeSafetensors([
      { name: kernel!.name, tensor: kernel!.tensor },
      { name: 'other/bias', tensor: bias!.tensor },
    ]);
    assertThrowsWith(
      () => parseModel(manifest, withoutBias, FILES),
      FileFormatError,
      `net/weights.safetensors: weight '${bias!.name}' is missing`,
    );
    const wrongShape = encodeSafetensors([
      { name: kernel!.name, tensor: Tensor.zeros([2, 3]) },
      { name: bias!.name, tensor: bias!.tensor },
    ]);
    assertThrowsWith(
      () => parseModel(manifest, wrongShape, FILES),
      FileFormatError,
      `weight '${kernel!.name}' has shape 2x3 but the model needs 3x2`,
    );
  });
});
