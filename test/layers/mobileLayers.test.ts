// The layers that torchvision's mobile networks need: HardSigmoid and HardSwish (hand-worked values,
// config round trips, a model file round trip, argument errors); broadcasting arithmetic (hand-worked
// values, the squeeze-and-excitation graph saved and loaded, Subtract and Divide, shape errors naming
// the layer and the shapes); ChannelSlice and ChannelShuffle (hand-worked values, the shuffle's
// inverse, a ShuffleNetV2 unit saved and loaded, errors); pooling with ceilMode and countIncludePad
// (hand-worked against PyTorch's rules, configs); LayerNormalization (hand-worked, model file).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Add,
  LayerNormalization,
  layerNormalization,
  avgPool2d,
  maxPool2d,
  MaxPool2D,
  ChannelShuffle,
  channelShuffle,
  ChannelSlice,
  Concatenate,
  sliceChannels,
  add,
  AvgPool2D,
  Conv2D,
  divide,
  Divide,
  GlobalAveragePooling2D,
  Model,
  multiply,
  Multiply,
  ShapeError,
  subtract,
  Subtract,
  HardSigmoid,
  hardSigmoid,
  HardSwish,
  hardSwish,
  Input,
  type Layer,
  layerFromConfig,
  loadModel,
  Random,
  saveModel,
  Sequential,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-mobile-layers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function randomImages(count: number, shape: readonly number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = count * shape.reduce((product, dimension) => product * dimension, 1);
  return Tensor.fromArray(
    Float32Array.from({ length: size }, () => random.uniform() * 8 - 4),
    [count, ...shape],
  );
}

describe('HardSigmoid and HardSwish', () => {
  test('hand-worked values (float64, exact to 1e-15)', () => {
    const x = Tensor.fromArray([-4, -3, -2.5, -1, 0, 1, 2.5, 3, 4], [9], 'float64');
    const expectedOnnx = [0, 0, 0, 0.3, 0.5, 0.7, 1, 1, 1];
    const expectedTorch = [0, 0, 1 / 12, 1 / 3, 0.5, 2 / 3, 11 / 12, 1, 1];
    const expectedSwish = [-0, -0, -2.5 / 12, -1 / 3, 0, 2 / 3, (2.5 * 11) / 12, 3, 4];
    assertClose(hardSigmoid(x).data, expectedOnnx, { atol: 1e-15, rtol: 0 }, 'hardSigmoid 0.2');
    assertClose(hardSigmoid(x, 1 / 6, 0.5).data, expectedTorch, { atol: 1e-15, rtol: 0 }, 'hardSigmoid 1/6');
    assertClose(hardSwish(x).data, expectedSwish, { atol: 1e-15, rtol: 0 }, 'hardSwish');
    assert.ok(Number.isNaN(hardSwish(Tensor.fromArray([NaN], [1])).data[0]!), 'NaN stays NaN');
    assert.ok(Number.isNaN(hardSigmoid(Tensor.fromArray([NaN], [1])).data[0]!), 'NaN stays NaN');
  });

  test('float32 values match float64 within 1e-6', () => {
    const x = randomImages(2, [3, 3, 5], 1420);
    const x64 = Tensor.fromArray(Float64Array.from(x.data), x.shape);
    assertClose(hardSwish(x).data, hardSwish(x64).data, { atol: 1e-6, rtol: 1e-6 }, 'hardSwish float32');
    assertClose(hardSigmoid(x).data, hardSigmoid(x64).data, { atol: 1e-6, rtol: 1e-6 }, 'hardSigmoid float32');
  });

  test('config round trips and defaults', () => {
    const layers: Layer[] = [
      new HardSigmoid({ name: 'gate', alpha: 1 / 6 }),
      new HardSigmoid(),
      new HardSwish({ name: 'hs' }),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const copy = layerFromConfig(layer.className, config);
      assert.deepEqual(copy.getConfig(), layer.getConfig(), layer.className);
    }
    assert.deepEqual(new HardSigmoid({ name: 'h' }).getConfig(), { name: 'h', alpha: 0.2, beta: 0.5 });
  });

  test('a model with both saves and loads to the same predictions', () => {
    const model = new Sequential(
      [
        new Input({ shape: [5, 5, 3] }),
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
        new HardSwish(),
        new HardSigmoid({ alpha: 1 / 6 }),
      ],
      { seed: 1421 },
    );
    const x = randomImages(2, [5, 5, 3], 1422);
    const directory = join(scratch, 'hard');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    assertClose(loaded.predict(x).data, model.predict(x).data, { atol: 0, rtol: 0 }, 'loaded predictions');
  });

  test('non-finite alpha or beta is a ValueError naming the argument', () => {
    assertThrowsWith(() => new HardSigmoid({ alpha: NaN }), ValueError, 'HardSigmoid alpha');
    assertThrowsWith(() => hardSigmoid(Tensor.zeros([2]), 0.2, Infinity), ValueError, 'hardSigmoid: beta');
  });
});

describe('broadcasting arithmetic', () => {
  test('hand-worked values: a gate [2, 1, 1, 2] on [2, 1, 2, 2], a per-channel [2] term, a scalar divisor', () => {
    const map = Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
    const gate = Tensor.fromArray([10, 100, -1, 0.5], [2, 1, 1, 2]);
    assert.deepEqual(Array.from(multiply(map, gate).data), [10, 200, 30, 400, -5, 3, -7, 4]);
    assert.deepEqual(Array.from(add(map, Tensor.fromArray([1, -1], [2])).data), [2, 1, 4, 3, 6, 5, 8, 7]);
    assert.deepEqual(Array.from(subtract(Tensor.fromArray([1, -1], [2]), map).data), [0, -3, -2, -5, -4, -7, -6, -9]);
    assert.deepEqual(
      Array.from(divide(map, Tensor.fromArray([4], [1])).data),
      [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2],
    );
    assert.deepEqual(multiply(Tensor.zeros([3, 1, 4, 1]), Tensor.zeros([1, 5, 1, 6])).shape, [3, 5, 4, 6]);
  });

  test('shapes that do not broadcast: ShapeError naming the op or layer and the shapes', () => {
    assertThrowsWith(
      () => multiply(Tensor.zeros([2, 3, 3, 4]), Tensor.zeros([2, 1, 1, 3])),
      ShapeError,
      'multiply',
      '2x3x3x4 and 2x1x1x3',
    );
    const input = new Input({ shape: [4, 4, 3] });
    const pooled = new GlobalAveragePooling2D().apply(input.output);
    assertThrowsWith(
      () => new Multiply({ name: 'gate' }).apply([input.output, pooled]),
      ShapeError,
      "Multiply 'gate'",
      'one rank',
      '4x4x3 and 3',
    );
    assertThrowsWith(
      () =>
        new Add({ name: 'sum' }).apply([input.output, new Conv2D({ filters: 2, kernelSize: 1 }).apply(input.output)]),
      ShapeError,
      "Add 'sum'",
      '4x4x3 and 4x4x2',
    );
    assertThrowsWith(
      () => new Subtract({ name: 's' }).apply([input.output, input.output, input.output]),
      ShapeError,
      "Subtract 's'",
      'exactly 2 inputs',
    );
    assert.deepEqual(pooled.shape, [3]);
  });

  test('a squeeze-and-excitation graph with Subtract and Divide saves and loads to the same predictions, bit for bit', () => {
    const input = new Input({ shape: [6, 5, 3] });
    const map = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
    const squeezed = new AvgPool2D({ poolSize: [6, 5] }).apply(map);
    const gate = new HardSigmoid({ alpha: 1 / 6 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(squeezed));
    const gated = new Multiply({ name: 'excite' }).apply([map, gate]);
    const centred = new Subtract().apply([gated, gate]);
    const scaled = new Divide().apply([
      centred,
      new HardSigmoid({ beta: 0.7 }).apply(new Conv2D({ filters: 1, kernelSize: 1 }).apply(input.output)),
    ]);
    const model = new Model({ inputs: input.output, outputs: new HardSwish().apply(scaled) }, { seed: 1450 });
    assert.deepEqual(model.layers.find((layer) => layer.name === 'excite') === undefined, false);
    const x = randomImages(3, [6, 5, 3], 1451);
    const directory = join(scratch, 'squeeze');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    const expected = model.predict(x);
    assert.deepEqual(expected.shape, [3, 6, 5, 4]);
    assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(expected.data));
    for (const layer of [new Subtract({ name: 'a' }), new Divide({ name: 'b' })]) {
      assert.deepEqual(layerFromConfig(layer.className, layer.getConfig()).getConfig(), layer.getConfig());
    }
  });
});

describe('ChannelSlice and ChannelShuffle', () => {
  test('hand-worked values: a slice of channels, a shuffle of 2 groups of 3, and its inverse (3 groups of 2)', () => {
    const x = Tensor.fromArray([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [1, 2, 1, 6]);
    assert.deepEqual(Array.from(sliceChannels(x, 1, 4).data), [1, 2, 3, 11, 12, 13]);
    assert.deepEqual(sliceChannels(x, 1, 4).shape, [1, 2, 1, 3]);
    const shuffled = channelShuffle(x, 2);
    assert.deepEqual(Array.from(shuffled.data), [0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
    assert.deepEqual(Array.from(channelShuffle(shuffled, 3).data), Array.from(x.data));
    assert.deepEqual(Array.from(channelShuffle(x, 1).data), Array.from(x.data));
  });

  test('a ShuffleNetV2 unit saves and loads to the same predictions, bit for bit; configs round-trip', () => {
    const input = new Input({ shape: [6, 6, 3] });
    const stem = new Conv2D({ filters: 8, kernelSize: 1 }).apply(input.output);
    const left = new ChannelSlice({ start: 0, end: 4 }).apply(stem);
    const right = new ChannelSlice({ start: 4, end: 8 }).apply(stem);
    const branch = new HardSwish().apply(
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', groups: 4 }).apply(right),
    );
    const joined = new ChannelShuffle({ groups: 2, name: 'shuffle' }).apply(new Concatenate().apply([left, branch]));
    const model = new Model({ inputs: input.output, outputs: joined }, { seed: 1470 });
    const x = randomImages(2, [6, 6, 3], 1471);
    const directory = join(scratch, 'shufflenet');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    const expected = model.predict(x);
    assert.deepEqual(expected.shape, [2, 6, 6, 8]);
    assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(expected.data));
    for (const layer of [
      new ChannelSlice({ start: 2, end: 5, name: 's' }),
      new ChannelShuffle({ groups: 3, name: 'c' }),
    ]) {
      assert.deepEqual(
        layerFromConfig(
          layer.className,
          JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>,
        ).getConfig(),
        layer.getConfig(),
      );
    }
  });

  test('errors name the layer and the values', () => {
    assertThrowsWith(() => new ChannelSlice({ start: 3, end: 3 }), ValueError, 'ChannelSlice', '[3, 3)');
    assertThrowsWith(
      () => new ChannelSlice({ start: 0, end: 9, name: 'big' }).apply(new Input({ shape: [4, 4, 3] }).output),
      ShapeError,
      "ChannelSlice 'big'",
      '3 channels',
    );
    assertThrowsWith(() => new ChannelShuffle({ groups: 0 }), ValueError, 'ChannelShuffle groups');
    assertThrowsWith(
      () => new ChannelShuffle({ groups: 2, name: 'odd' }).apply(new Input({ shape: [4, 4, 3] }).output),
      ShapeError,
      "ChannelShuffle 'odd'",
      '2 groups',
      '3 channels',
    );
    assertThrowsWith(() => sliceChannels(Tensor.zeros([1, 2, 2, 4]), 1, 5), ValueError, 'sliceChannels', '<= 4');
  });
});

describe('pooling: ceilMode and countIncludePad (PyTorch and ONNX semantics)', () => {
  // 1..25 on a 5x5 map; 2x2 windows, stride 2, no padding: floor gives 2x2, ceil 3x3 whose last row
  // and column of windows hang past the input (never past it by a whole window).
  const fiveByFive = Tensor.fromArray(
    Array.from({ length: 25 }, (_, index) => index + 1),
    [1, 5, 5, 1],
    'float64',
  );
  // 1..16 on a 4x4 map; 3x3 windows, stride 2, padding 1: floor gives 2x2, ceil 3x3.
  const fourByFour = Tensor.fromArray(
    Array.from({ length: 16 }, (_, index) => index + 1),
    [1, 4, 4, 1],
    'float64',
  );

  test('max pooling: hand-worked ceil-mode outputs', () => {
    assert.deepEqual(maxPool2d(fiveByFive, { poolSize: 2 }).shape, [1, 2, 2, 1]);
    assert.deepEqual(
      Array.from(maxPool2d(fiveByFive, { poolSize: 2, ceilMode: true }).data),
      [7, 9, 10, 17, 19, 20, 22, 24, 25],
    );
    assert.deepEqual(
      Array.from(maxPool2d(fourByFour, { poolSize: 3, strides: 2, padding: 1, ceilMode: true }).data),
      [6, 8, 8, 14, 16, 16, 14, 16, 16],
    );
  });

  test('average pooling: the overhang never counts; padding counts only with countIncludePad', () => {
    // No padding: both divisors leave out the overhang past the input, [0][2] = (5 + 10) / 2.
    for (const countIncludePad of [false, true]) {
      assertClose(
        avgPool2d(fiveByFive, { poolSize: 2, ceilMode: true, countIncludePad }).data,
        [4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25],
        { atol: 1e-12, rtol: 0 },
        `5x5 countIncludePad ${countIncludePad}`,
      );
    }
    // Padding 1: along each axis the windows cover input rows {0, 1}, {1, 2, 3}, {3}; their spans in
    // the padded input ([-1, 5)) are 3, 3 and 2 (the window [3, 6) is cut at 5).
    const options = { poolSize: 3, strides: 2, padding: 1, ceilMode: true } as const;
    const excluded = [14 / 4, 30 / 6, 12 / 2, 57 / 6, 99 / 9, 36 / 3, 27 / 2, 45 / 3, 16];
    const included = [14 / 9, 30 / 9, 12 / 6, 57 / 9, 99 / 9, 36 / 6, 27 / 6, 45 / 6, 16 / 4];
    assertClose(avgPool2d(fourByFour, options).data, excluded, { atol: 1e-12, rtol: 0 }, '4x4 excluding padding');
    assertClose(
      avgPool2d(fourByFour, { ...options, countIncludePad: true }).data,
      included,
      { atol: 1e-12, rtol: 0 },
      '4x4 counting padding',
    );
    // Floor mode with countIncludePad: every divisor is the whole 3x3 window.
    assertClose(
      avgPool2d(fourByFour, { poolSize: 3, strides: 2, padding: 1, countIncludePad: true }).data,
      [14 / 9, 30 / 9, 57 / 9, 99 / 9],
      { atol: 1e-12, rtol: 0 },
      '4x4 floor',
    );
  });

  test('a last window that would start in the bottom padding is dropped (PyTorch rule)', () => {
    // 5 rows, 2x2 windows, stride 2, padding 1: ceil((5 + 2 - 2) / 2) + 1 = 4, but window 3 would start
    // at row 5 (past the input), so 3 outputs, as floor also gives.
    const x = Tensor.zeros([1, 5, 5, 1], 'float64');
    assert.deepEqual(maxPool2d(x, { poolSize: 2, strides: 2, padding: 1, ceilMode: true }).shape, [1, 3, 3, 1]);
    assert.deepEqual(
      maxPool2d(Tensor.zeros([1, 6, 6, 1]), { poolSize: 3, strides: 2, ceilMode: true }).shape,
      [1, 3, 3, 1],
    );
  });

  test('layers: output shapes, configs (the options only when set) and model files', () => {
    const ceil = new MaxPool2D({ poolSize: 3, strides: 2, ceilMode: true, name: 'm' });
    assert.deepEqual(ceil.computeOutputShape([112, 112, 24]), [56, 56, 24]);
    assert.deepEqual(new MaxPool2D({ poolSize: 3, strides: 2 }).computeOutputShape([112, 112, 24]), [55, 55, 24]);
    assert.equal(ceil.describeShape([112, 112, 24]), 'ceil mode: 56x56');
    const average = new AvgPool2D({
      poolSize: 3,
      strides: 2,
      padding: 1,
      ceilMode: true,
      countIncludePad: true,
      name: 'a',
    });
    assert.equal(average.getConfig().countIncludePad, true);
    assert.equal(average.getConfig().ceilMode, true);
    assert.equal('ceilMode' in new MaxPool2D().getConfig(), false);
    assert.equal('countIncludePad' in new AvgPool2D().getConfig(), false);
    assertThrowsWith(
      () => layerFromConfig('MaxPool2D', { ceilMode: 'yes' }),
      ValueError,
      'MaxPool2D ceilMode must be true or false, got "yes"',
    );
    assertThrowsWith(
      () => layerFromConfig('AvgPool2D', { countIncludePad: 1 }),
      ValueError,
      'AvgPool2D countIncludePad must be true or false, got 1',
    );
    for (const layer of [ceil, average]) {
      assert.deepEqual(
        layerFromConfig(
          layer.className,
          JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>,
        ).getConfig(),
        layer.getConfig(),
      );
    }
    const model = new Sequential(
      [
        new Input({ shape: [7, 7, 3] }),
        new MaxPool2D({ poolSize: 2, ceilMode: true }),
        new AvgPool2D({ poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }),
      ],
      { seed: 1480 },
    );
    const x = randomImages(2, [7, 7, 3], 1481);
    const directory = join(scratch, 'pools');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    const expected = model.predict(x);
    assert.deepEqual(expected.shape, [2, 3, 3, 3]);
    assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(expected.data));
  });
});

describe('LayerNormalization', () => {
  test('hand-worked: the channels [1, 2, 3] and [4, 4, 4] of two pixels, gamma [1, 2, 3], beta [0, 1, 0]', () => {
    const x = Tensor.fromArray([1, 2, 3, 4, 4, 4], [1, 1, 2, 3], 'float64');
    const gamma = Tensor.fromArray([1, 2, 3], [3], 'float64');
    const beta = Tensor.fromArray([0, 1, 0], [3], 'float64');
    // Mean 2, variance 2/3: (x - 2) / sqrt(2/3 + 1e-5); a constant pixel normalizes to 0 (beta).
    const scale = 1 / Math.sqrt(2 / 3 + 1e-5);
    assertClose(
      layerNormalization(x, gamma, beta).data,
      [-scale, 1, 3 * scale, 0, 1, 0],
      { atol: 1e-12, rtol: 0 },
      'layer norm',
    );
  });

  test('a model with it saves and loads to the same predictions; config; errors', () => {
    const model = new Sequential(
      [
        new Input({ shape: [5, 4, 3] }),
        new Conv2D({ filters: 6, kernelSize: 3 }),
        new LayerNormalization({ epsilon: 1e-6, name: 'ln' }),
      ],
      { seed: 1510 },
    );
    const x = randomImages(2, [5, 4, 3], 1511);
    const directory = join(scratch, 'layerNorm');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(model.predict(x).data));
    assert.deepEqual(loaded.layers[2]!.getConfig(), { name: 'ln', epsilon: 1e-6 });
    assertThrowsWith(() => new LayerNormalization({ epsilon: 0 }), ValueError, 'LayerNormalization epsilon');
    assertThrowsWith(
      () => layerNormalization(Tensor.zeros([2, 3]), Tensor.zeros([4]), Tensor.zeros([3])),
      ShapeError,
      'gamma',
      '4',
      '2x3',
    );
  });
});
