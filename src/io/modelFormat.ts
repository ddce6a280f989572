// The model format, without files: model.json (versioned manifest: topology, layer configs, class
// names, preprocessing, training metadata) and weights.safetensors (every weight, named "<layer>/<weight>") as text
// and bytes, so the browser can load what the CLI saved. modelFile.ts reads and writes the folder.
// Parsing validates the manifest and every weight's shape, and the weights a manifest's layers create
// may not exceed what the weights file holds: a hostile manifest cannot make it allocate more.

import { checkJsonDepth } from './jsonDepth.js';
import { ConvNetError, FileFormatError, ValueError } from '../core/errors.js';
import { MAX_MANIFEST_BYTES, MAX_MODEL_LAYERS } from '../core/limits.js';
import { formatShape, shapesEqual } from '../core/shape.js';
import { checkPreprocessing, type Preprocessing } from '../image/preprocessing.js';
import type { Input } from '../layers/input.js';
import { withWeightBudget } from '../layers/initializers.js';
import type { LayerConfig } from '../layers/layer.js';
import { layerFromConfig } from '../layers/layerRegistry.js';
import { Model } from '../model/model.js';
import { Sequential } from '../model/sequential.js';
import { decodeSafetensors, encodeSafetensors, encodeSafetensorsAsync } from './safetensors.js';
import { checkFiniteWeights } from './weightChecks.js';

export const MODEL_FORMAT = 'convnet-ts-model';
/**
 * 2 added `inputs` to layers (graph models); 3 added `preprocessing` (how images become the input);
 * 4 added `trainable: false` to frozen layers. Versions 1 to 3 still load (every layer trainable).
 * A model with no frozen layer is written as version 3, so older readers still take it.
 */
export const MODEL_FORMAT_VERSION = 4;
export const MANIFEST_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
/** The most bytes a model.json may have (the value and its reason: core/limits.ts). */
export { MAX_MANIFEST_BYTES } from '../core/limits.js';

/** The parsed contents of model.json. */
export interface ModelManifest {
  /** Always MODEL_FORMAT, 'convnet-ts-model': tells a model.json of this library apart. */
  format: typeof MODEL_FORMAT;
  /** The format version, 1 to MODEL_FORMAT_VERSION; newer files are refused. */
  formatVersion: number;
  /** The weights' type. */
  dtype: 'float32' | 'float64';
  /** The model's seed (weight initialisation, Dropout's random numbers). */
  seed: number;
  /**
   * In order; `inputs` (indices of earlier layers) only in graph models: without it each layer reads the one before.
   */
  layers: {
    /** The layer's registered class name, e.g. 'Conv2D'. */
    className: string;
    /** What the layer's constructor takes back (Layer.getConfig). */
    config: LayerConfig;
    /** Indices of the earlier layers it reads (graph models only). */
    inputs?: number[] | undefined;
    /** Written (false) only for a frozen layer (since version 4). */
    trainable?: false | undefined;
  }[];
  /** Every weight in weights.safetensors, `<layer>/<weight>` by name, with its shape, in the model's order. */
  weights: {
    /** The weight's name in weights.safetensors, `<layer>/<weight>`. */
    name: string;
    /** The weight's shape. */
    shape: number[];
  }[];
  /** A name per class, by class index; absent when the model has none. */
  classNames?: string[] | undefined;
  /** How images become the model's input (since version 3); see Preprocessing. */
  preprocessing?: Preprocessing | undefined;
  /** Free-form facts about how the model was trained (dataset, epochs, accuracy, ...). */
  training?: Record<string, unknown> | undefined;
  /**
   * The named outputs (Model.outputNames and outputNodes: layer indices), the first the last layer;
   * written only when a model has several or names its output otherwise than its last layer. Files
   * without it have one output, named after the last layer.
   */
  outputs?:
    | {
        /** The output's name. */
        name: string;
        /** The index of the layer whose output it is. */
        layer: number;
      }[]
    | undefined;
}

/** Options of serializeModel, saveModel and model.save. */
export interface SaveOptions {
  /** A name per class, written instead of model.classNames (default: the model's, if it has any). */
  classNames?: readonly string[] | undefined;
  /** Written instead of model.preprocessing (default: the model's, if it has one). */
  preprocessing?: Preprocessing | undefined;
  /** Free-form facts about how the model was trained, written to model.json's `training`. */
  training?: Record<string, unknown> | undefined;
}

/** A model read by parseModel or loadModel, with the facts its manifest keeps. */
export interface LoadedModel {
  /** A Sequential for a chain of layers, a graph Model otherwise. */
  model: Model;
  /** The model.json it was read from, checked. */
  manifest: ModelManifest;
}

/**
 * A model's two files as text and bytes. Its weights are read synchronously: on a backend that reads
 * only asynchronously (WebGPU), use serializeModelAsync.
 *
 * @example
 * const { manifest, weights } = serializeModel(model, { classNames: MNIST_CLASS_NAMES });
 */
export function serializeModel(model: Model, options: SaveOptions = {}): { manifest: string; weights: Uint8Array } {
  return {
    manifest: manifestText(model, options),
    weights: encodeSafetensors(model.namedWeights(), { format: MODEL_FORMAT }),
  };
}

/**
 * serializeModel on every backend: the weights are read with `await tensor.data()`, so a model trained
 * on WebGPU is saved too. The same bytes as serializeModel where both run.
 *
 * @example
 * await model.fitAsync(x, labels, { epochs: 2 });
 * const { manifest, weights } = await serializeModelAsync(model);
 */
export async function serializeModelAsync(
  model: Model,
  options: SaveOptions = {},
): Promise<{ manifest: string; weights: Uint8Array }> {
  const manifest = manifestText(model, options);
  return { manifest, weights: await encodeSafetensorsAsync(model.namedWeights(), { format: MODEL_FORMAT }) };
}

/** model.json's text for `model` (checks the options' class names and preprocessing against it). */
function manifestText(model: Model, options: SaveOptions): string {
  const weights = model.namedWeights();
  const hasNamedOutputs =
    model.outputNodes.length > 1 || model.outputNames[0] !== model.layers[model.layers.length - 1]!.name;
  const isChain = model.isChain && !hasNamedOutputs;
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: model.layers.some((layer) => !layer.trainable) ? MODEL_FORMAT_VERSION : 3,
    dtype: model.dtype,
    seed: model.seed,
    layers: model.nodes.map(({ layer, inputs }) => ({
      className: layer.className,
      config: layer.getConfig(),
      ...(isChain ? {} : { inputs: [...inputs] }),
      ...(layer.trainable ? {} : { trainable: false as const }),
    })),
    weights: weights.map((weight) => ({ name: weight.name, shape: [...weight.tensor.shape] })),
  };
  const classNames = options.classNames === undefined ? model.classNames : checkedClassNames(model, options.classNames);
  if (classNames !== undefined) manifest.classNames = [...classNames];
  const preprocessing = options.preprocessing ?? model.preprocessing;
  if (preprocessing !== undefined) manifest.preprocessing = checkedPreprocessing(model, preprocessing);
  if (options.training !== undefined) manifest.training = options.training;
  if (hasNamedOutputs)
    manifest.outputs = model.outputNodes.map((layer, index) => ({ name: model.outputNames[index]!, layer }));
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * A model from the text of model.json and the bytes of weights.safetensors (as fetched in a browser
 * or read from a folder), its classNames set from the manifest's. Throws FileFormatError naming the file (`files` gives
 * their names) and field.
 *
 * @example
 * const { model } = parseModel(await (await fetch('model.json')).text(), new Uint8Array(await (await
 * fetch('weights.safetensors')).arrayBuffer()));
 */
export function parseModel(
  manifestText: string,
  weightsBytes: Uint8Array,
  files: { manifest?: string | undefined; weights?: string | undefined } = {},
): LoadedModel {
  const manifestPath = files.manifest ?? MANIFEST_FILE;
  const weightsPath = files.weights ?? WEIGHTS_FILE;
  const manifest = parseManifest(manifestText, manifestPath);
  const { tensors } = decodeSafetensors(weightsBytes, weightsPath);
  let model: Model;
  try {
    const layers = manifest.layers.map((layer) => layerFromConfig(layer.className, layer.config));
    layers.forEach((layer, index) => {
      layer.trainable = manifest.layers[index]!.trainable !== false;
    });
    const outputs = manifest.outputs;
    const options = {
      seed: manifest.seed,
      dtype: manifest.dtype,
      ...(outputs === undefined ? {} : { outputNames: outputs.map((output) => output.name) }),
    };
    // Every weight comes from the file: layers that would create more values than it holds are refused.
    const budget = [...tensors.values()].reduce((sum, tensor) => sum + tensor.size, 0);
    model = withWeightBudget(budget, () =>
      manifest.layers.some((layer) => layer.inputs !== undefined) || outputs !== undefined
        ? new Model(
            {
              nodes: layers.map((layer, index) => ({
                layer,
                inputs: manifest.layers[index]!.inputs ?? (index === 0 ? [] : [index - 1]),
              })),
              ...(outputs === undefined ? {} : { outputs: outputs.map((output) => output.layer) }),
            },
            options,
          )
        : new Sequential(layers, options),
    );
  } catch (error) {
    if (error instanceof ConvNetError) throw new FileFormatError(manifestPath, `layers: ${error.message}`);
    throw error;
  }
  for (const weight of model.namedWeights()) {
    const stored = tensors.get(weight.name);
    if (stored === undefined) throw new FileFormatError(weightsPath, `weight '${weight.name}' is missing`);
    if (!shapesEqual(stored.shape, weight.tensor.shape)) {
      throw new FileFormatError(
        weightsPath,
        `weight '${weight.name}' has shape ${formatShape(stored.shape)} but the model needs ` +
          `${formatShape(weight.tensor.shape)}`,
      );
    }
    weight.tensor.dataSync().set(stored.dataSync());
  }
  checkFiniteWeights(model, weightsPath);
  if (manifest.classNames !== undefined) {
    if (manifest.classNames.length !== model.classes) {
      throw new FileFormatError(
        manifestPath,
        `field 'classNames' names ${manifest.classNames.length} classes but the model has ${model.classes}`,
      );
    }
    model.setClassNames(manifest.classNames);
  }
  if (manifest.preprocessing !== undefined) {
    try {
      model.setPreprocessing(manifest.preprocessing);
    } catch (error) {
      if (error instanceof ValueError)
        throw new FileFormatError(manifestPath, `field 'preprocessing': ${error.message}`);
      throw error;
    }
  }
  return { model, manifest };
}

/** `names` as save options give them: ValueError unless one string per class. */
function checkedClassNames(model: Model, names: readonly string[]): readonly string[] {
  if (!Array.isArray(names) || names.length !== model.classes || !names.every((name) => typeof name === 'string')) {
    throw new ValueError(
      `serializeModel: classNames must be ${model.classes} strings, one per class, got ` +
        `${Array.isArray(names) ? `${names.length} entries` : typeof names}`,
    );
  }
  return names;
}

/** `preprocessing` as save options give it, checked against the model's input: ValueError otherwise. */
function checkedPreprocessing(model: Model, preprocessing: Preprocessing): Preprocessing {
  const input = model.layers[0] as Input;
  if (input.colorModel === null)
    throw new ValueError(
      `serializeModel: preprocessing applies to images, but input '${input.name}' takes feature vectors`,
    );
  return checkPreprocessing(preprocessing, input.shape[2]!);
}

function parseManifest(text: string, path: string): ModelManifest {
  if (text.length > MAX_MANIFEST_BYTES) throw new FileFormatError(path, `is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let manifest: unknown;
  checkJsonDepth(text, path);
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(path, `is not valid JSON (${(error as Error).message})`);
  }
  const record = manifest as Partial<ModelManifest> | null;
  if (typeof record !== 'object' || record === null || record.format !== MODEL_FORMAT) {
    throw new FileFormatError(path, `field 'format' must be "${MODEL_FORMAT}"`);
  }
  if (
    typeof record.formatVersion !== 'number' ||
    record.formatVersion > MODEL_FORMAT_VERSION ||
    record.formatVersion < 1
  ) {
    throw new FileFormatError(
      path,
      `field 'formatVersion' is ${record.formatVersion}; this version of ConvNet.ts reads versions 1 to ` +
        `${MODEL_FORMAT_VERSION} (upgrade convnet-ts to read newer files)`,
    );
  }
  if (record.dtype !== 'float32' && record.dtype !== 'float64')
    throw new FileFormatError(path, `field 'dtype' must be "float32" or "float64"`);
  if (typeof record.seed !== 'number') throw new FileFormatError(path, `field 'seed' must be a number`);
  if (
    !Array.isArray(record.layers) ||
    !record.layers.every(
      (layer) => typeof layer?.className === 'string' && typeof layer.config === 'object' && layer.config !== null,
    )
  ) {
    throw new FileFormatError(path, `field 'layers' must be a list of {className, config}`);
  }
  // Before any layer is made: 500,000 layers fit in the manifest's size limit.
  if (record.layers.length > MAX_MODEL_LAYERS) {
    throw new FileFormatError(
      path,
      `field 'layers' lists ${record.layers.length.toLocaleString('en-US')} layers, more than the ` +
        `${MAX_MODEL_LAYERS.toLocaleString('en-US')} a model may have`,
    );
  }
  const badInputs = record.layers.findIndex(
    (layer, index) =>
      layer.inputs !== undefined &&
      !(
        Array.isArray(layer.inputs) &&
        layer.inputs.every((input) => Number.isInteger(input) && input >= 0 && input < index)
      ),
  );
  if (badInputs >= 0)
    throw new FileFormatError(path, `field 'layers[${badInputs}].inputs' must list indices of earlier layers`);
  const badTrainable = record.layers.findIndex((layer) => layer.trainable !== undefined && layer.trainable !== false);
  if (badTrainable >= 0)
    throw new FileFormatError(path, `field 'layers[${badTrainable}].trainable' must be false or absent`);
  if (
    record.classNames !== undefined &&
    (!Array.isArray(record.classNames) || !record.classNames.every((name) => typeof name === 'string'))
  ) {
    throw new FileFormatError(path, `field 'classNames' must be a list of strings`);
  }
  const outputs = record.outputs;
  if (
    outputs !== undefined &&
    (!Array.isArray(outputs) ||
      outputs.length === 0 ||
      outputs.length > MAX_MODEL_LAYERS ||
      !outputs.every(
        (output) =>
          typeof output === 'object' &&
          output !== null &&
          typeof output.name === 'string' &&
          Number.isInteger(output.layer),
      ))
  ) {
    throw new FileFormatError(
      path,
      `field 'outputs' must be a list of { name, layer } records (a string and a layer index)`,
    );
  }
  return record as ModelManifest;
}
