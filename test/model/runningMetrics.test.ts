// fit's running loss and accuracy (src/model/runningMetrics.ts): steps handed over as tensors are read
// only when a figure is asked for, in order, and give the numbers of reading every step.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  NonFiniteLossError,
  registerBackend,
  relu,
  resetTransferCounts,
  setBackend,
  Tensor,
  transferCounts,
  type Backend,
  type FloatArray,
} from '../../src/index.js';
import { allocateArray } from '../../src/core/dtype.js';
import { referenceKernels } from '../../src/kernels/js/referenceBackend.js';
import { RunningMetrics } from '../../src/model/runningMetrics.js';

/** A device-like backend over boxed arrays with Relu only: relu(x) puts x's values there. */
class Box {
  constructor(readonly values: FloatArray) {}
}
const boxed: Backend<Box> = {
  name: 'boxed-metrics',
  device: {
    name: 'boxed-metrics',
    upload: (values) => new Box(values.slice()),
    read: async (box) => box.values.slice(),
    readSync: (box) => box.values.slice(),
  },
  allocate: (dtype, size) => new Box(allocateArray(dtype, size)),
  kernels: { Relu: (input, output, params) => referenceKernels.Relu(input.values, output.values, params) },
};
registerBackend(boxed);
after(() => setBackend('reference'));

/** Labels 0, 1, 1 in order 0, 1, 2; batch 1 is rows 0-1, batch 2 row 2. */
const LABELS = new Int32Array([0, 1, 1]);
const ORDER = [0, 1, 2];
const STEPS = [
  { loss: 0.75, probabilities: [0.9, 0.1, 0.3, 0.7], start: 0, size: 2 }, // both right
  { loss: 0.25, probabilities: [0.6, 0.4], start: 2, size: 1 }, // wrong
];

test('values read in the step and tensors read later give the same running figures', () => {
  setBackend('reference');
  const eager = new RunningMetrics(1, LABELS, 2, ORDER);
  for (const step of STEPS) eager.addValues(step.loss, step.start === 0 ? 2 : 0, step.size);
  setBackend('boxed-metrics');
  const lazy = new RunningMetrics(1, LABELS, 2, ORDER);
  resetTransferCounts();
  for (const step of STEPS) {
    const loss = relu(Tensor.fromArray([step.loss], []));
    const probabilities = relu(Tensor.fromArray(step.probabilities, [step.size, 2]));
    lazy.addTensors(loss, probabilities, step.start, step.size);
  }
  assert.equal(transferCounts().downloads, 0, 'nothing read while the steps run');
  assert.equal(lazy.lossAfter(0), 0.75);
  assert.equal(transferCounts().downloads, 2, 'reading batch 1 reads its loss and probabilities only');
  assert.equal(lazy.lossAfter(1), eager.lossAfter(1));
  assert.equal(lazy.lossAfter(1), (0.75 * 2 + 0.25) / 3);
  assert.equal(lazy.accuracyAfter(1), eager.accuracyAfter(1));
  assert.equal(lazy.accuracyAfter(1), 2 / 3);
  assert.equal(transferCounts().downloads, 4);
});

test('a non-finite loss read later throws NonFiniteLossError naming its batch', () => {
  setBackend('boxed-metrics');
  const lazy = new RunningMetrics(3, LABELS, 2, ORDER);
  lazy.addTensors(relu(Tensor.fromArray([0.5], [])), relu(Tensor.fromArray([1, 0, 0, 1], [2, 2])), 0, 2);
  lazy.addTensors(relu(Tensor.fromArray([Infinity], [])), relu(Tensor.fromArray([1, 0], [1, 2])), 2, 1);
  assert.equal(lazy.lossAfter(0), 0.5);
  assert.throws(
    () => lazy.lossAfter(1),
    (error: unknown) =>
      error instanceof NonFiniteLossError && error.epoch === 3 && error.batch === 2 && error.loss === Infinity,
  );
});
