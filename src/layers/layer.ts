// The layer contract: configuration and weights, a forward pass written with ops (no maths of its
// own), the output shape for a given input shape, and a config that serialises it.

import type { DType } from '../core/dtype.js';
import type { Random } from '../core/random.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** Per-call state of the forward pass. */
export interface CallContext {
  isTraining: boolean;
}

/** What build() needs to create weights. */
export interface BuildContext {
  random: Random;
  dtype: DType;
}

/** A weight tensor with its name inside the layer ("kernel", "bias"). */
export interface NamedWeight {
  readonly name: string;
  readonly tensor: Tensor;
}

/** JSON-serialisable layer configuration. */
export type LayerConfig = Record<string, unknown> & { name?: string };

export interface LayerOptions {
  /** Unique name inside the model; the model assigns `<type>_<n>` when omitted. */
  name?: string;
}

/**
 * Base class of every layer. Shapes given to and returned by `build` and `computeOutputShape` are
 * per example (no batch axis): [height, width, channels] for images, [features] after Flatten.
 */
export abstract class Layer {
  /** Stable type name used in model files and summaries ("Conv2D"). */
  abstract readonly className: string;
  name: string;

  protected constructor(options: LayerOptions = {}) {
    this.name = options.name ?? '';
  }

  /** Output shape for an input shape; throws ShapeError naming the layer and both shapes. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Creates the weights for `inputShape` (after checking it) and returns the output shape. */
  build(inputShape: Shape, _context: BuildContext): Shape {
    return this.computeOutputShape(inputShape);
  }

  /** The forward pass on a batch. */
  abstract call(input: Tensor, context: CallContext): Tensor;

  /** Trainable weights, in a stable order. */
  weights(): NamedWeight[] {
    return [];
  }

  /** Multiply-adds per example for an input of `inputShape`. */
  multiplyAdds(_inputShape: Shape): number {
    return 0;
  }

  /** How the output shape follows from the input, for summaries (e.g. the conv size formula). */
  describeShape(_inputShape: Shape): string {
    return '';
  }

  /** The options this layer was made with (plus its name), enough to make it again. */
  abstract getConfig(): LayerConfig;
}
