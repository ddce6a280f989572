// The summary table: each layer's output shape (H x W x C), parameter count, multiply-adds per
// example, and how its output size follows from its input (the (W - K + 2P) / S + 1 formula).

import type { Shape } from '../core/shape.js';
import { formatShape, sizeOf } from '../core/shape.js';
import type { Layer } from '../layers/layer.js';

/** One layer's row of a model summary. */
export interface SummaryRow {
  /** The layer's name. */
  name: string;
  /** The layer's class name, e.g. `'Conv2D'`. */
  className: string;
  /** The layer's output shape for one example, e.g. [28, 28, 8] (H x W x C). */
  outputShape: Shape;
  /** Weights the layer holds (trainable or not). */
  parameters: number;
  /**
   * Of `parameters`, those training does not change (batch normalization's moving averages, all of a frozen layer's).
   */
  nonTrainableParameters: number;
  /** Multiply-adds of the layer's forward pass for one example. */
  multiplyAdds: number;
  /** How the output size follows from the input, e.g. "(28 - 3 + 2*1) / 1 + 1 = 28". */
  shapeNote: string;
  /** Set for a frozen layer (Layer.trainable false); the table marks it "(frozen)". */
  isFrozen?: true | undefined;
  /** In a graph model, the layers this one reads. */
  inputs?: string[] | undefined;
}

/** What model.summaryData returns: a row per layer and the totals. */
export interface ModelSummary {
  /** One row per layer, in the model's order. */
  rows: SummaryRow[];
  /** Weights in the whole model. */
  totalParameters: number;
  /** Of totalParameters, those training does not change. */
  nonTrainableParameters: number;
  /** Multiply-adds of one example's forward pass through the whole model. */
  totalMultiplyAdds: number;
}

/** Summarises layers given the input shape of each. */
export function summarize(
  layers: readonly Layer[],
  inputShapes: readonly Shape[],
  outputShapes: readonly Shape[],
  inputs?: readonly string[][],
): ModelSummary {
  const rows = layers.map((layer, index): SummaryRow => {
    const inputShape = inputShapes[index]!;
    return {
      ...(inputs === undefined ? {} : { inputs: inputs[index]! }),
      name: layer.name,
      className: layer.className,
      outputShape: outputShapes[index]!,
      parameters: layer.weights().reduce((sum, weight) => sum + sizeOf(weight.tensor.shape), 0),
      nonTrainableParameters: layer
        .weights()
        .reduce(
          (sum, weight) => sum + (weight.isTrainable === false || !layer.trainable ? sizeOf(weight.tensor.shape) : 0),
          0,
        ),
      ...(layer.trainable ? {} : { isFrozen: true }),
      multiplyAdds: layer.multiplyAdds(inputShape),
      shapeNote: layer.describeShape(inputShape),
    };
  });
  return {
    rows,
    totalParameters: rows.reduce((sum, row) => sum + row.parameters, 0),
    nonTrainableParameters: rows.reduce((sum, row) => sum + row.nonTrainableParameters, 0),
    totalMultiplyAdds: rows.reduce((sum, row) => sum + row.multiplyAdds, 0),
  };
}

/** Renders a summary as a fixed-width text table. */
export function formatSummary(summary: ModelSummary): string {
  const isGraph = summary.rows.some((row) => row.inputs !== undefined);
  const header = [
    'Layer (type)',
    'Output shape',
    'Params',
    'Mult-adds',
    ...(isGraph ? ['Input from'] : []),
    'Output size (W - K + 2P) / S + 1',
  ];
  const body = summary.rows.map((row) => [
    `${row.name} (${row.className})${row.isFrozen === true ? ' (frozen)' : ''}`,
    formatShape(row.outputShape),
    formatCount(row.parameters),
    formatCount(row.multiplyAdds),
    ...(isGraph ? [row.inputs!.join(', ')] : []),
    row.shapeNote,
  ]);
  // A loop, not Math.max(...cells): spreading one argument per row overflows the stack past ~100k rows.
  const widths = header.map((title) => title.length);
  for (const cells of body)
    cells.forEach((cell, column) => {
      widths[column] = Math.max(widths[column]!, cell.length);
    });
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 2 || column === 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((sum, width) => sum + width + 2, -2));
  return [
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Total params: ${formatCount(summary.totalParameters)}`,
    ...(summary.nonTrainableParameters > 0
      ? [
          `Trainable params: ${formatCount(summary.totalParameters - summary.nonTrainableParameters)}`,
          `Non-trainable params: ${formatCount(summary.nonTrainableParameters)}`,
        ]
      : []),
    `Multiply-adds per image: ${formatCount(summary.totalMultiplyAdds)}`,
  ].join('\n');
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
