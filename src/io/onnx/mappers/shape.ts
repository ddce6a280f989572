// Operators that move no data here: Transpose between NCHW and NHWC (every map is stored channels
// last, so only the layout the graph sees changes), Flatten and Reshape to [batch, -1] (a Flatten
// layer, the vector remembering the channels-first order it was flattened in), Identity.
// Limits: other transposes and reshapes of feature maps are refused.

import { FileFormatError } from '../../../core/errors.js';
import { Flatten } from '../../../layers/flatten.js';
import { intOf, intsOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function transpose(context: OnnxNodeContext): Value {
  const from = context.read(0);
  // Without perm, ONNX reverses the axes.
  const perm = intsOf(context.attributes, 'perm', from.kind === 'maps' ? [3, 2, 1, 0] : [1, 0]).join();
  const layout = from.layout ?? 'NCHW';
  if ((from.kind === 'vector' && perm === '0,1') || (from.kind === 'maps' && perm === '0,1,2,3')) return from;
  if (from.kind === 'maps' && layout === 'NCHW' && perm === '0,2,3,1') return { ...from, layout: 'NHWC' };
  if (from.kind === 'maps' && layout === 'NHWC' && perm === '0,3,1,2') return { ...from, layout: 'NCHW' };
  throw new FileFormatError(context.file, `${context.label}: only transposes between NCHW and NHWC are imported; got perm [${perm}] of ${from.kind === 'maps' ? `${layout} feature maps` : 'a vector'}`);
}

export function flatten(context: OnnxNodeContext): Value {
  const { file, label, op } = context;
  const from = context.read(0);
  if (op === 'Flatten' && intOf(context.attributes, 'axis', 1) !== 1) throw new FileFormatError(file, `${label}: only axis 1 is imported`);
  if (op === 'Reshape') {
    const shape = context.constant(context.inputName(1)).values;
    if (shape.length !== 2 || !(shape[1] === -1 || shape[0] === -1 || shape[0] === 0)) throw new FileFormatError(file, `${label}: only a reshape to [batch, -1] is imported, got [${Array.from(shape).join(', ')}]`);
  }
  if (from.kind === 'vector') return from;
  const [h, w, c] = from.tensor.shape as [number, number, number];
  // NHWC maps, one channel or one position flatten in our order; only the rest need reordering.
  const isReordered = from.layout !== 'NHWC' && c > 1 && h * w > 1;
  return { ...context.apply(new Flatten(), from, 'vector'), ...(isReordered ? { flattenedFrom: [c, h, w] as [number, number, number] } : {}) };
}

export const identity = (context: OnnxNodeContext): Value => context.read(0);
