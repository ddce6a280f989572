// The input layer: declares the shape of one example, height x width x channels for images.

import { ShapeError } from '../core/errors.js';
import { checkShape, formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

export interface InputOptions extends LayerOptions {
  /** [height, width, channels] with 1 (gray), 3 (RGB) or 4 (RGBA) channels; or [features]. */
  shape: Shape;
}

/**
 * Declares the per-example input shape; the first layer of every model.
 *
 * @example
 * new Input({ shape: [28, 28, 1] }) // gray 28x28 images
 */
export class Input extends Layer {
  readonly className = 'Input';
  readonly shape: Shape;

  constructor(options: InputOptions) {
    super(options);
    const shape = [...options.shape];
    checkShape(shape, 'Input');
    if (shape.length === 3 && ![1, 3, 4].includes(shape[2]!)) {
      throw new ShapeError(
        `Input: images have 1 (gray), 3 (RGB) or 4 (RGBA) channels, got ${formatShape(shape)} (${shape[2]} channels)`,
      );
    }
    if (shape.length !== 3 && shape.length !== 1) {
      throw new ShapeError(`Input: shape must be [height, width, channels] or [features], got [${shape.join(', ')}]`);
    }
    this.shape = shape;
  }

  computeOutputShape(): Shape {
    return this.shape;
  }

  call(input: Tensor): Tensor {
    const perExample = input.shape.slice(1);
    if (perExample.length !== this.shape.length || perExample.some((dimension, axis) => dimension !== this.shape[axis])) {
      throw new ShapeError(
        `Input '${this.name}': the model takes batches of ${formatShape(this.shape)} examples ` +
          `([batch, ${this.shape.join(', ')}]) but got ${formatShape(input.shape)}`,
      );
    }
    return input;
  }

  getConfig(): LayerConfig {
    return { name: this.name, shape: [...this.shape] };
  }
}
