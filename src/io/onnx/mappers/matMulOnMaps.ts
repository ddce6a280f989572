// MatMul of channels-last maps by a constant [C, units] weight (a Linear layer applied to each pixel,
// as ConvNeXt's blocks do between their permutes): a 1x1 convolution without bias, whose [1, 1, C,
// units] filter is the weight as it is. Every other MatMul (and Gemm) goes to dense.ts.

import { FileFormatError } from '../../../core/errors.js';
import { Conv2D } from '../../../layers/conv2d.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type Value } from '../layout.js';
import { gemm } from './dense.js';

export function matMulOrGemm(context: OnnxNodeContext): Value {
  const from = context.read(0);
  if (context.op !== 'MatMul' || from.kind !== 'maps') return gemm(context);
  const weightName = context.inputName(1);
  const channels = from.tensor.shape.at(-1)!;
  const weight = context.isConstant(weightName) ? context.constant(weightName) : null;
  if (mapsLayout(from) !== 'NHWC' || weight === null || weight.dims.length !== 2 || weight.dims[0] !== channels) {
    throw new FileFormatError(context.file, `${context.label}: a MatMul of feature maps is imported only channels last (NHWC) by a constant [${channels}, units] weight`);
  }
  const conv = new Conv2D({ filters: weight.dims[1]!, kernelSize: 1, useBias: false });
  const result = context.apply(conv, from);
  context.afterBuild(() => conv.kernel!.data.set(weight.values));
  return result;
}
