// Classification metrics from predicted probabilities: accuracy, the confusion matrix, and each
// class's precision, recall and F1 (precision: of the examples predicted as the class, the share that
// are; recall: of the examples of the class, the share predicted as it).

import { ValueError } from '../core/errors.js';
import { argmaxRow } from './batching.js';

/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  /** The class's name. */
  name: string;
  /** Of the examples predicted as this class, the share that are (0 when none is predicted as it). */
  precision: number;
  /** Of the examples of this class, the share predicted as it (0 when it has none). */
  recall: number;
  /** The harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** Examples of this class. */
  support: number;
}

/** What classificationReport returns: accuracy, the confusion matrix and per-class metrics. */
export interface ClassificationReport {
  /** Examples scored. */
  examples: number;
  /** The share of examples whose most probable class is their label, 0 to 1. */
  accuracy: number;
  /** confusion[actual][predicted]: counts of examples of class `actual` predicted as `predicted`. */
  confusion: number[][];
  /** One entry per class, by class index. */
  classes: ClassMetrics[];
  /** Unweighted means over the classes that have examples or predictions. */
  macro: {
    /** The mean of the classes' precisions. */
    precision: number;
    /** The mean of the classes' recalls. */
    recall: number;
    /** The mean of the classes' F1 scores. */
    f1: number;
  };
}

/**
 * The report for probabilities [examples, classes] (row-major) and integer labels. A class never
 * predicted has precision 0 (no true positives); one without examples has recall 0.
 *
 * @example
 * const report = classificationReport(model.predict(x).dataSync(), labels, MNIST_CLASS_NAMES);
 * report.confusion[3][5]; // threes taken for fives
 */
export function classificationReport(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  classNames: readonly string[],
): ClassificationReport {
  const classes = classNames.length;
  const examples = labels.length;
  if (classes < 1 || probabilities.length !== examples * classes) {
    throw new ValueError(
      `classificationReport: ${probabilities.length} probabilities for ${examples} labels and ${classes} classes`,
    );
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let example = 0; example < examples; example++) {
    const label = labels[example]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new ValueError(`classificationReport: label ${example} is ${label}, not a class in [0, ${classes - 1}]`);
    const predicted = argmaxRow(probabilities, example * classes, classes);
    confusion[label]![predicted]!++;
    if (predicted === label) correct++;
  }
  const perClass = classNames.map((name, k) => {
    const truePositives = confusion[k]![k]!;
    const predictedCount = confusion.reduce((sum, row) => sum + row[k]!, 0);
    const support = confusion[k]!.reduce((sum, count) => sum + count, 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { name, precision, recall, f1, support, predictedCount };
  });
  const counted = perClass.filter((entry) => entry.support > 0 || entry.predictedCount > 0);
  const mean = (pick: (entry: (typeof perClass)[number]) => number) =>
    counted.length === 0 ? 0 : counted.reduce((sum, entry) => sum + pick(entry), 0) / counted.length;
  return {
    examples,
    accuracy: examples === 0 ? 0 : correct / examples,
    confusion,
    classes: perClass.map(({ name, precision, recall, f1, support }) => ({ name, precision, recall, f1, support })),
    macro: {
      precision: mean((entry) => entry.precision),
      recall: mean((entry) => entry.recall),
      f1: mean((entry) => entry.f1),
    },
  };
}
