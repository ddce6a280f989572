// Grad-CAM (src/visualize/gradCam.ts) on a network whose answer is known: the heat map is the class's
// weighted feature maps, normalized, on the chosen layer; by default the last conv layer after its activation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Flatten,
  gradCam,
  imagesToInput,
  Input,
  MaxPool2D,
  ReLU,
  Sequential,
  Softmax,
  Tensor,
  type Image,
} from '../../src/index.js';

describe('Grad-CAM', () => {
  // Input channel 0 counts for class 0 and channel 1 for class 1 (identity 1x1 conv, then sums): the
  // evidence for class 0 lies where channel 0 is bright (top-left), for class 1 bottom-right.
  const model = new Sequential([
    new Input({ shape: [6, 6, 3] }),
    new Conv2D({ filters: 2, kernelSize: 1 }),
    new ReLU(),
    new Flatten(),
    new Dense({ units: 2 }),
    new Softmax(),
  ]);
  const conv = model.layers[1] as Conv2D;
  conv.kernel!.dataSync().set([1, 0, 0, 1, 0, 0]); // [1, 1, 3, 2]: channel c to filter c, channel 2 unused
  conv.bias!.dataSync().fill(0);
  const dense = model.layers[4] as Dense;
  for (let position = 0; position < 36; position++) dense.kernel!.dataSync().set([1, 0, 0, 1], position * 4);
  dense.bias!.dataSync().fill(0);
  const input = Tensor.zeros([1, 6, 6, 3]);
  const brightness = (y: number, x: number, channel: number) =>
    channel === 0 ? (y < 3 && x < 3 ? 1 + y + x : 0) : y >= 3 && x >= 3 ? 2 : 0;
  for (let y = 0; y < 6; y++)
    for (let x = 0; x < 6; x++) for (let c = 0; c < 2; c++) input.dataSync()[(y * 6 + x) * 3 + c] = brightness(y, x, c);
  const image: Image = { width: 6, height: 6, colorModel: 'gray', data: new Float32Array(36).fill(0.5) };

  test('the heat map is the weighted feature maps of the class, normalized, on the chosen layer', () => {
    for (const classIndex of [0, 1]) {
      const result = gradCam(model, input, image, { classIndex });
      assert.equal(result.classIndex, classIndex);
      assert.equal(result.layerName, 'relu_1');
      assert.deepEqual([result.heat.width, result.heat.height], [6, 6]);
      const peak = classIndex === 0 ? 5 : 2;
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 6; x++) {
          assert.ok(
            Math.abs(result.heat.data[y * 6 + x]! - brightness(y, x, classIndex) / peak) < 1e-6,
            `class ${classIndex} at ${y},${x}`,
          );
        }
      }
      assert.deepEqual([result.overlay.width, result.overlay.height, result.overlay.colorModel], [6, 6, 'rgb']);
    }
    // Class 0 (sum 27) beats class 1 (sum 18): it is explained by default.
    assert.equal(gradCam(model, input, image).classIndex, 0);
    assert.throws(() => gradCam(model, input, image, { classIndex: 2 }), /classIndex must be an integer in \[0, 1\]/);
    assert.throws(() => gradCam(model, input, image, { layerName: 'dense_1' }), /outputs vectors/);
  });

  test('defaults to the last conv layer after its activation in a CNN with pooling', () => {
    const cnn = new Sequential(
      [
        new Input({ shape: [8, 8, 1] }),
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
        new ReLU(),
        new MaxPool2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 3 }),
        new Softmax(),
      ],
      { seed: 2 },
    );
    const picture: Image = {
      width: 8,
      height: 8,
      colorModel: 'gray',
      data: Float32Array.from({ length: 64 }, (_, index) => (index % 7) / 7),
    };
    const result = gradCam(cnn, imagesToInput(cnn, [picture]), picture);
    assert.equal(result.layerName, 'relu_1');
    assert.ok(result.heat.data.every((value) => value >= 0 && value <= 1));
    // Normalized to its peak, and not empty: some position carries the evidence in full.
    assert.equal(Math.max(...result.heat.data), 1);
  });
});
