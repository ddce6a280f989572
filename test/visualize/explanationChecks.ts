// Checks of explainValue shared by the visualize and parity tests: an explanation's value is the
// layer's output within float32 rounding of its terms, and its parts (window, products, sums,
// exponentials, winner, count) add up to it.

import assert from 'node:assert/strict';
import { explainValue, type LayerOutputs, type Random, type ValueExplanation } from '../../src/index.js';

function sumOfMagnitudes(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += Math.abs(values[index]!);
  return sum;
}

/**
 * How far `value` may be from the layer's output: float32 rounding of a sum grows with the size of
 * its terms, so sums are held to 1e-5 of the sum of |terms| (the output's float32 accumulation
 * order differs from the explanation's float64 one), single values to 1e-6 of their size.
 */
export function tolerance(explanation: ValueExplanation): number {
  switch (explanation.kind) {
    case 'convolution':
    case 'transposedConvolution':
    case 'dense':
      return 1e-5 * (sumOfMagnitudes(explanation.products) + Math.abs(explanation.bias)) + 1e-7;
    case 'layerNormalization':
      return 1e-5 * (Math.abs(explanation.gamma * explanation.normalized) + Math.abs(explanation.beta)) + 1e-6;
    case 'resize':
      return 1e-6 * sumOfMagnitudes(explanation.window) + 1e-7;
    case 'pooling':
      return explanation.operation === 'max'
        ? 0
        : (1e-5 * sumOfMagnitudes(explanation.window)) / Math.max(1, explanation.count) + 1e-7;
    case 'copy':
      return 0;
    default:
      return 1e-6 * Math.abs(explanation.output) + 1e-7;
  }
}

/** The parts of an explanation add up to its value (the arithmetic a page shows, redone here). */
export function checkParts(explanation: ValueExplanation, outputs: LayerOutputs): void {
  const label = `${explanation.layerName} at [${explanation.position.join(', ')}]`;
  // Plain data: a worker can post it to the page.
  assert.deepEqual(structuredClone(explanation), explanation, `${label}: survives structuredClone`);
  if (explanation.kind === 'convolution') {
    const { kH, kW, channels, rows, columns, window, weights, products, channelSums, isPadding } = explanation;
    const [inH, inW, inC] = outputs.model.layerOutputShapes[explanation.inputLayer] as [number, number, number];
    const input = outputs.layers[explanation.inputLayer]!.values;
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) {
      let channelSum = 0;
      for (let tap = 0; tap < kH * kW; tap++) {
        const y = rows[Math.floor(tap / kW)]!;
        const x = columns[tap % kW]!;
        const isInside = y >= 0 && y < inH && x >= 0 && x < inW;
        assert.equal(isPadding[tap], isInside ? 0 : 1, `${label}: padding mark of tap ${tap}`);
        const index = tap * channels + channel;
        assert.equal(
          window[index],
          isInside ? input[(y * inW + x) * inC + explanation.firstChannel + channel] : 0,
          `${label}: window value ${index}`,
        );
        assert.equal(products[index], window[index]! * weights[index]!, `${label}: product ${index}`);
        channelSum += products[index];
      }
      assert.ok(
        Math.abs(channelSums[channel]! - channelSum) <= 1e-12 * (1 + Math.abs(channelSum)),
        `${label}: sum of channel ${channel}`,
      );
      sum += channelSum;
    }
    assert.ok(Math.abs(explanation.sum - sum) <= 1e-12 * (1 + Math.abs(sum)), `${label}: sum`);
    assert.equal(explanation.preActivation, explanation.sum + explanation.bias);
    assert.equal(explanation.value, explanation.preActivation);
    if (explanation.activation !== null) {
      assert.ok(
        Math.abs(explanation.activation.value - explanation.activation.output) <=
          1e-5 * (1 + Math.abs(explanation.activation.output)),
        `${label}: the activation after it`,
      );
    }
  } else if (explanation.kind === 'dense') {
    const { inputs, weights, products, order } = explanation;
    assert.deepEqual(Array.from(inputs), Array.from(outputs.layers[explanation.inputLayer]!.values));
    for (let index = 0; index < inputs.length; index++) assert.equal(products[index], inputs[index]! * weights[index]!);
    for (let rank = 1; rank < order.length; rank++)
      assert.ok(Math.abs(products[order[rank - 1]!]!) >= Math.abs(products[order[rank]!]!), `${label}: order`);
    assert.deepEqual(
      Array.from(order).sort((a, b) => a - b),
      Array.from({ length: inputs.length }, (_, index) => index),
    );
    assert.equal(explanation.value, explanation.sum + explanation.bias);
  } else if (explanation.kind === 'softmax') {
    const { logits, max, exponentials, sum, classIndex } = explanation;
    assert.equal(max, Math.max(...logits));
    logits.forEach((logit, index) => {
      assert.equal(exponentials[index], Math.exp(logit - max));
    });
    assert.ok(Math.abs(sum - exponentials.reduce((total, exponential) => total + exponential, 0)) <= 1e-12);
    assert.equal(explanation.value, exponentials[classIndex]! / sum);
  } else if (explanation.kind === 'pooling') {
    const { window, isPadding, winner } = explanation;
    const values = Array.from(window).filter((_, tap) => isPadding[tap] === 0);
    if (explanation.operation === 'max') {
      assert.equal(window[winner], Math.max(...values), `${label}: the winner holds the maximum`);
      assert.equal(isPadding[winner], 0);
    } else {
      assert.ok(
        Math.abs(explanation.sum - values.reduce((total, value) => total + value, 0)) <=
          1e-12 * (1 + Math.abs(explanation.sum)),
      );
      assert.equal(explanation.value, explanation.sum / explanation.count);
    }
  } else if (explanation.kind === 'transposedConvolution') {
    const { window, weights, products, channelSums, channels } = explanation;
    for (let index = 0; index < products.length; index++)
      assert.equal(products[index], window[index]! * weights[index]!);
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) {
      let channelSum = 0;
      for (let index = channel; index < products.length; index += channels) channelSum += products[index]!;
      assert.ok(Math.abs(channelSums[channel]! - channelSum) <= 1e-12 * (1 + Math.abs(channelSum)));
      sum += channelSum;
    }
    assert.ok(Math.abs(explanation.sum - sum) <= 1e-12 * (1 + Math.abs(sum)));
    assert.equal(explanation.value, explanation.sum + explanation.bias);
  } else if (explanation.kind === 'layerNormalization') {
    const mean = Array.from(explanation.inputs).reduce((total, value) => total + value, 0) / explanation.inputs.length;
    assert.ok(Math.abs(explanation.mean - mean) <= 1e-9 * (1 + Math.abs(mean)));
    assert.equal(explanation.value, explanation.gamma * explanation.normalized + explanation.beta);
  } else if (explanation.kind === 'resize') {
    assert.ok(
      Math.abs(explanation.weights.reduce((total, weight) => total + weight, 0) - 1) <= 1e-12,
      `${label}: the weights sum to 1`,
    );
  } else if (explanation.kind === 'merge') {
    for (const operand of explanation.operands) assert.ok(operand.layerIndex < explanation.layerIndex);
  } else if (explanation.kind === 'copy' && explanation.source !== null) {
    assert.ok(explanation.source.layerIndex < explanation.layerIndex);
  }
}

/** Explains `count` random positions of every layer: value within tolerance of the output, parts adding up. */
export function checkEveryLayer(outputs: LayerOutputs, random: Random, count: number): Map<string, number> {
  const worst = new Map<string, number>();
  outputs.model.layers.forEach((_layer, layerIndex) => {
    const shape = outputs.model.layerOutputShapes[layerIndex]!;
    for (let draw = 0; draw < count; draw++) {
      const position = shape.map((size) => random.integer(size));
      const explanation = explainValue(outputs, layerIndex, position);
      const difference = Math.abs(explanation.value - explanation.output);
      assert.ok(
        difference <= tolerance(explanation),
        `${explanation.className} ${explanation.layerName} at [${position.join(', ')}]: explained ` +
          `${explanation.value}, the layer output ${explanation.output} (difference ${difference}, ` +
          `tolerance ${tolerance(explanation)})`,
      );
      checkParts(explanation, outputs);
      worst.set(
        explanation.className,
        Math.max(worst.get(explanation.className) ?? 0, difference / (tolerance(explanation) || 1)),
      );
    }
  });
  return worst;
}
