// `convnet summary`: prints a model's layers, output shapes, parameters and multiply-adds.

import { digitsCnn, formatSummary, type Model } from '../../src/index.js';
import { loadAnyModel } from '../loadCliModel.js';
import { terminalText } from '../terminalText.js';

/** The model's summary table, its layer names (from the model file) escaped for the terminal. */
export function summaryText(model: Model): string {
  const summary = model.summaryData();
  const rows = summary.rows.map((row) => ({
    ...row,
    name: terminalText(row.name),
    ...(row.inputs === undefined ? {} : { inputs: row.inputs.map(terminalText) }),
  }));
  return formatSummary({ ...summary, rows });
}

export function summary(options: { model?: string }): void {
  const model = options.model === undefined ? digitsCnn() : loadAnyModel(options.model).model;
  const title =
    options.model === undefined
      ? 'Default model (digitsCnn, 28x28x1 -> 10 classes)'
      : `Model ${terminalText(options.model)}`;
  process.stdout.write(`${title}\n${summaryText(model)}\n`);
}
