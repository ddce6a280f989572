// Pictures from the API: grid layout and colors, kernel and feature-map pictures sized by the layer
// shapes, Grad-CAM on a network whose answer is known, and charts drawn through Chart.js.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  DEFAULT_PROBABILITY_CHART_CLASSES,
  Dense,
  drawGrid,
  featureMapPictures,
  Flatten,
  gradCam,
  gridSize,
  imagesToInput,
  Input,
  kernelPicture,
  MaxPool2D,
  probabilityChart,
  recordTrainingCurves,
  ReLU,
  Sequential,
  Softmax,
  Tensor,
  trainingChart,
  ValueError,
  MissingPackageError,
  digitsCnn,
  grayMap,
  type Image,
} from '../../src/index.js';
import { canvasFactoryFromPackage } from '../../src/visualize/nodeCanvas.js';

function pixel(image: Image, x: number, y: number): number[] {
  const channels = image.data.length / (image.width * image.height);
  return Array.from(image.data.subarray((y * image.width + x) * channels, (y * image.width + x) * channels + 3));
}

describe('grid pictures', () => {
  test('size is columns * tileWidth * scale + (columns + 1) * gap, likewise for rows', () => {
    assert.deepEqual(gridSize({ tiles: 5, tileHeight: 3, tileWidth: 4, columns: 2, scale: 2, gap: 1 }), {
      width: 2 * 8 + 3,
      height: 3 * 6 + 4,
    });
    assert.deepEqual(gridSize({ tiles: 1, tileHeight: 7, tileWidth: 7, columns: 1, scale: 1, gap: 0 }), {
      width: 7,
      height: 7,
    });
  });

  test('each value fills a scale x scale square at its tile position; gaps keep the background', () => {
    // Two 1x2 tiles side by side: values 0, 1 then 0.5, 0.25.
    const values = [
      [0, 1],
      [0.5, 0.25],
    ];
    const image = drawGrid(
      { tiles: 2, tileHeight: 1, tileWidth: 2, columns: 2, scale: 2, gap: 1 },
      (tile, _y, x) => values[tile]![x]!,
      grayMap,
      0.85,
    );
    assert.equal(image.width, 2 * 4 + 3);
    assert.equal(image.height, 2 + 2);
    assert.deepEqual(
      pixel(image, 0, 0).map((v) => Math.round(v * 100) / 100),
      [0.85, 0.85, 0.85],
    );
    assert.deepEqual(pixel(image, 1, 1), [0, 0, 0]);
    assert.deepEqual(pixel(image, 2, 2), [0, 0, 0]);
    assert.deepEqual(pixel(image, 3, 1), [1, 1, 1]);
    assert.deepEqual(pixel(image, 6, 1), [0.5, 0.5, 0.5]);
    assert.deepEqual(pixel(image, 8, 2), [0.25, 0.25, 0.25]);
    assert.throws(
      () => drawGrid({ tiles: 0, tileHeight: 1, tileWidth: 1, columns: 1, scale: 1, gap: 0 }, () => 0, grayMap),
      ValueError,
    );
  });
});

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

describe('charts', () => {
  test('the softmax bar chart is drawn at the asked size, on white, the winning bar red', () => {
    const chart = probabilityChart([0.05, 0.8, 0.15], ['cat', 'dog', 'bird'], { width: 400, height: 300 });
    assert.deepEqual([chart.width, chart.height, chart.colorModel], [400, 300, 'rgb']);
    assert.deepEqual(pixel(chart, 0, 0), [1, 1, 1]);
    let red = 0;
    for (let index = 0; index < chart.width * chart.height; index++) {
      const [r, g, b] = [chart.data[index * 3]!, chart.data[index * 3 + 1]!, chart.data[index * 3 + 2]!].map((v) =>
        Math.round(v * 255),
      );
      if (r === 0xd6 && g === 0x27 && b === 0x28) red++;
    }
    assert.ok(red > 2000, `${red} pixels of the highlighted bar`);
    assert.throws(() => probabilityChart([0.5, 0.5], ['one']), /2 probabilities for 1 class names/);
  });

  test(
    'with many classes the chart shows the most probable ones (default 20): 1,000 classes stay ' + '800 pixels wide',
    () => {
      const probabilities = Array.from({ length: 1000 }, (_, index) => (index === 417 ? 0.5 : 0.5 / 999));
      const names = Array.from({ length: 1000 }, (_, index) => `class ${index}`);
      assert.equal(DEFAULT_PROBABILITY_CHART_CLASSES, 20);
      assert.equal(probabilityChart(probabilities, names).width, 20 * 40);
      assert.equal(probabilityChart(probabilities, names, { topK: 5 }).width, 480);
      assert.equal(probabilityChart([0.2, 0.8], ['a', 'b'], { topK: 1 }).width, 480);
      assert.throws(
        () => probabilityChart(probabilities, names, { topK: 0 }),
        /topK must be a positive integer, got 0/,
      );
    },
  );

  test('in Node without the canvas package, a chart throws MissingPackageError saying what to install', () => {
    const canvas = canvasFactoryFromPackage('@convnet-ts/no-such-canvas');
    let error: unknown;
    try {
      probabilityChart([0.4, 0.6], ['a', 'b'], { canvas });
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof MissingPackageError, String(error));
    assert.equal(error.name, 'MissingPackageError');
    assert.equal(error.packageName, '@convnet-ts/no-such-canvas');
    assert.equal(
      error.message,
      'charts in Node draw on @convnet-ts/no-such-canvas, which is not installed: npm install ' +
        '@convnet-ts/no-such-canvas',
    );
  });

  test('training curves from recorded callbacks', () => {
    const recorder = recordTrainingCurves();
    for (let epoch = 1; epoch <= 2; epoch++) {
      for (let batch = 1; batch <= 200; batch++) {
        recorder.callbacks.onBatchEnd!({
          epoch,
          epochs: 2,
          batch,
          batches: 200,
          loss: 1 / (epoch + batch / 200),
          accuracy: 0.5,
          seen: batch * 10,
          imagesPerSecond: 100,
        });
      }
      recorder.callbacks.onEpochEnd!(
        {
          epoch,
          loss: 1 / epoch,
          accuracy: 0.8,
          valLoss: 1.1 / epoch,
          valAccuracy: 0.75,
          seconds: 1,
          imagesPerSecond: 100,
        },
        { epoch, random: { shuffle: [], augment: [], layers: [] }, order: [], history: [] },
      );
    }
    assert.equal(recorder.curves.epochs.length, 2);
    // 200 batches, one point every 4: 50 per epoch.
    assert.equal(recorder.curves.batches!.length, 100);
    assert.equal(recorder.curves.batches![99]!.position, 2);
    const chart = trainingChart(recorder.curves);
    assert.deepEqual([chart.width, chart.height], [800, 450]);
    // The curves are drawn: pixels in the training-loss red and the training-accuracy blue.
    const count = (hex: number) => {
      let found = 0;
      for (let index = 0; index < chart.width * chart.height; index++) {
        const [r, g, b] = [0, 1, 2].map((channel) => Math.round(chart.data[index * 3 + channel]! * 255));
        if (r === hex >> 16 && g === ((hex >> 8) & 0xff) && b === (hex & 0xff)) found++;
      }
      return found;
    };
    assert.ok(count(0xd62728) > 300, `${count(0xd62728)} pixels of the loss curve`);
    assert.ok(count(0x1f77b4) > 300, `${count(0x1f77b4)} pixels of the accuracy curve`);
    assert.throws(() => trainingChart({ epochs: [] }), /no epochs/);
  });
});
