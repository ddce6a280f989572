// Flatten: turns each example's H x W x C feature maps into one vector of H*W*C values (NHWC order).

import { sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/shapeOps.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

/** @example new Flatten() // 7x7x64 -> 3136 */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(options: LayerOptions = {}) {
    super(options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [sizeOf(inputShape)];
  }

  override describeShape(inputShape: Shape): string {
    return inputShape.length > 1 ? `${inputShape.join(' * ')} = ${sizeOf(inputShape)}` : '';
  }

  call(input: Tensor): Tensor {
    return reshape(input, [input.shape[0]!, sizeOf(input.shape.slice(1))]);
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}
