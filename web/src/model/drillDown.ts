// The drill-down panel's content: how one value of the model's output was computed, drawn from the
// library's explainValue (src/visualize/explainValue.ts), which reads the real weights and inputs.
// A convolution shows the sum over input channels plus the bias (the channel with the largest share
// as its window, kernel and products); dense, its largest contributions; softmax, logits ->
// exponentials -> sum -> division; pooling, its window and the winner or the mean.

import type { ValueExplanation } from 'convnet-ts';
import { element } from '../ui.js';

/** Channels (or inputs) listed; the rest are summed into one line. */
const LISTED = 8;
/** Pooling windows larger than this many values are summed in words, not drawn as a table. */
const MAX_GRID = 64;

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** A kH x kW table of `cell(row, column)`; the cells on padding are marked. */
function grid(
  kH: number,
  kW: number,
  cell: (row: number, column: number) => string,
  isPadding?: (row: number, column: number) => boolean,
): HTMLTableElement {
  const table = element('table', { class: 'numbers model-drill-grid' });
  for (let row = 0; row < kH; row++) {
    const tr = element('tr');
    for (let column = 0; column < kW; column++) {
      tr.append(
        element(
          'td',
          isPadding?.(row, column) === true ? { class: 'is-padding', title: 'zero padding' } : {},
          cell(row, column),
        ),
      );
    }
    table.append(tr);
  }
  return table;
}

function labelled(title: string, child: Node): HTMLElement {
  return element('figure', {}, child, element('figcaption', {}, title));
}

/** A caption above a table or a step: says what the numbers below are. */
function label(text: string): HTMLElement {
  return element('p', { class: 'model-drill-label' }, text);
}

function line(text: string, attributes: Record<string, string> = {}): HTMLElement {
  return element('p', { class: 'mono', ...attributes }, text);
}

function activationLine(explanation: {
  preActivation: number;
  activation: { className: string; value: number; layerIndex: number } | null;
}): HTMLElement[] {
  if (explanation.activation === null) return [];
  return [
    line(
      `then ${explanation.activation.className} (layer ${explanation.activation.layerIndex}): ` +
        `${number(explanation.preActivation)} \u2192 ${number(explanation.activation.value)}`,
    ),
  ];
}

/** The elements explaining `explanation`; `classNames` name a softmax's classes. */
export function renderExplanation(explanation: ValueExplanation, classNames: readonly string[] = []): HTMLElement[] {
  const head = [line(explanation.rule, { class: 'model-drill-rule' })];
  const result = line(`= ${number(explanation.value)} (the layer\u2019s output: ${number(explanation.output)})`, {
    id: 'model-drill-result',
  });
  switch (explanation.kind) {
    case 'convolution': {
      const { kH, kW, channels, window, weights, products, channelSums } = explanation;
      // The channel that contributes most, shown tap by tap; every channel's sum listed.
      let strongest = 0;
      for (let channel = 1; channel < channels; channel++)
        if (Math.abs(channelSums[channel]!) > Math.abs(channelSums[strongest]!)) strongest = channel;
      const at = (values: ArrayLike<number>) => (row: number, column: number) =>
        number(values[(row * kW + column) * channels + strongest]!);
      const isPadding = (row: number, column: number) => explanation.isPadding[row * kW + column] === 1;
      const order = [...channelSums.keys()].sort((a, b) => Math.abs(channelSums[b]!) - Math.abs(channelSums[a]!));
      const listed = order.slice(0, LISTED);
      const rest = order.slice(LISTED).reduce((sum, channel) => sum + channelSums[channel]!, 0);
      const sums = element(
        'table',
        { class: 'numbers' },
        element('tr', {}, element('th', {}, 'input channel'), element('th', {}, '\u03a3 window \u00d7 kernel')),
        ...listed.map((channel) =>
          element(
            'tr',
            {},
            element('td', {}, String(explanation.firstChannel + channel)),
            element('td', {}, number(channelSums[channel]!)),
          ),
        ),
        ...(order.length > LISTED
          ? [element('tr', {}, element('td', {}, `${order.length - LISTED} more`), element('td', {}, number(rest)))]
          : []),
      );
      return [
        ...head,
        element(
          'p',
          {},
          `Input channel ${explanation.firstChannel + strongest} (the largest share) tap by tap, from layer ` +
            `${explanation.inputLayer}:`,
        ),
        element(
          'div',
          { class: 'model-drill-grids' },
          labelled('window', grid(kH, kW, at(window), isPadding)),
          labelled('kernel', grid(kH, kW, at(weights))),
          labelled('products', grid(kH, kW, at(products))),
        ),
        sums,
        line(
          `sum over ${channels} channel${channels === 1 ? '' : 's'} = ` +
            `${number(explanation.sum)}${explanation.hasBias ? `, + bias ${number(explanation.bias)} = ` + `${number(explanation.preActivation)}` : ' (no bias)'}`,
        ),
        ...activationLine(explanation),
        result,
      ];
    }
    case 'pooling': {
      const { kH, kW, window, rows, columns } = explanation;
      const taps = kH * kW;
      const place =
        `channel ${explanation.channel} of layer ${explanation.inputLayer}, rows ` +
        `${rows[0]}\u2013${rows[kH - 1]}, columns ${columns[0]}\u2013${columns[kW - 1]}`;
      const how =
        explanation.operation === 'max'
          ? line(
              `the largest of the ${taps} ` +
                `values${explanation.winner >= 0 ? ` (\u2605, row ${rows[Math.floor(explanation.winner / kW)]}, column ${columns[explanation.winner % kW]})` : ''} = ${number(explanation.value)}`,
            )
          : line(`sum of the values ${number(explanation.sum)} / ${explanation.count} = ${number(explanation.value)}`);
      // A global pooling of a large map is summed, not drawn: its table would be wider than any phone.
      if (taps > MAX_GRID) return [...head, label(`The ${kH}\u00d7${kW} window: all of ${place}`), how, result];
      const cell = (row: number, column: number) =>
        `${number(window[row * kW + column]!)}${explanation.winner === row * kW + column ? ' \u2605' : ''}`;
      return [
        ...head,
        label(`The ${kH}\u00d7${kW} window on ${place}${kW > 5 ? ' (scroll sideways for every column)' : ''}:`),
        grid(kH, kW, cell, (row, column) => explanation.isPadding[row * kW + column] === 1),
        how,
        result,
      ];
    }
    case 'dense': {
      const { inputs, weights, products } = explanation;
      const top = [...explanation.order.slice(0, LISTED)];
      const rest = [...explanation.order.slice(LISTED)].reduce((sum, index) => sum + products[index]!, 0);
      const table = element(
        'table',
        { class: 'numbers' },
        element(
          'tr',
          {},
          element('th', {}, 'input'),
          element('th', {}, 'value'),
          element('th', {}, '\u00d7 weight'),
          element('th', {}, '= product'),
        ),
        ...top.map((index) =>
          element(
            'tr',
            {},
            element('td', {}, String(index)),
            element('td', {}, number(inputs[index]!)),
            element('td', {}, number(weights[index]!)),
            element('td', {}, number(products[index]!)),
          ),
        ),
        ...(inputs.length > top.length
          ? [
              element(
                'tr',
                {},
                element('td', {}, `${inputs.length - top.length} more`),
                element('td', {}),
                element('td', {}),
                element('td', {}, number(rest)),
              ),
            ]
          : []),
      );
      return [
        ...head,
        label(
          `Unit ${explanation.unit}: the ${top.length} largest of its ${inputs.length} contributions ` +
            `(inputs from layer ${explanation.inputLayer}), by size:`,
        ),
        table,
        line(
          `sum of the ${inputs.length} products = ` +
            `${number(explanation.sum)}${explanation.hasBias ? `; + bias ${number(explanation.bias)} = ` + `${number(explanation.preActivation)}` : ' (no bias)'}`,
        ),
        ...activationLine(explanation),
        result,
      ];
    }
    case 'softmax': {
      const { logits, exponentials, classIndex } = explanation;
      const name = (index: number) => classNames[index] ?? String(index);
      const order = [...exponentials.keys()].sort((a, b) => exponentials[b]! - exponentials[a]!).slice(0, LISTED);
      if (!order.includes(classIndex)) order.push(classIndex);
      const restSum = [...exponentials.keys()]
        .filter((index) => !order.includes(index))
        .reduce((sum, index) => sum + exponentials[index]!, 0);
      const table = element(
        'table',
        { class: 'numbers' },
        element(
          'tr',
          {},
          element('th', {}, 'class'),
          element('th', {}, '1. logit'),
          element('th', {}, '2. exp'),
          element('th', {}, '4. \u00f7 sum'),
        ),
        ...order.map((index) =>
          element(
            'tr',
            index === classIndex ? { class: 'is-chosen' } : {},
            element('td', {}, `${index} ${name(index)}`),
            element('td', {}, number(logits[index]!)),
            element('td', {}, number(exponentials[index]!)),
            element('td', {}, number(exponentials[index]! / explanation.sum)),
          ),
        ),
        ...(order.length < logits.length
          ? [
              element(
                'tr',
                {},
                element('td', {}, `${logits.length - order.length} more`),
                element('td', {}),
                element('td', {}, number(restSum)),
                element('td', {}, number(restSum / explanation.sum)),
              ),
            ]
          : []),
      );
      return [
        ...head,
        label(
          `1. the logits (layer ${explanation.inputLayer}\u2019s output); 2. exp(logit \u2212 ` +
            `${number(explanation.max)}), the largest logit subtracted first; 3. their sum; 4. each divided by it:`,
        ),
        table,
        line(`3. sum of the ${exponentials.length} exponentials = ${number(explanation.sum)}`),
        line(
          `4. ${name(classIndex)}: ${number(exponentials[classIndex]!)} / ${number(explanation.sum)} = ` +
            `${number(explanation.value)}`,
        ),
        element(
          'p',
          { class: 'explain' },
          'The probabilities always add up to 1: softmax shares out certainty among these classes and ' +
            'cannot answer \u201cnone of them\u201d.',
        ),
        result,
      ];
    }
    case 'batchNormalization': {
      const rowsOf = (entries: [string, string][]) =>
        element(
          'table',
          { class: 'numbers' },
          ...entries.map(([name, value]) => element('tr', {}, element('th', {}, name), element('td', {}, value))),
        );
      return [
        ...head,
        label(`Channel ${explanation.channel}, with the moving statistics learned in training:`),
        rowsOf([
          [`input x (layer ${explanation.inputLayer})`, number(explanation.input)],
          ['moving mean', number(explanation.mean)],
          ['moving variance', number(explanation.variance)],
          ['epsilon', String(explanation.epsilon)],
          ['gamma (scale)', number(explanation.gamma)],
          ['beta (shift)', number(explanation.beta)],
        ]),
        line(`(x \u2212 mean) / \u221a(variance + epsilon) = ${number(explanation.normalized)}`),
        line(
          `\u00d7 gamma + beta = ${number(explanation.normalized)} \u00d7 ${number(explanation.gamma)} + ` +
            `${number(explanation.beta)} = ${number(explanation.value)}`,
        ),
        result,
      ];
    }
    case 'elementwise':
      return [
        ...head,
        line(
          `input ${number(explanation.input)} (layer ${explanation.inputLayer})${
            Object.keys(explanation.parameters).length === 0
              ? ''
              : `; ${Object.entries(explanation.parameters)
                  .map(([name, value]) => `${name} ${number(value)}`)
                  .join(', ')}`
          }`,
        ),
        result,
      ];
    case 'merge':
      return [
        ...head,
        label(
          `${explanation.operation} of its ${explanation.operands.length} inputs at this ` +
            `position${explanation.operation === 'add' ? ' (a residual join: the ' + 'block\u2019s output plus ' + 'its skipped input)' : ''}:`,
        ),
        ...explanation.operands.map((operand) =>
          line(`layer ${operand.layerIndex} at [${operand.position.join(', ')}]: ${number(operand.value)}`),
        ),
        line(`${explanation.operation} = ${number(explanation.value)}`),
        result,
      ];
    case 'transposedConvolution': {
      const taps = explanation.inputRows.length;
      const shown = Math.min(taps, LISTED);
      return [
        ...head,
        label(
          `${taps} input pixel${taps === 1 ? '' : 's'} of layer ${explanation.inputLayer} reach this output ` +
            `through a kernel tap; the first ${shown} (summed over ${explanation.channels} channels):`,
        ),
        ...Array.from({ length: shown }, (_, tap) => {
          let sum = 0;
          for (let channel = 0; channel < explanation.channels; channel++)
            sum += explanation.products[tap * explanation.channels + channel]!;
          return line(
            `input (${explanation.inputRows[tap]}, ${explanation.inputColumns[tap]}) \u00d7 tap ` +
              `(${explanation.kernelRows[tap]}, ${explanation.kernelColumns[tap]}): ${number(sum)}`,
          );
        }),
        line(`sum = ${number(explanation.sum)}${explanation.hasBias ? `; + bias ${number(explanation.bias)}` : ''}`),
        result,
      ];
    }
    case 'layerNormalization':
      return [
        ...head,
        label(
          `Channel ${explanation.channel} among the ${explanation.inputs.length} channels of this position ` +
            `(layer ${explanation.inputLayer}):`,
        ),
        line(
          `mean ${number(explanation.mean)}, variance ${number(explanation.variance)}, epsilon ${explanation.epsilon}`,
        ),
        line(
          `(x \u2212 mean) / \u221a(variance + epsilon) = ${number(explanation.normalized)}; \u00d7 ` +
            `${number(explanation.gamma)} + ${number(explanation.beta)}`,
        ),
        result,
      ];
    case 'resize':
      return [
        ...head,
        label(
          `${explanation.mode} resize of channel ${explanation.channel} (layer ${explanation.inputLayer}), ` +
            `from source (${number(explanation.sourceRow)}, ${number(explanation.sourceColumn)}):`,
        ),
        ...Array.from(explanation.window, (value, tap) =>
          line(
            `(${explanation.rows[tap]}, ${explanation.columns[tap]}): ${number(value)} \u00d7 weight ` +
              `${number(explanation.weights[tap]!)}`,
          ),
        ),
        result,
      ];
    case 'copy':
      return [
        ...head,
        line(
          explanation.source === null
            ? 'the picture\u2019s own value (or padding)'
            : `copied from layer ${explanation.source.layerIndex} at [${explanation.source.position.join(', ')}]`,
        ),
        result,
      ];
  }
}
