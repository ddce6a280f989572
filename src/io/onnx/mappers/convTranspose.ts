// ConvTranspose: a Conv2DTranspose. ONNX's weight [inC, outC / group, kH, kW] is the OIHW filter of
// the convolution it is the adjoint of (ops/conv2dTranspose.ts), so it converts to our
// [kH, kW, outC / group, inC] with the Conv loop. Pads come from `pads`, or from `output_shape` or
// auto_pad SAME_*: total = stride * (in - 1) + output_padding + span - out, split as onnxruntime
// does (SAME_UPPER puts the odd one at the end, NOTSET and SAME_LOWER at the start).
// Limits: 2-D only; an output_shape larger than the full output (negative padding) is refused.

import { FileFormatError } from '../../../core/errors.js';
import { effectiveKernelSize } from '../../../kernels/params.js';
import { Conv2DTranspose } from '../../../layers/conv2dTranspose.js';
import { convertFilterLayout } from '../../filterLayout.js';
import { intOf, intsOf, stringOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function convTranspose(context: OnnxNodeContext): Value {
  const { attributes, file, label } = context;
  const from = context.nchw(0);
  const weight = context.constant(context.inputName(1));
  const [inC, groupOutC, kH, kW] = weight.dims as [number, number, number, number];
  const groups = intOf(attributes, 'group', 1);
  const mapsInC = from.kind === 'maps' ? from.tensor.shape[2]! : 0;
  if (weight.dims.length !== 4 || inC !== mapsInC || inC % groups !== 0) {
    throw new FileFormatError(
      file,
      `${label}: weight of dims [${weight.dims.join(', ')}] in ${groups} group(s) does not take the ` +
        `${mapsInC} channels of '${context.inputName(0)}'`,
    );
  }
  const outC = groupOutC * groups;
  const strides = intsOf(attributes, 'strides', [1, 1]) as [number, number];
  const dilations = intsOf(attributes, 'dilations', [1, 1]) as [number, number];
  const outputPadding = intsOf(attributes, 'output_padding', [0, 0]) as [number, number];
  const autoPad = stringOf(attributes, 'auto_pad', 'NOTSET');
  let [top, left, bottom, right] = intsOf(attributes, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
  const outputShape = intsOf(attributes, 'output_shape', []);
  if (autoPad === 'VALID') [top, left, bottom, right] = [0, 0, 0, 0];
  else if (outputShape.length > 0 || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const shape = from.kind === 'maps' ? from.tensor.shape : [0, 0];
    const [wantH, wantW] =
      outputShape.length > 0
        ? (outputShape.slice(-2) as [number, number])
        : [shape[0]! * strides[0], shape[1]! * strides[1]];
    const split = (axis: 0 | 1, want: number, kernel: number) => {
      const total =
        strides[axis] * (shape[axis]! - 1) + outputPadding[axis] + effectiveKernelSize(kernel, dilations[axis]) - want;
      if (total < 0)
        throw new FileFormatError(
          file,
          `${label}: output_shape [${outputShape.join(', ')}] is larger than the full output; not supported`,
        );
      const head = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      return [head, total - head] as const;
    };
    [top, bottom] = split(0, wantH, kH);
    [left, right] = split(1, wantW, kW);
  }
  const hasBias = context.inputName(2) !== '';
  const layer = new Conv2DTranspose({
    filters: outC,
    kernelSize: [kH, kW],
    strides,
    padding: [top, bottom, left, right],
    outputPadding,
    dilationRate: dilations,
    groups,
    useBias: hasBias,
  });
  const result = context.apply(layer, from);
  const bias = hasBias ? context.constant(context.inputName(2)).values : null;
  if (bias !== null && bias.length !== outC)
    throw new FileFormatError(file, `${label}: bias of ${bias.length} values for ${outC} output channels`);
  context.afterBuild(() => {
    convertFilterLayout(weight.values, layer.kernel!.dataSync(), { kH, kW, inC: groupOutC, outC: inC }, 'OIHW->HWIO');
    if (bias !== null) layer.bias!.dataSync().set(bias);
  });
  return result;
}
