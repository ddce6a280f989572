// The reference backend (src/kernels/js/referenceBackend.ts): its table holds one kernel for every kernel id and
// nothing else, and seeded property checks run through the ops on it (softmax, identity filters, pooling bounds,
// output-size arithmetic). The hand-worked cases of each kernel sit in the test file named after its module.
// Layouts: activations NHWC, filters [kH, kW, inC, outC]. Each check states its tolerance.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conv2d, maxPool2dWithArgmax, type Padding, Random, softmax, Tensor } from '../../../src/index.js';
import { KERNEL_IDS } from '../../../src/kernels/ids.js';
import { referenceBackend, referenceKernels } from '../../../src/kernels/js/referenceBackend.js';
import { resolvePadding } from '../../../src/kernels/params.js';
import { assertClose } from '../../helpers.js';
import { EXACT } from './referenceCases.js';

describe('the reference kernel table', () => {
  test('one function for each of the kernel ids, and no key that is not an id', () => {
    const ids: readonly string[] = KERNEL_IDS;
    for (const id of KERNEL_IDS) assert.equal(typeof referenceKernels[id], 'function', id);
    assert.deepEqual(
      Object.keys(referenceKernels).filter((key) => !ids.includes(key)),
      [],
      'keys that are not kernel ids',
    );
    assert.equal(Object.keys(referenceKernels).length, KERNEL_IDS.length);
    assert.equal(referenceBackend.name, 'reference');
    assert.equal(referenceBackend.kernels, referenceKernels);
  });
});

describe('properties on seeded random inputs', () => {
  function randomTensor(random: Random, shape: readonly number[], scale = 1): Tensor {
    const tensor = Tensor.zeros(shape, 'float64');
    for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = scale * (2 * random.uniform() - 1);
    return tensor;
  }

  function rowSums(values: ArrayLike<number>, rows: number, columns: number): number[] {
    const sums = new Array<number>(rows).fill(0);
    for (let index = 0; index < rows * columns; index++) sums[Math.floor(index / columns)]! += values[index]!;
    return sums;
  }

  test(
    'softmax rows sum to 1 (within 1e-12) and do not change when every input shifts by a constant ' + '(within 1e-12)',
    () => {
      const random = new Random(10);
      for (let trial = 0; trial < 20; trial++) {
        const rows = 1 + random.integer(6);
        const columns = 1 + random.integer(9);
        const logits = randomTensor(random, [rows, columns], 10);
        const probabilities = softmax(logits);
        const sums = rowSums(probabilities.dataSync(), rows, columns);
        assertClose(sums, new Array<number>(rows).fill(1), { atol: 1e-12, rtol: 0 }, `row sums, trial ${trial}`);
        const shift = 100 * (2 * random.uniform() - 1);
        const shifted = Tensor.fromArray(
          Array.from(logits.dataSync(), (value) => value + shift),
          logits.shape,
          'float64',
        );
        assertClose(
          softmax(shifted).dataSync(),
          probabilities.dataSync(),
          { atol: 1e-12, rtol: 0 },
          `shift by ${shift}, trial ${trial}`,
        );
      }
    },
  );

  test('softmax in float32 rows sum to 1 within 1e-6', () => {
    const logits = randomTensor(new Random(11), [8, 10], 20).clone('float32');
    const probabilities = softmax(logits);
    const sums = rowSums(probabilities.dataSync(), 8, 10);
    assertClose(sums, new Array<number>(8).fill(1), { atol: 1e-6, rtol: 0 }, 'float32 row sums');
  });

  test('identity filters return their input exactly: 1x1 identity matrix, and 3x3 centre tap with same padding', () => {
    const random = new Random(12);
    for (const channels of [1, 3, 4]) {
      const input = randomTensor(random, [2, 5, 7, channels]);
      const identity1x1 = Tensor.zeros([1, 1, channels, channels], 'float64');
      const centre3x3 = Tensor.zeros([3, 3, channels, channels], 'float64');
      for (let channel = 0; channel < channels; channel++) {
        identity1x1.dataSync()[channel * channels + channel] = 1;
        centre3x3.dataSync()[((1 * 3 + 1) * channels + channel) * channels + channel] = 1;
      }
      assertClose(
        conv2d(input, identity1x1, null).dataSync(),
        input.dataSync(),
        EXACT,
        `1x1 identity, ${channels} channels`,
      );
      assertClose(
        conv2d(input, centre3x3, null, { padding: 'same' }).dataSync(),
        input.dataSync(),
        EXACT,
        `3x3 centre, ${channels} channels`,
      );
    }
  });

  test('max pooling never exceeds the input maximum, and each output is the input value at its argmax', () => {
    const random = new Random(13);
    for (let trial = 0; trial < 30; trial++) {
      const [inH, inW, channels, pool, stride] = [
        2 + random.integer(8),
        2 + random.integer(8),
        1 + random.integer(4),
        2 + random.integer(2),
        1 + random.integer(3),
      ];
      if (pool > Math.min(inH, inW)) continue;
      const padding: Padding = (['valid', 'same', 1] as const)[random.integer(3)]!;
      const input = randomTensor(random, [1 + random.integer(3), inH, inW, channels], 5);
      const inputMax = Math.max(...input.dataSync());
      const { output, argmax } = maxPool2dWithArgmax(input, { poolSize: pool, strides: stride, padding });
      output.dataSync().forEach((value, index) => {
        assert.ok(value <= inputMax, `trial ${trial}: output ${value} exceeds input max ${inputMax}`);
        assert.equal(value, input.dataSync()[argmax[index]!], `trial ${trial}: output ${index} is not input[argmax]`);
      });
    }
  });

  test(
    'conv2d output size is floor((W - K + padBefore + padAfter) / S) + 1, i.e. (W - K + 2P) / S + 1, for ' +
      'random geometries',
    () => {
      const random = new Random(14);
      let checked = 0;
      while (checked < 60) {
        const [inH, inW, kH, kW, strideH, strideW, pad] = [
          1 + random.integer(12),
          1 + random.integer(12),
          1 + random.integer(5),
          1 + random.integer(5),
          1 + random.integer(3),
          1 + random.integer(3),
          random.integer(3),
        ];
        const expectedH = Math.floor((inH - kH + 2 * pad) / strideH) + 1;
        const expectedW = Math.floor((inW - kW + 2 * pad) / strideW) + 1;
        if (expectedH < 1 || expectedW < 1) continue;
        const output = conv2d(
          Tensor.zeros([1, inH, inW, 2], 'float64'),
          Tensor.zeros([kH, kW, 2, 3], 'float64'),
          null,
          {
            strides: [strideH, strideW],
            padding: pad,
          },
        );
        assert.deepEqual(
          output.shape,
          [1, expectedH, expectedW, 3],
          `in ${inH}x${inW}, kernel ${kH}x${kW}, strides ${strideH}x${strideW}, padding ${pad}`,
        );
        checked++;
      }
    },
  );

  test("'same' padding gives ceil(in / stride) for random sizes, kernels and strides (conv and pooling)", () => {
    const random = new Random(15);
    for (let trial = 0; trial < 60; trial++) {
      const [inH, inW, k, strideH, strideW] = [
        1 + random.integer(15),
        1 + random.integer(15),
        1 + random.integer(5),
        1 + random.integer(4),
        1 + random.integer(4),
      ];
      const output = conv2d(Tensor.zeros([1, inH, inW, 1], 'float64'), Tensor.zeros([k, k, 1, 1], 'float64'), null, {
        strides: [strideH, strideW],
        padding: 'same',
      });
      const expected = [1, Math.ceil(inH / strideH), Math.ceil(inW / strideW), 1];
      assert.deepEqual(output.shape, expected, `conv in ${inH}x${inW}, kernel ${k}, strides ${strideH}x${strideW}`);
      const pads = resolvePadding('same', inH, inW, k, k, strideH, strideW);
      assert.ok(
        pads.padBottom - pads.padTop === 0 || pads.padBottom - pads.padTop === 1,
        `odd pixel goes to the bottom: ${JSON.stringify(pads)}`,
      );
      if (k >= 2 && k <= Math.min(inH, inW)) {
        const pooled = maxPool2dWithArgmax(Tensor.zeros([1, inH, inW, 1], 'float64'), {
          poolSize: k,
          strides: [strideH, strideW],
          padding: 'same',
        });
        assert.deepEqual(
          pooled.output.shape,
          expected,
          `pool in ${inH}x${inW}, pool ${k}, strides ${strideH}x${strideW}`,
        );
      }
    }
  });

  test('explicit padding equals a valid convolution of a zero-padded copy of the input (within 1e-12)', () => {
    const random = new Random(16);
    for (let trial = 0; trial < 10; trial++) {
      const [inH, inW, inC, outC, k, stride] = [
        2 + random.integer(6),
        2 + random.integer(6),
        1 + random.integer(3),
        1 + random.integer(3),
        1 + random.integer(3),
        1 + random.integer(2),
      ];
      const pads: [number, number, number, number] = [
        random.integer(3),
        random.integer(3),
        random.integer(3),
        random.integer(3),
      ];
      const [top, bottom, left, right] = pads;
      const input = randomTensor(random, [1, inH, inW, inC]);
      const filter = randomTensor(random, [k, k, inC, outC]);
      const paddedH = inH + top + bottom;
      const paddedW = inW + left + right;
      if (paddedH < k || paddedW < k) continue;
      const padded = Tensor.zeros([1, paddedH, paddedW, inC], 'float64');
      for (let y = 0; y < inH; y++) {
        for (let x = 0; x < inW; x++) {
          for (let c = 0; c < inC; c++)
            padded.dataSync()[((y + top) * paddedW + x + left) * inC + c] = input.dataSync()[(y * inW + x) * inC + c]!;
        }
      }
      const direct = conv2d(input, filter, null, { strides: stride, padding: pads });
      const viaCopy = conv2d(padded, filter, null, { strides: stride, padding: 'valid' });
      assert.deepEqual(direct.shape, viaCopy.shape);
      assertClose(direct.dataSync(), viaCopy.dataSync(), { atol: 1e-12, rtol: 0 }, `trial ${trial}, padding ${pads}`);
    }
  });
});
