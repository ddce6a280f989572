// The backend seam (src/kernels/dispatch.ts): a backend that keeps its values in handle objects of its
// own and implements only a few kernels. Ops must reach its storage through dispatch only: an op that
// read or wrote a tensor's storage directly would see a copy (its writes lost) or an error, and the
// values below would differ from the reference backend's. The copies a fallback makes are counted.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  conv2d,
  Dense,
  GradientTape,
  Input,
  matMul,
  registerBackend,
  relu,
  ReLU,
  resetTransferCounts,
  Sequential,
  setBackend,
  SGD,
  Softmax,
  softmaxCrossEntropy,
  SyncReadError,
  Tensor,
  transferCounts,
  type Backend,
  type DeviceStorage,
  type FloatArray,
} from '../../src/index.js';
import { allocateArray } from '../../src/core/dtype.js';
import { referenceKernels } from '../../src/kernels/js/referenceBackend.js';
import { biasAdd } from '../../src/ops/biasAdd.js';
import { assertClose } from '../helpers.js';

const EXACT = { atol: 0, rtol: 0 };

/** A device buffer stand-in: the values sit behind an object no kernel of the reference can take. */
class Box {
  constructor(readonly values: FloatArray) {}
}

/** A backend over Box handles with Relu, MatMul and BiasAdd only; the names of the kernels it ran. */
function boxBackend(name: string, canReadSync: boolean): { backend: Backend<Box>; ran: string[] } {
  const ran: string[] = [];
  const device: DeviceStorage<Box> = {
    name,
    upload: (values) => new Box(values.slice()),
    read: async (box) => box.values.slice(),
    ...(canReadSync ? { readSync: (box: Box) => box.values.slice() } : {}),
  };
  const backend: Backend<Box> = {
    name,
    device,
    allocate: (dtype, size) => new Box(allocateArray(dtype, size)),
    kernels: {
      Relu: (input, output, params) => {
        ran.push('Relu');
        referenceKernels.Relu(input.values, output.values, params);
      },
      MatMul: (a, b, output, params) => {
        ran.push('MatMul');
        referenceKernels.MatMul(a.values, b.values, output.values, params);
      },
      BiasAdd: (input, bias, output, params) => {
        ran.push('BiasAdd');
        referenceKernels.BiasAdd(input.values, bias.values, output.values, params);
      },
    },
  };
  return { backend, ran };
}

const boxed = boxBackend('boxed', true);
const boxedAsync = boxBackend('boxed-async', false);

/** A small dense network's loss and gradients on the active backend: matMul, biasAdd, relu, softmax cross-entropy. */
function denseStep(): { loss: number; gradients: FloatArray[] } {
  const x = Tensor.fromArray([0.5, -1, 2, 0.25, 1.5, -0.5], [2, 3]);
  const weight = Tensor.fromArray([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2]);
  const bias = Tensor.fromArray([0.05, -0.05], [2]);
  const targets = Tensor.fromArray([1, 0, 0, 1], [2, 2]);
  const tape = new GradientTape([weight, bias]);
  const loss = tape.run(() => softmaxCrossEntropy(relu(biasAdd(matMul(x, weight), bias)), targets).loss);
  const gradients = tape.gradient(loss, [weight, bias]).map((gradient) => gradient.dataSync().slice());
  return { loss: loss.dataSync()[0]!, gradients };
}

/** Two epochs of fit (SGD with momentum, clipNorm) on the active backend: the history and the weights after. */
function fitRun(): { history: number[][]; progress: number[]; weights: number[][] } {
  const model = new Sequential(
    [new Input({ shape: [4] }), new Dense({ units: 3 }), new ReLU(), new Dense({ units: 2 }), new Softmax()],
    {
      seed: 3,
    },
  );
  const x = Tensor.fromArray(
    [
      0.1, 0.5, -0.3, 0.8, 1, -1, 0.2, 0.4, -0.6, 0.3, 0.9, -0.2, 0.7, 0.1, -0.5, 0.6, 0.2, -0.4, 0.3, 0.5, -0.1, 0.8,
      0.6, -0.7,
    ],
    [6, 4],
  );
  const labels = new Int32Array([0, 1, 1, 0, 1, 0]);
  const progress: number[] = [];
  const history = model.fit(x, labels, {
    epochs: 2,
    batchSize: 2,
    seed: 5,
    optimizer: new SGD({ learningRate: 0.1, momentum: 0.9, clipNorm: 1 }),
    callbacks: [{ onBatchEnd: (batch) => void progress.push(batch.loss, batch.accuracy) }],
  });
  return {
    history: history.epochs.map((epoch) => [epoch.loss, epoch.accuracy]),
    progress,
    weights: model.trainableWeights().map((weight) => Array.from(weight.dataSync())),
  };
}

describe('dispatch: a backend with its own handles and a subset of the kernels', () => {
  before(() => {
    registerBackend(boxed.backend);
    registerBackend(boxedAsync.backend);
  });
  after(() => setBackend('reference'));

  test('a kernel it has gets its handles: a host input is uploaded once, and nothing comes back', async () => {
    setBackend('boxed');
    resetTransferCounts();
    boxed.ran.length = 0;
    const x = Tensor.fromArray([-1, 2, -3, 4], [4]);
    const y = relu(x);
    const z = relu(x);
    assert.deepEqual(boxed.ran, ['Relu', 'Relu']);
    assert.deepEqual(transferCounts(), { downloads: 0, uploads: 1 }, 'x moved to the backend at its first kernel');
    assert.deepEqual(Array.from(await y.data()), [0, 2, 0, 4]);
    assert.deepEqual(Array.from(await z.data()), [0, 2, 0, 4]);
    assert.deepEqual(transferCounts(), { downloads: 2, uploads: 1 }, 'each data() is a read-back');
  });

  test('a kernel it lacks runs on the reference: its device inputs come down, its output goes back up', async () => {
    setBackend('reference');
    const input = Tensor.fromArray([1, -2, 3, -4, 5, -6, 7, -8, 9], [1, 3, 3, 1]);
    const filter = Tensor.fromArray([1, 0, 0, -1], [2, 2, 1, 1]);
    const expected = Array.from(conv2d(relu(input), filter, null).dataSync());
    setBackend('boxed');
    const activated = relu(input);
    resetTransferCounts();
    const output = conv2d(activated, filter, null);
    // Downloads: the activation and the (uninitialized) output; the host filter needs none. Upload: the output.
    assert.deepEqual(transferCounts(), { downloads: 2, uploads: 1 });
    assert.deepEqual(Array.from(await output.data()), expected);
  });

  test('a training step (forward and backward, fallbacks included) gives the reference values exactly', () => {
    setBackend('reference');
    const expected = denseStep();
    setBackend('boxed');
    boxed.ran.length = 0;
    const actual = denseStep();
    assert.ok(boxed.ran.includes('MatMul') && boxed.ran.includes('BiasAdd'), `ran ${boxed.ran.join(', ')}`);
    assert.equal(actual.loss, expected.loss);
    actual.gradients.forEach((gradient, index) => {
      assertClose(gradient, expected.gradients[index]!, EXACT, `gradient ${index}`);
    });
  });

  test('fit gives the reference history, progress and weights exactly; its optimizer runs on the backend', () => {
    setBackend('reference');
    const expected = fitRun();
    setBackend('boxed');
    const actual = fitRun();
    assert.deepEqual(actual, expected);
  });

  test('the CPU backends copy nothing', () => {
    setBackend('reference');
    resetTransferCounts();
    denseStep();
    assert.deepEqual(transferCounts(), { downloads: 0, uploads: 0 });
  });

  test('without a synchronous read: dataSync() and a missing kernel throw SyncReadError, data() reads', async () => {
    setBackend('boxed-async');
    const y = relu(Tensor.fromArray([-1, 2], [2]));
    assert.throws(
      () => y.dataSync(),
      (error: unknown) => {
        assert.ok(error instanceof SyncReadError);
        assert.match(error.message, /^dataSync: Tensor\(2, float32\): backend 'boxed-async' cannot read values/);
        assert.match(error.message, /await tensor\.data\(\)/);
        return true;
      },
    );
    const filter = Tensor.fromArray([1], [1, 1, 1, 1]);
    assert.throws(
      () => conv2d(y.reshape([1, 1, 2, 1]), filter, null),
      (error: unknown) =>
        error instanceof SyncReadError && /^Conv2D \(run on the reference kernels\)/.test(error.message),
    );
    assert.deepEqual(Array.from(await y.data()), [0, 2]);
  });

  test('a device tensor used on a CPU backend comes back to the host once', () => {
    setBackend('boxed');
    const y = relu(Tensor.fromArray([-1, 2, -3], [3]));
    setBackend('reference');
    resetTransferCounts();
    const z = relu(y);
    relu(y);
    assert.deepEqual(transferCounts(), { downloads: 1, uploads: 0 });
    assert.deepEqual(Array.from(z.dataSync()), [0, 2, 0]);
  });
});
