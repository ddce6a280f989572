// Concat of computed values along the channels (maps in one layout, or vectors) as a Concatenate.
// A Concat of one input is that input. Limits: vectors flattened from NCHW maps are not concatenated (their order
// differs from ours).

import { FileFormatError } from '../../../core/errors.js';
import { Concatenate } from '../../../layers/merge.js';
import { intOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function concat(context: OnnxNodeContext): Value {
  const { file, label } = context;
  const from = Array.from({ length: context.inputCount }, (_, index) => context.read(index));
  // PyTorch writes torch.cat of a one-element list (DenseNet's first layer of each block) so.
  if (from.length === 1) return from[0]!;
  if (from.some((value) => value.flattenedFrom !== undefined)) {
    throw new FileFormatError(
      file,
      `${label}: vectors flattened from NCHW maps are not concatenated (their order differs from ours); ` +
        `concatenate the maps, then flatten`,
    );
  }
  const axis = intOf(context.attributes, 'axis', 1);
  const isChannelsLast = from[0]!.kind === 'vector' || from[0]!.layout === 'NHWC';
  const channelAxes = from[0]!.kind === 'vector' ? [1, -1] : isChannelsLast ? [3, -1] : [1, -3];
  if (
    !channelAxes.includes(axis) ||
    from.some((value) => value.kind !== from[0]!.kind || value.layout !== from[0]!.layout)
  ) {
    throw new FileFormatError(
      file,
      `${label}: only channels (axis ${channelAxes[0]} here) of inputs in one layout are concatenated, ` +
        `got axis ${axis}`,
    );
  }
  return context.apply(new Concatenate(), from);
}
