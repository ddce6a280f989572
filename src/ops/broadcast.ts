// Arithmetic with numpy broadcasting: add, subtract, multiply and divide of tensors whose shapes
// agree axis by axis from the right, where a 1 stretches to the other's extent (a squeeze-and-
// excitation gate [N, 1, 1, C] times a map [N, H, W, C]; a per-channel constant [C] added to it).
// The gradient of an operand is the upstream gradient (times the partial derivative) summed over
// the axes it was stretched along: ReduceSumTo. Shapes are folded here into BROADCAST_RANK axes
// with operand strides, so kernels see at most 6 axes and a last axis of stride 1 or 0.

import { ShapeError } from '../core/errors.js';
import { formatShape, shapesEqual, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import {
  BROADCAST_RANK,
  type ArithmeticOperation,
  type BroadcastParams,
  type ReduceSumToParams,
} from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { checkSameDtype } from './checks.js';

/** What the backward rule of BroadcastArithmetic needs. */
export interface BroadcastSaved {
  operation: ArithmeticOperation;
}

/**
 * The shape that `a` and `b` broadcast to (numpy's rules: right-aligned, equal extents or 1).
 * Throws ShapeError naming `name` and both shapes otherwise.
 *
 * @example
 * broadcastShape([8, 7, 7, 32], [8, 1, 1, 32]); // [8, 7, 7, 32]
 */
export function broadcastShape(a: Shape, b: Shape, name = 'broadcast'): Shape {
  const rank = Math.max(a.length, b.length);
  const shape: number[] = [];
  for (let axis = 0; axis < rank; axis++) {
    const aExtent = a[a.length - rank + axis] ?? 1;
    const bExtent = b[b.length - rank + axis] ?? 1;
    if (aExtent !== bExtent && aExtent !== 1 && bExtent !== 1) {
      throw new ShapeError(
        `${name}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (axis ${axis} from the ` +
          `left of the longer: ${aExtent} against ${bExtent})`,
      );
    }
    shape.push(aExtent === 1 ? bExtent : aExtent);
  }
  return shape;
}

/**
 * Row-major strides of `shape` right-aligned in `rank` axes, 0 where the extent is 1 (broadcast or not, it is never
 * stepped).
 */
function broadcastStrides(shape: Shape, rank: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let axis = 0; axis < shape.length; axis++) {
    const extent = shape[shape.length - 1 - axis]!;
    strides[rank - 1 - axis] = extent === 1 ? 0 : stride;
    stride *= extent;
  }
  return strides;
}

/**
 * The output shape and each operand's strides, folded: axes of extent 1 dropped, and neighbours
 * merged where every operand steps through both as through one (contiguous in both, or broadcast
 * along both). Then padded to BROADCAST_RANK with leading axes of extent 1. A ShapeError for
 * broadcasts that still need more axes (alternating patterns on tensors of rank 7 and more).
 */
function foldAxes(outShape: Shape, operands: readonly Shape[], name: string): { shape: number[]; strides: number[][] } {
  const rank = outShape.length;
  const allStrides = operands.map((shape) => broadcastStrides(shape, rank));
  const shape: number[] = [];
  const strides: number[][] = operands.map(() => []);
  for (let axis = 0; axis < rank; axis++) {
    const extent = outShape[axis]!;
    if (extent === 1) continue;
    const last = shape.length - 1;
    const isMergeable =
      last >= 0 &&
      allStrides.every((operandStrides, operand) => strides[operand]![last] === operandStrides[axis]! * extent);
    if (isMergeable) {
      shape[last] = shape[last]! * extent;
      allStrides.forEach((operandStrides, operand) => {
        strides[operand]![last] = operandStrides[axis]!;
      });
    } else {
      shape.push(extent);
      allStrides.forEach((operandStrides, operand) => {
        strides[operand]!.push(operandStrides[axis]!);
      });
    }
  }
  if (shape.length > BROADCAST_RANK) {
    throw new ShapeError(
      `${name}: broadcasting ${operands.map(formatShape).join(' and ')} needs ${shape.length} axes after ` +
        `folding; at most ${BROADCAST_RANK} are supported`,
    );
  }
  const padding = BROADCAST_RANK - shape.length;
  return {
    shape: [...new Array<number>(padding).fill(1), ...shape],
    strides: strides.map((operandStrides) => [...new Array<number>(padding).fill(0), ...operandStrides]),
  };
}

/** The BroadcastArithmetic params record of a (op) b for shapes that broadcast (checked by the caller). */
export function broadcastParams(
  operation: ArithmeticOperation,
  aShape: Shape,
  bShape: Shape,
  name = 'broadcast',
): BroadcastParams {
  const folded = foldAxes(broadcastShape(aShape, bShape, name), [aShape, bShape], name);
  return { operation, shape: folded.shape, aStrides: folded.strides[0]!, bStrides: folded.strides[1]! };
}

/**
 * The ReduceSumTo params record of a sum of `inputShape` onto `shape`, which broadcasts to it (checked by the caller).
 */
export function reduceSumToParams(inputShape: Shape, shape: Shape, name = 'reduceSumTo'): ReduceSumToParams {
  const folded = foldAxes(inputShape, [inputShape, shape], name);
  return { shape: folded.shape, outStrides: folded.strides[1]! };
}

/**
 * a (op) b with numpy broadcasting; tensors of one shape go to the plain Add and Multiply kernels.
 * Throws ShapeError when the shapes do not broadcast and ValueError when the dtypes differ.
 *
 * @example
 * broadcastArithmetic('multiply', map, gate); // [8, 7, 7, 32] * [8, 1, 1, 32] -> [8, 7, 7, 32]
 */
export function broadcastArithmetic(
  operation: ArithmeticOperation,
  a: Tensor,
  b: Tensor,
  name: string = operation,
): Tensor {
  checkSameDtype(name, a, b);
  const shape = broadcastShape(a.shape, b.shape, name);
  if (shapesEqual(a.shape, b.shape) && (operation === 'add' || operation === 'multiply')) {
    const id = operation === 'add' ? 'Add' : 'Multiply';
    const output = allocateTensor(shape, a.dtype, name);
    runKernel(id, a, b, output, { size: a.size });
    record({ id, inputs: [a, b], output, saved: null });
    return output;
  }
  const params = broadcastParams(operation, a.shape, b.shape, name);
  const output = allocateTensor(shape, a.dtype, name);
  runKernel('BroadcastArithmetic', a, b, output, params);
  record<BroadcastSaved>({ id: 'BroadcastArithmetic', inputs: [a, b], output, saved: { operation } });
  return output;
}

/**
 * `input` summed over the axes along which `shape` was broadcast to input's shape (leading axes it
 * lacks, and axes where it has extent 1): the gradient of a broadcast operand. Returns `input` itself
 * when the shapes are equal. Throws ShapeError when `shape` does not broadcast to input's shape.
 *
 * @example
 * reduceSumTo(dOut, [8, 1, 1, 32]); // [8, 7, 7, 32] -> [8, 1, 1, 32]
 */
export function reduceSumTo(input: Tensor, shape: Shape, name = 'reduceSumTo'): Tensor {
  if (shapesEqual(input.shape, shape)) return input;
  if (!shapesEqual(broadcastShape(input.shape, shape, name), input.shape)) {
    throw new ShapeError(`${name}: ${formatShape(shape)} does not broadcast to ${formatShape(input.shape)}`);
  }
  const params = reduceSumToParams(input.shape, shape, name);
  const output = allocateTensor(shape, input.dtype, name);
  runKernel('ReduceSumTo', input, output, params);
  return output;
}

/** A tensor of one value with `like`'s rank and dtype (every extent 1), for scaling a gradient. */
export function scalarLike(value: number, like: Tensor): Tensor {
  return Tensor.fromArray(
    [value],
    like.shape.map(() => 1),
    like.dtype,
  );
}
