// Layer pictures (src/visualize/layerPictures.ts): kernel grids sized by the filters and input channels,
// colored with zero white and the largest weight full red; feature-map pictures shaped by each layer's output.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Conv2D,
  digitsCnn,
  featureMapPictures,
  gridSize,
  imagesToInput,
  kernelPicture,
  Tensor,
  type Image,
} from '../../src/index.js';
import { pixel } from './pixels.js';

describe('layer pictures', () => {
  const model = digitsCnn({ seed: 3 });

  test('kernel grids: filters x input channels tiles of kH x kW, zero white, largest weight full red', () => {
    const first = kernelPicture(model, 1, { scale: 4, gap: 1 });
    assert.deepEqual(first.shape, [3, 3, 1, 16]);
    // One input channel: 16 filters fold into 4 columns of 4.
    assert.equal(first.layout.columns, 4);
    assert.equal(first.picture.width, 4 * 3 * 4 + 5);
    assert.equal(first.picture.height, 4 * 3 * 4 + 5);
    const second = kernelPicture(model, 4, { scale: 2, gap: 1 });
    assert.deepEqual(second.shape, [3, 3, 16, 32]);
    assert.equal(second.picture.width, 16 * 6 + 17);
    assert.equal(second.picture.height, 32 * 6 + 33);

    const conv = model.layers[1] as Conv2D;
    const kernel = conv.kernel!;
    const saved = Float32Array.from(kernel.dataSync());
    try {
      kernel.dataSync().fill(0);
      kernel.dataSync()[0 * 16 + 5] = 2; // y 0, x 0, filter 5: the largest weight
      kernel.dataSync()[(1 * 3 + 2) * 16 + 5] = -2; // y 1, x 2, filter 5: the most negative
      const picture = kernelPicture(model, 1, { scale: 1, gap: 1 });
      // Filter 5 is row 1, column 1 of the 4-column block: its tile starts at (1 + 1 * 4, 1 + 1 * 4).
      assert.deepEqual(
        pixel(picture.picture, 5, 5).map((v) => Math.round(v * 100) / 100),
        [0.8, 0.1, 0.1],
      );
      assert.deepEqual(
        pixel(picture.picture, 7, 6).map((v) => Math.round(v * 100) / 100),
        [0.13, 0.4, 0.8],
      );
      assert.deepEqual(pixel(picture.picture, 6, 5), [1, 1, 1]);
      assert.equal(picture.range, 2);
    } finally {
      kernel.dataSync().set(saved);
    }
    assert.throws(() => kernelPicture(model, 2), /layer 2 \(relu_1\) is not a built Conv2D layer/);
  });

  test('feature maps: one picture per layer, shaped by the layer outputs; ReLU outputs unsigned', () => {
    const digit: Image = {
      width: 28,
      height: 28,
      colorModel: 'gray',
      data: Float32Array.from({ length: 784 }, (_, index) => ((index * 37) % 101) / 100),
    };
    const pictures = featureMapPictures(model, imagesToInput(model, [digit]));
    assert.equal(pictures.length, model.layers.length);
    pictures.forEach((picture, index) => {
      assert.deepEqual(picture.shape, model.layerOutputShapes[index], `layer ${index} shape`);
      assert.deepEqual({ width: picture.picture.width, height: picture.picture.height }, gridSize(picture.layout));
      if (picture.shape.length === 3) {
        const [height, width, channels] = picture.shape as number[];
        assert.equal(picture.layout.tiles, channels);
        assert.equal(picture.layout.columns, Math.ceil(Math.sqrt(channels!)));
        assert.equal(picture.layout.tileHeight, height);
        assert.equal(picture.layout.tileWidth, width);
        assert.ok(height! * picture.layout.scale >= 48, 'small maps are enlarged');
      }
      if (picture.className === 'ReLU' || picture.className === 'MaxPool2D' || picture.className === 'Softmax')
        assert.equal(picture.isSigned, false, picture.layerName);
    });
    assert.equal(pictures[1]!.className, 'Conv2D');
    assert.equal(pictures[1]!.isSigned, true, 'conv outputs before ReLU have negative values');
    // The softmax picture: 10 values in one strip.
    const softmax = pictures[pictures.length - 1]!;
    assert.deepEqual([softmax.layout.tileHeight, softmax.layout.tileWidth], [1, 10]);
    assert.throws(() => featureMapPictures(model, Tensor.zeros([2, 28, 28, 1])), /one example/);
  });
});
