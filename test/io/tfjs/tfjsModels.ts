// TF.js models for the importer's tests: built and saved with @tensorflow/tfjs (CPU backend) in the
// test itself, written as TF.js's file handler writes them (model.json + .bin shards), and run with
// TF.js for the expected outputs.

import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random, Tensor } from '../../../src/index.js';

await tf.setBackend('cpu');

export { tf };

/** What TF.js's file handler writes: model.json's content and the shard files' bytes. */
export interface SavedTfjs {
  modelJson: {
    format: string;
    generatedBy: string;
    convertedBy: string | null;
    modelTopology: Record<string, unknown>;
    weightsManifest: {
      paths: string[];
      weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
    }[];
  };
  shards: Uint8Array[];
}

/** Saves `model` in memory, its weights split into shards of `shardBytes` (TF.js writes 4 MiB ones). */
export async function saveTfjs(model: tf.LayersModel, shardBytes = 4 * 1024 * 1024): Promise<SavedTfjs> {
  let saved: SavedTfjs | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data =
        artifacts.weightData instanceof ArrayBuffer
          ? new Uint8Array(artifacts.weightData)
          : new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]));
      const shards: Uint8Array[] = [];
      for (let start = 0; start < data.length; start += shardBytes) shards.push(data.slice(start, start + shardBytes));
      const paths = shards.map((_, index) => `group1-shard${index + 1}of${shards.length}.bin`);
      saved = {
        modelJson: {
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy ?? '',
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology as Record<string, unknown>,
          weightsManifest: [
            { paths, weights: artifacts.weightSpecs as SavedTfjs['modelJson']['weightsManifest'][0]['weights'] },
          ],
        },
        shards,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** Writes a saved model into `folder` as model.json and its shards; returns the model.json's path. */
export function writeTfjsFolder(folder: string, saved: SavedTfjs): string {
  mkdirSync(folder, { recursive: true });
  const paths = saved.modelJson.weightsManifest.flatMap((group) => group.paths);
  paths.forEach((path, index) => {
    writeFileSync(join(folder, path), saved.shards[index]!);
  });
  writeFileSync(join(folder, 'model.json'), JSON.stringify(saved.modelJson));
  return join(folder, 'model.json');
}

/** Seeded uniform values in [low, high). */
export function uniformValues(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: count }, () => low + (high - low) * random.uniform());
}

/** Every weight of `model` set to seeded random values; batch norms get a positive variance (as trained ones have). */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const weights = model.weights.map((weight, index) => {
    const isVariance = weight.name.includes('moving_variance');
    const shape = weight.shape as number[];
    const values = uniformValues(
      shape.reduce((a, b) => a * b, 1),
      seed + index,
      isVariance ? 0.5 : -0.5,
      isVariance ? 1.5 : 0.5,
    );
    return tf.tensor(values, shape);
  });
  model.setWeights(weights);
}

/** The same batch for TF.js and for ConvNet.ts. */
export function inputBatch(shape: readonly number[], seed: number): { tfInput: tf.Tensor; input: Tensor } {
  const values = uniformValues(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  return { tfInput: tf.tensor(values, [...shape]), input: Tensor.fromArray(values, shape) };
}

/** The largest difference of two outputs, relative to the range of the expected one (at least 1). */
export function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let low = Infinity;
  let high = -Infinity;
  let worst = 0;
  for (let index = 0; index < expected.length; index++) {
    low = Math.min(low, expected[index]!);
    high = Math.max(high, expected[index]!);
    worst = Math.max(worst, Math.abs(actual[index]! - expected[index]!));
  }
  if (actual.length !== expected.length) return Infinity;
  return worst / Math.max(1, high - low);
}
