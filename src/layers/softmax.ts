// Softmax: turns class scores (logits) into probabilities. During training the model fuses it with
// the cross-entropy loss (see model/sequential.ts), which is both faster and numerically stable.

import { ShapeError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { softmax } from '../ops/softmax.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

/** @example new Softmax() // 10 scores -> 10 probabilities summing to 1 */
export class Softmax extends Layer {
  readonly className = 'Softmax';

  constructor(options: LayerOptions = {}) {
    super(options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      throw new ShapeError(
        `Softmax '${this.name}': expects a vector of class scores but got ${formatShape(inputShape)}; add ` +
          `Flatten and Dense layers before it`,
      );
    }
    return inputShape;
  }

  call(input: Tensor): Tensor {
    return softmax(input);
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}
