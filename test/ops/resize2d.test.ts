// The resize op (src/ops/resize2d.ts), not its kernels (test/kernels/js/resize2d.test.ts): hand-worked values
// for nearest (PyTorch's asymmetric + floor, ONNX's half_pixel + round_prefer_floor when shrinking) and
// bilinear (align_corners, half_pixel: PyTorch's F.interpolate results), the gradient's scatter by hand, the
// params its options resolve to, and its argument checks naming the op and the values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GradientTape, resize2d, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { checkResizeOptions, resize2dParams } from '../../src/ops/resize2d.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

const EXACT = { atol: 1e-12, rtol: 0 };
/** A [1, 2, 2, 1] image [[1, 2], [3, 4]] in float64. */
const square = () => Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1], 'float64');

describe('resize2d: hand-worked values', () => {
  test('nearest x2 (PyTorch nn.Upsample): each pixel becomes a 2x2 block', () => {
    const y = resize2d(square(), { scale: 2 });
    assert.deepEqual(y.shape, [1, 4, 4, 1]);
    assertClose(y.dataSync(), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], EXACT, 'nearest x2');
  });

  test('bilinear align_corners 2x2 -> 3x3: corners kept, midpoints averaged', () => {
    const y = resize2d(square(), { mode: 'bilinear', size: [3, 3], coordinates: 'align_corners' });
    assertClose(y.dataSync(), [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], EXACT, 'align_corners');
  });

  test('bilinear half_pixel x2 (PyTorch align_corners=False): weights 0, 1/4, 3/4, 1 along each axis', () => {
    const y = resize2d(square(), { mode: 'bilinear', scale: 2 });
    const expected = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
    assertClose(y.dataSync(), expected, EXACT, 'half_pixel');
  });

  test('nearest half_pixel round_prefer_floor 1x4 -> 1x2 (ONNX default): coordinates 0.5 and 2.5 round down', () => {
    const y = resize2d(Tensor.fromArray([0, 1, 2, 3], [1, 1, 4, 1], 'float64'), {
      size: [1, 2],
      coordinates: 'half_pixel',
      nearestRounding: 'round_prefer_floor',
    });
    assertClose(y.dataSync(), [0, 2], EXACT, 'round_prefer_floor');
    const ceil = resize2d(Tensor.fromArray([0, 1, 2, 3], [1, 1, 4, 1], 'float64'), {
      size: [1, 2],
      coordinates: 'half_pixel',
      nearestRounding: 'round_prefer_ceil',
    });
    assertClose(ceil.dataSync(), [1, 3], EXACT, 'round_prefer_ceil');
  });

  test('channels interpolate independently; batch images stay apart', () => {
    const x = Tensor.fromArray([1, 10, 2, 20, 5, 50, 6, 60], [2, 1, 2, 2], 'float64');
    const y = resize2d(x, { mode: 'bilinear', size: [1, 3], coordinates: 'align_corners' });
    assertClose(y.dataSync(), [1, 10, 1.5, 15, 2, 20, 5, 50, 5.5, 55, 6, 60], EXACT, 'two channels, two images');
  });

  test('the gradient scatters dOut with the interpolation weights: align_corners 1x2 -> 1x3 gives [1.5, 1.5]', () => {
    const x = Tensor.fromArray([3, 7], [1, 1, 2, 1], 'float64');
    const tape = new GradientTape([x]);
    const y = tape.run(() => resize2d(x, { mode: 'bilinear', size: [1, 3], coordinates: 'align_corners' }));
    const [dInput] = tape.gradient(y, [x], Tensor.fromArray([1, 1, 1], [1, 1, 3, 1], 'float64'));
    assertClose(dInput!.dataSync(), [1.5, 1.5], EXACT, 'dInput');
    const nearest = new GradientTape([x]);
    const z = nearest.run(() => resize2d(x, { scale: 2 }));
    const [dNearest] = nearest.gradient(z, [x], Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1], 'float64'));
    assertClose(
      dNearest!.dataSync(),
      [1 + 2 + 5 + 6, 3 + 4 + 7 + 8],
      EXACT,
      'nearest dInput: the sum of each 2x2 block',
    );
  });
});

describe('resize2d options and checks', () => {
  test("resize2dParams: size gives the float32 quotient as scale; scale floors the size; the mode's defaults", () => {
    const bySize = resize2dParams([2, 3, 4, 5], { size: [6, 6] });
    assert.deepEqual(
      [bySize.outH, bySize.outW, bySize.scaleH, bySize.scaleW, bySize.mode, bySize.coordinates, bySize.nearestRounding],
      [6, 6, 2, Math.fround(1.5), 'nearest', 'asymmetric', 'floor'],
    );
    const byScale = resize2dParams([1, 3, 5, 1], { mode: 'bilinear', scale: [1.5, 0.5] });
    assert.deepEqual([byScale.outH, byScale.outW, byScale.coordinates], [4, 2, 'half_pixel']);
    const float32 = resize2d(Tensor.zeros([1, 2, 2, 3]), { scale: 2 });
    assert.deepEqual(float32.shape, [1, 4, 4, 3]);
    assert.equal(float32.dtype, 'float32');
  });

  test('bad options are ValueErrors naming the op and the value; a rank-3 input a ShapeError', () => {
    assertThrowsWith(() => checkResizeOptions({}), ValueError, 'resize2d: give either size or scale');
    assertThrowsWith(
      () => checkResizeOptions({ size: [2, 1.5] }),
      ValueError,
      'resize2d: size must be two positive integers, got [2,1.5]',
    );
    assertThrowsWith(
      () => checkResizeOptions({ scale: [2, Infinity] }, 'Resize2D'),
      ValueError,
      'Resize2D: scale must be positive and finite',
    );
    assertThrowsWith(
      () => checkResizeOptions({ scale: 2, nearestRounding: 'up' as 'floor' }),
      ValueError,
      'resize2d: nearestRounding must be one of',
      'got "up"',
    );
    assertThrowsWith(
      () => resize2d(Tensor.zeros([1, 2, 2, 1]), { scale: 0.1 }),
      ValueError,
      'resize2d: scale 0.1 leaves no pixels of a 2x2 input',
    );
    assertThrowsWith(
      () => resize2d(Tensor.zeros([2, 2, 1]), { scale: 2 }),
      ShapeError,
      'resize2d: input: expected a rank-4 tensor',
    );
  });
});
