// Operators that move no data here: Transpose between NCHW and NHWC (every map is stored channels
// last, so only the layout the graph sees changes), Flatten and Reshape to [batch, -1] (a Flatten
// layer, the vector remembering the channels-first order it was flattened in), Squeeze of 1x1 maps,
// Identity; and Shape, whose value is a constant that the shape arithmetic after it folds against.
// Limits: other transposes and reshapes of feature maps are refused.

import { FileFormatError } from '../../../core/errors.js';
import { Flatten } from '../../../layers/flatten.js';
import { sizeOf } from '../../../core/shape.js';
import { intOf, intsOf } from '../attributes.js';
import { SYMBOLIC_BATCH, type ConstantValue } from '../constants.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, onnxShapeOf, type Value } from '../layout.js';

export function transpose(context: OnnxNodeContext): Value {
  const from = context.read(0);
  // Without perm, ONNX reverses the axes.
  const perm = intsOf(context.attributes, 'perm', from.kind === 'maps' ? [3, 2, 1, 0] : [1, 0]).join();
  const layout = from.layout ?? 'NCHW';
  if ((from.kind === 'vector' && perm === '0,1') || (from.kind === 'maps' && perm === '0,1,2,3')) return from;
  if (from.kind === 'maps' && layout === 'NCHW' && perm === '0,2,3,1') return { ...from, layout: 'NHWC' };
  if (from.kind === 'maps' && layout === 'NHWC' && perm === '0,3,1,2') return { ...from, layout: 'NCHW' };
  throw new FileFormatError(
    context.file,
    `${context.label}: only transposes between NCHW and NHWC are imported; got perm [${perm}] of ` +
      `${from.kind === 'maps' ? `${layout} feature maps` : 'a vector'}`,
  );
}

export function flatten(context: OnnxNodeContext): Value {
  const { file, label, op } = context;
  const from = context.read(0);
  if (op === 'Flatten' && intOf(context.attributes, 'axis', 1) !== 1)
    throw new FileFormatError(file, `${label}: only axis 1 is imported`);
  if (op === 'Reshape') {
    // [batch, -1] (the batch as exported, or any), or [batch, features] with the batch as 0 (copied),
    // -1 (inferred) or SYMBOLIC_BATCH (read by Shape).
    const shape = context.constant(context.inputName(1)).values;
    const features = sizeOf(onnxShapeOf(from));
    const isBatch = (extent: number) => extent === 0 || Number.isNaN(extent) || extent === -1;
    if (shape.length !== 2 || !(shape[1] === -1 || (isBatch(shape[0]!) && shape[1] === features))) {
      throw new FileFormatError(
        file,
        `${label}: only a reshape to [batch, ${features}] is imported, got ` +
          `[${Array.from(shape, (extent) => (Number.isNaN(extent) ? 'batch' : extent)).join(', ')}]`,
      );
    }
  }
  if (from.kind === 'vector') return from;
  const [h, w, c] = from.tensor.shape as [number, number, number];
  // NHWC maps, one channel or one position flatten in our order; only the rest need reordering.
  const isReordered = from.layout !== 'NHWC' && c > 1 && h * w > 1;
  return {
    ...context.apply(new Flatten(), from, 'vector'),
    ...(isReordered ? { flattenedFrom: [c, h, w] as [number, number, number] } : {}),
  };
}

export const identity = (context: OnnxNodeContext): Value => context.read(0);

/**
 * Squeeze of 1x1 maps (the mean PyTorch's x.mean([2, 3], keepdim=True) or a global pooling leaves) to
 * the vector of their channels: a Flatten, which keeps the order. Limits: other squeezes are refused.
 */
export function squeeze(context: OnnxNodeContext): Value {
  const from = context.read(0);
  const axesName = context.inputName(1);
  const axes = axesName !== '' ? Array.from(context.constant(axesName).values) : intsOf(context.attributes, 'axes', []);
  const spatial = mapsLayout(from) === 'NCHW' ? [2, 3] : [1, 2];
  const normalized = axes.map((axis) => (axis < 0 ? axis + 4 : axis)).sort();
  const [h, w] = from.tensor.shape as [number, number];
  if (from.kind !== 'maps' || h !== 1 || w !== 1 || !(axes.length === 0 || normalized.join() === spatial.join())) {
    throw new FileFormatError(
      context.file,
      `${context.label}: only the squeeze of 1x1 feature maps to a vector is imported, got axes ` +
        `[${axes.join(', ')}] of ${from.kind === 'maps' ? `${h}x${w} maps` : 'a vector'}`,
    );
  }
  return context.apply(new Flatten(), from, 'vector');
}

/**
 * Shape: the ONNX shape of a computed value, a constant whose batch entry is SYMBOLIC_BATCH (the batch
 * axis is dynamic), so that the shape arithmetic after it folds at import. Opset 15's start and end
 * attributes pick a range of the axes.
 */
export function shape(context: OnnxNodeContext): { constant: ConstantValue } {
  const full = [SYMBOLIC_BATCH, ...onnxShapeOf(context.read(0))];
  const rank = full.length;
  const clamp = (axis: number) => Math.min(Math.max(axis < 0 ? axis + rank : axis, 0), rank);
  const start = clamp(intOf(context.attributes, 'start', 0));
  const end = context.attributes.has('end') ? clamp(intOf(context.attributes, 'end', rank)) : rank;
  const values = Float64Array.from(full.slice(start, Math.max(start, end)));
  return { constant: { dims: [values.length], values, isInteger: true } };
}
