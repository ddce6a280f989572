// Shared pieces of the layer test files (test/layers/*.test.ts): a config round trip through JSON and the
// layer registry, a float64 batch, a model of a few layers, and the contexts a layer is built and called with
// outside a model.

import assert from 'node:assert/strict';
import { type Layer, layerFromConfig, Random, Sequential, Tensor } from '../../src/index.js';

/** Calls a layer outside training (no dropout, moving statistics). */
export const INFERENCE = { isTraining: false };

/** Builds a layer's weights in float64 from a fixed seed. */
export const FLOAT64_BUILD = { random: new Random(1), dtype: 'float64' as const };

/** A float64 tensor of `values` with `shape`. */
export function float64(values: number[], shape: readonly number[]): Tensor {
  return Tensor.fromArray(values, shape, 'float64');
}

/** The layer's config survives JSON and the registry: the rebuilt layer has the same class and config. */
export function assertConfigRoundTrip(layer: Layer): void {
  const config = layer.getConfig();
  const copy = layerFromConfig(layer.className, JSON.parse(JSON.stringify(config)) as Record<string, unknown>);
  assert.equal(copy.className, layer.className);
  assert.deepEqual(copy.getConfig(), config);
}

/** A Sequential model of `layers`: building it checks every layer's input shape. */
export function sequential(...layers: Layer[]): Sequential {
  return new Sequential(layers);
}
