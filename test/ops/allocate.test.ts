// Output allocation of the ops (src/ops/allocate.ts): the shape and dtype of a new tensor, the size limit
// with its error naming the op, storage offered by withOutputStorage (taken once, by size and dtype), and
// the host-filled and zero-filled tensors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relu, ShapeError, Tensor } from '../../src/index.js';
import { storageOf } from '../../src/core/tensor.js';
import { allocateTensor, tensorFromHost, withOutputStorage, zerosTensor } from '../../src/ops/allocate.js';
import { assertThrowsWith } from '../helpers.js';

test('allocateTensor gives a tensor of the shape and dtype asked for', () => {
  const tensor = allocateTensor([2, 3], 'float64');
  assert.deepEqual(tensor.shape, [2, 3]);
  assert.equal(tensor.dtype, 'float64');
  assert.equal(tensor.size, 6);
  assert.equal(allocateTensor([4], 'float32').dtype, 'float32');
});

test('an output over the element limit is a ShapeError naming the op, the shape and both counts', () => {
  assertThrowsWith(
    () => allocateTensor([65536, 65536], 'float32', 'matMul'),
    ShapeError,
    'matMul: an output of 65536x65536 would hold 4,294,967,296 values, more than the 268,435,456 one tensor may hold',
  );
  assertThrowsWith(() => allocateTensor([2 ** 20, 2 ** 9], 'float32'), ShapeError, 'allocate: an output of');
});

test('withOutputStorage: the first allocation of its size and dtype takes the storage, only once', () => {
  const storage = new Float32Array(6);
  const [first, second, wrongDtype] = withOutputStorage(storage, () => [
    allocateTensor([2, 3], 'float32'),
    allocateTensor([3, 2], 'float32'),
    allocateTensor([6], 'float64'),
  ]);
  assert.equal(storageOf(first!).hostArray, storage);
  assert.notEqual(storageOf(second!).hostArray, storage);
  assert.notEqual(storageOf(wrongDtype!).hostArray, storage);
  // A size that differs leaves the offer open for the op's output; after the body it is withdrawn.
  const output = withOutputStorage(storage, () => {
    allocateTensor([5], 'float32');
    return relu(Tensor.fromArray([-1, 2, -3, 4, -5, 6], [2, 3]));
  });
  assert.equal(storageOf(output).hostArray, storage);
  assert.deepEqual(Array.from(storage), [0, 2, 0, 4, 0, 6]);
  assert.notEqual(storageOf(allocateTensor([2, 3], 'float32')).hostArray, storage);
});

test('tensorFromHost writes the values fill gives; zerosTensor is all zeros', () => {
  const tensor = tensorFromHost([3], 'float64', (values) => {
    values.set([1.5, -2, 0.25]);
  });
  assert.equal(tensor.dtype, 'float64');
  assert.deepEqual(Array.from(tensor.dataSync()), [1.5, -2, 0.25]);
  const zeros = zerosTensor([2, 2], 'float32');
  assert.deepEqual(zeros.shape, [2, 2]);
  assert.deepEqual(Array.from(zeros.dataSync()), [0, 0, 0, 0]);
});
