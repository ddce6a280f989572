// LayerNormalization: normalizes each position's channels (the last axis) by their own mean and
// variance, then scales and shifts them per channel; no batch statistics, so training and inference
// compute alike. ConvNeXt's LayerNorm2d on NHWC maps, and a transformer's LayerNorm on vectors.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { layerNormalization } from '../ops/layerNorm.js';
import { initializeWeights, zeroWeights } from './initializers.js';
import {
  Layer,
  notBuiltError,
  type BuildContext,
  type LayerConfig,
  type LayerOptions,
  type NamedWeight,
} from './layer.js';

/** Options of the LayerNormalization layer. */
export interface LayerNormalizationOptions extends LayerOptions {
  /** Added to the variance before the square root; default 1e-5 (PyTorch, ONNX; ConvNeXt uses 1e-6, Keras 1e-3). */
  epsilon?: number | undefined;
}

/**
 * Layer normalization over the channels: [H, W, C] or [C] in, the same shape out; gamma (ones) and
 * beta (zeros) of C values each are trained. Throws ValueError for epsilon not positive.
 *
 * @example
 * new LayerNormalization({ epsilon: 1e-6 }); // ConvNeXt's LayerNorm2d
 */
export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  /** Added to the variance before its square root. */
  readonly epsilon: number;
  /** The scale per channel, [channels]; null until the layer is built. */
  gamma: Tensor | null = null;
  /** The offset per channel, [channels]; null until the layer is built. */
  beta: Tensor | null = null;

  constructor(options: LayerNormalizationOptions = {}) {
    super(options);
    this.epsilon = options.epsilon ?? 1e-5;
    if (!(this.epsilon > 0))
      throw new ValueError(`LayerNormalization epsilon must be positive, got ${options.epsilon}`);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3 && inputShape.length !== 1) {
      throw new ShapeError(
        `LayerNormalization '${this.name}': takes [height, width, channels] or [features], got ` +
          `${formatShape(inputShape)}`,
      );
    }
    return inputShape;
  }

  override build(inputShape: Shape, context: BuildContext): Shape {
    const outputShape = this.computeOutputShape(inputShape);
    const channels = inputShape[inputShape.length - 1]!;
    this.gamma = initializeWeights('ones', [channels], 1, 1, context.random, context.dtype);
    this.beta = zeroWeights(channels, context);
    return outputShape;
  }

  call(input: Tensor): Tensor {
    if (this.gamma === null || this.beta === null) throw notBuiltError(`LayerNormalization '${this.name}'`);
    return layerNormalization(input, this.gamma, this.beta, this.epsilon, `LayerNormalization '${this.name}'`);
  }

  override weights(): NamedWeight[] {
    return this.gamma === null || this.beta === null
      ? []
      : [
          { name: 'gamma', tensor: this.gamma },
          { name: 'beta', tensor: this.beta },
        ];
  }

  override multiplyAdds(inputShape: Shape): number {
    return 4 * inputShape.reduce((product, extent) => product * extent, 1);
  }

  getConfig(): LayerConfig {
    return { name: this.name, epsilon: this.epsilon };
  }
}
