// Layers made again from their class name and config (src/layers/layerRegistry.ts), the class names it
// lists (layerClassNames), and model files that keep them: LeakyReLU, ELU, GELU, SiLU, Clip, AvgPool2D,
// GlobalAveragePooling2D, ZeroPadding2D, Dropout and Multiply in a chain and a gated graph; a model of them predicts probabilities and trains, and
// Grad-CAM takes the GELU after the last convolution as its layer.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  AvgPool2D,
  Clip,
  Conv2D,
  ConvNetError,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GELU,
  GlobalAveragePooling2D,
  gradCam,
  Input,
  type Layer,
  LeakyReLU,
  layerClassNames,
  layerFromConfig,
  loadModel,
  Model,
  multiply,
  Multiply,
  Random,
  registerLayer,
  ReLU,
  saveModel,
  SGD,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Tensor,
  ZeroPadding2D,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-new-layers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function randomImages(count: number, shape: readonly number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = count * shape.reduce((product, dimension) => product * dimension, 1);
  return Tensor.fromArray(
    Float32Array.from({ length: size }, () => random.uniform()),
    [count, ...shape],
  );
}

/** A small graph with Multiply: a conv map gated by a sigmoid of another, times a third branch. */
function gatedModel(seed: number): Model {
  const input = new Input({ shape: [6, 6, 3] });
  const features = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
  const gate = new Sigmoid().apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
  const third = new Clip({ min: 0, max: 6 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
  const gated = new Multiply({ name: 'gated' }).apply([features, gate]);
  const product = new Multiply({ name: 'product' }).apply([gated, third, features]);
  const output = new Softmax().apply(new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(product)));
  return new Model({ inputs: input.output, outputs: output }, { seed });
}

/** A small CNN that uses every new layer. */
function everyLayerModel(seed: number): Sequential {
  return new Sequential(
    [
      new Input({ shape: [9, 8, 1] }),
      new ZeroPadding2D({ padding: [1, 0, 2, 1] }),
      new Conv2D({ filters: 4, kernelSize: 3 }),
      new LeakyReLU({ alpha: 0.2 }),
      new AvgPool2D({ poolSize: 2, padding: 'same' }),
      new Conv2D({ filters: 6, kernelSize: 3, padding: 'same' }),
      new GELU(),
      new Conv2D({ filters: 6, kernelSize: 1 }),
      new ELU({ alpha: 0.5 }),
      new Conv2D({ filters: 6, kernelSize: 1 }),
      new SiLU(),
      new Clip({ min: -0.2, max: 0.25 }),
      new GlobalAveragePooling2D(),
      new Dropout({ rate: 0.25 }),
      new Dense({ units: 3 }),
      new Softmax(),
    ],
    { seed },
  );
}

describe('configs and model files', () => {
  test('layerClassNames lists the built-in classes, then a registered one; layerFromConfig knows each', () => {
    const names = layerClassNames();
    assert.equal(names.length, 36);
    assert.deepEqual(names.slice(0, 6), ['Input', 'Conv2D', 'MaxPool2D', 'Dense', 'Flatten', 'ReLU']);
    assert.equal(names.at(-1), 'Power');
    assert.equal(new Set(names).size, names.length, 'no name twice');
    // Each name is one layerFromConfig makes: a layer of that class, or its own error about the config.
    for (const name of names) {
      try {
        assert.equal(layerFromConfig(name, {}).className, name);
      } catch (error) {
        assert.ok(error instanceof ConvNetError, `${name}: ${(error as Error).message}`);
        assert.doesNotMatch(error.message, /unknown layer type/, name);
      }
    }
    const builtIn = [...names];
    names.length = 0;
    assert.deepEqual(layerClassNames(), builtIn, 'a new array each call');
    registerLayer('ScaledReLU', (config) => new ReLU(config));
    registerLayer('ScaledReLU', (config) => new ReLU(config));
    assert.deepEqual(layerClassNames(), [...builtIn, 'ScaledReLU'], 'registered twice: listed once, last');
    assert.equal(layerFromConfig('ScaledReLU', {}).className, 'ReLU');
  });

  test('each new layer is made again from its class name and config, with the same config', () => {
    const layers: Layer[] = [
      new LeakyReLU({ alpha: 0.2, name: 'leaky' }),
      new LeakyReLU(),
      new ELU({ alpha: 0.5 }),
      new GELU(),
      new SiLU(),
      new AvgPool2D({ poolSize: [3, 2], strides: [1, 2], padding: [1, 0] }),
      new GlobalAveragePooling2D(),
      new GlobalAveragePooling2D({ keepDims: true }),
      new ZeroPadding2D({ padding: [1, 2, 3, 4] }),
      new ZeroPadding2D(),
      new Dropout({ rate: 0.3 }),
      new Clip({ min: 0, max: 6, name: 'relu6' }),
      new Clip({ max: 0.5 }),
      new Clip({ min: -1 }),
      new Clip(),
      new Multiply({ name: 'gate' }),
      new Multiply(),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const copy = layerFromConfig(layer.className, config);
      assert.equal(copy.className, layer.className);
      assert.deepEqual(copy.getConfig(), layer.getConfig(), layer.className);
    }
    assert.equal(new LeakyReLU().alpha, 0.01, 'LeakyReLU defaults to alpha 0.01');
    assert.equal(new ELU().alpha, 1, 'ELU defaults to alpha 1');
    assert.deepEqual(new ZeroPadding2D().getConfig().padding, 1);
    // An infinite bound (the default) is left out of the config: JSON would write it as null.
    assert.deepEqual(new Clip({ max: 0.5, name: 'c' }).getConfig(), { name: 'c', max: 0.5 });
    const unbounded = layerFromConfig('Clip', { name: 'open' }) as Clip;
    assert.deepEqual([unbounded.min, unbounded.max], [-Infinity, Infinity]);
  });

  test('GlobalAveragePooling2D keepDims gives the means as 1x1 maps, which a Conv2D reads', () => {
    const input = new Input({ shape: [2, 2, 3] });
    const pooled = new GlobalAveragePooling2D({ keepDims: true, name: 'squeeze' }).apply(input.output);
    assert.deepEqual(pooled.shape, [1, 1, 3]);
    const model = new Model({
      inputs: input.output,
      outputs: new Flatten().apply(new Conv2D({ filters: 1, kernelSize: 1, useBias: false }).apply(pooled)),
    });
    const conv = model.layers.find((layer) => layer instanceof Conv2D) as Conv2D;
    conv.kernel!.dataSync().set([1, 10, 100]);
    // Value `index` at channel index % 3: the means are 4.5, 5.5 and 6.5.
    const x = Tensor.fromArray(
      Float32Array.from({ length: 12 }, (_, index) => index),
      [1, 2, 2, 3],
    );
    assertClose(model.predict(x).dataSync(), [4.5 + 55 + 650], { atol: 1e-4 }, 'conv of the means');
    assert.deepEqual(new GlobalAveragePooling2D({ keepDims: true }).computeOutputShape([4, 5, 6]), [1, 1, 6]);
  });

  test(
    'save then load a gated graph with Multiply (2 and 3 inputs) and Clip: the connections and the same ' +
      'predictions, bit for bit',
    () => {
      const model = gatedModel(3);
      const x = randomImages(4, [6, 6, 3], 7);
      const directory = join(scratch, 'gated');
      saveModel(model, directory);
      const { model: loaded, manifest } = loadModel(directory);
      assert.deepEqual(
        manifest.layers.map((layer) => layer.inputs),
        model.nodes.map((node) => [...node.inputs]),
      );
      assert.deepEqual(
        loaded.layers.map((layer) => layer.getConfig()),
        model.layers.map((layer) => layer.getConfig()),
      );
      assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
    },
  );

  test('Multiply multiplies its inputs value by value, as the multiply op does', () => {
    const model = gatedModel(5);
    const x = randomImages(2, [6, 6, 3], 8);
    const outputs: Tensor[] = [];
    model.nodes.forEach(({ layer, inputs }, index) => {
      outputs.push(
        index === 0
          ? x
          : layer.callWith(
              inputs.map((input) => outputs[input]!),
              { isTraining: false },
            ),
      );
    });
    const product = model.layers.findIndex((layer) => layer.name === 'product');
    const [first, second, third] = model.nodes[product]!.inputs.map((input) => outputs[input]!) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    assert.deepEqual(
      Array.from(outputs[product]!.dataSync()),
      Array.from(multiply(multiply(first, second), third).dataSync()),
    );
    assert.ok(
      Array.from(outputs[product]!.dataSync()).some((value) => value !== 0),
      'a non-trivial product',
    );
  });

  test('save then load a model with every new layer: the same predictions, bit for bit', () => {
    const model = everyLayerModel(4);
    const x = randomImages(5, [9, 8, 1], 5);
    const directory = join(scratch, 'every-layer');
    saveModel(model, directory);
    const loaded = loadModel(directory).model;
    assert.deepEqual(
      loaded.layers.map((layer) => layer.className),
      model.layers.map((layer) => layer.className),
    );
    assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
  });
});

describe('model behaviour with the new layers', () => {
  test('predictions of the every-layer model are probabilities, and a few SGD steps lower the loss', () => {
    const model = everyLayerModel(2);
    const x = randomImages(30, [9, 8, 1], 6);
    const labels = Array.from({ length: 30 }, (_, index) =>
      x.dataSync()[index * 72]! > 0.5 ? 1 : index % 3 === 0 ? 0 : 2,
    );
    const probabilities = model.predict(x);
    for (let row = 0; row < 30; row++)
      assertClose(
        [
          probabilities.dataSync()[row * 3]! +
            probabilities.dataSync()[row * 3 + 1]! +
            probabilities.dataSync()[row * 3 + 2]!,
        ],
        [1],
        { atol: 1e-5, rtol: 0 },
        `row ${row}`,
      );
    const before = model.evaluate(x, labels).loss;
    model.fit(x, labels, {
      epochs: 8,
      batchSize: 10,
      optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }),
      shuffle: false,
    });
    const afterTraining = model.evaluate(x, labels).loss;
    assert.ok(afterTraining < before, `loss ${before} -> ${afterTraining}`);
  });

  test('Grad-CAM takes the GELU after the last convolution as its layer', () => {
    const model = new Sequential(
      [
        new Input({ shape: [8, 8, 1] }),
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }),
        new GELU({ name: 'gelu' }),
        new GlobalAveragePooling2D(),
        new Dense({ units: 2 }),
        new Softmax(),
      ],
      { seed: 3 },
    );
    const input = randomImages(1, [8, 8, 1], 8);
    const image = { width: 8, height: 8, colorModel: 'gray' as const, data: Float32Array.from(input.dataSync()) };
    assert.equal(gradCam(model, input, image).layerName, 'gelu');
  });
});
