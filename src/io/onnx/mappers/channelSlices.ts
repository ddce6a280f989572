// Split and Slice along the channels of feature maps (ShuffleNetV2's chunk, exported as Split or as
// two Slices): one ChannelSlice layer per output. The channel axis is 1 of NCHW maps, 3 of NHWC ones.
// Split's sizes come from its second input (opset 13), its 'split' attribute (earlier), or an even
// split over its outputs (also opset 18's num_outputs). Slice takes constant starts, ends, axes
// and steps (opset 10 and later) or the attributes of opset 1.
// Limits: other axes, steps other than 1, and a slice of a vector are refused; a Slice that keeps
// every channel is the identity.

import { FileFormatError } from '../../../core/errors.js';
import { ChannelSlice } from '../../../layers/channelSlice.js';
import { intOf, intsOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type Value } from '../layout.js';

/** The channel axis of maps as the ONNX graph sees them, or -1 for a vector. */
function channelAxis(from: Value): number {
  if (from.kind !== 'maps') return -1;
  return mapsLayout(from) === 'NCHW' ? 1 : 3;
}

/** `axis` in [0, 4), or a FileFormatError naming it unless it is the channel axis of maps. */
function checkChannelAxis(context: OnnxNodeContext, from: Value, axis: number): void {
  const normalized = axis < 0 ? axis + 4 : axis;
  if (from.kind !== 'maps' || normalized !== channelAxis(from)) {
    const what =
      from.kind === 'maps' ? `${mapsLayout(from)} feature maps (channels: axis ${channelAxis(from)})` : 'a vector';
    throw new FileFormatError(
      context.file,
      `${context.label}: only ${context.op} along the channels of feature maps is imported, got axis ` +
        `${axis} of ${what}`,
    );
  }
}

export function split(context: OnnxNodeContext): { outputs: Value[] } {
  const from = context.read(0);
  checkChannelAxis(context, from, intOf(context.attributes, 'axis', 0));
  const channels = from.tensor.shape[2]!;
  const outputCount = (context.node.output ?? []).length;
  const sizesName = context.inputName(1);
  let sizes: number[];
  if (sizesName !== '') sizes = Array.from(context.constant(sizesName).values);
  else if (context.attributes.has('split')) sizes = intsOf(context.attributes, 'split', []);
  else {
    // An even split; opset 18 lets the last output be smaller (ceil(channels / outputs) each).
    const each = Math.ceil(channels / outputCount);
    sizes = Array.from({ length: outputCount }, (_, index) => Math.min(each, channels - index * each));
  }
  if (
    sizes.length !== outputCount ||
    sizes.some((size) => !Number.isInteger(size) || size < 1) ||
    sizes.reduce((sum, size) => sum + size, 0) !== channels
  ) {
    throw new FileFormatError(
      context.file,
      `${context.label}: split sizes [${sizes.join(', ')}] do not cut the ${channels} channels into its ` +
        `${outputCount} outputs`,
    );
  }
  let start = 0;
  const outputs = sizes.map((size, index) => {
    const layer = new ChannelSlice({ start, end: start + size });
    start += size;
    const value = context.apply(layer, from);
    // One node makes every slice and names them: each gets its output's name.
    layer.name = ((context.node.output ?? [])[index] ?? `${layer.name}_${index}`).replace(/[^A-Za-z0-9_.-]/g, '_');
    return value;
  });
  return { outputs };
}

export function channelSlice(context: OnnxNodeContext): Value {
  const from = context.read(0);
  const listOf = (index: number, attribute: string, fallback: number[] | null): number[] | null => {
    const name = context.inputName(index);
    if (name !== '') return Array.from(context.constant(name).values);
    return context.attributes.has(attribute) ? intsOf(context.attributes, attribute, []) : fallback;
  };
  const starts = listOf(1, 'starts', null) ?? [];
  const ends = listOf(2, 'ends', null) ?? [];
  const axes = listOf(
    3,
    'axes',
    starts.map((_, index) => index),
  )!;
  const steps = listOf(
    4,
    'steps',
    starts.map(() => 1),
  )!;
  if (starts.length !== 1 || ends.length !== 1 || axes.length !== 1 || steps[0] !== 1) {
    throw new FileFormatError(
      context.file,
      `${context.label}: only a slice of one axis with step 1 is imported, got axes [${axes.join(', ')}] ` +
        `and steps [${steps.join(', ')}]`,
    );
  }
  checkChannelAxis(context, from, axes[0]!);
  const channels = from.tensor.shape[2]!;
  // ONNX clamps: negative positions count from the end, and ends past it (INT64_MAX) stop there.
  const clamp = (position: number) => Math.min(Math.max(position < 0 ? position + channels : position, 0), channels);
  const start = clamp(starts[0]!);
  const end = clamp(ends[0]!);
  if (start === 0 && end === channels) return from;
  if (end <= start)
    throw new FileFormatError(
      context.file,
      `${context.label}: slice [${starts[0]}, ${ends[0]}) of ${channels} channels is empty`,
    );
  return context.apply(new ChannelSlice({ start, end }), from);
}
