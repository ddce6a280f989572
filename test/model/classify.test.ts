// The common case in a few lines (issue 13): model.classify with class names kept on the model (saved,
// loaded, exported to ONNX and imported back), imagesToInput fitting images of any size, the Draw
// page's MNIST-style preprocessing as a library function, and models that say whether they output
// logits or probabilities.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  Adam,
  convertImage,
  datasetToTensor,
  Dense,
  digitsCnn,
  exportOnnx,
  FileFormatError,
  fitImage,
  Flatten,
  imageFromPixels,
  imagesToInput,
  importOnnx,
  Input,
  loadMnistSample,
  loadModel,
  MNIST_CLASS_NAMES,
  mnistPreprocess,
  parseModel,
  saveModel,
  Sequential,
  serializeModel,
  Softmax,
  takeExamples,
  Tensor,
  toChannelsFirst,
  ValueError,
  type Image,
  type Model,
  type PreprocessedDigit,
} from '../../src/index.js';
import { assertThrowsWith, withTemporaryDirectory } from '../helpers.js';

const { onnx } = onnxProto;

/** What predict + manual sorting gives: every class, most probable first. */
function rankedByHand(
  model: Model,
  images: readonly Image[],
): { index: number; name: string; probability: number }[][] {
  const scores = Array.from(model.predict(imagesToInput(model, images)).dataSync());
  return images.map((_, row) =>
    scores
      .slice(row * model.classes, (row + 1) * model.classes)
      .map((probability, index) => ({ index, name: model.classNames?.[index] ?? String(index), probability }))
      .sort((a, b) => b.probability - a.probability),
  );
}

describe('classify on the digits preset trained briefly on the MNIST sample', () => {
  let model: Model;
  let images: Image[];
  let labels: number[];
  before(() => {
    const { train, test: testSet } = loadMnistSample();
    const training = takeExamples(train, 0, 2000);
    model = digitsCnn({ seed: 1 });
    model.fit(datasetToTensor(training), Array.from(training.labels), {
      epochs: 1,
      batchSize: 32,
      optimizer: new Adam({ learningRate: 0.003 }),
    });
    model.setClassNames(MNIST_CLASS_NAMES.map((name) => `digit ${name}`));
    images = Array.from({ length: 40 }, (_, index) =>
      imageFromPixels(testSet.images.subarray(index * 784, (index + 1) * 784), 28, 28, 'gray'),
    );
    labels = Array.from(testSet.labels.subarray(0, 40));
  });

  test("gives predict's top classes and probabilities, sorted, with names, 5 by default", () => {
    const classified = model.classify(images, { batchSize: 7 });
    const byHand = rankedByHand(model, images);
    assert.equal(classified.length, images.length);
    classified.forEach((top, row) => {
      assert.equal(top.length, 5);
      assert.deepEqual(top, byHand[row]!.slice(0, 5), `image ${row}`);
      assert.equal(top[0]!.name, `digit ${top[0]!.index}`);
    });
    const correct = classified.filter((top, row) => top[0]!.index === labels[row]).length;
    assert.ok(correct >= 30, `a briefly trained digits model reads ${correct} of 40 test digits`);
    assert.equal(model.output, 'probabilities');
  });

  test('topK: all classes when it is larger; a bad one is a ValueError', () => {
    const [all] = model.classify(images.slice(0, 1), { topK: 50 });
    assert.equal(all!.length, 10);
    assert.ok(Math.abs(all!.reduce((sum, entry) => sum + entry.probability, 0) - 1) < 1e-5);
    assert.deepEqual(model.classify(images.slice(0, 1), { topK: 1 })[0], [
      rankedByHand(model, images.slice(0, 1))[0]![0],
    ]);
    for (const topK of [0, -1, 1.5, Number.NaN])
      assertThrowsWith(() => model.classify(images, { topK }), ValueError, 'topK');
  });

  test('images of another size and color model are fitted as fitImage does', () => {
    const large = fitImage(images[3]!, 56, 56);
    const rgb = convertImage(large, 'rgb');
    const [top] = model.classify([rgb], { topK: 10 });
    assert.deepEqual(top, rankedByHand(model, [fitImage(large, 28, 28)])[0]);
  });

  test('class names survive saveModel / loadModel and serializeModel / parseModel', () => {
    withTemporaryDirectory((directory) => {
      saveModel(model, join(directory, 'model'));
      const manifest = JSON.parse(readFileSync(join(directory, 'model', 'model.json'), 'utf8')) as {
        classNames: string[];
      };
      assert.deepEqual(manifest.classNames, model.classNames);
      const { model: loaded } = loadModel(join(directory, 'model'));
      assert.deepEqual(loaded.classNames, model.classNames);
      assert.deepEqual(loaded.classify(images.slice(0, 3)), model.classify(images.slice(0, 3)));
    });
    const names = Array.from({ length: 10 }, (_, index) => `n${index}`);
    const { manifest, weights } = serializeModel(model, { classNames: names });
    assert.deepEqual(parseModel(manifest, weights).model.classNames, names, 'options give other names');
    assertThrowsWith(() => serializeModel(model, { classNames: ['a', 'b'] }), ValueError, '10 strings');
    const wrongCount = manifest.replace(/"classNames": \[[^\]]*\]/, '"classNames": ["a", "b"]');
    assertThrowsWith(
      () => parseModel(wrongCount, weights),
      FileFormatError,
      'classNames',
      'names 2 classes but the model has 10',
    );
  });

  test(
    'class names go into the ONNX export, which onnxruntime-node runs unchanged, and come back ' + 'from importOnnx',
    async () => {
      const bytes = exportOnnx(model);
      const proto = onnx.ModelProto.decode(bytes);
      assert.deepEqual(
        proto.metadataProps.map((entry) => [entry.key, JSON.parse(entry.value ?? '')]),
        [['classNames', [...model.classNames!]]],
      );
      const session = await ort.InferenceSession.create(bytes);
      const batch = imagesToInput(model, images.slice(0, 2));
      const { output } = await session.run({
        input: new ort.Tensor('float32', toChannelsFirst(batch.dataSync() as Float32Array, 28, 28, 1), [2, 1, 28, 28]),
      });
      const expected = model.predict(batch).dataSync();
      (output!.data as Float32Array).forEach((value, index) => {
        assert.ok(Math.abs(value - expected[index]!) < 1e-4);
      });
      const imported = importOnnx(bytes).model;
      assert.deepEqual(imported.classNames, model.classNames);
      assert.equal(imported.output, 'probabilities');
      assert.deepEqual(
        imported.classify(images.slice(0, 2)).map((top) => top.map((entry) => entry.name)),
        model.classify(images.slice(0, 2)).map((top) => top.map((entry) => entry.name)),
      );
      // A metadata entry that is not one name per class is a bad file, named as such.
      proto.metadataProps[0]!.value = '["only one"]';
      assertThrowsWith(
        () => importOnnx(onnx.ModelProto.encode(proto).finish(), 'named.onnx'),
        FileFormatError,
        'named.onnx',
        "metadata 'classNames'",
      );
    },
  );
});

describe('class names on the model', () => {
  const tiny = (options = {}) =>
    new Sequential([new Input({ shape: [2] }), new Dense({ units: 3 }), new Softmax()], options);

  test('default none (classify names classes by index); set by the constructor or setClassNames, checked', () => {
    const model = tiny();
    assert.equal(model.classNames, undefined);
    assert.deepEqual(model.classify([], {}), []);
    assert.deepEqual(tiny({ classNames: ['a', 'b', 'c'] }).classNames, ['a', 'b', 'c']);
    assert.equal(model.setClassNames(['x', 'y', 'z']), model);
    assert.deepEqual(model.classNames, ['x', 'y', 'z']);
    assertThrowsWith(() => model.setClassNames(['x', 'y']), ValueError, 'each of the 3 classes, got 2');
    assertThrowsWith(
      () => model.setClassNames(['x', 'y', 3 as unknown as string]),
      ValueError,
      'classNames[2] must be a string',
    );
    assertThrowsWith(() => tiny({ classNames: ['a'] }), ValueError, '3 classes');
    assert.deepEqual(model.classNames, ['x', 'y', 'z'], 'a refused list leaves the names as they were');
    model.setClassNames(undefined);
    assert.equal(model.classNames, undefined);
  });

  test('a model of feature vectors is refused by classify with a ValueError', () => {
    assertThrowsWith(
      () => tiny().classify([imageFromPixels(new Float32Array(4), 2, 2, 'gray')]),
      ValueError,
      'feature vectors',
    );
  });
});

describe('a logits model', () => {
  // Dense(2 -> 3) with set weights, no Softmax: the logits of [1, 2] are [1, 2, 3] + bias [0, 0, 1] = [1, 2, 4].
  function logitsModel(): Sequential {
    const model = new Sequential([new Input({ shape: [1, 2, 1] }), new Flatten(), new Dense({ units: 3 })]);
    const [kernel, bias] = model.trainableWeights();
    kernel!.dataSync().set([1, 0, 1, 0, 1, 1]);
    bias!.dataSync().set([0, 0, 1]);
    return model;
  }
  const image = imageFromPixels(Float32Array.from([1, 2]), 2, 1, 'gray');

  test('says so; predict returns the logits, classify their softmax (summing to 1)', () => {
    const model = logitsModel();
    assert.equal(model.output, 'logits');
    assert.deepEqual(
      Array.from(model.predict(Tensor.fromArray(Float32Array.from([1, 2]), [1, 1, 2, 1])).dataSync()),
      [1, 2, 4],
    );
    const [top] = model.classify([image], { topK: 3 });
    const total = Math.exp(1) + Math.exp(2) + Math.exp(4);
    assert.deepEqual(
      top!.map((entry) => entry.index),
      [2, 1, 0],
    );
    top!.forEach((entry) => {
      assert.ok(
        Math.abs(entry.probability - Math.exp([1, 2, 4][entry.index]!) / total) < 1e-7,
        `class ${entry.index}: ${entry.probability}`,
      );
    });
    assert.ok(Math.abs(top!.reduce((sum, entry) => sum + entry.probability, 0) - 1) < 1e-12);
  });

  test('an imported ONNX model ending in a Gemm outputs logits; classify gives probabilities', () => {
    const imported = importOnnx(exportOnnx(logitsModel())).model;
    assert.equal(imported.output, 'logits');
    const [top] = imported.classify([image], { topK: 1 });
    assert.equal(top![0]!.index, 2);
    assert.ok(Math.abs(top![0]!.probability - Math.exp(4) / (Math.exp(1) + Math.exp(2) + Math.exp(4))) < 1e-6);
  });
});

describe('imagesToInput fits images to the model input', () => {
  test('a 56x56 image gives what fitImage then imagesToInput gives; a 28x28 one is used as it is', () => {
    const model = digitsCnn({ seed: 2 });
    const pixels = Float32Array.from({ length: 56 * 56 }, (_, index) => ((index * 7919) % 256) / 255);
    const large = imageFromPixels(pixels, 56, 56, 'gray');
    const direct = imagesToInput(model, [large]);
    const fitted = fitImage(large, 28, 28);
    assert.deepEqual(Array.from(direct.dataSync()), Array.from(imagesToInput(model, [fitted]).dataSync()));
    // Area averaging: each value is the mean of a 2x2 block.
    assert.ok(Math.abs(direct.dataSync()[0]! - (pixels[0]! + pixels[1]! + pixels[56]! + pixels[57]!) / 4) < 1e-6);
    const small = imageFromPixels(
      Float32Array.from({ length: 28 * 28 }, (_, index) => (index % 5) / 4),
      28,
      28,
      'gray',
    );
    assert.deepEqual(Array.from(imagesToInput(model, [small]).dataSync()), Array.from(small.data));
  });
});

// The Draw page's preprocessing as it was (web/src/draw/mnistPreprocess.ts before it moved into the
// library), kept verbatim as the reference the library function must match.
const INK_THRESHOLD = 0.1;
const BOX_FRACTION = 20 / 28;
function pagePreprocessDigit(ink: Image, height: number, width: number): PreprocessedDigit | null {
  let top = ink.height;
  let bottom = -1;
  let left = ink.width;
  let right = -1;
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.data[y * ink.width + x]! > INK_THRESHOLD) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const boxWidth = right - left + 1;
  const boxHeight = bottom - top + 1;
  const cropped = new Float32Array(boxWidth * boxHeight);
  for (let y = 0; y < boxHeight; y++)
    cropped.set(ink.data.subarray((top + y) * ink.width + left, (top + y) * ink.width + right + 1), y * boxWidth);

  // The longer side becomes 20 pixels (of 28); the other keeps the aspect ratio, at least 1 pixel.
  const fitSide = Math.max(1, Math.round(BOX_FRACTION * Math.min(height, width)));
  const factor = fitSide / Math.max(boxWidth, boxHeight);
  const scaledWidth = Math.min(width, Math.max(1, Math.round(boxWidth * factor)));
  const scaledHeight = Math.min(height, Math.max(1, Math.round(boxHeight * factor)));
  // fitImage averages areas when it shrinks (no aliasing: a thin stroke stays a gray line, not gaps).
  const scaled = fitImage(imageFromPixels(cropped, boxWidth, boxHeight, 'gray'), scaledWidth, scaledHeight);

  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < scaledHeight; y++) {
    for (let x = 0; x < scaledWidth; x++) {
      const value = scaled.data[y * scaledWidth + x]!;
      mass += value;
      sumX += value * (x + 0.5);
      sumY += value * (y + 0.5);
    }
  }
  const massX = mass > 0 ? sumX / mass : scaledWidth / 2;
  const massY = mass > 0 ? sumY / mass : scaledHeight / 2;
  // Whole-pixel shifts, as MNIST's centring did; ink shifted past the edge is dropped.
  const offsetX = Math.round(width / 2 - massX);
  const offsetY = Math.round(height / 2 - massY);
  const placed = new Float32Array(width * height);
  for (let y = 0; y < scaledHeight; y++) {
    const targetY = y + offsetY;
    if (targetY < 0 || targetY >= height) continue;
    for (let x = 0; x < scaledWidth; x++) {
      const targetX = x + offsetX;
      if (targetX < 0 || targetX >= width) continue;
      placed[targetY * width + targetX] = Math.min(1, Math.max(0, scaled.data[y * scaledWidth + x]!));
    }
  }
  return {
    image: { width, height, colorModel: 'gray', data: placed },
    box: { left, top, width: boxWidth, height: boxHeight },
    centerOfMass: { x: massX + offsetX, y: massY + offsetY },
  };
}

/** A drawing like the Draw page's canvas (280x280, white ink on black): a thick slanted stroke of a "7". */
function drawnSeven(): Image {
  const size = 280;
  const data = new Float32Array(size * size);
  const stroke = (x0: number, y0: number, x1: number, y1: number) => {
    for (let step = 0; step <= 400; step++) {
      const x = x0 + ((x1 - x0) * step) / 400;
      const y = y0 + ((y1 - y0) * step) / 400;
      for (let dy = -9; dy <= 9; dy++) {
        for (let dx = -9; dx <= 9; dx++) {
          const distance = Math.hypot(dx, dy);
          const px = Math.round(x + dx);
          const py = Math.round(y + dy);
          if (distance <= 9 && px >= 0 && py >= 0 && px < size && py < size)
            data[py * size + px] = Math.max(data[py * size + px]!, Math.min(1, 9.5 - distance));
        }
      }
    }
  };
  stroke(60, 50, 200, 60);
  stroke(200, 60, 110, 240);
  return { width: size, height: size, colorModel: 'gray', data };
}

describe('mnistPreprocess', () => {
  test('gives what the Draw page computed, on a drawn stroke, at 28x28 and another input size', () => {
    const drawing = drawnSeven();
    const digit = mnistPreprocess(drawing)!;
    const page = pagePreprocessDigit(drawing, 28, 28)!;
    assert.deepEqual(digit.box, page.box);
    assert.deepEqual(digit.centerOfMass, page.centerOfMass);
    assert.deepEqual(Array.from(digit.image.data), Array.from(page.image.data));
    // The MNIST recipe: the longer side of the ink's box becomes 20 pixels, the centre of mass sits at the middle.
    assert.deepEqual(digit.box, { left: 51, top: 41, width: 159, height: 209 });
    assert.equal(digit.image.width, 28);
    const rows = Array.from({ length: 28 }, (_, y) =>
      digit.image.data.subarray(y * 28, (y + 1) * 28).some((value) => value > 0),
    );
    assert.equal(rows.lastIndexOf(true) - rows.indexOf(true) + 1, 20);
    assert.ok(
      Math.abs(digit.centerOfMass.x - 14) <= 0.5 && Math.abs(digit.centerOfMass.y - 14) <= 0.5,
      JSON.stringify(digit.centerOfMass),
    );
    const other = mnistPreprocess(drawing, { width: 32, height: 40 })!;
    assert.deepEqual(Array.from(other.image.data), Array.from(pagePreprocessDigit(drawing, 40, 32)!.image.data));
    // An RGBA drawing is made gray first, as the page did.
    const rgba = convertImage(drawing, 'rgba');
    assert.deepEqual(Array.from(mnistPreprocess(rgba)!.image.data), Array.from(digit.image.data));
  });

  test('no ink gives null; a bad size is a ValueError', () => {
    assert.equal(mnistPreprocess(imageFromPixels(new Float32Array(100), 10, 10, 'gray')), null);
    assertThrowsWith(() => mnistPreprocess(drawnSeven(), { width: 0 }), ValueError, 'width');
    assertThrowsWith(() => mnistPreprocess(drawnSeven(), { width: 100_000, height: 100_000 }), ValueError, 'pixels');
  });
});
