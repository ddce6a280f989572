// What the overview writes beside each layer's column: what it computes in a few words, and the
// output-size formula with the numbers (the library's summary already derives it: Layer.describeShape).

import { AvgPool2D, Conv2D, Dense, MaxPool2D, type Layer, type Model } from 'convnet-ts';
import type { LayerInfo } from './protocol.js';

function pair(values: readonly [number, number]): string {
  return values[0] === values[1] ? String(values[0]) : `${values[0]}\u00d7${values[1]}`;
}

function padding(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "7×7 conv, stride 2, pad 3, 64 filters" and the like; the class name for layers without settings. */
export function layerDetail(layer: Layer): string {
  if (layer instanceof Conv2D) {
    const [kH, kW] = layer.kernelSize;
    const parts = [`${kH}\u00d7${kW} conv`, `stride ${pair(layer.strides)}`, `pad ${padding(layer.padding)}`];
    if (layer.dilationRate[0] !== 1 || layer.dilationRate[1] !== 1) parts.push(`dilation ${pair(layer.dilationRate)}`);
    if (layer.groups !== 1) parts.push(`${layer.groups} groups`);
    parts.push(`${layer.filters} filters`);
    return parts.join(', ');
  }
  if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
    const [kH, kW] = layer.poolSize;
    return (
      `${kH}\u00d7${kW} ${layer instanceof MaxPool2D ? 'max' : 'average'} pool, stride ` +
      `${pair(layer.strides)}, pad ${padding(layer.padding)}`
    );
  }
  if (layer instanceof Dense) return `dense, ${layer.units} units${layer.useBias ? ' + bias' : ''}`;
  return layer.className;
}

/** Every layer of `model`, in order, as the overview lists them. */
export function describeLayers(model: Model): LayerInfo[] {
  const summary = model.summaryData();
  return model.layers.map((layer, index) => {
    const row = summary.rows[index]!;
    return {
      index,
      name: layer.name,
      className: layer.className,
      inputs: [...model.nodes[index]!.inputs],
      inputShape: [...model.layerInputShapes[index]!],
      outputShape: [...model.layerOutputShapes[index]!],
      detail: layerDetail(layer),
      formula: row.shapeNote === '' ? null : row.shapeNote,
      parameterCount: row.parameters,
    };
  });
}
