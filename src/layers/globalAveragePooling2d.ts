// GlobalAveragePooling2D: each feature map becomes its mean, [height, width, channels] -> [channels]
// (or [1, 1, channels] with keepDims, as a squeeze-and-excitation gate reads it: Hu et al., 2018).
// Often replaces Flatten + Dense at the end of a CNN (Lin et al., 2014, "Network in network").

import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { globalAveragePool2d } from '../ops/avgPool2d.js';
import { reshape } from '../ops/shapeOps.js';
import { checkHeightWidthChannels, Layer, type CallContext, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the GlobalAveragePooling2D layer. */
export interface GlobalAveragePooling2DOptions extends LayerOptions {
  /** Keep the pooled axes: output [1, 1, channels] instead of [channels]. Default false. */
  keepDims?: boolean | undefined;
}

/**
 * @example
 * new GlobalAveragePooling2D() // 7x7x64 -> 64
 * new GlobalAveragePooling2D({ keepDims: true }) // 7x7x64 -> 1x1x64
 */
export class GlobalAveragePooling2D extends Layer {
  readonly className = 'GlobalAveragePooling2D';
  /** Whether the output keeps the pooled axes: [1, 1, channels] instead of [channels]. */
  readonly keepDims: boolean;

  constructor(options: GlobalAveragePooling2DOptions = {}) {
    super(options);
    this.keepDims = options.keepDims === true;
  }

  computeOutputShape(inputShape: Shape): Shape {
    checkHeightWidthChannels(this.label(), inputShape, 'feature maps');
    return this.keepDims ? [1, 1, inputShape[2]!] : [inputShape[2]!];
  }

  call(input: Tensor, _context: CallContext): Tensor {
    const pooled = globalAveragePool2d(input, this.label());
    return this.keepDims ? reshape(pooled, [input.shape[0]!, 1, 1, input.shape[3]!]) : pooled;
  }

  /** One multiply-add per input value (the mean is a dot product with 1 / (height * width)). */
  override multiplyAdds(inputShape: Shape): number {
    return inputShape.length === 3 ? inputShape[0]! * inputShape[1]! * inputShape[2]! : 0;
  }

  override describeShape(inputShape: Shape): string {
    return inputShape.length === 3 ? `mean of each ${inputShape[0]}x${inputShape[1]} map` : '';
  }

  getConfig(): LayerConfig {
    return this.keepDims ? { name: this.name, keepDims: true } : { name: this.name };
  }

  private label(): string {
    return `GlobalAveragePooling2D '${this.name}'`;
  }
}
