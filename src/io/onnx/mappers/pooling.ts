// Pooling: MaxPool and AveragePool as MaxPool2D and AvgPool2D, GlobalAveragePool as
// GlobalAveragePooling2D (whose [c] output is ONNX's [c, 1, 1] already flattened).
// Limits: no ceil_mode; AveragePool with padding averages only the covered values (count_include_pad=0).

import { FileFormatError } from '../../../core/errors.js';
import { AvgPool2D } from '../../../layers/avgPool2d.js';
import { GlobalAveragePooling2D } from '../../../layers/globalAveragePooling2d.js';
import { MaxPool2D } from '../../../layers/maxPool2d.js';
import { intOf, intsOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function pool(context: OnnxNodeContext): Value {
  const { attributes, op } = context;
  const [top, left, bottom, right] = intsOf(attributes, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
  if (op === 'AveragePool' && intOf(attributes, 'count_include_pad', 0) === 1 && top + left + bottom + right > 0) {
    throw new FileFormatError(context.file, `${context.label}: count_include_pad=1 with padding is not imported (AvgPool2D averages only the covered values)`);
  }
  const kernel = intsOf(attributes, 'kernel_shape', []) as [number, number];
  const options = { poolSize: kernel, strides: intsOf(attributes, 'strides', [1, 1]) as [number, number], padding: [top, bottom, left, right] as const };
  return context.apply(op === 'MaxPool' ? new MaxPool2D(options) : new AvgPool2D(options), context.nchw(0));
}

export function globalAveragePool(context: OnnxNodeContext): Value {
  // ONNX keeps [c, 1, 1]; here it is the vector [c] (flattening it changes nothing).
  return context.apply(new GlobalAveragePooling2D(), context.nchw(0), 'vector');
}
