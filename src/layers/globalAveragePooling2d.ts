// GlobalAveragePooling2D: each feature map becomes its mean, [height, width, channels] -> [channels].
// Often replaces Flatten + Dense at the end of a CNN (Lin et al., 2014, "Network in network").

import { ShapeError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { globalAveragePool2d } from '../ops/avgPool2d.js';
import { Layer, type CallContext, type LayerConfig, type LayerOptions } from './layer.js';

/** @example new GlobalAveragePooling2D() // 7x7x64 -> 64 */
export class GlobalAveragePooling2D extends Layer {
  readonly className = 'GlobalAveragePooling2D';

  constructor(options: LayerOptions = {}) {
    super(options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`${this.label()}: expects feature maps of height x width x channels but got ${formatShape(inputShape)}`);
    }
    return [inputShape[2]!];
  }

  call(input: Tensor, _context: CallContext): Tensor {
    return globalAveragePool2d(input, this.label());
  }

  /** One multiply-add per input value (the mean is a dot product with 1 / (height * width)). */
  override multiplyAdds(inputShape: Shape): number {
    return inputShape.length === 3 ? inputShape[0]! * inputShape[1]! * inputShape[2]! : 0;
  }

  override describeShape(inputShape: Shape): string {
    return inputShape.length === 3 ? `mean of each ${inputShape[0]}x${inputShape[1]} map` : '';
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }

  private label(): string {
    return `GlobalAveragePooling2D '${this.name}'`;
  }
}
