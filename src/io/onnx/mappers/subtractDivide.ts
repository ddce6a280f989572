// Sub and Div. Of two computed values laid out alike: a Subtract or Divide layer, which broadcasts
// (a [1, 1, C] statistic against [H, W, C] maps). With a constant on feature maps (a scalar, or one
// value per channel), as the depthwise 1x1 convolutions of Add and Mul (elementwise.ts): x - c a
// shift by -c, c - x a scale by -1 then a shift by c, x / c a scale by 1 / c.
// A Div by sqrt 2 that starts GELU's x * (1 + Erf(x / sqrt 2)) * 0.5 goes to geluPattern.ts, and the
// Sub and Div of a decomposed layer normalization to layerNormPattern.ts.
// Limits: c / x, and a constant on a vector, are refused.

import { FileFormatError } from '../../../core/errors.js';
import { Divide, Subtract } from '../../../layers/merge.js';
import type { OnnxNodeContext } from '../mapper.js';
import { layoutOf, perChannelConstant, type Value } from '../layout.js';
import { depthwiseAffine } from './elementwise.js';
import { startGelu } from './geluPattern.js';
import { continueLayerNorm } from './layerNormPattern.js';

export function subtractOrDivide(context: OnnxNodeContext): Value {
  const { file, label, op } = context;
  const names = [context.inputName(0), context.inputName(1)];
  const constantIndex = names.findIndex((name) => context.isConstant(name));
  if (constantIndex === -1) {
    const normalization = continueLayerNorm(context);
    if (normalization !== null) return normalization;
    const from = [context.read(0), context.read(1)];
    if (layoutOf(from[0]!) !== layoutOf(from[1]!))
      throw new FileFormatError(
        file,
        `${label}: its inputs are laid out differently (${layoutOf(from[0]!)}, ${layoutOf(from[1]!)})`,
      );
    return context.apply(op === 'Sub' ? new Subtract() : new Divide(), from);
  }
  if (op === 'Div' && constantIndex === 1) {
    const gelu = startGelu(context, context.constant(names[1]!));
    if (gelu !== null) return gelu;
  }
  const from = context.read(1 - constantIndex);
  if (from.kind !== 'maps')
    throw new FileFormatError(file, `${label}: a constant in ${op} is imported only on feature maps`);
  const perChannel = perChannelConstant(context.constant(names[constantIndex]!), from, label, file);
  const apply = (layer: Parameters<OnnxNodeContext['apply']>[0], value: Value) => context.apply(layer, value);
  const fill = (action: () => void) => context.afterBuild(action);
  if (op === 'Div') {
    if (constantIndex === 0)
      throw new FileFormatError(file, `${label}: a constant divided by feature maps is not imported`);
    return depthwiseAffine(
      'scale',
      perChannel.map((value) => 1 / value),
      from,
      apply,
      fill,
    );
  }
  if (constantIndex === 1)
    return depthwiseAffine(
      'shift',
      perChannel.map((value) => -value),
      from,
      apply,
      fill,
    );
  const negated = depthwiseAffine(
    'scale',
    perChannel.map(() => -1),
    from,
    apply,
    fill,
  );
  // Both layers come from one node, which names them: the first one gets a suffix.
  negated.tensor.layer.name += '_negated';
  return depthwiseAffine('shift', perChannel, negated, apply, fill);
}
