// explainValue and layerOutputs: a hand-worked convolution and pooling; on random graph models (grouped,
// depthwise, strided, dilated and padded convolutions, pooling with padding and ceil mode, batch
// normalization, activations, Add, Multiply, Concatenate, channel moves, Dense, Softmax) every
// explanation's arithmetic reproduces the layer's output at random positions, and its parts add up;
// hostile arguments get typed errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as api from '../../src/index.js';
import { checkEveryLayer } from './explanationChecks.js';
import {
  Add,
  AvgPool2D,
  BatchNormalization,
  ChannelShuffle,
  ChannelSlice,
  Clip,
  Concatenate,
  Conv2D,
  Conv2DTranspose,
  Dense,
  ELU,
  EXPLAINED_LAYERS,
  explainProbability,
  explainValue,
  Flatten,
  GELU,
  GlobalAveragePooling2D,
  HardSwish,
  Input,
  Layer,
  LayerNormalization,
  LeakyReLU,
  MaxPool2D,
  Model,
  Multiply,
  multiply,
  Random,
  ReLU,
  Rescaling,
  Resize2D,
  Sigmoid,
  ShapeError,
  SiLU,
  Softmax,
  Tanh,
  Tensor,
  ValueError,
  ZeroPadding2D,
  layerOutputs,
  type LayerConfig,
  type Padding,
  type Shape,
  type SymbolicTensor,
} from '../../src/index.js';

/** A layer class an app might register: explainValue cannot know its rule. */
class Halving extends Layer {
  readonly className = 'Halving';
  constructor() {
    super({});
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(input: Tensor): Tensor {
    return multiply(input, Tensor.fromArray([0.5], [1]));
  }
  getConfig(): LayerConfig {
    return { name: this.name };
  }
}

function randomValues(tensor: Tensor, random: Random, low = -1, high = 1): void {
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = low + (high - low) * random.uniform();
}

/** A random graph model exercising every explained layer class, with random biases and statistics. */
function randomModel(seed: number): Model {
  const random = new Random(seed);
  const pick = <T>(choices: readonly T[]): T => choices[random.integer(choices.length)]!;
  const height = 6 + random.integer(5);
  const width = 6 + random.integer(5);
  const channels = pick([1, 3, 4]);
  const input = new Input({ shape: [height, width, channels] });
  const scaled = new Rescaling({ scale: 0.5 + random.uniform(), offset: random.uniform() - 0.5 }).apply(input.output);
  const stride = 1 + random.integer(2);
  const dilation = stride === 1 ? 1 + random.integer(2) : 1;
  const padding = pick<Padding>(['same', 'valid', [1, 0, 2, 1], 1]);
  let x: SymbolicTensor = new Conv2D({
    filters: 4,
    kernelSize: [1 + random.integer(3), 1 + random.integer(3)],
    strides: stride,
    dilationRate: dilation,
    padding,
  }).apply(scaled);
  x = new BatchNormalization().apply(x);
  x = new (pick([ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, HardSwish] as const))().apply(x);
  // Depthwise (groups = channels) and grouped (2 groups) convolutions.
  const depthwise = new Conv2D({
    filters: 8,
    kernelSize: 3,
    padding: 'same',
    groups: 4,
    useBias: random.uniform() < 0.5,
  }).apply(x);
  const clipped = new Clip({ min: 0, max: 6 }).apply(depthwise);
  const grouped = new Conv2D({ filters: 4, kernelSize: 1, groups: 2 }).apply(clipped);
  const residual = new ReLU().apply(new Add().apply([grouped, x]));
  const gate = new Sigmoid().apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(residual));
  const gated = new Multiply().apply([residual, gate]);
  const joined = new Concatenate().apply([new ChannelSlice({ start: 1, end: 3 }).apply(gated), residual]);
  const shuffled = new ChannelShuffle({ groups: 2 }).apply(joined);
  const padded = new ZeroPadding2D({ padding: [1, 0, 0, 1] }).apply(shuffled);
  const ceilMode = random.uniform() < 0.5;
  const pooled =
    random.uniform() < 0.5
      ? new MaxPool2D({ poolSize: 3, strides: 2, padding: 1, ceilMode }).apply(padded)
      : new AvgPool2D({ poolSize: 3, strides: 2, padding: 1, ceilMode, countIncludePad: random.uniform() < 0.5 }).apply(
          padded,
        );
  const features = random.uniform() < 0.5 ? new GlobalAveragePooling2D().apply(pooled) : new Flatten().apply(pooled);
  const logits = new Dense({ units: 5 }).apply(new ReLU().apply(new Dense({ units: 7 }).apply(features)));
  // A second head: upsampling by a transposed convolution, layer normalization, a resize.
  const upsampled = new Conv2DTranspose({
    filters: 4,
    kernelSize: 1 + random.integer(3),
    strides: 1 + random.integer(2),
    padding: pick<Padding>(['same', 'valid', [1, 0, 0, 1]]),
    groups: pick([1, 2]),
  }).apply(residual);
  const normalized = new LayerNormalization().apply(upsampled);
  const resized = new Resize2D({
    mode: pick(['nearest', 'bilinear'] as const),
    size: [3 + random.integer(9), 3 + random.integer(9)],
    coordinates: pick(['half_pixel', 'align_corners', 'asymmetric'] as const),
  }).apply(normalized);
  const model = new Model({ inputs: input.output, outputs: [new Softmax().apply(logits), resized] }, { seed });
  for (const { name, tensor } of model.namedWeights()) {
    if (name.endsWith('/bias') || name.endsWith('/beta') || name.endsWith('/gamma') || name.endsWith('/moving_mean'))
      randomValues(tensor, random);
    if (name.endsWith('/moving_variance')) randomValues(tensor, random, 0.5, 2);
  }
  model.markWeightsChanged();
  return model;
}

function randomInput(model: Model, seed: number): Tensor {
  const input = Tensor.zeros([1, ...model.inputShape]);
  randomValues(input, new Random(seed));
  return input;
}

describe('explainValue', () => {
  test(
    'a hand-worked convolution: 2x3 input, 2x2 filter, stride 1, padding 1, bias; the window, ' + 'products and sums',
    () => {
      const input = new Input({ shape: [2, 3, 1] });
      const conv = new Conv2D({ filters: 1, kernelSize: 2, padding: 1 });
      const model = new Model({ inputs: input.output, outputs: new ReLU().apply(conv.apply(input.output)) });
      conv.kernel!.dataSync().set([1, 2, 3, 4]);
      conv.bias!.dataSync().set([-10]);
      model.markWeightsChanged();
      const seen: number[] = [];
      const outputs = layerOutputs(model, Tensor.fromArray([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]), {
        onLayer: (layer) => seen.push(layer.layerIndex),
      });
      assert.deepEqual(seen, [0, 1, 2]);
      assert.deepEqual(
        outputs.layers.map((layer) => layer.inputs),
        [[], [0], [1]],
      );
      assert.deepEqual(
        outputs.layers.map((layer) => layer.sizeFormula),
        ['', model.layers[1]!.describeShape([2, 3, 1]), ''],
      );
      assert.deepEqual(outputs.layers[1]!.shape, [3, 4, 1]);
      // Output (1, 1): the window covers input rows 0..1, columns 0..1: 1 2 / 4 5.
      const inside = explainValue(outputs, 1, [1, 1, 0]);
      assert.equal(inside.kind, 'convolution');
      if (inside.kind !== 'convolution') return;
      assert.deepEqual(Array.from(inside.rows), [0, 1]);
      assert.deepEqual(Array.from(inside.columns), [0, 1]);
      assert.deepEqual(Array.from(inside.window), [1, 2, 4, 5]);
      assert.deepEqual(Array.from(inside.products), [1, 4, 12, 20]);
      assert.deepEqual(Array.from(inside.channelSums), [37]);
      assert.equal(inside.sum, 37);
      assert.equal(inside.bias, -10);
      assert.equal(inside.value, 27);
      assert.equal(inside.output, 27);
      assert.deepEqual(inside.activation, {
        layerIndex: 2,
        layerName: model.layers[2]!.name,
        className: 'ReLU',
        value: 27,
        output: 27,
      });
      // Output (0, 0): only the bottom-right tap lies on the input; the others are padding.
      const corner = explainValue(outputs, 1, [0, 0, 0]);
      if (corner.kind !== 'convolution') return assert.fail('a convolution');
      assert.deepEqual(Array.from(corner.rows), [-1, 0]);
      assert.deepEqual(Array.from(corner.isPadding), [1, 1, 1, 0]);
      assert.deepEqual(Array.from(corner.window), [0, 0, 0, 1]);
      assert.equal(corner.value, 4 - 10);
      assert.equal(corner.output, -6);
      assert.deepEqual(corner.activation?.output, 0);
    },
  );

  test(
    "hand-worked pooling and softmax: the max's winner, the mean's count, the exponentials with the " +
      'max subtracted',
    () => {
      const input = new Input({ shape: [2, 2, 1] });
      const max = new MaxPool2D({ poolSize: 2 }).apply(input.output);
      const mean = new AvgPool2D({ poolSize: 2, strides: 1, padding: 1 }).apply(input.output);
      const probabilities = new Softmax().apply(
        new Flatten().apply(new Concatenate().apply([max, new GlobalAveragePooling2D({ keepDims: true }).apply(mean)])),
      );
      const model = new Model({ inputs: input.output, outputs: probabilities });
      const outputs = layerOutputs(model, Tensor.fromArray([1, 7, 3, 5], [1, 2, 2, 1]));
      const pooled = explainValue(outputs, 1, [0, 0, 0]);
      if (pooled.kind !== 'pooling') return assert.fail('pooling');
      assert.equal(pooled.operation, 'max');
      assert.equal(pooled.winner, 1);
      assert.equal(pooled.value, 7);
      // The top-left 2x2 window at padding 1 covers one input value.
      const averaged = explainValue(outputs, 2, [0, 0, 0]);
      if (averaged.kind !== 'pooling') return assert.fail('pooling');
      assert.deepEqual(Array.from(averaged.isPadding), [1, 1, 1, 0]);
      assert.equal(averaged.count, 1);
      assert.equal(averaged.value, 1);
      const softmaxIndex = model.layers.length - 1;
      const softmax = explainValue(outputs, softmaxIndex, [0]);
      if (softmax.kind !== 'softmax') return assert.fail('softmax');
      // Logits: the max (7) and the mean of the 3x3 averages (each window's mean of its values).
      assert.equal(softmax.logits[0], 7);
      assert.equal(softmax.max, 7);
      assert.equal(softmax.exponentials[0], 1);
      assert.ok(Math.abs(softmax.value - softmax.output) <= 1e-7);
      assert.match(softmax.rule, /subtracting the largest logit/);
    },
  );

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(
      `random graph model ${seed}: every layer's explanation reproduces its output at ` + `random positions`,
      (context) => {
        const model = randomModel(seed);
        const outputs = layerOutputs(model, randomInput(model, seed + 100));
        assert.equal(outputs.layers.length, model.layers.length);
        outputs.layers.forEach((layer, index) => {
          assert.deepEqual(layer.inputs, model.nodes[index]!.inputs);
          assert.equal(
            layer.values.length,
            model.layerOutputShapes[index]!.reduce((product, size) => product * size, 1),
          );
        });
        // The last layer's output is predict's.
        const predicted = model.predict(randomInput(model, seed + 100)).dataSync();
        const last = outputs.layers[outputs.layers.length - 1]!.values;
        predicted.forEach((value, index) => {
          assert.ok(Math.abs(value - last[index]!) <= 1e-5);
        });
        const worst = checkEveryLayer(outputs, new Random(seed), 12);
        // explainProbability of a model ending in Softmax is that layer's explanation.
        assert.deepEqual(explainProbability(outputs, 3), explainValue(outputs, model.layers.length - 1, [3]));
        context.diagnostic(
          `largest |value - output| as a fraction of its tolerance: ` +
            `${[...worst].map(([name, fraction]) => `${name} ${fraction.toFixed(3)}`).join(', ')}`,
        );
      },
    );
  }

  test('a 7x7 window over 512 channels: 25,088 products in typed arrays, summed per channel', () => {
    const input = new Input({ shape: [7, 7, 3] });
    const wide = new Conv2D({ filters: 512, kernelSize: 1 }).apply(input.output);
    const model = new Model(
      { inputs: input.output, outputs: new Conv2D({ filters: 2, kernelSize: 7 }).apply(wide) },
      { seed: 4 },
    );
    const values = Tensor.zeros([1, 7, 7, 3]);
    randomValues(values, new Random(4));
    const explanation = explainValue(layerOutputs(model, values), 2, [0, 0, 1]);
    if (explanation.kind !== 'convolution') return assert.fail('a convolution');
    assert.ok(
      explanation.products instanceof Float64Array &&
        explanation.window instanceof Float64Array &&
        explanation.weights instanceof Float64Array,
    );
    assert.equal(explanation.products.length, 25_088);
    assert.equal(explanation.channelSums.length, 512);
    assert.ok(
      Math.abs(explanation.value - explanation.output) <=
        1e-5 * explanation.products.reduce((total, product) => total + Math.abs(product), 0),
    );
  });

  test('a float64 model explains to float64 precision', () => {
    const input = new Input({ shape: [5, 5, 3] });
    const x = new Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(input.output);
    const model = new Model(
      { inputs: input.output, outputs: new Dense({ units: 3 }).apply(new Flatten().apply(x)) },
      { dtype: 'float64', seed: 3 },
    );
    const values = Tensor.zeros([1, 5, 5, 3], 'float64');
    randomValues(values, new Random(9));
    const outputs = layerOutputs(model, values);
    for (const [layerIndex, position] of [
      [1, [2, 1, 1]],
      [3, [2]],
    ] as const) {
      const explanation = explainValue(outputs, layerIndex, position);
      assert.ok(
        Math.abs(explanation.value - explanation.output) <= 1e-13,
        `${explanation.layerName}: ${explanation.value} vs ${explanation.output}`,
      );
    }
  });

  test(
    "a transposed convolution by hand: stride 2 scatters each input pixel's kernel; the taps " +
      'landing on one output',
    () => {
      const input = new Input({ shape: [2, 2, 1] });
      const transposed = new Conv2DTranspose({ filters: 1, kernelSize: 3, strides: 2 });
      const model = new Model({ inputs: input.output, outputs: transposed.apply(input.output) });
      transposed.kernel!.dataSync().set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      model.markWeightsChanged();
      const outputs = layerOutputs(model, Tensor.fromArray([1, 10, 100, 1000], [1, 2, 2, 1]));
      // Output (2, 2) gets tap (0, 0) of input (1, 1), tap (0, 2) of (1, 0), (2, 0) of (0, 1) and (2, 2) of (0, 0).
      const explanation = explainValue(outputs, 1, [2, 2, 0]);
      if (explanation.kind !== 'transposedConvolution') return assert.fail('a transposed convolution');
      assert.deepEqual(Array.from(explanation.inputRows), [1, 1, 0, 0]);
      assert.deepEqual(Array.from(explanation.inputColumns), [1, 0, 1, 0]);
      assert.deepEqual(Array.from(explanation.kernelRows), [0, 0, 2, 2]);
      assert.deepEqual(Array.from(explanation.kernelColumns), [0, 2, 0, 2]);
      assert.deepEqual(Array.from(explanation.products), [1000, 300, 70, 9]);
      assert.equal(explanation.value, 1379);
      assert.equal(explanation.output, 1379);
    },
  );

  test('every layer class the package exports is one EXPLAINED_LAYERS lists', () => {
    const layerClasses = Object.entries(api)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Layer)
      .map(([name]) => name);
    assert.ok(layerClasses.length >= 35, `found ${layerClasses.length} layer classes`);
    assert.deepEqual(
      layerClasses.filter((name) => !EXPLAINED_LAYERS.includes(name)),
      [],
    );
  });

  test('hostile arguments: typed errors naming the argument and the values', () => {
    const model = randomModel(1);
    const outputs = layerOutputs(model, randomInput(model, 1));
    assert.throws(
      () => explainValue(outputs, -1, [0]),
      (error: unknown) =>
        error instanceof ValueError && /layerIndex must be an integer in \[0, \d+\], got -1/.test(error.message),
    );
    assert.throws(() => explainValue(outputs, 1.5, [0]), ValueError);
    assert.throws(() => explainValue(outputs, model.layers.length, [0]), ValueError);
    assert.throws(
      () => explainValue(outputs, 2, [0, 0]),
      (error: unknown) => error instanceof ValueError && /position must be 3 whole numbers inside/.test(error.message),
    );
    assert.throws(() => explainValue(outputs, 2, [0, 0, 99]), ValueError);
    assert.throws(() => explainValue(outputs, 2, [0, -1, 0]), ValueError);
    assert.throws(() => explainValue(outputs, 2, 'x' as never), ValueError);
    assert.throws(
      () => explainValue(null as never, 1, [0]),
      (error: unknown) => error instanceof ValueError && /outputs must be what layerOutputs/.test(error.message),
    );
    assert.throws(() => explainValue({ model, layers: [] }, 1, [0]), ValueError);
    assert.throws(() => layerOutputs(model, Tensor.zeros([1, 3, 3, 1])), ShapeError);
    assert.throws(() => layerOutputs(model, Tensor.zeros([1, ...model.inputShape], 'float64')), ValueError);
    assert.throws(
      () => explainProbability(outputs, 5),
      (error: unknown) =>
        error instanceof ValueError && /classIndex must be an integer in \[0, 4\], got 5/.test(error.message),
    );
    assert.throws(
      () => layerOutputs(model, Tensor.zeros([2, ...model.inputShape])),
      (error: unknown) => error instanceof ValueError && /takes one example/.test(error.message),
    );
    // A layer class of the app's own says it is not explained and lists those that are.
    const input = new Input({ shape: [3, 3, 1] });
    const custom = new Model({ inputs: input.output, outputs: new Halving().apply(input.output) });
    const customOutputs = layerOutputs(custom, Tensor.fromArray(new Array<number>(9).fill(4), [1, 3, 3, 1]));
    assert.equal(customOutputs.layers[1]!.values[0], 2);
    assert.throws(
      () => explainValue(customOutputs, 1, [0, 0, 0]),
      (error: unknown) =>
        error instanceof ValueError &&
        /Halving, which it does not explain; it explains Input, Conv2D/.test(error.message),
    );
  });
});
