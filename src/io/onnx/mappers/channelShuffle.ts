// ShuffleNet's channel shuffle as PyTorch exports it: Reshape of NCHW maps to [N, groups, C / groups,
// H, W], Transpose perm [0, 2, 1, 3, 4], Reshape back to [N, C, H, W]; imported as one ChannelShuffle
// layer. The first two nodes pass their input on, marked; the last Reshape makes the layer. Every
// other Reshape and Transpose goes to shape.ts.
// Limits: the three nodes must form a chain (each value read only by the next node).

import { FileFormatError } from '../../../core/errors.js';
import { ChannelShuffle } from '../../../layers/channelShuffle.js';
import { intsOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type Value } from '../layout.js';
import { flatten, transpose } from './shape.js';

/** A shuffle under way: after its first Reshape, or after its Transpose; `source` is the maps it shuffles. */
interface PendingShuffle {
  stage: 'reshaped' | 'transposed';
  groups: number;
  source: Value;
}

const pendingShuffles = new WeakMap<Value, PendingShuffle>();

/**
 * Whether `extent` may stand for the batch in a Reshape target: copied (0), inferred (-1), symbolic (NaN) or a number.
 */
const isBatchExtent = (extent: number) => Number.isNaN(extent) || extent === 0 || extent === -1 || extent >= 1;

/** The one node that reads `name`, if it is of `op` (and nothing else reads it, nor is it a graph output). */
function onlyReader(context: OnnxNodeContext, name: string, op: string) {
  const readers = context.readers.nodesOf(name);
  return context.readers.count(name) === 1 && readers[0]?.opType === op ? readers[0] : undefined;
}

export function reshapeOrShuffle(context: OnnxNodeContext): Value {
  const from = context.read(0);
  const target = Array.from(context.constant(context.inputName(1)).values);
  const pending = pendingShuffles.get(from);
  if (pending !== undefined) {
    const [h, w, c] = pending.source.tensor.shape as [number, number, number];
    const [, channels, height, width] = target;
    if (
      target.length !== 4 ||
      pending.stage !== 'transposed' ||
      !(channels === c || channels === -1) ||
      height !== h ||
      width !== w
    ) {
      throw new FileFormatError(
        context.file,
        `${context.label}: a channel shuffle must reshape back to [batch, ${c}, ${h}, ${w}], got ` +
          `[${target.join(', ')}]`,
      );
    }
    return context.apply(new ChannelShuffle({ groups: pending.groups }), pending.source);
  }
  if (target.length !== 5 || from.kind !== 'maps' || mapsLayout(from) !== 'NCHW') return flatten(context);
  const [h, w, c] = from.tensor.shape as [number, number, number];
  const [batch, groups, size, height, width] = target as [number, number, number, number, number];
  const transposeNode = onlyReader(context, context.output, 'Transpose');
  const backNode =
    transposeNode === undefined ? undefined : onlyReader(context, (transposeNode.output ?? [])[0] ?? '', 'Reshape');
  const isShuffle =
    isBatchExtent(batch) &&
    Number.isInteger(groups) &&
    groups >= 1 &&
    c % groups === 0 &&
    (size === c / groups || size === -1) &&
    height === h &&
    width === w;
  if (!isShuffle || backNode === undefined) {
    throw new FileFormatError(
      context.file,
      `${context.label}: a reshape of ${c}x${h}x${w} maps to 5 axes is imported only as a channel shuffle ` +
        `([batch, groups, ${c} / groups, ${h}, ${w}], then Transpose [0, 2, 1, 3, 4], then Reshape back), ` +
        `got [${target.join(', ')}]`,
    );
  }
  const marked = { ...from };
  pendingShuffles.set(marked, { stage: 'reshaped', groups, source: from });
  return marked;
}

export function transposeOrShuffle(context: OnnxNodeContext): Value {
  const from = context.read(0);
  const pending = pendingShuffles.get(from);
  if (pending === undefined) return transpose(context);
  const perm = intsOf(context.attributes, 'perm', []).join();
  if (pending.stage !== 'reshaped' || perm !== '0,2,1,3,4') {
    throw new FileFormatError(
      context.file,
      `${context.label}: a channel shuffle transposes its 5 axes with perm [0, 2, 1, 3, 4], got [${perm}]`,
    );
  }
  const marked = { ...from };
  pendingShuffles.set(marked, { ...pending, stage: 'transposed' });
  return marked;
}
