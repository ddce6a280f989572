// Which model the user's files hold, and the model they make (run in the Model page's worker): an ONNX
// file, the two files `convnet train` saves (model.json + weights.safetensors), or a TF.js Layers model
// (its model.json and weight shards). The files are told apart by name and content, not by order.

import {
  FileFormatError,
  IMAGENET_CLASS_NAMES,
  importOnnx,
  isTfjsModelJson,
  parseModel,
  parseTfjsModel,
  preprocessingPreset,
  type Model,
  type Preprocessing,
} from 'convnet-ts';
import type { ModelDescription, ModelFile } from './protocol.js';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Each file's bytes: as the user chose them, or fetched from the page's URL (a bundled model). */
export function fetchModelFiles(files: readonly ModelFile[]): Promise<NamedBytes[]> {
  return Promise.all(
    files.map(async (file) => {
      if ('bytes' in file) return file;
      const response = await fetch(file.url);
      if (!response.ok) throw new Error(`${file.name}: the server answered ${response.status} ${response.statusText}`);
      return { name: file.name, bytes: new Uint8Array(await response.arrayBuffer()) };
    }),
  );
}

export interface LoadedFiles {
  model: Model;
  name: string;
  format: ModelDescription['format'];
  preprocessing: Preprocessing | null;
  preprocessingSource: ModelDescription['preprocessingSource'];
  classNames: string[];
  classNamesSource: string;
}

const decoder = new TextDecoder();

/** The file's name without the folders a folder input prefixes (webkitRelativePath). */
function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * The model `files` hold. Throws FileFormatError saying what is missing (a model.json without its
 * weights, files of no model format), or the library's error for a file it cannot read.
 */
export function loadModelFiles(files: readonly NamedBytes[]): LoadedFiles {
  const onnx = files.find((file) => /\.onnx$/i.test(file.name));
  if (onnx !== undefined) return fromOnnx(onnx);
  const manifest = files.find((file) => /\.json$/i.test(file.name));
  if (manifest === undefined) {
    const names = files.map((file) => baseName(file.name)).join(', ') || 'no files';
    throw new FileFormatError(
      names,
      'is not a model: choose an .onnx file, the model.json and weights.safetensors that `convnet train` ' +
        'saves, or a TF.js model.json with its weight files',
    );
  }
  let json: unknown;
  const text = decoder.decode(manifest.bytes);
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(
      baseName(manifest.name),
      `is not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return isTfjsModelJson(json) ? fromTfjs(manifest, json, files) : fromConvnet(manifest, text, files);
}

function fromOnnx(file: NamedBytes): LoadedFiles {
  const { model } = importOnnx(file.bytes, baseName(file.name));
  const fromFile = model.preprocessing;
  // A torchvision export carries no preprocessing: 3 channels and 1,000 classes are almost always ImageNet's.
  const isImageNetLike = model.inputShape.length === 3 && model.inputShape[2] === 3;
  const preprocessing = fromFile ?? (isImageNetLike ? (preprocessingPreset('imagenet') ?? null) : null);
  const names = model.classNames;
  const isImageNet = names === undefined && model.classes === IMAGENET_CLASS_NAMES.length;
  return {
    model,
    name: baseName(file.name),
    format: 'onnx',
    preprocessing,
    preprocessingSource: fromFile === undefined ? 'proposed' : 'file',
    classNames: names !== undefined ? [...names] : isImageNet ? [...IMAGENET_CLASS_NAMES] : indices(model.classes),
    classNamesSource:
      names !== undefined
        ? 'the model file'
        : isImageNet
          ? 'ImageNet (proposed: 1,000 classes)'
          : 'class indices (give a labels file)',
  };
}

function fromConvnet(manifest: NamedBytes, text: string, files: readonly NamedBytes[]): LoadedFiles {
  const weights = files.find((file) => /\.safetensors$/i.test(file.name));
  if (weights === undefined)
    throw new FileFormatError(
      baseName(manifest.name),
      'needs its weights: choose weights.safetensors with it (or the whole folder `convnet train` saved)',
    );
  const { model } = parseModel(text, weights.bytes, {
    manifest: baseName(manifest.name),
    weights: baseName(weights.name),
  });
  return described(model, baseName(manifest.name), 'convnet');
}

function fromTfjs(manifest: NamedBytes, json: unknown, files: readonly NamedBytes[]): LoadedFiles {
  // The shards in the manifest's order, found by their base names among the files chosen.
  const groups = (json as { weightsManifest?: { paths?: unknown }[] }).weightsManifest ?? [];
  const paths = groups.flatMap((group) => (Array.isArray(group.paths) ? group.paths.map(String) : []));
  const shards = paths.map((path) => {
    const shard = files.find((file) => baseName(file.name) === baseName(path));
    if (shard === undefined)
      throw new FileFormatError(
        baseName(manifest.name),
        `needs its weight file '${baseName(path)}': choose it with model.json`,
      );
    return shard.bytes;
  });
  return described(parseTfjsModel(json, shards, baseName(manifest.name)), baseName(manifest.name), 'tfjs');
}

function described(model: Model, name: string, format: 'convnet' | 'tfjs'): LoadedFiles {
  const names = model.classNames;
  return {
    model,
    name,
    format,
    preprocessing: model.preprocessing ?? null,
    preprocessingSource: 'file',
    classNames: names === undefined ? indices(model.classes) : [...names],
    classNamesSource: names === undefined ? 'class indices (give a labels file)' : 'the model file',
  };
}

function indices(count: number): string[] {
  return Array.from({ length: count }, (_, index) => String(index));
}
