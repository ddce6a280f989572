// TF.js Layers model import, on every platform: a model.json (as TF.js's model.save and the
// tensorflowjs converter write it) and its weight shards become a ConvNet.ts Model with the same
// layers, named after the TF.js ones. The Node reader of a model folder is tfjsFile.ts.
// Every problem in the file is a FileFormatError naming it and the layer; unknown layer classes are
// all listed at once. Known limits: see tfjsTopology.ts (one input and output, no shared layers)
// and tfjsLayers.ts (the classes, activations and options mapped).

import { checkJsonDepth } from '../jsonDepth.js';
import { ConvNetError, FileFormatError } from '../../core/errors.js';
import { MAX_MANIFEST_BYTES } from '../../core/limits.js';
import { shapesEqual, type Shape } from '../../core/shape.js';
import { Input } from '../../layers/input.js';
import type { Layer, SymbolicTensor } from '../../layers/layer.js';
import { GraphTally } from '../../model/graphLimits.js';
import { Model } from '../../model/model.js';
import { checkFiniteWeights } from '../weightChecks.js';
import { mapperOf, TfjsConfigError, TFJS_IMPORT_LAYERS, type TfjsMapContext } from './tfjsLayers.js';
import { isObject, preview } from './tfjsJson.js';
import { readTopology, type TfjsLayerSpec } from './tfjsTopology.js';
import { decodeWeights, readWeightsManifest, type TfjsShards, type TfjsWeight } from './tfjsWeights.js';

export { TFJS_IMPORT_LAYERS } from './tfjsLayers.js';
export type { TfjsShards } from './tfjsWeights.js';

/**
 * One TF.js layer and what the import made of it (what `convnet inspect` prints): the layers it became
 * (none for a layer that passes its input on, as Dropout and InputLayer), and its output's shape
 * without the batch. A layer off the path to the output is listed with isInModel false.
 */
export interface TfjsLayerTrace {
  /** The TF.js layer's name. */
  name: string;
  /** The TF.js layer's class, e.g. 'Conv2D'. */
  className: string;
  /** The ConvNet.ts layers it became, in order; empty for a layer that passes its input on. */
  layers: {
    /** The layer's name. */
    name: string;
    /** The layer's class name, e.g. 'Conv2D'. */
    className: string;
  }[];
  /** Its output's shape without the batch (maps [h, w, c]). */
  outputShape: number[];
  /** False for a layer off the path to the model's output (left out of the model). */
  isInModel: boolean;
}

/** The model.json parsed and checked to be a TF.js Layers model (modelTopology and weightsManifest). */
export function readTfjsModelJson(modelJson: unknown, file: string): Record<string, unknown> {
  let root = modelJson;
  if (typeof modelJson === 'string') {
    if (modelJson.length > MAX_MANIFEST_BYTES)
      throw new FileFormatError(
        file,
        `is ${modelJson.length} characters, more than the ${MAX_MANIFEST_BYTES} a model.json may have`,
      );
    checkJsonDepth(modelJson, file);
    try {
      root = JSON.parse(modelJson);
    } catch (error) {
      throw new FileFormatError(file, `is not JSON: ${(error as Error).message}`);
    }
  }
  if (!isObject(root))
    throw new FileFormatError(file, 'a TF.js model.json is an object with modelTopology and weightsManifest');
  if (root.format === 'graph-model')
    throw new FileFormatError(
      file,
      "is a TF.js graph model (format 'graph-model'); Layers models ('layers-model') are imported",
    );
  if (root.format !== undefined && root.format !== 'layers-model')
    throw new FileFormatError(
      file,
      `has format ${preview(root.format, 100)}; TF.js Layers models ('layers-model') are imported`,
    );
  if (!isObject(root.modelTopology) || !Array.isArray(root.weightsManifest))
    throw new FileFormatError(file, 'a TF.js model.json has modelTopology and weightsManifest');
  return root;
}

/** Whether parsed JSON looks like a TF.js model.json (the native model.json has neither key). */
export function isTfjsModelJson(json: unknown): boolean {
  return isObject(json) && 'modelTopology' in json && 'weightsManifest' in json;
}

/** FileFormatError listing every layer class not imported, with its count. */
function checkClasses(layers: readonly TfjsLayerSpec[], file: string): void {
  const unknown = new Map<string, number>();
  for (const layer of layers)
    if (mapperOf(layer.className) === undefined) unknown.set(layer.className, (unknown.get(layer.className) ?? 0) + 1);
  if (unknown.size === 0) return;
  const shown = [...unknown]
    .slice(0, 50)
    .map(([name, count]) => `${name} (${count})`)
    .join(', ');
  const more = unknown.size > 50 ? ` and ${unknown.size - 50} more` : '';
  const nested = ['Sequential', 'Model', 'Functional'].some((name) => unknown.has(name))
    ? ' (a model inside a model is not imported)'
    : '';
  throw new FileFormatError(
    file,
    `layer classes not imported: ${shown}${more}${nested}. These are: InputLayer, ${TFJS_IMPORT_LAYERS.join(', ')}`,
  );
}

/**
 * The manifest's weights by name, and by their last two parts ('<layer>/<weight>') for names with a
 * prefix (a nested model's name, as the converter writes them): looked up once per weight, in
 * constant time, however many weights a file lists.
 */
class WeightTable {
  private readonly bySuffix = new Map<string, string[]>();

  constructor(private readonly weights: ReadonlyMap<string, TfjsWeight>) {
    for (const name of weights.keys()) {
      const parts = name.split('/');
      if (parts.length <= 2) continue;
      const suffix = parts.slice(-2).join('/');
      const list = this.bySuffix.get(suffix);
      if (list === undefined) this.bySuffix.set(suffix, [name]);
      else list.push(name);
    }
  }

  /** Weight `name` of layer `layer`: '<layer>/<name>', or the one name ending in '/<layer>/<name>'. */
  find(layer: string, name: string): TfjsWeight | undefined {
    const key = `${layer}/${name}`;
    const exact = this.weights.get(key);
    if (exact !== undefined) return exact;
    const prefixed = this.bySuffix.get(key);
    return prefixed?.length === 1 ? this.weights.get(prefixed[0]!) : undefined;
  }
}

/**
 * A TF.js Layers model as a ConvNet.ts Model: `modelJson` is the model.json (text or parsed) and
 * `shards` its weight files, as bytes in the manifest's order or read by path on demand.
 * Throws FileFormatError naming `file` for anything the file gets wrong or the importer does not
 * map (every unknown layer class listed with its count).
 *
 * @example
 * const json = await (await fetch('model/model.json')).text();
 * const shards = [new Uint8Array(await (await fetch('model/group1-shard1of1.bin')).arrayBuffer())];
 * const model = parseTfjsModel(json, shards);
 */
export function parseTfjsModel(
  modelJson: unknown,
  shards: TfjsShards,
  file = 'model.json',
  trace?: TfjsLayerTrace[],
): Model {
  const root = readTfjsModelJson(modelJson, file);
  const topology = readTopology(root.modelTopology, file);
  const kerasVersion =
    isObject(root.modelTopology) && typeof root.modelTopology.keras_version === 'string'
      ? root.modelTopology.keras_version
      : undefined;
  checkClasses(topology.layers, file);
  const groups = readWeightsManifest(root.weightsManifest, file);
  const weights = new WeightTable(decodeWeights(groups, shards, file));

  let input: Input;
  try {
    input = new Input({ name: safeName(topology.inputName), shape: topology.inputShape });
  } catch (error) {
    if (error instanceof ConvNetError)
      throw new FileFormatError(file, `input '${topology.inputName}': ${error.message}`);
    throw error;
  }
  const outputs = new Map<string, SymbolicTensor>([[topology.inputName, input.output]]);
  const usedNames = new Set<string>([input.name]);
  const tally = new GraphTally();
  tally.add(input, input.shape, input.shape, `input '${topology.inputName}' `);
  const fills: { layer: Layer; write: () => void }[] = [];

  const traced: { spec: TfjsLayerSpec; layers: Layer[]; output: SymbolicTensor }[] = [];
  for (const spec of topology.layers) {
    const specLayers: Layer[] = [];
    const label = `layer '${spec.name}' (${spec.className})`;
    const inputs = spec.inbound.map((name) => {
      const tensor = outputs.get(name);
      if (tensor === undefined)
        throw new FileFormatError(file, `${label} reads '${name.slice(0, 200)}', which no layer before it computes`);
      return tensor;
    });
    if (outputs.has(spec.name)) throw new FileFormatError(file, `${label}: the name is used twice`);
    const context: TfjsMapContext = {
      spec,
      inputs,
      kerasVersion,
      apply(layer: Layer, from: SymbolicTensor | readonly SymbolicTensor[], suffix = '') {
        layer.name = uniqueName(safeName(spec.name + suffix), usedNames);
        specLayers.push(layer);
        const list = Array.isArray(from) ? from : [from as SymbolicTensor];
        const tensor = layer.apply(list);
        tally.add(layer, list[0]!.shape, tensor.shape, `${label} output `);
        return tensor;
      },
      weight(name: string, shape: Shape) {
        const found = weights.find(spec.name, name);
        if (found === undefined)
          throw new TfjsConfigError(
            `weight '${spec.name}/${name}' of shape [${shape.join(', ')}] is not in the weights manifest`,
          );
        if (!shapesEqual(found.shape, shape))
          throw new TfjsConfigError(
            `weight '${name}' has shape [${found.shape.join(', ')}] in the manifest, but the layer needs ` +
              `[${shape.join(', ')}]`,
          );
        return found.values;
      },
      weightShape(name: string) {
        return weights.find(spec.name, name)?.shape;
      },
      fill(layer: Layer, write: () => void) {
        fills.push({ layer, write });
      },
    };
    try {
      const output = mapperOf(spec.className)!(context);
      outputs.set(spec.name, output);
      traced.push({ spec, layers: specLayers, output });
    } catch (error) {
      if (error instanceof TfjsConfigError || error instanceof ConvNetError)
        throw new FileFormatError(file, `${label}: ${error.message}`);
      throw error;
    }
  }
  const output = outputs.get(topology.outputName);
  if (output === undefined)
    throw new FileFormatError(file, `the output '${topology.outputName.slice(0, 200)}' is computed by no layer`);
  let model: Model;
  try {
    model = new Model({ inputs: input.output, outputs: output });
  } catch (error) {
    if (error instanceof ConvNetError) throw new FileFormatError(file, error.message);
    throw error;
  }
  // A layer that does not lead to the output is not in the model (nor built): its weights are dropped.
  const inModel = new Set(model.layers);
  for (const { layer, write } of fills) if (inModel.has(layer)) write();
  for (const { spec, layers, output: value } of traced) {
    trace?.push({
      name: spec.name,
      className: spec.className,
      layers: layers.map((layer) => ({ name: layer.name, className: layer.className })),
      outputShape: [...value.shape],
      isInModel: layers.length === 0 || layers.some((layer) => inModel.has(layer)),
    });
  }
  checkFiniteWeights(model, file);
  return model;
}

/** A layer name as model files take it: letters, digits, '_', '.', '-'. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function uniqueName(name: string, used: Set<string>): string {
  let unique = name;
  for (let suffix = 2; used.has(unique); suffix++) unique = `${name}_${suffix}`;
  used.add(unique);
  return unique;
}
