// Classification metrics (src/model/metrics.ts): accuracy, the confusion matrix, per-class precision,
// recall and F1 and their macro means on a fixed case worked by hand; a class never predicted or
// without examples; bad labels and sizes refused with a ValueError.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValueError } from '../../src/index.js';
import { classificationReport } from '../../src/model/metrics.js';
import { assertClose } from '../helpers.js';

// Six examples of three classes; each row's largest probability is the prediction.
// labels      0    0    1    1    2    2
// predicted   0    1    1    1    0    2
const PROBABILITIES = [
  [0.7, 0.2, 0.1],
  [0.3, 0.6, 0.1],
  [0.1, 0.8, 0.1],
  [0.2, 0.5, 0.3],
  [0.5, 0.1, 0.4],
  [0.1, 0.2, 0.7],
].flat();
const LABELS = [0, 0, 1, 1, 2, 2];

test('accuracy, confusion[actual][predicted], precision, recall and F1 on six examples worked by hand', () => {
  const report = classificationReport(PROBABILITIES, LABELS, ['a', 'b', 'c']);
  assert.equal(report.examples, 6);
  assert.equal(report.accuracy, 4 / 6);
  assert.deepEqual(report.confusion, [
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 1],
  ]);
  // a: predicted twice, right once (precision 1/2), 1 of its 2 found (recall 1/2)
  // b: predicted 3 times, right twice (2/3), both found (1); F1 = 2 (2/3)(1) / (5/3) = 0.8
  // c: predicted once, right (1), 1 of 2 found (1/2); F1 = 2 (1)(1/2) / (3/2) = 2/3
  const tolerance = { atol: 1e-15, rtol: 0 };
  const rows = report.classes.map((entry) => [entry.precision, entry.recall, entry.f1, entry.support]);
  assertClose(rows.flat(), [0.5, 0.5, 0.5, 2, 2 / 3, 1, 0.8, 2, 1, 0.5, 2 / 3, 2], tolerance, 'per class');
  assert.deepEqual(
    report.classes.map((entry) => entry.name),
    ['a', 'b', 'c'],
  );
  const macro = [report.macro.precision, report.macro.recall, report.macro.f1];
  assertClose(macro, [(0.5 + 2 / 3 + 1) / 3, (0.5 + 1 + 0.5) / 3, (0.5 + 0.8 + 2 / 3) / 3], tolerance, 'macro');
});

test('a class never predicted has precision 0; one with no examples nor predictions leaves the macro means', () => {
  // Two examples, both of class 0, both predicted 0; class 1 never predicted, class 2 absent.
  const report = classificationReport([0.9, 0.1, 0, 0.6, 0.4, 0], [0, 0], ['x', 'y', 'z']);
  assert.equal(report.accuracy, 1);
  assert.deepEqual(report.classes[1], { name: 'y', precision: 0, recall: 0, f1: 0, support: 0 });
  // Only class 0 counts toward the means.
  assert.deepEqual(report.macro, { precision: 1, recall: 1, f1: 1 });
});

test('labels outside the classes and sizes that disagree are ValueErrors naming the values', () => {
  assert.throws(
    () => classificationReport([0.5, 0.5], [2], ['a', 'b']),
    (error: unknown) =>
      error instanceof ValueError && error.message === 'classificationReport: label 0 is 2, not a class in [0, 1]',
  );
  assert.throws(
    () => classificationReport([0.5, 0.5, 0.5], [0, 1], ['a', 'b']),
    (error: unknown) =>
      error instanceof ValueError &&
      error.message === 'classificationReport: 3 probabilities for 2 labels and 2 classes',
  );
  assert.throws(() => classificationReport([0.5, 0.5], [0.5], ['a', 'b']), ValueError);
});
