// Pad: zero padding of height and width as a ZeroPadding2D (the pads as an input since opset 11,
// an attribute before). Limits: constant mode with a zero fill only.

import { FileFormatError } from '../../../core/errors.js';
import { ZeroPadding2D } from '../../../layers/zeroPadding2d.js';
import { intsOf, stringOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function pad(context: OnnxNodeContext): Value {
  const { attributes, file, label } = context;
  const pads =
    context.inputCount > 1 ? Array.from(context.constant(context.inputName(1)).values) : intsOf(attributes, 'pads', []);
  const fillName = context.inputName(2);
  if (fillName !== '' && context.constant(fillName).values.some((value) => value !== 0)) {
    throw new FileFormatError(file, `${label}: only zero padding is imported`);
  }
  const from = context.read(0);
  // [top, bottom, left, right] from ONNX's [begin of each axis..., end of each axis...].
  const [heightAxis, widthAxis] = from.layout === 'NHWC' ? [1, 2] : [2, 3];
  const untouched = [0, 1, 2, 3].filter((axis) => axis !== heightAxis && axis !== widthAxis);
  if (
    stringOf(attributes, 'mode', 'constant') !== 'constant' ||
    pads.length !== 8 ||
    from.kind !== 'maps' ||
    untouched.some((axis) => pads[axis] !== 0 || pads[axis + 4] !== 0)
  ) {
    throw new FileFormatError(file, `${label}: only zero padding of height and width is imported`);
  }
  return context.apply(
    new ZeroPadding2D({ padding: [pads[heightAxis]!, pads[heightAxis + 4]!, pads[widthAxis]!, pads[widthAxis + 4]!] }),
    from,
  );
}
