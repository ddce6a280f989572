// Reshape: the same values of each example seen with another shape, in row-major (NHWC) order, as
// Keras's and TF.js's Reshape. It lets an imported model turn a vector back into feature maps.
// Known limit: the target is [features] or [height, width, channels], the shapes the other layers take.

import { ShapeError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/shapeOps.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the Reshape layer. */
export interface ReshapeOptions extends LayerOptions {
  /** The shape of one example: [features] or [height, width, channels]; one size may be -1 (inferred). */
  targetShape: readonly number[];
}

/**
 * Views each example with `targetShape`. Throws ShapeError naming the layer and both shapes when the
 * sizes do not agree.
 *
 * @example
 * new Reshape({ targetShape: [7, 7, 64] }) // 3136 -> 7x7x64
 */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  /** The shape each example is viewed with. */
  readonly targetShape: readonly number[];

  constructor(options: ReshapeOptions) {
    super(options);
    const target = options.targetShape;
    const isValid =
      Array.isArray(target) &&
      (target.length === 1 || target.length === 3) &&
      target.every((size) => Number.isSafeInteger(size) && (size > 0 || size === -1)) &&
      target.filter((size) => size === -1).length <= 1;
    if (!isValid)
      throw new ShapeError(
        `Reshape: targetShape must be [features] or [height, width, channels] of positive sizes (one may be ` +
          `-1), got ${describe(target)}`,
      );
    this.targetShape = Object.freeze([...target]);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const size = sizeOf(inputShape);
    const known = this.targetShape
      .filter((dimension) => dimension !== -1)
      .reduce((product, dimension) => product * dimension, 1);
    const shape = this.targetShape.map((dimension) => (dimension === -1 ? size / known : dimension));
    if (!shape.every((dimension) => Number.isSafeInteger(dimension) && dimension > 0) || sizeOf(shape) !== size) {
      throw new ShapeError(
        `Reshape '${this.name}': cannot view ${formatShape(inputShape)} (${size} values) as ` +
          `${formatShape(this.targetShape)}`,
      );
    }
    return shape;
  }

  call(input: Tensor): Tensor {
    return reshape(input, [input.shape[0]!, ...this.computeOutputShape(input.shape.slice(1))]);
  }

  getConfig(): LayerConfig {
    return { name: this.name, targetShape: [...this.targetShape] };
  }
}

/** A short description of a value that may be anything (it came from a file). */
function describe(value: unknown): string {
  return Array.isArray(value) && value.length <= 16 && value.every((entry) => typeof entry === 'number')
    ? `[${value.join(', ')}]`
    : `a ${Array.isArray(value) ? `list of ${value.length}` : typeof value}`;
}
