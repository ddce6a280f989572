// Gemm and MatMul on a vector as a Dense, and MatMul over the channels of NHWC maps as a 1x1 Conv2D.
// The weight rows of a vector flattened from NCHW maps are reordered from the channels-first flatten
// order to ours, and constant Muls and Adds right after (a MatMul + Add is how Keras's Dense arrives
// through tf2onnx, and a Linear's bias after a MatMul) fold into the layer (elementwise.ts).
// Limits: transA=0; the weight is a constant.

import { FileFormatError } from '../../../core/errors.js';
import { Conv2D } from '../../../layers/conv2d.js';
import { Dense } from '../../../layers/dense.js';
import { floatOf, intOf } from '../attributes.js';
import { addsConstantAfter } from '../graphReaders.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type DenseFold, type Value } from '../layout.js';

export function gemm(context: OnnxNodeContext): Value {
  const { attributes, file, label, op, output } = context;
  const from = context.read(0);
  const weight = context.constant(context.inputName(1));
  const isTransposed = op === 'Gemm' && intOf(attributes, 'transB', 0) === 1;
  if (op === 'Gemm' && intOf(attributes, 'transA', 0) === 1)
    throw new FileFormatError(file, `${label}: transA=1 is not imported`);
  const [rows, columns] = weight.dims as [number, number];
  const [inputSize, units] = isTransposed ? [columns, rows] : [rows, columns];
  // Checked before the Dense exists: its kernel takes its size from the input, not from the file's weight.
  // A MatMul over the channels of NHWC maps (a Linear after a permute to channels last: ConvNeXt) is a 1x1 convolution.
  const isOverChannels = op === 'MatMul' && from.kind === 'maps' && from.layout === 'NHWC';
  const features = from.kind === 'vector' || isOverChannels ? from.tensor.shape.at(-1)! : 0;
  if (weight.dims.length !== 2 || inputSize !== features) {
    const what =
      from.kind === 'vector'
        ? `${features} features`
        : isOverChannels
          ? `${features} channels`
          : `${mapsLayout(from)} feature maps`;
    throw new FileFormatError(
      file,
      `${label}: weight of dims [${weight.dims.join(', ')}]${isTransposed ? ' (transB)' : ''} does not take ` +
        `'${context.inputName(0)}' (${what})`,
    );
  }
  const alpha = op === 'Gemm' ? floatOf(attributes, 'alpha', 1) : 1;
  const beta = op === 'Gemm' ? floatOf(attributes, 'beta', 1) : 1;
  const hasBias = op === 'Gemm' && context.inputName(2) !== '';
  const bias = hasBias ? context.constant(context.inputName(2)) : null;
  // C broadcasts to [batch, units]: one value, or one per unit ([units] or [1, units]).
  if (
    bias !== null &&
    !(bias.values.length === 1 || (bias.values.length === units && bias.dims.at(-1) === units && bias.dims.length <= 2))
  ) {
    throw new FileFormatError(file, `${label}: bias of dims [${bias.dims.join(', ')}] for ${units} units`);
  }
  const useBias = hasBias || addsConstantAfter(output, context.readers);
  // The 1x1 kernel [1, 1, inC, outC] has the Dense kernel's [inC, outC] order: one fill serves both.
  const dense = isOverChannels ? new Conv2D({ filters: units, kernelSize: 1, useBias }) : new Dense({ units, useBias });
  const folded: DenseFold = {
    layer: dense,
    output,
    scale: new Float64Array(units).fill(1),
    shift: new Float64Array(units),
  };
  // The output's positions are the units: no flattenedFrom.
  const result: Value = isOverChannels
    ? { ...context.apply(dense, from, 'maps'), dense: folded }
    : { tensor: context.apply(dense, from, 'vector').tensor, kind: 'vector', dense: folded };
  context.afterBuild(() => {
    for (let row = 0; row < inputSize; row++) {
      // Rows in our flatten order (h, w, c) read ONNX's (c, h, w) rows.
      let source = row;
      if (from.flattenedFrom !== undefined) {
        const [c, h, w] = from.flattenedFrom;
        const channel = row % c;
        const position = Math.floor(row / c);
        source = channel * h * w + position;
      }
      for (let unit = 0; unit < units; unit++) {
        dense.kernel!.dataSync()[row * units + unit] =
          folded.scale[unit]! *
          alpha *
          weight.values[isTransposed ? unit * inputSize + source : source * units + unit]!;
      }
    }
    if (dense.useBias) {
      for (let unit = 0; unit < units; unit++) {
        const onnxBias = bias === null ? 0 : beta * bias.values[bias.values.length === 1 ? 0 : unit]!;
        dense.bias!.dataSync()[unit] = folded.scale[unit]! * onnxBias + folded.shift[unit]!;
      }
    }
  });
  return result;
}
