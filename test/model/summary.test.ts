// Model summaries (src/model/summary.ts): rows of output shapes, size formulas and multiply-adds of
// LeakyReLU, ELU, GELU, SiLU, Clip, AvgPool2D, GlobalAveragePooling2D, ZeroPadding2D and Multiply.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvgPool2D,
  Clip,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  GELU,
  GlobalAveragePooling2D,
  Input,
  LeakyReLU,
  Model,
  Multiply,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  ZeroPadding2D,
} from '../../src/index.js';

/** A small graph with Multiply: a conv map gated by a sigmoid of another, times a third branch. */
function gatedModel(seed: number): Model {
  const input = new Input({ shape: [6, 6, 3] });
  const features = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
  const gate = new Sigmoid().apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
  const third = new Clip({ min: 0, max: 6 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
  const gated = new Multiply({ name: 'gated' }).apply([features, gate]);
  const product = new Multiply({ name: 'product' }).apply([gated, third, features]);
  const output = new Softmax().apply(new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(product)));
  return new Model({ inputs: input.output, outputs: output }, { seed });
}

/** A small CNN that uses every new layer. */
function everyLayerModel(seed: number): Sequential {
  return new Sequential(
    [
      new Input({ shape: [9, 8, 1] }),
      new ZeroPadding2D({ padding: [1, 0, 2, 1] }),
      new Conv2D({ filters: 4, kernelSize: 3 }),
      new LeakyReLU({ alpha: 0.2 }),
      new AvgPool2D({ poolSize: 2, padding: 'same' }),
      new Conv2D({ filters: 6, kernelSize: 3, padding: 'same' }),
      new GELU(),
      new Conv2D({ filters: 6, kernelSize: 1 }),
      new ELU({ alpha: 0.5 }),
      new Conv2D({ filters: 6, kernelSize: 1 }),
      new SiLU(),
      new Clip({ min: -0.2, max: 0.25 }),
      new GlobalAveragePooling2D(),
      new Dropout({ rate: 0.25 }),
      new Dense({ units: 3 }),
      new Softmax(),
    ],
    { seed },
  );
}

describe('summary rows', () => {
  test('output shapes, size formulas and multiply-adds of the new layers', () => {
    const rows = everyLayerModel(1).summaryData().rows;
    const byClass = (className: string) => rows.find((row) => row.className === className)!;
    // ZeroPadding2D: 9 + 1 + 0 = 10 rows, 8 + 2 + 1 = 11 columns.
    assert.deepEqual(byClass('ZeroPadding2D').outputShape, [10, 11, 1]);
    assert.equal(byClass('ZeroPadding2D').shapeNote, 'H: 9 + 1+0 = 10; W: 8 + 2+1 = 11');
    // AvgPool2D 2 'same' on 8x9: out ceil(8 / 2) = 4, ceil(9 / 2) = 5; one multiply-add per tap.
    assert.deepEqual(byClass('AvgPool2D').outputShape, [4, 5, 4]);
    assert.equal(byClass('AvgPool2D').shapeNote, 'H: (8 - 2 + 2*0) / 2 + 1 = 4; W: (9 - 2 + 0+1) / 2 + 1 = 5');
    assert.equal(byClass('AvgPool2D').multiplyAdds, 4 * 5 * 4 * 2 * 2);
    assert.deepEqual(byClass('GlobalAveragePooling2D').outputShape, [6]);
    assert.equal(byClass('GlobalAveragePooling2D').shapeNote, 'mean of each 4x5 map');
    assert.equal(byClass('GlobalAveragePooling2D').multiplyAdds, 4 * 5 * 6);
    for (const className of ['LeakyReLU', 'GELU', 'ELU', 'SiLU', 'Clip', 'Dropout']) {
      const row = byClass(className);
      assert.equal(row.parameters, 0, className);
      assert.equal(row.multiplyAdds, 0, className);
    }
    assert.deepEqual(byClass('Dropout').outputShape, [6]);
  });

  test('Multiply: the shape of its inputs, one multiply per value, and its inputs named', () => {
    const summary = gatedModel(1).summaryData().rows;
    const product = summary.find((row) => row.name === 'product')!;
    assert.deepEqual(product.outputShape, [6, 6, 4]);
    assert.equal(product.parameters, 0);
    assert.equal(product.multiplyAdds, 6 * 6 * 4);
    assert.match(gatedModel(1).summary(), /product \(Multiply\)\s+6x6x4\s+0\s+144\s+gated, clip_1, conv2d_1/);
  });

  test('a symmetric ZeroPadding2D on a square map shows one formula', () => {
    const model = new Sequential([new Input({ shape: [28, 28, 1] }), new ZeroPadding2D({ padding: 2 })]);
    assert.equal(model.summaryData().rows[1]!.shapeNote, '28 + 2*2 = 32');
  });
});
