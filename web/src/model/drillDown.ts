// The drill-down panel's content: how one value of the model's output was computed, drawn from the
// library's explainValue (src/visualize/explainValue.ts), which reads the real weights and inputs.
// A convolution shows the sum over input channels plus the bias (the channel with the largest share
// as its window, kernel and products); dense, its largest contributions; softmax, logits ->
// exponentials -> sum -> division; pooling, its window and the winner or the mean.

import type { ValueExplanation } from 'convnet-ts';
import { element } from '../ui.js';

/** Channels (or inputs) listed; the rest are summed into one line. */
const LISTED = 8;

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** A kH x kW table of `cell(row, column)`; the cells on padding are marked. */
function grid(kH: number, kW: number, cell: (row: number, column: number) => string, isPadding?: (row: number, column: number) => boolean): HTMLTableElement {
  const table = element('table', { class: 'numbers model-drill-grid' });
  for (let row = 0; row < kH; row++) {
    const tr = element('tr');
    for (let column = 0; column < kW; column++) {
      tr.append(element('td', isPadding?.(row, column) === true ? { class: 'is-padding', title: 'zero padding' } : {}, cell(row, column)));
    }
    table.append(tr);
  }
  return table;
}

function labelled(title: string, child: Node): HTMLElement {
  return element('figure', {}, child, element('figcaption', {}, title));
}

function line(text: string, attributes: Record<string, string> = {}): HTMLElement {
  return element('p', { class: 'mono', ...attributes }, text);
}

function activationLine(explanation: { preActivation: number; activation: { className: string; value: number; layerIndex: number } | null }): HTMLElement[] {
  if (explanation.activation === null) return [];
  return [line(`then ${explanation.activation.className} (layer ${explanation.activation.layerIndex}): ${number(explanation.preActivation)} \u2192 ${number(explanation.activation.value)}`)];
}

/** The elements explaining `explanation`. */
export function renderExplanation(explanation: ValueExplanation): HTMLElement[] {
  const head = [line(explanation.rule, { class: 'model-drill-rule' })];
  const result = line(`= ${number(explanation.value)} (the layer\u2019s output: ${number(explanation.output)})`, { id: 'model-drill-result' });
  switch (explanation.kind) {
    case 'convolution': {
      const { kH, kW, channels, window, weights, products, channelSums } = explanation;
      // The channel that contributes most, shown tap by tap; every channel's sum listed.
      let strongest = 0;
      for (let channel = 1; channel < channels; channel++) if (Math.abs(channelSums[channel]!) > Math.abs(channelSums[strongest]!)) strongest = channel;
      const at = (values: ArrayLike<number>) => (row: number, column: number) => number(values[(row * kW + column) * channels + strongest]!);
      const isPadding = (row: number, column: number) => explanation.isPadding[row * kW + column] === 1;
      const order = [...channelSums.keys()].sort((a, b) => Math.abs(channelSums[b]!) - Math.abs(channelSums[a]!));
      const listed = order.slice(0, LISTED);
      const rest = order.slice(LISTED).reduce((sum, channel) => sum + channelSums[channel]!, 0);
      const sums = element('table', { class: 'numbers' },
        element('tr', {}, element('th', {}, 'input channel'), element('th', {}, '\u03a3 window \u00d7 kernel')),
        ...listed.map((channel) => element('tr', {}, element('td', {}, String(explanation.firstChannel + channel)), element('td', {}, number(channelSums[channel]!)))),
        ...(order.length > LISTED ? [element('tr', {}, element('td', {}, `${order.length - LISTED} more`), element('td', {}, number(rest)))] : []));
      return [
        ...head,
        element('p', {}, `Input channel ${explanation.firstChannel + strongest} (the largest share) tap by tap, from layer ${explanation.inputLayer}:`),
        element('div', { class: 'model-drill-grids' },
          labelled('window', grid(kH, kW, at(window), isPadding)),
          labelled('kernel', grid(kH, kW, at(weights))),
          labelled('products', grid(kH, kW, at(products)))),
        sums,
        line(`sum over ${channels} channel${channels === 1 ? '' : 's'} = ${number(explanation.sum)}${explanation.hasBias ? `, + bias ${number(explanation.bias)} = ${number(explanation.preActivation)}` : ' (no bias)'}`),
        ...activationLine(explanation),
        result,
      ];
    }
    case 'pooling': {
      const { kH, kW, window } = explanation;
      const cell = (row: number, column: number) => `${number(window[row * kW + column]!)}${explanation.winner === row * kW + column ? ' \u2605' : ''}`;
      const how = explanation.operation === 'max' ? 'the largest (\u2605)' : `${number(explanation.sum)} / ${explanation.count}`;
      return [...head, labelled(`channel ${explanation.channel} of layer ${explanation.inputLayer}`, grid(kH, kW, cell, (row, column) => explanation.isPadding[row * kW + column] === 1)), line(how), result];
    }
    case 'dense': {
      const top = [...explanation.order.slice(0, LISTED)];
      const table = element('table', { class: 'numbers' },
        element('tr', {}, element('th', {}, 'input'), element('th', {}, 'value'), element('th', {}, 'weight'), element('th', {}, 'product')),
        ...top.map((index) => element('tr', {}, element('td', {}, String(index)), element('td', {}, number(explanation.inputs[index]!)), element('td', {}, number(explanation.weights[index]!)), element('td', {}, number(explanation.products[index]!)))));
      return [
        ...head,
        element('p', {}, `The ${top.length} largest of ${explanation.inputs.length} contributions (layer ${explanation.inputLayer}):`),
        table,
        line(`sum = ${number(explanation.sum)}${explanation.hasBias ? `, + bias ${number(explanation.bias)} = ${number(explanation.preActivation)}` : ''}`),
        ...activationLine(explanation),
        result,
      ];
    }
    case 'softmax': {
      const { logits, exponentials, classIndex } = explanation;
      const order = [...exponentials.keys()].sort((a, b) => exponentials[b]! - exponentials[a]!).slice(0, LISTED);
      if (!order.includes(classIndex)) order.push(classIndex);
      const table = element('table', { class: 'numbers' },
        element('tr', {}, element('th', {}, 'class'), element('th', {}, 'logit'), element('th', {}, `exp(logit \u2212 ${number(explanation.max)})`), element('th', {}, '\u00f7 sum')),
        ...order.map((index) => element('tr', index === classIndex ? { class: 'is-chosen' } : {}, element('td', {}, String(index)), element('td', {}, number(logits[index]!)), element('td', {}, number(exponentials[index]!)), element('td', {}, number(exponentials[index]! / explanation.sum)))));
      return [...head, table, line(`sum of ${exponentials.length} exponentials = ${number(explanation.sum)}; class ${classIndex}: ${number(exponentials[classIndex]!)} / ${number(explanation.sum)}`), result];
    }
    case 'batchNormalization':
      return [...head, line(`(${number(explanation.input)} \u2212 ${number(explanation.mean)}) / \u221a(${number(explanation.variance)} + ${explanation.epsilon}) = ${number(explanation.normalized)}; \u00d7 ${number(explanation.gamma)} + ${number(explanation.beta)}`), result];
    case 'elementwise':
      return [...head, line(`input ${number(explanation.input)} (layer ${explanation.inputLayer})${Object.keys(explanation.parameters).length === 0 ? '' : `; ${Object.entries(explanation.parameters).map(([name, value]) => `${name} ${number(value)}`).join(', ')}`}`), result];
    case 'merge':
      return [...head, ...explanation.operands.map((operand) => line(`layer ${operand.layerIndex} at [${operand.position.join(', ')}]: ${number(operand.value)}`)), line(explanation.operation), result];
    case 'copy':
      return [...head, line(explanation.source === null ? 'the picture\u2019s own value (or padding)' : `copied from layer ${explanation.source.layerIndex} at [${explanation.source.position.join(', ')}]`), result];
  }
}
