// The resource policy's bounds on a model graph (values and reasons: core/limits.ts), checked while
// the graph is built, before any layer's output is allocated: the layer count, each feature map's
// values per example, all of them together, and the multiply-adds of one forward pass. Model applies them to every
// model; the ONNX importer applies them node by node too, so its error names the node.

import { ShapeError, ValueError } from '../core/errors.js';
import {
  MAX_EXAMPLE_ACTIVATION_ELEMENTS,
  MAX_EXAMPLE_MULTIPLY_ADDS,
  MAX_FEATURE_MAP_ELEMENTS,
  MAX_MODEL_LAYERS,
} from '../core/limits.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Layer } from '../layers/layer.js';
import { Pool2DLayer } from '../layers/pool2d.js';

/** Throws ValueError when `count` layers are more than a model may have. */
export function checkLayerCount(count: number, what: string): void {
  if (count > MAX_MODEL_LAYERS) {
    throw new ValueError(
      `${what}: ${count.toLocaleString('en-US')} layers, more than the ` +
        `${MAX_MODEL_LAYERS.toLocaleString('en-US')} a model may have`,
    );
  }
}

/** The multiply-adds of `layer` on one example of `inputShape`, a pooling window's every value counted as one. */
function workOf(layer: Layer, inputShape: Shape, outputShape: Shape): number {
  // MaxPool2D reports no multiply-adds, yet visits every value of every window.
  if (layer instanceof Pool2DLayer) return sizeOf(outputShape) * layer.poolSize[0] * layer.poolSize[1];
  return layer.multiplyAdds(inputShape);
}

/**
 * Adds up what one example's forward pass holds and does: every layer's output (all held until the
 * pass ends) and its multiply-adds. add() throws ShapeError when one map, all maps so far or all the
 * work so far pass the limits; its message is `where` (e.g. "Model: layer conv_1 (Conv2D) output ")
 * followed by the output's shape and the figures.
 */
export class GraphTally {
  /** Values of all feature maps so far, per example. */
  elements = 0;
  /** Multiply-adds so far, per example. */
  multiplyAdds = 0;

  add(layer: Layer, inputShape: Shape, outputShape: Shape, where: string): void {
    const size = sizeOf(outputShape);
    const shape = formatShape(outputShape);
    if (!(size <= MAX_FEATURE_MAP_ELEMENTS)) {
      throw new ShapeError(
        `${where}${shape} has ${size.toLocaleString('en-US')} values per example, ` +
          `more than the ${MAX_FEATURE_MAP_ELEMENTS.toLocaleString('en-US')} a feature map may have`,
      );
    }
    this.elements += size;
    if (this.elements > MAX_EXAMPLE_ACTIVATION_ELEMENTS) {
      throw new ShapeError(
        `${where}${shape} brings the feature maps to ${this.elements.toLocaleString('en-US')} values per example, ` +
          `more than the ${MAX_EXAMPLE_ACTIVATION_ELEMENTS.toLocaleString('en-US')} one forward pass may hold`,
      );
    }
    const work = workOf(layer, inputShape, outputShape);
    this.multiplyAdds += work;
    if (!(this.multiplyAdds <= MAX_EXAMPLE_MULTIPLY_ADDS)) {
      throw new ShapeError(
        `${where}${shape} takes ${work.toLocaleString('en-US')} multiply-adds per example (a pooling ` +
          `window's values counted as one each), ` +
          `bringing the model to ${this.multiplyAdds.toLocaleString('en-US')}, more than the ` +
          `${MAX_EXAMPLE_MULTIPLY_ADDS.toLocaleString('en-US')} one forward pass may take`,
      );
    }
  }
}
