// Pooling: MaxPool and AveragePool as MaxPool2D and AvgPool2D; GlobalAveragePool and the spatial
// ReduceMean as GlobalAveragePooling2D (a vector where it is flattened next, else 1x1 maps).
// ceil_mode=1 (PyTorch's MaxPool2d(ceil_mode=True): GoogLeNet, SqueezeNet) and count_include_pad=1
// (PyTorch's default for AvgPool2d: Inception v3) as the layers' ceilMode and countIncludePad, which
// follow PyTorch's rules exactly. Limits: 2-D, no dilations, no auto_pad.

import { FileFormatError } from '../../../core/errors.js';
import { AvgPool2D } from '../../../layers/avgPool2d.js';
import { GlobalAveragePooling2D } from '../../../layers/globalAveragePooling2d.js';
import { MaxPool2D } from '../../../layers/maxPool2d.js';
import { intOf, intsOf, stringOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type Value } from '../layout.js';

export function pool(context: OnnxNodeContext): Value {
  const { attributes, file, label, op } = context;
  const [top, left, bottom, right] = intsOf(attributes, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
  const kernel = intsOf(attributes, 'kernel_shape', []) as [number, number];
  const strides = intsOf(attributes, 'strides', [1, 1]) as [number, number];
  if (stringOf(attributes, 'auto_pad', 'NOTSET') !== 'NOTSET')
    throw new FileFormatError(file, `${label}: auto_pad is not read; export with explicit pads`);
  if (intsOf(attributes, 'dilations', [1, 1]).some((dilation) => dilation !== 1))
    throw new FileFormatError(file, `${label}: dilated pooling is not imported`);
  if (kernel.length !== 2 || strides.length !== 2)
    throw new FileFormatError(file, `${label}: only 2-D pooling is imported, got kernel_shape [${kernel.join(', ')}]`);
  const from = context.nchw(0);
  // The layers' own ceilMode and countIncludePad have ONNX's (and PyTorch's) semantics (ops/maxPool2d.ts).
  const ceilMode = intOf(attributes, 'ceil_mode', 0) === 1;
  const options = { poolSize: kernel, strides, padding: [top, bottom, left, right] as const, ceilMode };
  if (op === 'MaxPool') return context.apply(new MaxPool2D(options), from);
  return context.apply(
    new AvgPool2D({ ...options, countIncludePad: intOf(attributes, 'count_include_pad', 0) === 1 }),
    from,
  );
}

/** Operators that read a pooled [c, 1, 1] as the vector [c]: after them, no reshape is needed. */
const FLATTENING_OPERATORS: ReadonlySet<string> = new Set(['Flatten', 'Reshape', 'Squeeze']);

/**
 * The global mean of NCHW maps: the vector [c] where every reader flattens it (a classifier's head),
 * else 1x1 maps (a squeeze-and-excitation gate's convolutions read them), as ONNX's [c, 1, 1] is.
 */
function spatialMean(context: OnnxNodeContext, from: Value, keepDims: boolean): Value {
  const readers = context.readers.nodesOf(context.output);
  const isFlattened = !keepDims || readers.every((node) => FLATTENING_OPERATORS.has(node.opType ?? ''));
  return isFlattened
    ? context.apply(new GlobalAveragePooling2D(), from, 'vector')
    : context.apply(new GlobalAveragePooling2D({ keepDims: true }), from, 'maps');
}

export function globalAveragePool(context: OnnxNodeContext): Value {
  return spatialMean(context, context.nchw(0), true);
}

/**
 * ReduceMean over the height and width of maps (PyTorch's x.mean([2, 3]): MnasNet, ShuffleNetV2):
 * a global average pooling, keepdims=0 giving the vector [c]. The axes are an attribute up to opset
 * 17 and an input from opset 18. Limits: other axes (a layer normalization's mean over channels) are refused.
 */
export function reduceMean(context: OnnxNodeContext): Value {
  const { attributes, file, label } = context;
  const from = context.read(0);
  const axesName = context.inputName(1);
  const axes = axesName !== '' ? Array.from(context.constant(axesName).values) : intsOf(attributes, 'axes', []);
  const keepDims = intOf(attributes, 'keepdims', 1) === 1;
  const spatial = mapsLayout(from) === 'NCHW' ? [2, 3] : [1, 2];
  const normalized = axes.map((axis) => (axis < 0 ? axis + 4 : axis)).sort();
  if (from.kind !== 'maps' || normalized.join() !== spatial.join()) {
    throw new FileFormatError(
      file,
      `${label}: only the mean over height and width of feature maps is imported, got axes ` +
        `[${axes.join(', ')}] of ${from.kind === 'maps' ? `${mapsLayout(from)} maps` : 'a vector'}`,
    );
  }
  return spatialMean(context, from, keepDims);
}
