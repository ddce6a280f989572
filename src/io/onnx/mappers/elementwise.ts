// Add, Sum and Mul. Of two computed values laid out alike: an Add or Multiply layer. With a constant
// (a scalar, or one value per channel): folded into the Dense (or MatMul's 1x1 Conv2D) right before it
// when its output has no other reader, else on feature maps a depthwise 1x1 convolution (exact, and trainable).
// Limits: computed values broadcast only between equal ranks (the Add and Multiply layers); a
// constant on a vector only after its Dense.

import { FileFormatError } from '../../../core/errors.js';
import { Conv2D } from '../../../layers/conv2d.js';
import type { Layer } from '../../../layers/layer.js';
import { Add, Multiply } from '../../../layers/merge.js';
import type { OnnxNodeContext } from '../mapper.js';
import { layoutOf, perChannelConstant, type DenseFold, type Value } from '../layout.js';

export function addOrMultiply(context: OnnxNodeContext): Value {
  const { file, label, op, output } = context;
  const names = Array.from({ length: context.inputCount }, (_, index) => context.inputName(index));
  const constantIndex = names.findIndex((name) => context.isConstant(name));
  if (constantIndex === -1) {
    const from = names.map((_, index) => context.read(index));
    const layouts = new Set(from.map(layoutOf));
    if (layouts.size > 1)
      throw new FileFormatError(file, `${label}: its inputs are laid out differently (${[...layouts].join(', ')})`);
    return context.apply(op === 'Mul' ? new Multiply() : new Add(), from);
  }
  if (names.length !== 2)
    throw new FileFormatError(
      file,
      `${label}: a constant is ${op === 'Mul' ? 'multiplied' : 'added'} only with one other input`,
    );
  const fromName = names[1 - constantIndex]!;
  const from = context.read(1 - constantIndex);
  const kind = op === 'Mul' ? 'scale' : 'shift';
  const perChannel = perChannelConstant(context.constant(names[constantIndex]!), from, label, file);
  if (from.dense !== undefined && from.dense.output === fromName && context.readers.count(fromName) === 1) {
    return { ...from, dense: foldIntoDense(from.dense, kind, perChannel, output, label, file) };
  }
  if (from.kind === 'vector') {
    throw new FileFormatError(
      file,
      `${label}: a constant ${kind === 'scale' ? 'factor' : 'term'} on a vector is imported only right ` +
        `after the Gemm or MatMul that computes it, as its one reader`,
    );
  }
  return depthwiseAffine(
    kind,
    perChannel,
    from,
    (layer, value) => context.apply(layer, value),
    (fill) => context.afterBuild(fill),
  );
}

/** The Dense fold after one more constant factor (scale) or term (shift), now computing `output`. */
function foldIntoDense(
  dense: DenseFold,
  kind: 'scale' | 'shift',
  perChannel: Float64Array,
  output: string,
  label: string,
  file: string,
): DenseFold {
  // Unreachable while addsConstantAfter agrees with addOrMultiply; a term must never be dropped.
  if (kind === 'shift' && !dense.layer.useBias)
    throw new FileFormatError(file, `${label}: cannot fold the term into a Dense made without a bias`);
  for (let unit = 0; unit < perChannel.length; unit++) {
    if (kind === 'scale') {
      dense.scale[unit]! *= perChannel[unit]!;
      dense.shift[unit]! *= perChannel[unit]!;
    } else {
      dense.shift[unit]! += perChannel[unit]!;
    }
  }
  return { ...dense, output };
}

/** A constant scale or shift per channel of feature maps, as a depthwise 1x1 convolution (exact, and trainable). */
export function depthwiseAffine(
  kind: 'scale' | 'shift',
  perChannel: Float64Array,
  from: Value,
  apply: (layer: Layer, from: Value) => Value,
  fillAfterBuild: (fill: () => void) => void,
): Value {
  const channels = perChannel.length;
  const conv = new Conv2D({ filters: channels, kernelSize: 1, groups: channels, useBias: kind === 'shift' });
  const result = apply(conv, from);
  fillAfterBuild(() => {
    // A depthwise 1x1 filter is [1, 1, 1, channels]: one factor per channel.
    conv.kernel!.dataSync().set(kind === 'scale' ? perChannel : new Float64Array(channels).fill(1));
    if (kind === 'shift') conv.bias!.dataSync().set(perChannel);
  });
  return result;
}
