// Min and Max. Of computed values laid out alike (two or more): a Minimum or Maximum layer, which
// broadcasts between equal ranks. With one constant: a scalar c is a Clip (Max(x, c) bounds below,
// Min(x, c) above: exact); one value per channel on feature maps is
//   Max(x, c) = c + relu(x - c)    and    Min(x, c) = x - relu(x - c)
// (depthwise 1x1 shifts, a ReLU and a Subtract: equal up to the rounding of x - c + c).
// Limits: more than one constant, and a per-channel constant on a vector, are refused.

import { FileFormatError } from '../../../core/errors.js';
import { Clip, ReLU } from '../../../layers/activations.js';
import { Maximum, Minimum, Subtract } from '../../../layers/merge.js';
import type { OnnxNodeContext } from '../mapper.js';
import { layoutOf, perChannelConstant, type Value } from '../layout.js';
import { depthwiseAffine } from './elementwise.js';

export function minOrMax(context: OnnxNodeContext): Value {
  const { file, label, op } = context;
  const names = Array.from({ length: context.inputCount }, (_, index) => context.inputName(index));
  const constants = names.filter((name) => context.isConstant(name));
  if (constants.length === 0) {
    const from = names.map((_, index) => context.read(index));
    if (from.length === 1) return from[0]!;
    const layouts = new Set(from.map(layoutOf));
    if (layouts.size > 1)
      throw new FileFormatError(file, `${label}: its inputs are laid out differently (${[...layouts].join(', ')})`);
    return context.apply(op === 'Max' ? new Maximum() : new Minimum(), from);
  }
  if (constants.length > 1 || names.length !== 2)
    throw new FileFormatError(file, `${label}: a constant is compared only with one other input`);
  const constantIndex = names.indexOf(constants[0]!);
  const from = context.read(1 - constantIndex);
  const constant = context.constant(constants[0]!);
  if (constant.values.length === 1) {
    const bound = constant.values[0]!;
    return context.apply(new Clip(op === 'Max' ? { min: bound } : { max: bound }), from);
  }
  if (from.kind !== 'maps')
    throw new FileFormatError(file, `${label}: a per-channel constant in ${op} is imported only on feature maps`);
  const perChannel = perChannelConstant(constant, from, label, file);
  const apply = (layer: Parameters<OnnxNodeContext['apply']>[0], value: Value | Value[]) => context.apply(layer, value);
  const fill = (action: () => void) => context.afterBuild(action);
  // Every layer comes from one node, which names them: all but the last get a suffix.
  const shifted = depthwiseAffine(
    'shift',
    perChannel.map((value) => -value),
    from,
    apply,
    fill,
  );
  shifted.tensor.layer.name += '_shifted';
  const excess = apply(new ReLU(), shifted);
  excess.tensor.layer.name += '_excess';
  if (op === 'Max') return depthwiseAffine('shift', perChannel, excess, apply, fill);
  return apply(new Subtract(), [from, excess]);
}
