// Weight initialisation. He (Kaiming) initialisation keeps the variance of activations constant
// through ReLU layers (He et al., 2015: Var(w) = 2 / fanIn); Glorot (Xavier) keeps it through
// symmetric activations such as tanh (Glorot and Bengio, 2010: Var(w) = 2 / (fanIn + fanOut)).

import type { DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { allocatePersistent } from '../kernels/registry.js';

/** Every weight initializer a layer accepts by name. */
export const INITIALIZERS = ['heNormal', 'heUniform', 'glorotNormal', 'glorotUniform', 'zeros', 'ones'] as const;
/** The name of a weight initializer (see INITIALIZERS). */
export type Initializer = (typeof INITIALIZERS)[number];

export function checkInitializer(value: string, what: string): Initializer {
  if (!(INITIALIZERS as readonly string[]).includes(value)) {
    throw new ValueError(`${what}: unknown initializer '${value}'; use one of ${INITIALIZERS.join(', ')}`);
  }
  return value as Initializer;
}

/** Values that weights may still take while a model file is loaded (null: no limit). */
let weightBudget: number | null = null;

/**
 * Runs `body` (building a model) with at most `values` weight values created: a model file's layers
 * may not make more weights than its weights file holds. Throws ValueError when they would.
 */
export function withWeightBudget<T>(values: number, body: () => T): T {
  const previous = weightBudget;
  weightBudget = values;
  try {
    return body();
  } finally {
    weightBudget = previous;
  }
}

/** A new zero weight [size] (a bias, a normalization's beta or moving mean): initializeWeights's 'zeros'. */
export function zeroWeights(size: number, context: { random: Random; dtype: DType }): Tensor {
  return initializeWeights('zeros', [size], 1, 1, context.random, context.dtype);
}

/** Fills a new tensor of `shape` according to `initializer`, given the layer's fan-in and fan-out. */
export function initializeWeights(
  initializer: Initializer,
  shape: Shape,
  fanIn: number,
  fanOut: number,
  random: Random,
  dtype: DType,
): Tensor {
  const size = sizeOf(shape);
  if (weightBudget !== null) {
    if (!(size <= weightBudget))
      throw new ValueError(
        `the layers need more weights than the weights file holds (a weight of ${formatShape(shape)})`,
      );
    weightBudget -= size;
  }
  // Weights live as long as their layer: on the WebAssembly backend, outside any scope.
  const data = allocatePersistent(dtype, size);
  const variance = initializer.startsWith('he') ? 2 / fanIn : 2 / (fanIn + fanOut);
  if (initializer === 'heNormal' || initializer === 'glorotNormal') {
    const deviation = Math.sqrt(variance);
    for (let index = 0; index < data.length; index++) data[index] = random.normal() * deviation;
  } else if (initializer === 'heUniform' || initializer === 'glorotUniform') {
    // A uniform distribution on [-limit, limit] has variance limit^2 / 3.
    const limit = Math.sqrt(3 * variance);
    for (let index = 0; index < data.length; index++) data[index] = (2 * random.uniform() - 1) * limit;
  } else if (initializer === 'ones') {
    data.fill(1);
  }
  return new Tensor(data, shape);
}
