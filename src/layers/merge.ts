// Merge layers join branches of a graph model: Add sums tensors of one shape (the residual
// connection of ResNets), Multiply takes their product (gates: x * sigmoid(g), attention masks),
// Concatenate joins them along the channels (Inception, DenseNet). No broadcasting: a per-channel
// gate (squeeze-and-excitation) must first have the shape of the map it gates.

import { ShapeError } from '../core/errors.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { add, concatenate, multiply } from '../ops/shapeOps.js';
import { Layer, type CallContext, type LayerConfig, type LayerOptions } from './layer.js';

abstract class MergeLayer extends Layer {
  constructor(options: LayerOptions = {}) {
    super(options);
  }

  override get isMerge(): boolean {
    return true;
  }

  /** A merge has no single-input shape; computeOutputShape takes the first input's for summaries. */
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override outputShapeOf(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length < 2) throw new ShapeError(`${this.label()}: merges at least 2 inputs, got ${inputShapes.length}`);
    return this.mergedShape(inputShapes);
  }

  override buildWith(inputShapes: readonly Shape[]): Shape {
    return this.outputShapeOf(inputShapes);
  }

  call(input: Tensor): Tensor {
    throw new ShapeError(`${this.label()}: merges several inputs; it runs inside a graph Model (got one tensor ${formatShape(input.shape)})`);
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }

  protected abstract mergedShape(inputShapes: readonly Shape[]): Shape;

  protected label(): string {
    return `${this.className} '${this.name}'`;
  }
}

/** The one shape of inputs merged value by value; a ShapeError naming the layer and every shape otherwise. */
function commonShape(label: string, inputShapes: readonly Shape[], verb: string): Shape {
  const first = inputShapes[0]!;
  const other = inputShapes.find((shape) => !shapesEqual(shape, first));
  if (other !== undefined) {
    throw new ShapeError(`${label}: inputs must have one shape to be ${verb}, got ${inputShapes.map(formatShape).join(' and ')}`);
  }
  return first;
}

/**
 * The elementwise sum of its inputs, which must have one shape.
 *
 * @example
 * const out = new Add().apply([new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(x), x]);
 */
export class Add extends MergeLayer {
  readonly className = 'Add';

  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    return commonShape(this.label(), inputShapes, 'added');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return inputs.slice(1).reduce((sum, input) => add(sum, input), inputs[0]!);
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }
}

/**
 * The elementwise product of its inputs, which must have one shape (Keras's Multiply). Throws
 * ShapeError naming the layer and the shapes when they differ.
 *
 * @example
 * const gate = new Sigmoid().apply(new Conv2D({ filters: 16, kernelSize: 1 }).apply(x));
 * const gated = new Multiply().apply([x, gate]); // x: [h, w, 16]
 */
export class Multiply extends MergeLayer {
  readonly className = 'Multiply';

  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    return commonShape(this.label(), inputShapes, 'multiplied');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return inputs.slice(1).reduce((product, input) => multiply(product, input), inputs[0]!);
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }
}

/**
 * Its inputs joined along the last axis (channels): 16x16x32 and 16x16x64 make 16x16x96.
 *
 * @example
 * const joined = new Concatenate().apply([branchA, branchB]);
 */
export class Concatenate extends MergeLayer {
  readonly className = 'Concatenate';

  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    const first = inputShapes[0]!;
    const leading = first.slice(0, -1);
    const other = inputShapes.find((shape) => shape.length !== first.length || !shapesEqual(shape.slice(0, -1), leading));
    if (other !== undefined) {
      throw new ShapeError(`${this.label()}: inputs must agree on every axis but the channels, got ${inputShapes.map(formatShape).join(' and ')}`);
    }
    return [...leading, inputShapes.reduce((sum, shape) => sum + shape[shape.length - 1]!, 0)];
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return concatenate(inputs, this.label());
  }
}
