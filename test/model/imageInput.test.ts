// From images to a model's input batch (src/model/imageInput.ts), on tiny pictures worked by hand: an
// image of the right size passes as it is, a larger one is area-averaged to the input's size, RGB becomes
// the gray an Input declares, a preprocessing normalizes; a feature-vector model refuses images.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dense, Input, Sequential, ValueError, imagesToInput, type Image } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

const FLOAT32 = { atol: 1e-6, rtol: 0 };

function grayModel(): Sequential {
  return new Sequential([new Input({ shape: [2, 2, 1] })]);
}

function image(width: number, height: number, colorModel: Image['colorModel'], values: number[]): Image {
  return { width, height, colorModel, data: Float32Array.from(values) };
}

test('images of the input size stack into [n, 2, 2, 1] unchanged', () => {
  const batch = imagesToInput(grayModel(), [image(2, 2, 'gray', [0, 0.25, 0.5, 1]), image(2, 2, 'gray', [1, 1, 0, 0])]);
  assert.deepEqual(batch.shape, [2, 2, 2, 1]);
  assert.deepEqual(Array.from(batch.dataSync()), [0, 0.25, 0.5, 1, 1, 1, 0, 0]);
});

test('a 4x4 image shrinks to 2x2 by area averaging: each output pixel is the mean of a 2x2 block', () => {
  // Blocks: top-left all 1, top-right 0 and 1 alternating, bottom-left 0.5, bottom-right 0.
  const values = [1, 1, 0, 1, 1, 1, 0, 1, 0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0];
  const batch = imagesToInput(grayModel(), [image(4, 4, 'gray', values)]);
  assertClose(batch.dataSync(), [1, 0.5, 0.5, 0], FLOAT32, 'area means');
});

test('an RGB image of equal channels becomes that gray; a preprocessing then normalizes it', () => {
  const rgb = image(2, 2, 'rgb', [0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.6, 0.6, 0.6, 0.8, 0.8, 0.8]);
  const model = grayModel();
  assertClose(imagesToInput(model, [rgb]).dataSync(), [0.2, 0.4, 0.6, 0.8], FLOAT32, 'gray');
  model.setPreprocessing({ resize: 'stretch', scale: 1, mean: [0.5], std: [0.25] });
  assertClose(imagesToInput(model, [rgb]).dataSync(), [-1.2, -0.4, 0.4, 1.2], FLOAT32, '(x - 0.5) / 0.25');
});

test('a model that takes feature vectors refuses images with a ValueError naming its input', () => {
  const model = new Sequential([new Input({ shape: [4] }), new Dense({ units: 2 })]);
  assertThrowsWith(
    () => imagesToInput(model, [image(2, 2, 'gray', [0, 0, 0, 0])]),
    ValueError,
    'imagesToInput: model input',
    'takes feature vectors of 4 values, not images',
  );
});
