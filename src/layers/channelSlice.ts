// ChannelSlice: channels [start, end) of a feature map, the layer ONNX Split and Slice along the
// channels import as (one layer per output of a Split); ShuffleNetV2 splits each block's input in two.

import { ShapeError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { checkChannelRange, sliceChannels } from '../ops/channelOps.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the ChannelSlice layer. */
export interface ChannelSliceOptions extends LayerOptions {
  /** First channel kept. */
  start: number;
  /** One past the last channel kept. */
  end: number;
}

/**
 * Keeps channels [start, end) of the last axis: [H, W, C] -> [H, W, end - start]. The gradient goes
 * back to those channels (zero elsewhere). Throws ValueError unless 0 <= start < end are whole
 * numbers, and ShapeError (naming the layer) for an input with fewer than `end` channels.
 *
 * @example
 * const left = new ChannelSlice({ start: 0, end: 58 }).apply(x); // x: [28, 28, 116]
 */
export class ChannelSlice extends Layer {
  readonly className = 'ChannelSlice';
  /** The first channel kept. */
  readonly start: number;
  /** One past the last channel kept. */
  readonly end: number;

  constructor(options: ChannelSliceOptions) {
    super(options);
    checkChannelRange(options.start, options.end, Infinity, 'ChannelSlice');
    this.start = options.start;
    this.end = options.end;
  }

  computeOutputShape(inputShape: Shape): Shape {
    const channels = inputShape[inputShape.length - 1] ?? 0;
    if (this.end > channels) {
      throw new ShapeError(
        `ChannelSlice '${this.name}': channels [${this.start}, ${this.end}) do not fit the ${channels} ` +
          `channels of ${formatShape(inputShape)}`,
      );
    }
    return [...inputShape.slice(0, -1), this.end - this.start];
  }

  override describeShape(inputShape: Shape): string {
    return `channels ${this.start}..${this.end - 1} of ${inputShape[inputShape.length - 1]}`;
  }

  call(input: Tensor): Tensor {
    return sliceChannels(input, this.start, this.end, `ChannelSlice '${this.name}'`);
  }

  getConfig(): LayerConfig {
    return { name: this.name, start: this.start, end: this.end };
  }
}
