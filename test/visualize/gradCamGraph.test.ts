// Grad-CAM on graph models, against an independent computation: the class logit's gradient with
// respect to the layer's maps by central differences (float64, each map value nudged in the forward
// pass), averaged per map, weighing the maps. Layers inside a residual branch, at an Add and at a
// Concatenate, for a class that is not the predicted one; gradCamLayers lists the usable layers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Add,
  Concatenate,
  Conv2D,
  Dense,
  GlobalAveragePooling2D,
  gradCam,
  gradCamLayers,
  Input,
  layerOutputs,
  MaxPool2D,
  Model,
  Random,
  ReLU,
  Softmax,
  Tanh,
  Tensor,
  ValueError,
  withScope,
  type Image,
} from '../../src/index.js';

/**
 * A float64 graph: a stem, a residual block (Add), two branches joined by Concatenate, pooling, an auxiliary output
 * head.
 */
function graphModel(): Model {
  const input = new Input({ shape: [8, 8, 3] });
  const stem = new Tanh().apply(
    new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', name: 'stem' }).apply(input.output),
  );
  const branch = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', name: 'branch' }).apply(
    new ReLU().apply(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(stem)),
  );
  const residual = new Tanh({ name: 'residual_out' }).apply(new Add({ name: 'residual_add' }).apply([branch, stem]));
  const left = new Conv2D({ filters: 3, kernelSize: 1, name: 'left' }).apply(residual);
  const right = new Tanh().apply(new Conv2D({ filters: 2, kernelSize: 3, padding: 'same' }).apply(residual));
  const joined = new Concatenate({ name: 'joined' }).apply([left, right]);
  const pooled = new MaxPool2D({ poolSize: 2, name: 'pooled' }).apply(joined);
  const logits = new Dense({ units: 4 }).apply(new GlobalAveragePooling2D().apply(pooled));
  const auxiliary = new Conv2D({ filters: 1, kernelSize: 1, name: 'auxiliary' }).apply(stem);
  const model = new Model(
    { inputs: input.output, outputs: [new Softmax().apply(logits), auxiliary] },
    { dtype: 'float64', seed: 5 },
  );
  const random = new Random(11);
  for (const { name, tensor } of model.namedWeights()) {
    if (name.endsWith('/bias'))
      for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = random.normal() * 0.3;
  }
  model.markWeightsChanged();
  return model;
}

/** Grad-CAM of `layerIndex` for `classIndex` by central differences of the logit, normalized to a peak of 1. */
function referenceCam(model: Model, input: Tensor, layerIndex: number, classIndex: number): Float64Array {
  const [height, width, channels] = model.layerOutputShapes[layerIndex] as [number, number, number];
  const maps = layerOutputs(model, input).layers[layerIndex]!.values;
  const logitWith = (index: number, delta: number) =>
    withScope(
      () =>
        model
          .forward(input, {
            end: model.logitsEnd(),
            onOutput(layer, output) {
              // The nudge lands in the tensor the later layers read.
              if (layer === layerIndex) output.dataSync()[index]! += delta;
            },
          })
          .dataSync()[classIndex]!,
    );
  const step = 1e-6;
  const weights = new Float64Array(channels);
  for (let index = 0; index < maps.length; index++) {
    weights[index % channels]! += (logitWith(index, step) - logitWith(index, -step)) / (2 * step) / (height * width);
  }
  const cam = new Float64Array(height * width);
  for (let position = 0; position < height * width; position++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++)
      sum += weights[channel]! * maps[position * channels + channel]!;
    cam[position] = Math.max(sum, 0);
  }
  const peak = Math.max(...cam);
  return peak > 0 ? cam.map((value) => value / peak) : cam;
}

describe('Grad-CAM on graph models', () => {
  const model = graphModel();
  const random = new Random(3);
  const input = Tensor.zeros([1, 8, 8, 3], 'float64');
  for (let index = 0; index < input.size; index++) input.dataSync()[index] = random.uniform();
  const image: Image = { width: 8, height: 8, colorModel: 'rgb', data: Float32Array.from(input.dataSync()) };

  test('gradCamLayers: maps larger than 1x1 that the logits depend on, not the input or an auxiliary head', () => {
    const names = gradCamLayers(model).map((layer) => layer.layerName);
    for (const name of ['stem', 'branch', 'residual_add', 'residual_out', 'left', 'joined', 'pooled'])
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    assert.ok(!names.includes('auxiliary'));
    assert.ok(!names.includes(model.layers[0]!.name));
    assert.deepEqual(
      gradCamLayers(model).map((layer) => layer.layerIndex),
      [...gradCamLayers(model).map((layer) => layer.layerIndex)].sort((a, b) => a - b),
    );
    assert.throws(
      () => gradCam(model, input, image, { layerName: 'auxiliary' }),
      (error: unknown) => error instanceof ValueError && /cannot be weighed/.test(error.message),
    );
    assert.throws(() => gradCam(model, input, image, { layerName: model.layers[0]!.name }), ValueError);
  });

  for (const [layerName, classIndex] of [
    ['branch', 2],
    ['residual_add', 1],
    ['residual_out', 3],
    ['joined', 0],
    ['pooled', 2],
    ['left', 1],
  ] as const) {
    test(`${layerName}, class ${classIndex}: the heat map equals the central-difference computation`, () => {
      const layerIndex = model.layers.findIndex((layer) => layer.name === layerName);
      const result = gradCam(model, input, image, { layerName, classIndex });
      assert.equal(result.layerName, layerName);
      assert.equal(result.classIndex, classIndex);
      const expected = referenceCam(model, input, layerIndex, classIndex);
      assert.equal(result.heat.data.length, expected.length);
      assert.ok(
        expected.some((value) => value > 0),
        'the reference map is not all zero',
      );
      let largest = 0;
      expected.forEach((value, index) => {
        largest = Math.max(largest, Math.abs(value - result.heat.data[index]!));
      });
      assert.ok(largest <= 1e-5, `largest |gradCam - central differences| ${largest}`);
    });
  }
});
