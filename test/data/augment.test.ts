// Tests of the batch augmentations: exact outputs on tiny NHWC tensors with scripted random draws
// (hand-worked), determinism for a seed, composition order and argument errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShapeError, ValueError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import { composeAugmentations, horizontalFlip, randomCrop, randomTranslation } from '../../src/data/augment.js';

/** A Random whose integer() and uniform() return scripted values, in order, and record the bounds asked for. */
class ScriptedRandom extends Random {
  readonly bounds: number[] = [];
  constructor(
    private readonly integers: number[],
    private readonly uniforms: number[] = [],
  ) {
    super(0);
  }

  override integer(bound: number): number {
    this.bounds.push(bound);
    const value = this.integers.shift();
    assert.ok(value !== undefined && value < bound, `scripted integer ${value} for bound ${bound}`);
    return value;
  }

  override uniform(): number {
    const value = this.uniforms.shift();
    assert.ok(value !== undefined, 'scripted uniform');
    return value;
  }
}

/** One 3x3 gray image holding 1 to 9, row by row. */
const square = (): Tensor => Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

describe('randomCrop', () => {
  test('pad 1, crop at offset (0, 2): moves the image down one row and left one column', () => {
    const batch = square();
    const random = new ScriptedRandom([0, 2]);
    randomCrop({ padding: 1 })(batch, random);
    assert.deepEqual(random.bounds, [3, 3], 'offsets drawn in [0, 2 * padding]');
    // Padded 5x5 image, crop rows 0-2 and columns 2-4: zero row on top, then columns 1 and 2 of rows 0 and 1.
    assert.deepEqual(batch.toArray(), [0, 0, 0, 2, 3, 0, 5, 6, 0]);
  });

  test('offset (padding, padding) leaves the image; channels move together', () => {
    const rgb = Tensor.fromArray([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    randomCrop({ padding: 2 })(rgb, new ScriptedRandom([2, 2]));
    assert.deepEqual(rgb.toArray(), [1, 2, 3, 4, 5, 6]);
    randomCrop({ padding: 2 })(rgb, new ScriptedRandom([2, 1]));
    assert.deepEqual(rgb.toArray(), [0, 0, 0, 1, 2, 3]);
  });

  test('each example draws its own offsets', () => {
    const batch = Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    randomCrop({ padding: 1 })(batch, new ScriptedRandom([1, 1, 2, 0]));
    // Example 0 unchanged; example 1 shifted up one row and right one column.
    assert.deepEqual(batch.toArray(), [1, 2, 3, 4, 0, 7, 0, 0]);
  });
});

describe('randomTranslation', () => {
  test('zero and edge fill, per-axis limits', () => {
    const zero = square();
    const random = new ScriptedRandom([2, 0]);
    randomTranslation({ maxShift: [1, 2] })(zero, random);
    assert.deepEqual(random.bounds, [3, 5]);
    // Shift down 1 row, left 2 columns.
    assert.deepEqual(zero.toArray(), [0, 0, 0, 3, 0, 0, 6, 0, 0]);
    const edge = square();
    randomTranslation({ maxShift: [1, 2], fill: 'edge' })(edge, new ScriptedRandom([2, 0]));
    assert.deepEqual(edge.toArray(), [3, 3, 3, 3, 3, 3, 6, 6, 6]);
  });
});

describe('horizontalFlip', () => {
  test('flips the examples whose draw is below the probability, keeping channel order', () => {
    const batch = Tensor.fromArray([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], [2, 1, 3, 2]);
    horizontalFlip()(batch, new ScriptedRandom([], [0.49, 0.5]));
    assert.deepEqual(batch.toArray(), [5, 6, 3, 4, 1, 2, 1, 2, 3, 4, 5, 6]);
    const square2 = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1]);
    horizontalFlip({ probability: 1 })(square2, new ScriptedRandom([], [0.999]));
    assert.deepEqual(square2.toArray(), [2, 1, 4, 3]);
  });
});

describe('composeAugmentations and seeds', () => {
  test('applies in order from one Random', () => {
    const batch = square();
    composeAugmentations(randomCrop({ padding: 1 }), horizontalFlip())(batch, new ScriptedRandom([0, 2], [0]));
    assert.deepEqual(batch.toArray(), [0, 0, 0, 0, 3, 2, 0, 6, 5]);
  });

  test('the same seed gives the same batch; float64 batches work too', () => {
    const make = (dtype: 'float32' | 'float64'): Tensor =>
      Tensor.fromArray(
        Array.from({ length: 4 * 5 * 6 * 3 }, (_, index) => index),
        [4, 5, 6, 3],
        dtype,
      );
    const augment = composeAugmentations(
      randomCrop({ padding: 2 }),
      horizontalFlip(),
      randomTranslation({ maxShift: 1, fill: 'edge' }),
    );
    const first = make('float32');
    const second = make('float32');
    const wide = make('float64');
    augment(first, new Random(42));
    augment(second, new Random(42));
    augment(wide, new Random(42));
    assert.deepEqual(first.toArray(), second.toArray());
    assert.deepEqual(wide.toArray(), first.toArray());
    assert.notDeepEqual(first.toArray(), make('float32').toArray(), 'something moved');
    const third = make('float32');
    augment(third, new Random(43));
    assert.notDeepEqual(third.toArray(), first.toArray());
  });

  test('bad arguments and shapes are typed errors', () => {
    assert.throws(() => randomCrop({ padding: -1 }), ValueError);
    assert.throws(() => randomCrop({ padding: 1.5 }), ValueError);
    assert.throws(() => randomTranslation({ maxShift: [1, -1] }), ValueError);
    assert.throws(() => randomTranslation({ maxShift: 1, fill: 'mirror' as 'zero' }), ValueError);
    assert.throws(() => horizontalFlip({ probability: 2 }), ValueError);
    assert.throws(
      () => randomCrop({ padding: 1 })(Tensor.zeros([3, 3]), new Random(0)),
      (error: unknown) =>
        error instanceof ShapeError && /randomCrop: expected an NHWC batch .*got shape 3x3/.test(error.message),
    );
  });
});
