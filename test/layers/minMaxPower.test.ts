// Maximum, Minimum and Power: hand-worked values with broadcasting and NaN, the gradient's routing
// to the selected input with ties split equally (torch.maximum's rule), pow's hand-worked values and
// derivative at 0, config and model file round trips, and the errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  GradientTape,
  Input,
  layerFromConfig,
  maximum,
  Maximum,
  minimum,
  Minimum,
  Model,
  parseModel,
  pow,
  Power,
  Random,
  serializeModel,
  ShapeError,
  sqrt,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

describe('maximum and minimum', () => {
  test('hand-worked values with broadcasting; NaN wins', () => {
    const a = Tensor.fromArray([1, -2, 3, 0, NaN, 5], [1, 2, 3]);
    const b = Tensor.fromArray([0, 4, 3], [3]);
    assert.deepEqual([...maximum(a, b).dataSync()], [1, 4, 3, 0, NaN, 5]);
    assert.deepEqual([...minimum(a, b).dataSync()], [0, -2, 3, 0, NaN, 3]);
  });

  test(
    'the gradient goes to the selected input, ties split equally (torch.maximum), summed over ' + 'broadcast axes',
    () => {
      const a = Tensor.fromArray([1, 5, 2, 2], [2, 2], 'float64');
      const b = Tensor.fromArray([2, 2], [2], 'float64');
      const dOut = Tensor.fromArray([1, 10, 100, 1000], [2, 2], 'float64');
      for (const [op, dA, dB] of [
        [maximum, [0, 10, 50, 500], [1 + 50, 500]],
        [minimum, [1, 0, 50, 500], [50, 10 + 500]],
      ] as const) {
        const tape = new GradientTape([a, b]);
        const output = tape.run(() => op(a, b));
        const [gradientA, gradientB] = tape.gradient(output, [a, b], dOut);
        assert.deepEqual([...gradientA!.dataSync()], dA, `${op.name} dA`);
        assert.deepEqual([...gradientB!.dataSync()], dB, `${op.name} dB`);
      }
    },
  );

  test('layers of three inputs, config and model file round trips, shape errors', () => {
    const input = new Input({ shape: [3, 4, 3] });
    const branches = [1, 2, 3].map(() => new Conv2D({ filters: 2, kernelSize: 1 }).apply(input.output));
    const upper = new Maximum({ name: 'upper' }).apply(branches);
    const output = new Minimum({ name: 'lower' }).apply([upper, branches[0]!]);
    const model = new Model({ inputs: input.output, outputs: output }, { seed: 2301 });
    const random = new Random(2302);
    const x = Tensor.fromArray(
      Float32Array.from({ length: 72 }, () => random.uniform() - 0.5),
      [2, 3, 4, 3],
    );
    const { manifest, weights } = serializeModel(model);
    assertClose(
      parseModel(manifest, weights).model.predict(x).dataSync(),
      model.predict(x).dataSync(),
      { atol: 0, rtol: 0 },
      'loaded',
    );
    assert.deepEqual(layerFromConfig('Maximum', { name: 'm' }).getConfig(), { name: 'm' });
    const other = new Input({ shape: [3, 5, 3] });
    assertThrowsWith(
      () => new Maximum({ name: 'bad' }).apply([input.output, other.output]),
      ShapeError,
      "Maximum 'bad'",
    );
  });
});

describe('Power', () => {
  test('hand-worked: squares, square roots (NaN below 0), cubes and the derivative p x^(p - 1)', () => {
    const x = Tensor.fromArray([0, 1, 4, -2, 9], [5], 'float64');
    assert.deepEqual([...pow(x, 2).dataSync()], [0, 1, 16, 4, 81]);
    assert.deepEqual([...sqrt(x).dataSync()], [0, 1, 2, NaN, 3]);
    assert.deepEqual([...pow(x, 3).dataSync()], [0, 1, 64, -8, 729]);
    const tape = new GradientTape([x]);
    const [square, root] = [tape.run(() => pow(x, 2)), tape.run(() => sqrt(x))];
    assert.deepEqual([...tape.gradient(square, [x])[0]!.dataSync()], [0, 2, 8, -4, 18]);
    assert.deepEqual([...tape.gradient(root, [x])[0]!.dataSync()], [Infinity, 0.5, 0.25, NaN, 1 / 6]);
  });

  test('config round trip and a non-finite exponent refused', () => {
    assert.deepEqual(
      layerFromConfig(
        'Power',
        JSON.parse(JSON.stringify(new Power({ name: 'p', exponent: 0.5 }).getConfig())) as Record<string, unknown>,
      ).getConfig(),
      { name: 'p', exponent: 0.5 },
    );
    assertThrowsWith(() => new Power({ exponent: NaN }), ValueError, 'Power exponent');
    assertThrowsWith(() => pow(Tensor.zeros([2]), Infinity), ValueError, 'pow: exponent');
  });
});
