// Sequential (src/model/sequential.ts): a chain of layers from an Input, its layers in order, the shape of
// each layer's output down the chain, a forward pass of that shape, the seed, and the construction errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Add,
  Conv2D,
  Dense,
  Flatten,
  Input,
  MaxPool2D,
  ReLU,
  Sequential,
  ShapeError,
  Softmax,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

function smallNetwork(seed: number): Sequential {
  return new Sequential(
    [
      new Input({ shape: [6, 6, 1] }),
      new Conv2D({ filters: 4, kernelSize: 3, name: 'conv' }),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 3, name: 'logits' }),
      new Softmax(),
    ],
    { seed },
  );
}

test('the layers in order, the output shape of each down the chain, and the model input and output shapes', () => {
  const model = smallNetwork(1);
  assert.deepEqual(
    model.layers.map((layer) => layer.className),
    ['Input', 'Conv2D', 'ReLU', 'MaxPool2D', 'Flatten', 'Dense', 'Softmax'],
  );
  assert.deepEqual(model.layerOutputShapes, [[6, 6, 1], [4, 4, 4], [4, 4, 4], [2, 2, 4], [16], [3], [3]]);
  assert.deepEqual(model.inputShape, [6, 6, 1]);
  assert.deepEqual(model.outputShape, [3]);
  assert.equal(model.classes, 3);
  assert.equal(model.isChain, true);
  assert.equal(model.output, 'probabilities');
});

test('a forward pass gives [batch, 3] probabilities; the same seed gives the same weights and outputs', () => {
  const x = Tensor.fromArray(
    Float32Array.from({ length: 2 * 36 }, (_, index) => Math.sin(index)),
    [2, 6, 6, 1],
  );
  const y = smallNetwork(7).predict(x);
  assert.deepEqual(y.shape, [2, 3]);
  const values = Array.from(y.dataSync());
  assertClose([values[0]! + values[1]! + values[2]!, values[3]! + values[4]! + values[5]!], [1, 1], { atol: 1e-6 });
  assert.deepEqual(Array.from(smallNetwork(7).predict(x).dataSync()), values);
  // 3x3x1x4 + 4 conv weights and 16x3 + 3 dense weights.
  const sizes = smallNetwork(7)
    .namedWeights()
    .map(({ name, tensor }) => [name, tensor.size]);
  assert.deepEqual(sizes, [
    ['conv/kernel', 36],
    ['conv/bias', 4],
    ['logits/kernel', 48],
    ['logits/bias', 3],
  ]);
});

test('a first layer that is not an Input, or a merge layer, is a ValueError saying what to do', () => {
  assertThrowsWith(
    () => new Sequential([new Dense({ units: 2 })]),
    ValueError,
    'Sequential: the first layer must be an Input declaring the example shape',
  );
  assertThrowsWith(() => new Sequential([]), ValueError, 'Sequential: the first layer must be an Input');
  assertThrowsWith(
    () => new Sequential([new Input({ shape: [4] }), new Add()]),
    ValueError,
    'Sequential: Add joins branches; build a graph Model with Layer.apply instead',
  );
});

test('a layer that does not fit the shape before it is a ShapeError at construction', () => {
  assert.throws(
    () => new Sequential([new Input({ shape: [2, 2, 1] }), new Conv2D({ filters: 1, kernelSize: 3 })]),
    ShapeError,
  );
});
