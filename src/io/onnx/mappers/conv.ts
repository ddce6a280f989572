// Conv: a Conv2D with the filter converted from ONNX's OIHW to our HWIO (io/filterLayout.ts), a filter at a time.
// Limits: 2-D only, explicit pads (no auto_pad).

import { FileFormatError } from '../../../core/errors.js';
import { Conv2D } from '../../../layers/conv2d.js';
import { placeOihwFilter } from '../../filterLayout.js';
import { intOf, intsOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function conv(context: OnnxNodeContext): Value {
  const { attributes, file, label } = context;
  const from = context.nchw(0);
  const weightName = context.inputName(1);
  const weightDims = context.constantDims(weightName);
  const [outC, groupInC, kH, kW] = weightDims as [number, number, number, number];
  const groups = intOf(attributes, 'group', 1);
  const inC = from.kind === 'maps' ? from.tensor.shape[2]! : 0;
  if (weightDims.length !== 4 || groupInC * groups !== inC) {
    throw new FileFormatError(
      file,
      `${label}: weight of dims [${weightDims.join(', ')}] in ${groups} group(s) does not take the ${inC} ` +
        `channels of '${context.inputName(0)}'`,
    );
  }
  const [top, left, bottom, right] = intsOf(attributes, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
  if (attributes.get('auto_pad')?.s?.length)
    throw new FileFormatError(file, `${label}: auto_pad is not read; export with explicit pads`);
  const hasBias = context.inputName(2) !== '';
  const layer = new Conv2D({
    filters: outC,
    kernelSize: [kH, kW],
    strides: intsOf(attributes, 'strides', [1, 1]) as [number, number],
    padding: [top, bottom, left, right],
    dilationRate: intsOf(attributes, 'dilations', [1, 1]) as [number, number],
    groups,
    useBias: hasBias,
  });
  const result = context.apply(layer, from);
  const bias = hasBias ? context.constant(context.inputName(2)).values : null;
  if (bias !== null && bias.length !== outC)
    throw new FileFormatError(file, `${label}: bias of ${bias.length} values for ${outC} filters`);
  context.afterBuild(() => {
    // One output filter at a time: OIHW holds each filter's groupInC x kH x kW values together.
    const kernel = layer.kernel!.dataSync();
    const filterLength = groupInC * kH * kW;
    context.forEachConstantRun(weightName, filterLength, (filter, oc) => {
      placeOihwFilter(filter, kernel, { kH, kW, inC: groupInC, outC }, oc);
    });
    if (bias !== null) layer.bias!.dataSync().set(bias);
  });
  return result;
}
