// explainValue and Grad-CAM on a TF.js model imported by parseTfjsModel: a functional network built
// and saved with @tensorflow/tfjs here (a stem with a fused ReLU, batch normalization, ReLU6, a
// depthwise convolution, a residual Add, a Concatenate, max pooling with 'same' padding, a gate by
// Multiply, global pooling, a softmax Dense). Every layer's explanations reproduce its output, the last
// layer's output is TF.js's, and Grad-CAM runs on each layer gradCamLayers lists.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  explainValue,
  gradCam,
  gradCamLayers,
  layerOutputs,
  parseTfjsModel,
  Random,
  Tensor,
  type Image,
} from '../../../src/index.js';
import { checkEveryLayer } from '../../visualize/explanationChecks.js';
import { inputBatch, randomizeWeights, relativeDifference, saveTfjs, tf } from './tfjsModels.js';

function network(): tf.LayersModel {
  const input = tf.input({ shape: [9, 9, 3] });
  const stem = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  let branch = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(stem) as tf.SymbolicTensor;
  branch = tf.layers.batchNormalization().apply(branch) as tf.SymbolicTensor;
  branch = tf.layers.reLU({ maxValue: 6 }).apply(branch) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([stem, branch]) as tf.SymbolicTensor;
  const side = tf.layers
    .conv2d({ filters: 4, kernelSize: 1, strides: 1, activation: 'sigmoid' })
    .apply(stem) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([sum, side]) as tf.SymbolicTensor;
  const pooled = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })
    .apply(joined) as tf.SymbolicTensor;
  const gate = tf.layers
    .conv2d({ filters: 12, kernelSize: 1, activation: 'sigmoid' })
    .apply(pooled) as tf.SymbolicTensor;
  const gated = tf.layers.multiply().apply([pooled, gate]) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({}).apply(gated) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'explained' });
}

test(
  "a TF.js import: explanations reproduce every layer, the output is TF.js's, Grad-CAM runs on " + 'every usable layer',
  async (context) => {
    const source = network();
    randomizeWeights(source, 21);
    const saved = await saveTfjs(source);
    const model = parseTfjsModel(saved.modelJson, saved.shards);
    const { tfInput, input } = inputBatch([1, 9, 9, 3], 22);
    const expected = (source.predict(tfInput) as tf.Tensor).dataSync();
    const outputs = layerOutputs(model, input);
    assert.ok(relativeDifference(outputs.layers[outputs.layers.length - 1]!.values, expected) <= 1e-4);
    const worst = checkEveryLayer(outputs, new Random(23), 8);
    context.diagnostic(
      `${model.layers.length} layers: ` +
        `${[...worst].map(([name, fraction]) => `${name} ${fraction.toFixed(3)}`).join(', ')}`,
    );
    // The softmax's explanation gives TF.js's probability.
    const softmax = model.layers.length - 1;
    const explained = explainValue(outputs, softmax, [2]);
    assert.equal(explained.kind, 'softmax');
    assert.ok(Math.abs(explained.value - expected[2]!) <= 1e-6);
    const image: Image = { width: 9, height: 9, colorModel: 'rgb', data: Float32Array.from(input.dataSync()) };
    const usable = gradCamLayers(model);
    assert.ok(usable.length >= 6, `usable layers: ${usable.map((layer) => layer.className).join(', ')}`);
    for (const layer of usable) {
      const { heat } = gradCam(model, Tensor.fromArray(input.dataSync(), [1, 9, 9, 3]), image, {
        layerName: layer.layerName,
        classIndex: 1,
      });
      assert.deepEqual([heat.height, heat.width], layer.shape.slice(0, 2));
      assert.ok(heat.data.every((value) => value >= 0 && value <= 1));
    }
  },
);
