// Resize (opsets 10-17) and Upsample (opsets 7-9) of height and width, as a Resize2D: nearest or
// linear, with the coordinate modes and nearest roundings ONNX names. The output size comes from
// `sizes` or `scales` (constants, often folded from Shape arithmetic: torchvision's segmentation heads
// resize to Shape(input)[2:], with the batch symbolic). Resize at opset 10 and Upsample map
// coordinates 'asymmetric' and round nearest down when enlarging, up when shrinking (onnxruntime's).
// Limits: batch and channels keep their size; cubic, tf_crop_and_resize, antialias, axes and
// Upsample's scales below 1 (onnxruntime refuses them too) are refused.

import { FileFormatError } from '../../../core/errors.js';
import { Resize2D } from '../../../layers/resize2d.js';
import {
  NEAREST_ROUNDINGS,
  RESIZE_COORDINATES,
  type NearestRounding,
  type ResizeCoordinates,
} from '../../../kernels/params.js';
import { floatsOf, intOf, stringOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function resize(context: OnnxNodeContext): Value {
  const { attributes, file, label } = context;
  const from = context.read(0);
  if (from.kind !== 'maps') throw new FileFormatError(file, `${label}: only 4-D feature maps are resized`);
  // Resize before opset 11 and Upsample take (X, scales) or a scales attribute; from opset 11, (X, roi, scales, sizes).
  const isOldForm = context.op === 'Upsample' || context.inputCount <= 2;
  const mode = stringOf(attributes, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') {
    throw new FileFormatError(file, `${label}: mode '${mode}' is not imported (nearest and linear are)`);
  }
  if (intOf(attributes, 'antialias', 0) !== 0) throw new FileFormatError(file, `${label}: antialias is not imported`);
  if (attributes.has('axes')) throw new FileFormatError(file, `${label}: the axes attribute is not imported`);
  if (stringOf(attributes, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch')
    throw new FileFormatError(file, `${label}: keep_aspect_ratio_policy other than stretch is not imported`);
  const coordinates = isOldForm ? 'asymmetric' : stringOf(attributes, 'coordinate_transformation_mode', 'half_pixel');
  if (!RESIZE_COORDINATES.includes(coordinates as ResizeCoordinates)) {
    throw new FileFormatError(
      file,
      `${label}: coordinate_transformation_mode '${coordinates}' is not imported ` +
        `(${RESIZE_COORDINATES.join(', ')} are)`,
    );
  }
  const rounding = stringOf(attributes, 'nearest_mode', 'round_prefer_floor');
  if (!NEAREST_ROUNDINGS.includes(rounding as NearestRounding))
    throw new FileFormatError(file, `${label}: nearest_mode '${rounding}' is not imported`);

  const channelsLast = from.layout === 'NHWC';
  const [heightAxis, widthAxis, channelAxis] = channelsLast ? [1, 2, 3] : [2, 3, 1];
  const inC = from.tensor.shape[2]!;
  const read = (index: number): number[] | null => {
    const name = context.inputName(index);
    if (name === '' || index >= context.inputCount) return null;
    const values = Array.from(context.constant(name).values);
    return values.length === 0 ? null : values;
  };
  const sizes = isOldForm ? null : read(3);
  const scales = isOldForm ? (context.inputCount > 1 ? read(1) : floatsOf(attributes, 'scales', [])) : read(2);
  const given = sizes ?? scales;
  if (given === null || given.length !== 4)
    throw new FileFormatError(
      file,
      `${label}: needs constant scales or sizes for the 4 axes, got ${JSON.stringify(given)}`,
    );
  // Batch and channels keep their size: a size of NaN is the symbolic batch of folded shape arithmetic.
  const keeps =
    sizes !== null
      ? (Number.isNaN(sizes[0]!) || sizes[0]! > 0) && (Number.isNaN(sizes[channelAxis]!) || sizes[channelAxis] === inC)
      : given[0] === 1 && given[channelAxis] === 1;
  if (!keeps)
    throw new FileFormatError(
      file,
      `${label}: only height and width are resized, got ${sizes !== null ? 'sizes' : 'scales'} [${given.join(', ')}]`,
    );
  // Output pixels (sizes) or factors (scales) along height and width.
  const [alongH, alongW] = [given[heightAxis]!, given[widthAxis]!];
  if (sizes !== null && !(Number.isInteger(alongH) && Number.isInteger(alongW) && alongH > 0 && alongW > 0)) {
    throw new FileFormatError(file, `${label}: sizes [${given.join(', ')}] are not positive integers`);
  }
  if (context.op === 'Upsample' && sizes === null && (alongH < 1 || alongW < 1)) {
    throw new FileFormatError(
      file,
      `${label}: Upsample scales below 1 are not imported (the operator enlarges; onnxruntime refuses them too)`,
    );
  }
  if (isOldForm && mode === 'nearest' && alongH < 1 !== alongW < 1) {
    throw new FileFormatError(
      file,
      `${label}: nearest scales that enlarge one axis and shrink the other are not imported`,
    );
  }
  const nearestRounding = isOldForm ? (alongH >= 1 ? 'floor' : 'ceil') : (rounding as NearestRounding);
  const layer = new Resize2D({
    mode: mode === 'nearest' ? 'nearest' : 'bilinear',
    ...(sizes !== null ? { size: [alongH, alongW] as const } : { scale: [alongH, alongW] as const }),
    coordinates: coordinates as ResizeCoordinates,
    nearestRounding,
  });
  return context.apply(layer, from);
}
