// ChannelShuffle: ShuffleNet's mixing of channels between groups (Zhang et al., 2018), which
// ShuffleNetV2 exports to ONNX as Reshape, Transpose, Reshape.

import { ShapeError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { channelShuffle } from '../ops/channelOps.js';
import { checkPositiveInteger } from '../ops/checks.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the ChannelShuffle layer. */
export interface ChannelShuffleOptions extends LayerOptions {
  /** The number of groups; it must divide the channels. */
  groups: number;
}

/**
 * Channels seen as [groups, C / groups] are transposed: output channel j * groups + g is input
 * channel g * (C / groups) + j (PyTorch's channel_shuffle in torchvision's ShuffleNetV2). Throws
 * ValueError for groups not a positive whole number and ShapeError when it does not divide the channels.
 *
 * @example
 * new ChannelShuffle({ groups: 2 }); // [a0 a1 a2 b0 b1 b2] -> [a0 b0 a1 b1 a2 b2]
 */
export class ChannelShuffle extends Layer {
  readonly className = 'ChannelShuffle';
  /** Groups the channels are split into before the shuffle. */
  readonly groups: number;

  constructor(options: ChannelShuffleOptions) {
    super(options);
    checkPositiveInteger(options.groups, 'ChannelShuffle groups');
    this.groups = options.groups;
  }

  computeOutputShape(inputShape: Shape): Shape {
    const channels = inputShape[inputShape.length - 1] ?? 0;
    if (channels % this.groups !== 0) {
      throw new ShapeError(
        `ChannelShuffle '${this.name}': ${this.groups} groups do not divide the ${channels} channels of ` +
          `${formatShape(inputShape)}`,
      );
    }
    return inputShape;
  }

  call(input: Tensor): Tensor {
    return channelShuffle(input, this.groups, `ChannelShuffle '${this.name}'`);
  }

  getConfig(): LayerConfig {
    return { name: this.name, groups: this.groups };
  }
}
