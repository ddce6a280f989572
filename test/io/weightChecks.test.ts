// Finite-weight checks at load (src/io/weightChecks.ts): a model whose weights are all finite passes;
// a NaN or infinite value is a FileFormatError naming the file, the weight, how many values and the first.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dense, FileFormatError, Input, Sequential } from '../../src/index.js';
import { checkFiniteWeights } from '../../src/io/weightChecks.js';

function smallModel(): Sequential {
  return new Sequential([new Input({ shape: [3] }), new Dense({ units: 2 })]);
}

test('finite weights pass', () => {
  checkFiniteWeights(smallModel(), 'model/weights.safetensors');
});

test('NaN and infinite values name the file, the weight, their count and the first one with its index', () => {
  const model = smallModel();
  const weights = model.namedWeights();
  const kernel = weights[0]!;
  const bias = weights[1]!;
  bias.tensor.dataSync()[1] = Number.POSITIVE_INFINITY;
  assert.throws(
    () => checkFiniteWeights(model, 'model/weights.safetensors'),
    (error: unknown) =>
      error instanceof FileFormatError &&
      error.message.includes('model/weights.safetensors') &&
      error.message.includes(
        `weight '${bias.name}' holds 1 non-finite value (NaN or infinite) of 2, the first Infinity at index 1; ` +
          'a model with them predicts NaN',
      ),
  );
  // The first weight in order is named: the kernel [3, 2] with two NaN values, the first at index 4.
  kernel.tensor.dataSync()[4] = Number.NaN;
  kernel.tensor.dataSync()[5] = Number.NaN;
  assert.throws(
    () => checkFiniteWeights(model, 'net.onnx'),
    (error: unknown) =>
      error instanceof FileFormatError &&
      error.message.includes(`weight '${kernel.name}' holds 2 non-finite values (NaN or infinite) of 6, the first NaN`),
  );
});
