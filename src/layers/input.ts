// The input layer: declares the shape of one example, height x width x channels for images.

import { ShapeError } from '../core/errors.js';
import { checkShape, formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { channelsOf, checkColorModel, defaultColorModel, type ColorModel } from '../image/colorModels.js';
import { Layer, SymbolicTensor, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the Input layer. */
export interface InputOptions extends LayerOptions {
  /** [height, width, channels] with 1 (gray), 3 (RGB, HSV) or 4 (RGBA, CMYK) channels; or [features]. */
  shape: Shape;
  /** The color model images must be in; default gray, RGB or RGBA by channel count. */
  colorModel?: ColorModel | undefined;
}

/**
 * Declares the per-example input shape; the first layer of every model.
 *
 * @example
 * new Input({ shape: [28, 28, 1] }) // gray 28x28 images
 */
export class Input extends Layer {
  readonly className = 'Input';
  /** The shape of one example, without the batch axis, e.g. [28, 28, 1]. */
  readonly shape: Shape;
  /** The color model of the images this input takes (null for flat feature vectors). */
  readonly colorModel: ColorModel | null;

  constructor(options: InputOptions) {
    super(options);
    if (!Array.isArray(options.shape))
      throw new ShapeError(`Input: shape must be a list of sizes, got ${JSON.stringify(options.shape)}`);
    const shape = [...options.shape];
    checkShape(shape, 'Input');
    if (shape.length === 3 && ![1, 3, 4].includes(shape[2]!)) {
      throw new ShapeError(
        `Input: images have 1 (gray), 3 (RGB, HSV) or 4 (RGBA, CMYK) channels, got ${formatShape(shape)} ` +
          `(${shape[2]} channels)`,
      );
    }
    if (options.colorModel !== undefined) {
      const colorModel = checkColorModel(options.colorModel, 'Input colorModel');
      if (shape.length !== 3 || channelsOf(colorModel) !== shape[2]) {
        throw new ShapeError(
          `Input: color model ${colorModel} has ${channelsOf(colorModel)} channels but the shape is ` +
            `${formatShape(shape)}`,
        );
      }
    }
    this.colorModel = shape.length === 3 ? (options.colorModel ?? defaultColorModel(shape[2]!)) : null;
    if (shape.length !== 3 && shape.length !== 1) {
      throw new ShapeError(`Input: shape must be [height, width, channels] or [features], got [${shape.join(', ')}]`);
    }
    this.shape = shape;
  }

  /** The start of a graph model: apply layers to this (see Layer.apply and Model). */
  get output(): SymbolicTensor {
    this.symbolic ??= new SymbolicTensor(this.shape, this, []);
    return this.symbolic;
  }

  private symbolic: SymbolicTensor | null = null;

  override outputShapeOf(): Shape {
    throw new ShapeError(`Input '${this.name}': an Input starts a graph; use input.output instead of applying it`);
  }

  override buildWith(): Shape {
    return this.shape;
  }

  computeOutputShape(): Shape {
    return this.shape;
  }

  call(input: Tensor): Tensor {
    const perExample = input.shape.slice(1);
    if (
      perExample.length !== this.shape.length ||
      perExample.some((dimension, axis) => dimension !== this.shape[axis])
    ) {
      throw new ShapeError(
        `Input '${this.name}': the model takes batches of ${formatShape(this.shape)} examples ` +
          `([batch, ${this.shape.join(', ')}]) but got ${formatShape(input.shape)}`,
      );
    }
    return input;
  }

  getConfig(): LayerConfig {
    return this.colorModel === null
      ? { name: this.name, shape: [...this.shape] }
      : { name: this.name, shape: [...this.shape], colorModel: this.colorModel };
  }
}
