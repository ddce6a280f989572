// The resource policy's bounds on a model graph (values and reasons: core/limits.ts), checked while
// the graph is built, before any layer's output is allocated: the layer count, each feature map's
// values per example, and all of them together. Model applies them to every model; the ONNX importer
// applies them node by node too, so its error names the node.

import { ShapeError, ValueError } from '../core/errors.js';
import { MAX_EXAMPLE_ACTIVATION_ELEMENTS, MAX_FEATURE_MAP_ELEMENTS, MAX_MODEL_LAYERS } from '../core/limits.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';

/** Throws ValueError when `count` layers are more than a model may have. */
export function checkLayerCount(count: number, what: string): void {
  if (count > MAX_MODEL_LAYERS) {
    throw new ValueError(`${what}: ${count.toLocaleString('en-US')} layers, more than the ${MAX_MODEL_LAYERS.toLocaleString('en-US')} a model may have`);
  }
}

/**
 * Adds up the feature maps of one example's forward pass (every layer's output, all held until the
 * pass ends). add() throws ShapeError when one map, or all of them so far, pass the limits; its
 * message is `where` (e.g. "Model: layer conv_1 (Conv2D) output ") followed by the shape and figures.
 */
export class ActivationTally {
  total = 0;

  add(shape: Shape, where: string): void {
    const size = sizeOf(shape);
    if (!(size <= MAX_FEATURE_MAP_ELEMENTS)) {
      throw new ShapeError(
        `${where}${formatShape(shape)} has ${size.toLocaleString('en-US')} values per example, ` +
          `more than the ${MAX_FEATURE_MAP_ELEMENTS.toLocaleString('en-US')} a feature map may have`,
      );
    }
    this.total += size;
    if (this.total > MAX_EXAMPLE_ACTIVATION_ELEMENTS) {
      throw new ShapeError(
        `${where}${formatShape(shape)} brings the feature maps to ${this.total.toLocaleString('en-US')} values per example, ` +
          `more than the ${MAX_EXAMPLE_ACTIVATION_ELEMENTS.toLocaleString('en-US')} one forward pass may hold`,
      );
    }
  }
}
