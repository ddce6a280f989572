// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of the two
// layers the TF.js importer added: Rescaling (one factor, and per-channel factors and offsets) and
// Reshape (features to maps, maps to other maps), so a model fine-tunes through them.

import { describe, test } from 'node:test';
import { type Layer, Random, Rescaling, Reshape, type Tensor } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

function checkLayer(layer: Layer, shape: readonly number[], input: Tensor, label: string): void {
  layer.name = label;
  layer.build(shape, { random: new Random(1), dtype: 'float64' });
  gradcheck(([x]) => layer.call(x!, { isTraining: true }), [input], {
    names: ['input'],
    maxRelativeError: 1e-6,
    label,
  });
}

describe('Rescaling and Reshape: input gradients match central differences', () => {
  test('Rescaling by one factor and per channel, on 3x2x3 (batch 2) and on vectors', () => {
    const random = new Random(760);
    checkLayer(
      new Rescaling({ scale: 1 / 127.5, offset: -1 }),
      [3, 2, 3],
      uniformTensor(random, [2, 3, 2, 3]),
      'rescaling',
    );
    checkLayer(
      new Rescaling({ scale: [0.5, -2, 3], offset: [1, 0, -1] }),
      [3, 2, 3],
      uniformTensor(random, [2, 3, 2, 3]),
      'rescaling_channels',
    );
    checkLayer(new Rescaling({ scale: 4 }), [5], uniformTensor(random, [3, 5]), 'rescaling_vector');
  });

  test('Reshape of 12 features into 2x2x3 maps, and of 2x3x2 maps into 3x1x4 (-1 inferred)', () => {
    const random = new Random(761);
    checkLayer(new Reshape({ targetShape: [2, 2, 3] }), [12], uniformTensor(random, [2, 12]), 'reshape_maps');
    checkLayer(
      new Reshape({ targetShape: [3, -1, 4] }),
      [2, 3, 2],
      uniformTensor(random, [2, 2, 3, 2]),
      'reshape_inferred',
    );
  });
});
