// Reference kernels of arithmetic with numpy broadcasting (a squeeze-and-excitation gate [N, 1, 1, C]
// times a feature map [N, H, W, C], a per-channel constant [C] added to one) and of its gradient's
// sum over the broadcast axes. Both walk the output (or input) in order over BROADCAST_RANK axes and
// read each operand through its strides, 0 on the axes it is broadcast along (numpy's broadcasting
// rules; the ops fold the shapes, ops/broadcast.ts).

import type { FloatArray } from '../../core/dtype.js';
import { BROADCAST_RANK, type ArithmeticOperation, type BroadcastParams, type ReduceSumToParams } from '../params.js';

function apply(operation: ArithmeticOperation, left: number, right: number): number {
  switch (operation) {
    case 'add':
      return left + right;
    case 'subtract':
      return left - right;
    case 'multiply':
      return left * right;
    case 'divide':
      return left / right;
    case 'minimum':
      return Number.isNaN(left) || Number.isNaN(right) ? NaN : Math.min(left, right);
    case 'maximum':
      return Number.isNaN(left) || Number.isNaN(right) ? NaN : Math.max(left, right);
    case 'selectionWeight':
      return left > right ? 1 : left === right ? 0.5 : 0;
  }
}

/**
 * a      [read through params.aStrides]
 * b      [read through params.bStrides]
 * output [params.shape] (overwritten): a (op) b.
 */
export function broadcastArithmetic(a: FloatArray, b: FloatArray, output: FloatArray, params: BroadcastParams): void {
  const { operation, shape, aStrides, bStrides } = params;
  const index = new Array<number>(BROADCAST_RANK).fill(0);
  const size = output.length;
  for (let outIndex = 0; outIndex < size; outIndex++) {
    let aOffset = 0;
    let bOffset = 0;
    for (let axis = 0; axis < BROADCAST_RANK; axis++) {
      aOffset += index[axis]! * aStrides[axis]!;
      bOffset += index[axis]! * bStrides[axis]!;
    }
    output[outIndex] = apply(operation, a[aOffset]!, b[bOffset]!);
    advance(index, shape);
  }
}

/**
 * input  [params.shape]
 * output [read through params.outStrides] (overwritten): the sum of the inputs that fall on each
 * output value, in input order.
 */
export function reduceSumTo(input: FloatArray, output: FloatArray, params: ReduceSumToParams): void {
  const { shape, outStrides } = params;
  output.fill(0);
  const index = new Array<number>(BROADCAST_RANK).fill(0);
  const size = input.length;
  for (let inIndex = 0; inIndex < size; inIndex++) {
    let outOffset = 0;
    for (let axis = 0; axis < BROADCAST_RANK; axis++) outOffset += index[axis]! * outStrides[axis]!;
    output[outOffset]! += input[inIndex]!;
    advance(index, shape);
  }
}

/** The next multi-index in row-major order. */
function advance(index: number[], shape: readonly number[]): void {
  for (let axis = BROADCAST_RANK - 1; axis >= 0; axis--) {
    if (++index[axis]! < shape[axis]!) return;
    index[axis] = 0;
  }
}
