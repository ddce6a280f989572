// Pooling options shared by MaxPool2D and AvgPool2D (src/layers/pool2d.ts): ceilMode and countIncludePad
// with PyTorch's and ONNX's semantics, hand-worked; output shapes, configs and model files.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  avgPool2d,
  maxPool2d,
  MaxPool2D,
  AvgPool2D,
  Input,
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
      Array.from(maxPool2d(fiveByFive, { poolSize: 2, ceilMode: true }).dataSync()),
      [7, 9, 10, 17, 19, 20, 22, 24, 25],
    );
    assert.deepEqual(
      Array.from(maxPool2d(fourByFour, { poolSize: 3, strides: 2, padding: 1, ceilMode: true }).dataSync()),
      [6, 8, 8, 14, 16, 16, 14, 16, 16],
    );
  });

  test('average pooling: the overhang never counts; padding counts only with countIncludePad', () => {
    // No padding: both divisors leave out the overhang past the input, [0][2] = (5 + 10) / 2.
    for (const countIncludePad of [false, true]) {
      assertClose(
        avgPool2d(fiveByFive, { poolSize: 2, ceilMode: true, countIncludePad }).dataSync(),
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
    assertClose(avgPool2d(fourByFour, options).dataSync(), excluded, { atol: 1e-12, rtol: 0 }, '4x4 excluding padding');
    assertClose(
      avgPool2d(fourByFour, { ...options, countIncludePad: true }).dataSync(),
      included,
      { atol: 1e-12, rtol: 0 },
      '4x4 counting padding',
    );
    // Floor mode with countIncludePad: every divisor is the whole 3x3 window.
    assertClose(
      avgPool2d(fourByFour, { poolSize: 3, strides: 2, padding: 1, countIncludePad: true }).dataSync(),
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
    assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(expected.dataSync()));
  });
});
