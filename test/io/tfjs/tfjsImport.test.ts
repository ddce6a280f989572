// TF.js import: models built and saved with @tensorflow/tfjs here give TF.js's outputs (every mapped
// layer class at least once, Sequential and functional, a MobileNet-style and a residual network),
// fine-tune, read quantized weights and the Keras converter's and Keras 3's forms, and refuse bad
// files with FileFormatError naming the file, the layer or the shard.

import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  Adam,
  BatchNormalization,
  Conv2D,
  FileFormatError,
  FileSystemError,
  importTfjsModel,
  isTfjsModelJson,
  loadModel,
  parseTfjsModel,
  Rescaling,
  Reshape,
  Tensor,
  TFJS_IMPORT_LAYERS,
} from '../../../src/index.js';
import { assertThrowsWith, withTemporaryDirectory } from '../../helpers.js';
import {
  inputBatch,
  randomizeWeights,
  relativeDifference,
  saveTfjs,
  tf,
  uniformValues,
  writeTfjsFolder,
  type SavedTfjs,
} from './tfjsModels.js';

const TOLERANCE = 1e-4;

/**
 * Saves `model` (small shards: several per manifest), imports it from a folder and compares with TF.js on a batch of 3.
 */
async function checkSameOutputs(model: tf.LayersModel, seed: number, shardBytes = 1000): Promise<number> {
  randomizeWeights(model, seed);
  const saved = await saveTfjs(model, shardBytes);
  const inputShape = [3, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const { tfInput, input } = inputBatch(inputShape, seed + 1);
  const expected = (model.predict(tfInput) as tf.Tensor).dataSync();
  let imported: ReturnType<typeof importTfjsModel> | undefined;
  withTemporaryDirectory((folder) => {
    imported = importTfjsModel(writeTfjsFolder(folder, saved));
  });
  const actual = imported!.predict(input).dataSync();
  const difference = relativeDifference(actual, expected);
  assert.ok(
    difference <= TOLERANCE,
    `${model.name}: largest difference ${difference} relative to the output range, over ${TOLERANCE}`,
  );
  // The same from memory (the browser's way), the shards given as bytes.
  assert.ok(
    relativeDifference(
      parseTfjsModel(JSON.stringify(saved.modelJson), saved.shards).predict(input).dataSync(),
      expected,
    ) <= TOLERANCE,
  );
  return difference;
}

function mobileNetStyle(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu6' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu6' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .separableConv2d({ filters: 24, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.2 }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 5, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'mobilenet_style' });
}

function residual(): tf.LayersModel {
  const input = tf.input({ shape: [9, 9, 3] });
  const stem = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  let branch = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(stem) as tf.SymbolicTensor;
  branch = tf.layers.batchNormalization().apply(branch) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([stem, branch]) as tf.SymbolicTensor;
  const activated = tf.layers.activation({ activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
  const side = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'sigmoid' }).apply(stem) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([activated, side]) as tf.SymbolicTensor;
  const pooled = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })
    .apply(joined) as tf.SymbolicTensor;
  const gate = tf.layers
    .conv2d({ filters: 12, kernelSize: 1, activation: 'sigmoid' })
    .apply(pooled) as tf.SymbolicTensor;
  const gated = tf.layers.multiply().apply([pooled, gate]) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({}).apply(gated) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'residual' });
}

/** Keras's MobileNet v1 layer by layer (names and padding as keras.applications writes them), width 0.25, at 32x32. */
function kerasMobileNet(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: 'input_1' });
  const width = (filters: number) => Math.round(filters * 0.25);
  let x = tf.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'conv1_pad',
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: width(32), kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'conv1' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
  const blocks: [number, number][] = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
    [512, 2],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [1024, 2],
    [1024, 1],
  ];
  blocks.forEach(([filters, stride], index) => {
    const id = index + 1;
    if (stride === 2)
      x = tf.layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
          name: `conv_pad_${id}`,
        })
        .apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        padding: stride === 1 ? 'same' : 'valid',
        useBias: false,
        name: `conv_dw_${id}`,
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `conv_dw_${id}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `conv_dw_${id}_relu` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .conv2d({ filters: width(filters), kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${id}` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `conv_pw_${id}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `conv_pw_${id}_relu` }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [1, 1, width(1024)], name: 'reshape_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 1e-3, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 10, kernelSize: 1, padding: 'same', name: 'conv_preds' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.reshape({ targetShape: [10], name: 'reshape_2' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'mobilenet_0.25_32' });
}

describe('TF.js models give TF.js outputs', () => {
  test(
    'a MobileNet-style network (stride 2 same, depthwise, separable, batch norm with random ' + 'statistics, ReLU6)',
    async (t) => {
      t.diagnostic(`largest difference relative to the output range: ${await checkSameOutputs(mobileNetStyle(), 10)}`);
    },
  );

  test("Keras's MobileNet v1 (width 0.25, at 32x32) as keras.applications builds it", async (t) => {
    t.diagnostic(
      `largest difference relative to the output range: ${await checkSameOutputs(kerasMobileNet(), 15, 64 * 1024)}`,
    );
  });

  test('a residual network (Add, Concatenate, Multiply, same max pooling)', async (t) => {
    t.diagnostic(`largest difference relative to the output range: ${await checkSameOutputs(residual(), 20)}`);
  });

  test('Sequential: convolutions, pooling, padding, flatten, dense and activations', async (t) => {
    const model = tf.sequential({ name: 'plain' });
    model.add(tf.layers.conv2d({ inputShape: [11, 10, 3], filters: 6, kernelSize: [3, 2], activation: 'tanh' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }));
    model.add(
      tf.layers.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 1],
        ],
      }),
    );
    model.add(tf.layers.averagePooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' }));
    model.add(tf.layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, activation: 'sigmoid' }));
    model.add(tf.layers.averagePooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 7, activation: 'elu' }));
    model.add(tf.layers.dropout({ rate: 0.5 }));
    model.add(tf.layers.dense({ units: 6, activation: 'gelu' }));
    model.add(tf.layers.dense({ units: 5, activation: 'swish' }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    t.diagnostic(`largest difference relative to the output range: ${await checkSameOutputs(model, 30)}`);
  });

  test(
    'Sequential: the activation layers (ReLU, ReLU with max, LeakyReLU, ELU, Softmax) and Dense ' + 'on feature maps',
    async (t) => {
      const model = tf.sequential({ name: 'activations' });
      model.add(tf.layers.dense({ inputShape: [4, 4, 3], units: 6 }));
      model.add(tf.layers.leakyReLU({ alpha: 0.2 }));
      model.add(tf.layers.conv2d({ filters: 4, kernelSize: 1 }));
      model.add(tf.layers.elu());
      model.add(tf.layers.conv2d({ filters: 4, kernelSize: 1 }));
      model.add(tf.layers.reLU());
      model.add(tf.layers.conv2d({ filters: 4, kernelSize: 1 }));
      model.add(tf.layers.reLU({ maxValue: 0.3 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dense({ units: 5 }));
      model.add(tf.layers.activation({ activation: 'tanh' }));
      model.add(tf.layers.dense({ units: 5 }));
      model.add(tf.layers.softmax());
      t.diagnostic(`largest difference relative to the output range: ${await checkSameOutputs(model, 40)}`);
    },
  );

  test('UpSampling2D, nearest and bilinear (as TF.js resizes), into a convolution', async (t) => {
    const input = tf.input({ shape: [5, 7, 3] });
    const near = tf.layers.upSampling2d({ size: [2, 3] }).apply(input) as tf.SymbolicTensor;
    const smooth = tf.layers
      .upSampling2d({ size: [2, 3], interpolation: 'bilinear' })
      .apply(input) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([near, smooth]) as tf.SymbolicTensor;
    const output = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(joined) as tf.SymbolicTensor;
    t.diagnostic(
      `largest difference relative to the output range: ` +
        `${await checkSameOutputs(tf.model({ inputs: input, outputs: output, name: 'upsampling' }), 49)}`,
    );
  });

  test(
    "hard_sigmoid as TF.js computes it (0.2 x + 0.5); Keras 3's (x / 6 + 0.5) by keras_version; a file " +
      'that does not say is refused',
    async (t) => {
      const model = tf.sequential({ name: 'hardSigmoid' });
      model.add(tf.layers.dense({ inputShape: [6], units: 8, activation: 'hardSigmoid' }));
      model.add(tf.layers.dense({ units: 4 }));
      t.diagnostic(`largest difference relative to the output range: ${await checkSameOutputs(model, 47)}`);
      const saved = await saveTfjs(model);
      const hidden = (version: string | undefined) => {
        const topology = { ...(saved.modelJson.modelTopology as Record<string, unknown>), keras_version: version };
        const imported = parseTfjsModel({ ...saved.modelJson, modelTopology: topology }, saved.shards);
        return imported.layers.find((layer) => layer.className === 'HardSigmoid') as unknown as {
          alpha: number;
          beta: number;
        };
      };
      assert.equal(hidden('tfjs-layers 4.22.0').alpha, 0.2);
      assert.equal(hidden('2.15.0').alpha, 0.2);
      assert.equal(hidden('3.3.3').alpha, 1 / 6);
      assert.equal(hidden('3.3.3').beta, 0.5);
      assertThrowsWith(
        () => hidden(undefined),
        FileFormatError,
        "activation 'hard_sigmoid' is 0.2 x + 0.5 in TF.js and Keras 2 but x / 6 + 0.5 in Keras 3",
      );
    },
  );

  test(
    'functional: Rescaling, Reshape of features into maps, Concatenate of vectors, separable conv with ' +
      'bias and activation',
    async (t) => {
      const input = tf.input({ shape: [6, 6, 3] });
      const scaled = tf.layers.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(input) as tf.SymbolicTensor;
      const conv = tf.layers
        .separableConv2d({ filters: 4, kernelSize: 3, activation: 'relu' })
        .apply(scaled) as tf.SymbolicTensor;
      const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
      const units = tf.layers.dense({ units: 32 }).apply(flat) as tf.SymbolicTensor;
      const maps = tf.layers.reshape({ targetShape: [4, 4, 2] }).apply(units) as tf.SymbolicTensor;
      const pooled = tf.layers.globalAveragePooling2d({}).apply(maps) as tf.SymbolicTensor;
      const other = tf.layers.dense({ units: 3 }).apply(flat) as tf.SymbolicTensor;
      const joined = tf.layers.concatenate().apply([pooled, other]) as tf.SymbolicTensor;
      const output = tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(joined) as tf.SymbolicTensor;
      t.diagnostic(
        `largest difference relative to the output range: ` +
          `${await checkSameOutputs(tf.model({ inputs: input, outputs: output, name: 'preprocessing' }), 50)}`,
      );
    },
  );

  test(
    "Keras's MobileNet head: softmax on 1x1 maps between a 1x1 convolution and a Reshape " + 'to the classes',
    async (t) => {
      const input = tf.input({ shape: [5, 5, 3] });
      const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
      const maps = tf.layers.reshape({ targetShape: [1, 1, 3] }).apply(pooled) as tf.SymbolicTensor;
      const scores = tf.layers
        .conv2d({ filters: 6, kernelSize: 1, padding: 'same', name: 'conv_preds' })
        .apply(maps) as tf.SymbolicTensor;
      const probabilities = tf.layers
        .activation({ activation: 'softmax', name: 'act_softmax' })
        .apply(scores) as tf.SymbolicTensor;
      const output = tf.layers.reshape({ targetShape: [6] }).apply(probabilities) as tf.SymbolicTensor;
      t.diagnostic(
        `largest difference relative to the output range: ` +
          `${await checkSameOutputs(tf.model({ inputs: input, outputs: output, name: 'head' }), 55)}`,
      );
    },
  );

  test(
    'layers are named after the TF.js layers; the Keras converter form (model_config) and vectors as ' +
      'input are read',
    async () => {
      const model = tf.sequential({ name: 'vectors' });
      model.add(tf.layers.dense({ inputShape: [5], units: 4, activation: 'relu', name: 'hidden' }));
      model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'scores' }));
      randomizeWeights(model, 60);
      const saved = await saveTfjs(model);
      const converterForm = {
        ...saved.modelJson,
        modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: saved.modelJson.modelTopology },
      };
      const imported = parseTfjsModel(converterForm, saved.shards);
      assert.deepEqual(
        imported.layers.map((layer) => layer.name),
        [imported.layers[0]!.name, 'hidden', 'hidden_relu', 'scores', 'scores_softmax'],
      );
      const { tfInput, input } = inputBatch([2, 5], 61);
      assert.ok(
        relativeDifference(imported.predict(input).dataSync(), (model.predict(tfInput) as tf.Tensor).dataSync()) <=
          TOLERANCE,
      );
      // The converter's several weight groups, each with its own shards.
      const [specs, data] = [saved.modelJson.weightsManifest[0]!.weights, saved.shards[0]!];
      const firstBytes = (5 * 4 + 4) * 4;
      const grouped = {
        ...saved.modelJson,
        weightsManifest: [
          { paths: ['group1-shard1of1.bin'], weights: specs.slice(0, 2) },
          { paths: ['group2-shard1of2.bin', 'group2-shard2of2.bin'], weights: specs.slice(2) },
        ],
      };
      const groupShards = [
        data.subarray(0, firstBytes),
        data.subarray(firstBytes, firstBytes + 8),
        data.subarray(firstBytes + 8),
      ];
      assert.deepEqual(
        Array.from(parseTfjsModel(grouped, groupShards).predict(input).dataSync()),
        Array.from(imported.predict(input).dataSync()),
      );
      assert.equal(isTfjsModelJson(saved.modelJson), true);
      assert.equal(isTfjsModelJson({ format: 'convnet.ts-model' }), false);
    },
  );

  test(
    'Conv2DTranspose (valid with a kernel smaller and larger than the stride, same, no bias) and ' +
      'Maximum / Minimum',
    async (t) => {
      const input = tf.input({ shape: [5, 6, 3] });
      const a = tf.layers
        .conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
        .apply(input) as tf.SymbolicTensor;
      const b = tf.layers
        .conv2dTranspose({ filters: 4, kernelSize: [1, 2], strides: [2, 2], useBias: false })
        .apply(input) as tf.SymbolicTensor;
      const c = tf.layers
        .conv2dTranspose({ filters: 4, kernelSize: [4, 3], strides: [2, 2], padding: 'valid' })
        .apply(input) as tf.SymbolicTensor;
      const upper = tf.layers.maximum().apply([a, b]) as tf.SymbolicTensor;
      const output = tf.layers.minimum().apply([upper, b]) as tf.SymbolicTensor;
      t.diagnostic(
        `largest difference relative to the output range: ` +
          `${await checkSameOutputs(tf.model({ inputs: input, outputs: output }), 40)}`,
      );
      t.diagnostic(
        `valid, kernel 4x3 over stride 2: ${await checkSameOutputs(tf.model({ inputs: input, outputs: c }), 41)}`,
      );
    },
  );

  test('every class the issue lists is mapped', () => {
    const listed = [
      'Conv2D',
      'DepthwiseConv2D',
      'SeparableConv2D',
      'BatchNormalization',
      'Dense',
      'Activation',
      'ReLU',
      'MaxPooling2D',
      'AveragePooling2D',
      'GlobalAveragePooling2D',
      'Flatten',
      'Dropout',
      'Add',
      'Multiply',
      'Concatenate',
      'ZeroPadding2D',
      'Reshape',
      'Rescaling',
    ];
    assert.deepEqual(
      listed.filter((name) => !TFJS_IMPORT_LAYERS.includes(name)),
      [],
    );
  });

  test('an imported model saves and loads as a native one (Reshape and Rescaling included)', async () => {
    const input = tf.input({ shape: [2, 2, 1] });
    const scaled = tf.layers.rescaling({ scale: 2, offset: 0.5 }).apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(scaled) as tf.SymbolicTensor;
    const maps = tf.layers.reshape({ targetShape: [1, 2, 2] }).apply(flat) as tf.SymbolicTensor;
    const output = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(maps) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    randomizeWeights(model, 70);
    const saved = await saveTfjs(model);
    const imported = parseTfjsModel(saved.modelJson, saved.shards);
    assert.ok(
      imported.layers.some((layer) => layer instanceof Rescaling) &&
        imported.layers.some((layer) => layer instanceof Reshape),
    );
    const { input: batch } = inputBatch([2, 2, 2, 1], 71);
    withTemporaryDirectory((folder) => {
      imported.save(join(folder, 'native'));
      assert.deepEqual(
        Array.from(loadModel(join(folder, 'native')).model.predict(batch).dataSync()),
        Array.from(imported.predict(batch).dataSync()),
      );
    });
  });
});

describe('imported TF.js models fine-tune', () => {
  test('a short fit lowers the loss and changes every trainable weight of every mapped layer', async () => {
    const model = mobileNetStyle();
    randomizeWeights(model, 80);
    const saved = await saveTfjs(model);
    const imported = parseTfjsModel(saved.modelJson, saved.shards);
    const before = imported.namedWeights().map((weight) => ({
      name: weight.name,
      isTrainable: weight.isTrainable,
      values: Float64Array.from(weight.tensor.dataSync()),
    }));
    const x = Tensor.fromArray(uniformValues(24 * 16 * 16 * 3, 81), [24, 16, 16, 3]);
    const labels = Array.from({ length: 24 }, (_, index) => index % 5);
    // The training loss (batch statistics in the batch norms): the moving averages, random here, adapt slowly.
    const history = imported.fit(x, labels, {
      epochs: 10,
      batchSize: 8,
      seed: 1,
      optimizer: new Adam({ learningRate: 0.01 }),
    });
    const initial = history.epochs[0]!.loss;
    const final = history.epochs.at(-1)!.loss;
    assert.ok(final < initial * 0.7, `training loss ${initial} -> ${final}: expected a drop of at least 30%`);
    const after = imported.namedWeights();
    const unchanged = before.filter(
      (weight, index) =>
        weight.isTrainable && weight.values.every((value, at) => value === after[index]!.tensor.dataSync()[at]),
    );
    assert.deepEqual(
      unchanged.map((weight) => weight.name),
      [],
    );
    assert.ok(before.filter((weight) => weight.isTrainable).length >= 14);
  });
});

describe('TF.js weights and forms', () => {
  test('uint8, uint16 and float16 quantized weights are dequantized', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [3], units: 2, useBias: true }));
    randomizeWeights(model, 90);
    const saved = await saveTfjs(model);
    const [kernelSpec, biasSpec] = saved.modelJson.weightsManifest[0]!.weights;
    const kernelBytes = new Uint8Array([0, 10, 20, 30, 40, 255]);
    const bias = new Uint16Array([0, 65535]);
    for (const [quantization, biasBytes, expectedBias] of [
      [{ dtype: 'uint16', scale: 0.001, min: -2 }, new Uint8Array(bias.buffer), [-2, -2 + 65.535]],
      [{ dtype: 'float16' }, new Uint8Array(new Uint16Array([0x3c00, 0xc100]).buffer), [1, -2.5]],
    ] as const) {
      const json = {
        ...saved.modelJson,
        weightsManifest: [
          {
            paths: ['w.bin'],
            weights: [
              { ...kernelSpec!, quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
              { ...biasSpec!, quantization },
            ],
          },
        ],
      };
      const imported = parseTfjsModel(json, [new Uint8Array([...kernelBytes, ...biasBytes])]);
      const dense = imported.layers[1] as unknown as { kernel: Tensor; bias: Tensor };
      assert.deepEqual(
        Array.from(dense.kernel.dataSync()),
        Array.from(kernelBytes, (value) => -1 + 0.5 * value),
      );
      Array.from(dense.bias.dataSync()).forEach((value, index) => {
        assert.ok(Math.abs(value - expectedBias[index]!) < 1e-5, `bias ${value} vs ${expectedBias[index]}`);
      });
    }
  });

  test('layers that do not lead to the output are left out, their weights unused', async () => {
    const model = residual();
    randomizeWeights(model, 95);
    const saved = await saveTfjs(model);
    const topology = structuredClone(saved.modelJson.modelTopology) as {
      config: { layers: { name: string }[]; output_layers: unknown };
    };
    const stem = topology.config.layers[1]!.name;
    topology.config.output_layers = [[stem, 0, 0]];
    const imported = parseTfjsModel({ ...saved.modelJson, modelTopology: topology }, saved.shards);
    assert.deepEqual(imported.layers.map((layer) => layer.name).slice(1), [stem, `${stem}_relu`]);
    const { tfInput, input } = inputBatch([2, 9, 9, 3], 96);
    const expected = (
      tf
        .model({ inputs: model.inputs, outputs: model.getLayer(stem).output as tf.SymbolicTensor })
        .predict(tfInput) as tf.Tensor
    ).dataSync();
    assert.ok(relativeDifference(imported.predict(input).dataSync(), expected) <= TOLERANCE);
  });

  test('a Keras 3 functional model (inbound_nodes as {args}) is read', () => {
    const tensor = (name: string) => ({
      class_name: '__keras_tensor__',
      config: { shape: [null, 4], dtype: 'float32', keras_history: [name, 0, 0] },
    });
    const modelJson = {
      format: 'layers-model',
      generatedBy: 'keras v3.3.3',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '3.3.3',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Functional',
          config: {
            name: 'keras3',
            layers: [
              {
                class_name: 'InputLayer',
                name: 'inputs',
                config: { batch_shape: [null, 4], dtype: 'float32', name: 'inputs' },
                inbound_nodes: [],
              },
              {
                class_name: 'Dense',
                name: 'a',
                config: {
                  name: 'a',
                  units: 4,
                  activation: {
                    module: 'keras.activations',
                    class_name: 'function',
                    config: 'relu',
                    registered_name: 'relu',
                  },
                  use_bias: false,
                },
                inbound_nodes: [{ args: [tensor('inputs')], kwargs: {} }],
              },
              {
                class_name: 'Add',
                name: 'sum',
                config: { name: 'sum' },
                inbound_nodes: [{ args: [[tensor('a'), tensor('inputs')]], kwargs: {} }],
              },
            ],
            input_layers: ['inputs', 0, 0],
            output_layers: ['sum', 0, 0],
          },
        },
      },
      weightsManifest: [
        { paths: ['group1-shard1of1.bin'], weights: [{ name: 'a/kernel', shape: [4, 4], dtype: 'float32' }] },
      ],
    };
    const identity = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const model = parseTfjsModel(modelJson, [new Uint8Array(identity.buffer)]);
    assert.deepEqual(Array.from(model.predict(Tensor.fromArray([1, -2, 3, -4], [1, 4])).dataSync()), [2, -2, 6, -4]);
  });
});

/** A small saved model to damage. */
async function smallSaved(): Promise<SavedTfjs> {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3 }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 2 }));
  return saveTfjs(model, 40);
}

describe('bad TF.js files are FileFormatErrors naming what is wrong', () => {
  test('a short or long shard is named, with the bytes it holds and the bytes the manifest wants', async () => {
    const saved = await smallSaved();
    const short = saved.shards.map((shard, index) => (index === 1 ? shard.subarray(0, 30) : shard));
    assertThrowsWith(
      () => parseTfjsModel(saved.modelJson, short),
      FileFormatError,
      "'group1-shard2of",
      '(30 bytes)',
      'a shard is short',
    );
    const long = saved.shards.map((shard, index) => (index === 0 ? new Uint8Array([...shard, 1, 2]) : shard));
    assertThrowsWith(() => parseTfjsModel(saved.modelJson, long), FileFormatError, 'a shard is too long');
    withTemporaryDirectory((folder) => {
      const path = writeTfjsFolder(folder, saved);
      const shard = saved.modelJson.weightsManifest[0]!.paths[2]!;
      writeFileSync(join(folder, shard), saved.shards[2]!.subarray(0, 3));
      assertThrowsWith(() => importTfjsModel(path), FileFormatError, `'${shard}' (3 bytes)`, 'a shard is short');
      // A long shard is refused by its size, before it is read.
      writeFileSync(join(folder, shard), new Uint8Array(1_000_000));
      assertThrowsWith(
        () => importTfjsModel(path),
        FileFormatError,
        shard,
        'is 1000000 bytes, more than the',
        'this weight shard',
      );
    });
  });

  test('shard paths that leave the folder are refused before anything is opened', async () => {
    const saved = await smallSaved();
    for (const path of ['../outside.bin', '/etc/passwd', 'sub/x.bin', '..\\x.bin', '', '..']) {
      const json = { ...saved.modelJson, weightsManifest: [{ ...saved.modelJson.weightsManifest[0]!, paths: [path] }] };
      assertThrowsWith(
        () =>
          parseTfjsModel(json, () => {
            throw new Error('opened');
          }),
        FileFormatError,
        'must be a plain file name',
      );
    }
    withTemporaryDirectory((folder) => {
      const outside = join(folder, 'secret.bin');
      writeFileSync(outside, new Uint8Array(saved.shards.reduce((sum, shard) => sum + shard.length, 0)));
      const modelFolder = join(folder, 'model');
      const path = writeTfjsFolder(modelFolder, saved);
      const json = {
        ...saved.modelJson,
        weightsManifest: [{ ...saved.modelJson.weightsManifest[0]!, paths: ['link.bin'] }],
      };
      writeFileSync(path, JSON.stringify(json));
      symlinkSync(outside, join(modelFolder, 'link.bin'));
      assertThrowsWith(() => importTfjsModel(path), FileFormatError, 'link.bin', "leads out of the model's folder");
      writeFileSync(
        path,
        JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0]!, paths: ['missing.bin'] }] }),
      );
      assertThrowsWith(() => importTfjsModel(path), FileSystemError, 'missing.bin');
    });
  });

  test('unknown layer classes are all listed with their counts', async () => {
    const saved = await smallSaved();
    const topology = structuredClone(saved.modelJson.modelTopology) as { config: { layers: { class_name: string }[] } };
    topology.config.layers[0]!.class_name = 'LSTM';
    topology.config.layers[1]!.class_name = 'Conv3D';
    topology.config.layers[2]!.class_name = 'LSTM';
    assertThrowsWith(
      () => parseTfjsModel({ ...saved.modelJson, modelTopology: topology }, saved.shards),
      FileFormatError,
      'LSTM (2)',
      'Conv3D (1)',
    );
  });

  test('declared sizes are bounded before allocation; weights must match their layers', async () => {
    const saved = await smallSaved();
    const spec = saved.modelJson.weightsManifest[0]!.weights[0]!;
    const huge = {
      ...saved.modelJson,
      weightsManifest: [{ ...saved.modelJson.weightsManifest[0]!, weights: [{ ...spec, shape: [65536, 65536, 4] }] }],
    };
    assertThrowsWith(() => parseTfjsModel(huge, saved.shards), FileFormatError, 'more than the 268,435,456');
    const wrongShape = {
      ...saved.modelJson,
      weightsManifest: [
        {
          ...saved.modelJson.weightsManifest[0]!,
          weights: saved.modelJson.weightsManifest[0]!.weights.map((weight, index) =>
            index === 0 ? { ...weight, shape: [3, 3, 2, 1] } : weight,
          ),
        },
      ],
    };
    assertThrowsWith(
      () => parseTfjsModel(wrongShape, saved.shards),
      FileFormatError,
      'has shape [3, 3, 2, 1] in the manifest, but the layer needs [3, 3, 1, 2]',
    );
    const missing = { ...saved.modelJson, weightsManifest: [{ paths: [], weights: [] }] };
    assertThrowsWith(() => parseTfjsModel(missing, []), FileFormatError, 'is not in the weights manifest');
    const int32 = {
      ...saved.modelJson,
      weightsManifest: [{ ...saved.modelJson.weightsManifest[0]!, weights: [{ ...spec, dtype: 'int32' }] }],
    };
    assertThrowsWith(() => parseTfjsModel(int32, saved.shards), FileFormatError, 'dtype "int32"');
  });

  test('graph models, other activations, channels-first layers and several inputs are refused by name', async () => {
    assertThrowsWith(
      () => parseTfjsModel({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }, []),
      FileFormatError,
      'graph model',
    );
    const saved = await smallSaved();
    const topology = structuredClone(saved.modelJson.modelTopology) as {
      config: { layers: { config: Record<string, unknown> }[] };
    };
    topology.config.layers[0]!.config.activation = 'selu';
    assertThrowsWith(
      () => parseTfjsModel({ ...saved.modelJson, modelTopology: topology }, saved.shards),
      FileFormatError,
      "activation 'selu' is not imported",
    );
    topology.config.layers[0]!.config.activation = 'linear';
    topology.config.layers[0]!.config.data_format = 'channels_first';
    assertThrowsWith(
      () => parseTfjsModel({ ...saved.modelJson, modelTopology: topology }, saved.shards),
      FileFormatError,
      'data_format "channels_first"',
    );
    withTemporaryDirectory((folder) => {
      mkdirSync(join(folder, 'm'));
      writeFileSync(join(folder, 'm', 'model.json'), '{"modelTopology": ');
      assertThrowsWith(() => importTfjsModel(join(folder, 'm', 'model.json')), FileFormatError, 'is not JSON');
    });
    assert.ok([Conv2D, BatchNormalization].length === 2);
  });
});
