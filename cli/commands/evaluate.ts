// `convnet evaluate`: a saved model on a dataset's test split: accuracy and loss, each class's
// precision, recall and F1, and the confusion matrix; --json gives the same as one JSON object.

import { classificationReport, datasetToTensor, formatShape, normalizeForInput, shapesEqual } from '../../src/index.js';
import { imageInputOf, loadAnyModel } from '../loadCliModel.js';
import { loadNamedDataset } from '../datasets.js';
import { formatPercent } from '../progress.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { UsageError } from '../usageError.js';

export interface EvaluateOptions {
  model: string;
  dataset: string;
  dataDir?: string;
  json: boolean;
}

export function evaluate(options: EvaluateOptions): void {
  const { model, classNames: savedNames } = loadAnyModel(options.model);
  const log = options.json ? process.stderr : process.stdout;
  const { name, test } = loadNamedDataset(options.dataset, options.dataDir, { log });
  const exampleShape = [test.height, test.width, test.channels];
  if (!shapesEqual(exampleShape, model.inputShape)) {
    throw new UsageError(
      `model ${options.model} takes ${formatShape(model.inputShape)} examples but ${name} has ` +
        `${formatShape(exampleShape)} images`,
    );
  }
  if (test.classNames.length !== model.classes) {
    throw new UsageError(
      `model ${options.model} has ${model.classes} classes but ${name} has ${test.classNames.length}`,
    );
  }
  const classNames = savedNames ?? test.classNames;
  const x = datasetToTensor(test);
  // The dataset's images already have the input's size: of the model's preprocessing, only the values'
  // (scale, channel order, mean and std) apply, as they were when it was trained or imported.
  const preprocessing = model.preprocessing;
  if (preprocessing !== undefined)
    x.dataSync().set(
      normalizeForInput(x.dataSync() as Float32Array, imageInputOf(model, options.model).colorModel!, preprocessing),
    );
  const started = performance.now();
  // One pass: the loss, and the probabilities the report counts from.
  const { loss, probabilities } = model.evaluate(x, test.labels, { keepProbabilities: true });
  const report = classificationReport(probabilities!.dataSync(), test.labels, classNames);
  const seconds = (performance.now() - started) / 1000;
  if (options.json) {
    process.stdout.write(jsonLine({ model: options.model, dataset: name, loss, seconds, ...report }));
    return;
  }
  const out = process.stdout;
  // Class names come from the model file or the image folder's names: escaped, each on its one line.
  const printedNames = classNames.map(terminalText);
  out.write(
    `${terminalText(name)} test split: ${report.examples} images, accuracy ` +
      `${formatPercent(report.accuracy)}, loss ${loss.toFixed(4)} (${seconds.toFixed(1)} s)\n\n`,
  );
  const nameWidth = Math.max(5, ...printedNames.map((className) => className.length));
  out.write(`${'class'.padEnd(nameWidth)}  precision  recall     F1  support\n`);
  for (const [index, entry] of report.classes.entries()) {
    out.write(
      `${printedNames[index]!.padEnd(nameWidth)}  ${formatPercent(entry.precision).padStart(9)}  ` +
        `${formatPercent(entry.recall).padStart(7)}  ${entry.f1.toFixed(3).padStart(5)}  ` +
        `${String(entry.support).padStart(7)}\n`,
    );
  }
  out.write(
    `${'macro'.padEnd(nameWidth)}  ${formatPercent(report.macro.precision).padStart(9)}  ` +
      `${formatPercent(report.macro.recall).padStart(7)}  ${report.macro.f1.toFixed(3).padStart(5)}\n\n`,
  );
  // Rows: the actual class; columns: the predicted one (column headers are class indices, as names can be long).
  const cellWidth = Math.max(4, String(Math.max(...report.confusion.flat())).length + 1);
  const labelWidth = nameWidth + String(classNames.length - 1).length + 1;
  out.write(`Confusion matrix (rows: actual, columns: predicted)\n`);
  out.write(`${''.padEnd(labelWidth)}${classNames.map((_, index) => String(index).padStart(cellWidth)).join('')}\n`);
  report.confusion.forEach((row, index) => {
    out.write(
      `${`${index} ${printedNames[index]}`.padEnd(labelWidth)}${row.map((count) => String(count).padStart(cellWidth)).join('')}\n`,
    );
  });
}
