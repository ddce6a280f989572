// Merge layers join branches of a graph model: Add sums tensors (the residual connection of
// ResNets), Multiply takes their product (gates: x * sigmoid(g), attention masks), Subtract and
// Divide take two, Maximum and Minimum take the elementwise extreme of two or more (gradient to the
// selected input, ties split equally at each pairwise step, as torch.maximum), Concatenate joins them along the
// channels (Inception, DenseNet). The arithmetic ones broadcast in numpy's sense between inputs of one rank: a
// per-channel gate [1, 1, C] scales a map [H, W, C] (squeeze-and-excitation), and the gradient sums over the broadcast
// axes.

import { ShapeError } from '../core/errors.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { broadcastShape } from '../ops/broadcast.js';
import { add, concatenate, divide, maximum, minimum, multiply, subtract } from '../ops/shapeOps.js';
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
    if (inputShapes.length < 2)
      throw new ShapeError(`${this.label()}: merges at least 2 inputs, got ${inputShapes.length}`);
    return this.mergedShape(inputShapes);
  }

  override buildWith(inputShapes: readonly Shape[]): Shape {
    return this.outputShapeOf(inputShapes);
  }

  call(input: Tensor): Tensor {
    throw new ShapeError(
      `${this.label()}: merges several inputs; it runs inside a graph Model (got one tensor ` +
        `${formatShape(input.shape)})`,
    );
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }

  protected abstract mergedShape(inputShapes: readonly Shape[]): Shape;

  /** The layer's class and name, as error messages start. */
  protected label(): string {
    return `${this.className} '${this.name}'`;
  }
}

/**
 * The shape that inputs merged value by value broadcast to (per example, so the batch axis lines up:
 * every input must have the same rank); a ShapeError naming the layer and every shape otherwise.
 */
function commonShape(label: string, inputShapes: readonly Shape[], verb: string): Shape {
  const first = inputShapes[0]!;
  const describe = () => inputShapes.map(formatShape).join(' and ');
  if (inputShapes.some((shape) => shape.length !== first.length)) {
    throw new ShapeError(
      `${label}: inputs must have one rank to be ${verb} (extents may be 1 to broadcast), got ${describe()}`,
    );
  }
  try {
    return inputShapes.reduce((shape, next) => broadcastShape(shape, next, label), first);
  } catch {
    throw new ShapeError(
      `${label}: inputs must have one shape to be ${verb}, got ${describe()} (an extent of 1 broadcasts)`,
    );
  }
}

/** `op` applied to the inputs pairwise, left to right: ((a op b) op c) ... */
function foldInputs(inputs: readonly Tensor[], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return inputs.slice(1).reduce((merged, input) => op(merged, input), inputs[0]!);
}

/** A ShapeError unless there are exactly two inputs (Subtract, Divide). */
function checkTwoInputs(label: string, inputShapes: readonly Shape[]): void {
  if (inputShapes.length !== 2) throw new ShapeError(`${label}: takes exactly 2 inputs, got ${inputShapes.length}`);
}

/**
 * The elementwise sum of its inputs, which must have one shape or broadcast (numpy's rules, per example).
 *
 * @example
 * const out = new Add().apply([new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(x), x]);
 */
export class Add extends MergeLayer {
  readonly className = 'Add';

  /** The inputs' shapes broadcast together. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    return commonShape(this.label(), inputShapes, 'added');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return foldInputs(inputs, add);
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }
}

/**
 * The elementwise product of its inputs, which must have one shape or broadcast (numpy's rules, per
 * example; one rank). Throws ShapeError naming the layer and the shapes when they do not.
 *
 * @example
 * const gate = new Sigmoid().apply(new Conv2D({ filters: 16, kernelSize: 1 }).apply(pooled)); // [1, 1, 16]
 * const gated = new Multiply().apply([x, gate]); // x: [h, w, 16], squeeze-and-excitation
 */
export class Multiply extends MergeLayer {
  readonly className = 'Multiply';

  /** The inputs' shapes broadcast together. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    return commonShape(this.label(), inputShapes, 'multiplied');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return foldInputs(inputs, multiply);
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }
}

/**
 * The first input minus the second, elementwise with broadcasting (as Add). Throws ShapeError for
 * other than 2 inputs or shapes that do not broadcast.
 *
 * @example
 * const centred = new Subtract().apply([x, mean]); // [h, w, c] - [1, 1, c]
 */
export class Subtract extends MergeLayer {
  readonly className = 'Subtract';

  /** The two inputs' shapes broadcast together. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    checkTwoInputs(this.label(), inputShapes);
    return commonShape(this.label(), inputShapes, 'subtracted');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return subtract(inputs[0]!, inputs[1]!);
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }
}

/**
 * The first input divided by the second, elementwise with broadcasting (as Add). Throws ShapeError
 * for other than 2 inputs or shapes that do not broadcast.
 *
 * @example
 * const normalized = new Divide().apply([centred, deviation]); // [h, w, c] / [h, w, 1]
 */
export class Divide extends MergeLayer {
  readonly className = 'Divide';

  /** The two inputs' shapes broadcast together. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    checkTwoInputs(this.label(), inputShapes);
    return commonShape(this.label(), inputShapes, 'divided');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return divide(inputs[0]!, inputs[1]!);
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }
}

/**
 * The elementwise largest of its inputs, which must have one shape or broadcast (as Add). The
 * gradient goes to the largest; a tie of two splits it equally (as torch.maximum; inputs are taken
 * pairwise, left to right, so a tie of three gives the last 1/2 and the others 1/4).
 *
 * @example
 * const upper = new Maximum().apply([branchA, branchB]);
 */
export class Maximum extends MergeLayer {
  readonly className = 'Maximum';

  /** The inputs' shapes broadcast together. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    return commonShape(this.label(), inputShapes, 'compared');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return foldInputs(inputs, maximum);
  }
}

/**
 * The elementwise smallest of its inputs, as Maximum.
 *
 * @example
 * const lower = new Minimum().apply([branchA, branchB]);
 */
export class Minimum extends MergeLayer {
  readonly className = 'Minimum';

  /** The inputs' shapes broadcast together. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    return commonShape(this.label(), inputShapes, 'compared');
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return foldInputs(inputs, minimum);
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

  /** The inputs' shape with their channels summed; every other axis must agree. */
  protected mergedShape(inputShapes: readonly Shape[]): Shape {
    const first = inputShapes[0]!;
    const leading = first.slice(0, -1);
    const other = inputShapes.find(
      (shape) => shape.length !== first.length || !shapesEqual(shape.slice(0, -1), leading),
    );
    if (other !== undefined) {
      throw new ShapeError(
        `${this.label()}: inputs must agree on every axis but the channels, got ` +
          `${inputShapes.map(formatShape).join(' and ')}`,
      );
    }
    return [...leading, inputShapes.reduce((sum, shape) => sum + shape[shape.length - 1]!, 0)];
  }

  override callWith(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return concatenate(inputs, this.label());
  }
}
