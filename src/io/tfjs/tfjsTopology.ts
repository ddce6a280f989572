// TF.js model topology: the Keras model config inside a model.json (as TF.js's model.save and the
// tensorflowjs converter write it), read into one flat list of layers, each naming the layers it reads.
// Sequential and functional models are read, with inbound_nodes in the Keras 2 / TF.js list form
// [[[layer, nodeIndex, tensorIndex, kwargs], ...]] and the Keras 3 form [{args: [...], kwargs}].
// Known limits: one input and one output; a layer applied once (no shared layers); no nested models.

import { FileFormatError } from '../../core/errors.js';
import { MAX_MODEL_LAYERS } from '../../core/limits.js';
import { isObject, preview } from './tfjsJson.js';

/** One layer of the topology. */
export interface TfjsLayerSpec {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** The names of the layers whose outputs it reads, in order. */
  inbound: string[];
}

export interface TfjsTopology {
  /** 'Sequential', or 'Model' / 'Functional' for a graph. */
  modelClass: string;
  /** Every layer but the input, in the order the file lists them (a graph's order is topological). */
  layers: TfjsLayerSpec[];
  inputName: string;
  /** One example's input shape (the batch axis dropped). */
  inputShape: number[];
  outputName: string;
}

/** The Keras model config: modelTopology itself (TF.js) or its model_config (the converter's Keras files). */
export function readTopology(modelTopology: unknown, file: string): TfjsTopology {
  if (!isObject(modelTopology)) throw new FileFormatError(file, 'modelTopology must be an object');
  const model = isObject(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const modelClass = model.class_name;
  if (typeof modelClass !== 'string')
    throw new FileFormatError(
      file,
      'modelTopology has no class_name: is this a TF.js graph model? Only Layers models are imported',
    );
  const config = model.config;
  if (modelClass === 'Sequential') {
    const layers = Array.isArray(config)
      ? config
      : isObject(config) && Array.isArray(config.layers)
        ? config.layers
        : null;
    if (layers === null) throw new FileFormatError(file, 'the Sequential model config has no list of layers');
    return readSequential(layers, file);
  }
  if (modelClass === 'Model' || modelClass === 'Functional') {
    if (!isObject(config) || !Array.isArray(config.layers))
      throw new FileFormatError(file, `the ${modelClass} config has no list of layers`);
    return readFunctional(modelClass, config, file);
  }
  throw new FileFormatError(
    file,
    `modelTopology is a ${preview(modelClass)}; Sequential and functional (Model, Functional) models are imported`,
  );
}

function checkLayerCount(count: number, file: string): void {
  if (count > MAX_MODEL_LAYERS)
    throw new FileFormatError(
      file,
      `the model lists ${count.toLocaleString('en-US')} layers, more than the ` +
        `${MAX_MODEL_LAYERS.toLocaleString('en-US')} a model may have`,
    );
}

/** A layer entry's name, class and config, checked. */
function layerEntry(
  entry: unknown,
  index: number,
  file: string,
): { name: string; className: string; config: Record<string, unknown> } {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new FileFormatError(file, `layer ${index} is not {class_name, config}: ${preview(entry)}`);
  }
  const name = typeof entry.name === 'string' ? entry.name : entry.config.name;
  if (typeof name !== 'string' || name === '' || name.length > 200)
    throw new FileFormatError(
      file,
      `layer ${index} (${entry.class_name.slice(0, 100)}) has no usable name: ${preview(name)}`,
    );
  return { name, className: entry.class_name.slice(0, 100), config: entry.config };
}

/**
 * One example's shape from an InputLayer's or a first layer's batch_input_shape (TF.js, Keras 2) or batch_shape (Keras
 * 3).
 */
function inputShapeOf(config: Record<string, unknown>, name: string, file: string): number[] | null {
  const batchShape = config.batch_input_shape ?? config.batch_shape;
  const shape = Array.isArray(batchShape)
    ? batchShape.slice(1)
    : Array.isArray(config.input_shape)
      ? config.input_shape
      : null;
  if (shape === null) return null;
  if (shape.length > 8 || !shape.every((size) => Number.isSafeInteger(size) && size > 0)) {
    throw new FileFormatError(
      file,
      `input '${name}' has shape ${preview(batchShape ?? config.input_shape)}; a model imported here takes ` +
        `a fixed size (give every axis but the batch a size)`,
    );
  }
  return shape as number[];
}

function readSequential(entries: unknown[], file: string): TfjsTopology {
  checkLayerCount(entries.length + 1, file);
  const read = entries.map((entry, index) => layerEntry(entry, index, file));
  const first = read[0];
  if (first === undefined) throw new FileFormatError(file, 'the Sequential model has no layers');
  const hasInputLayer = first.className === 'InputLayer';
  const inputShape = inputShapeOf(first.config, first.name, file);
  if (inputShape === null)
    throw new FileFormatError(file, `the first layer '${first.name}' declares no input shape (batch_input_shape)`);
  const names = new Set(read.map((layer) => layer.name));
  let inputName = hasInputLayer ? first.name : 'input';
  for (let suffix = 1; !hasInputLayer && names.has(inputName); suffix++) inputName = `input_${suffix}`;
  const layers: TfjsLayerSpec[] = [];
  let previous = inputName;
  for (const layer of hasInputLayer ? read.slice(1) : read) {
    layers.push({ ...layer, inbound: [previous] });
    previous = layer.name;
  }
  return { modelClass: 'Sequential', layers, inputName, inputShape, outputName: previous };
}

/** A [layer, nodeIndex, tensorIndex] reference (input_layers, output_layers, Keras 2 inbound entries). */
function reference(value: unknown, what: string, file: string): string {
  if (!Array.isArray(value) || typeof value[0] !== 'string')
    throw new FileFormatError(file, `${what} is not a [layer, node, tensor] reference: ${preview(value)}`);
  if ((value[1] ?? 0) !== 0 || (value[2] ?? 0) !== 0) {
    throw new FileFormatError(
      file,
      `${what} reads node ${preview(value[1])}, tensor ${preview(value[2])} of '${value[0]}': shared layers ` +
        `and layers with several outputs are not imported`,
    );
  }
  return value[0];
}

/** The one [layer, node, tensor] of input_layers or output_layers (Keras 3 writes a single one unnested). */
function singleReference(list: unknown, what: string, file: string): string {
  const references = Array.isArray(list) && typeof list[0] === 'string' ? [list] : list;
  if (!Array.isArray(references) || references.length !== 1) {
    throw new FileFormatError(
      file,
      `${what} lists ${Array.isArray(references) ? references.length : 'no'} tensors; models with one input ` +
        `and one output are imported`,
    );
  }
  return reference(references[0], what, file);
}

/** The layers a node reads, from either form of inbound_nodes. */
function inboundOf(inboundNodes: unknown, name: string, file: string): string[] {
  if (!Array.isArray(inboundNodes) || inboundNodes.length !== 1) {
    throw new FileFormatError(
      file,
      `layer '${name}' is applied ${Array.isArray(inboundNodes) ? inboundNodes.length : 0} times; a layer ` +
        `applied once (no shared layers) is imported`,
    );
  }
  const node = inboundNodes[0];
  if (Array.isArray(node)) return node.map((entry, index) => reference(entry, `layer '${name}' input ${index}`, file));
  if (isObject(node) && Array.isArray(node.args)) {
    // Keras 3: the call's arguments, where each input tensor is {class_name: '__keras_tensor__', config:
    // {keras_history}}.
    const found: string[] = [];
    const visit = (value: unknown, depth: number) => {
      if (depth > 4 || found.length > 1000) return;
      if (Array.isArray(value))
        value.forEach((item) => {
          visit(item, depth + 1);
        });
      else if (isObject(value) && value.class_name === '__keras_tensor__' && isObject(value.config))
        found.push(reference(value.config.keras_history, `layer '${name}' input ${found.length}`, file));
    };
    visit(node.args, 0);
    return found;
  }
  throw new FileFormatError(file, `layer '${name}' has inbound_nodes of an unknown form: ${preview(node)}`);
}

function readFunctional(modelClass: string, config: Record<string, unknown>, file: string): TfjsTopology {
  const entries = config.layers as unknown[];
  checkLayerCount(entries.length, file);
  const inputName = singleReference(config.input_layers, 'input_layers', file);
  const outputName = singleReference(config.output_layers, 'output_layers', file);
  let inputShape: number[] | null = null;
  const layers: TfjsLayerSpec[] = [];
  entries.forEach((entry, index) => {
    const layer = layerEntry(entry, index, file);
    if (layer.className === 'InputLayer') {
      if (layer.name !== inputName)
        throw new FileFormatError(
          file,
          `InputLayer '${layer.name}' is not the model's input '${inputName}'; models with one input are imported`,
        );
      inputShape = inputShapeOf(layer.config, layer.name, file);
      return;
    }
    layers.push({ ...layer, inbound: inboundOf((entry as Record<string, unknown>).inbound_nodes, layer.name, file) });
  });
  if (inputShape === null) throw new FileFormatError(file, `the input '${inputName}' is no InputLayer with a shape`);
  return { modelClass, layers, inputName, inputShape, outputName };
}
