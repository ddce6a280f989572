// ZeroPadding2D: rows and columns of zeros around each feature map, for example before a 'valid'
// convolution that should keep the image size.

import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { zeroPad2d, zeroPadParams, type ZeroPadding } from '../ops/zeroPad2d.js';
import {
  checkHeightWidthChannels,
  Layer,
  paddingConfig,
  type CallContext,
  type LayerConfig,
  type LayerOptions,
} from './layer.js';

/** Options of the ZeroPadding2D layer. */
export interface ZeroPadding2DOptions extends LayerOptions {
  /** n on every side, [padH, padW] on both sides of each axis, or [top, bottom, left, right]; default 1. */
  padding?: ZeroPadding | undefined;
}

/**
 * Zero padding of images. Throws ValueError for a padding that is not non-negative integers.
 *
 * @example
 * new ZeroPadding2D({ padding: 2 }) // 28x28x1 -> 32x32x1
 */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  /** The padding as given: n, [padH, padW] or [top, bottom, left, right]. */
  readonly padding: ZeroPadding;

  constructor(options: ZeroPadding2DOptions = {}) {
    super(options);
    this.padding = options.padding ?? 1;
    zeroPadParams([1, 1, 1, 1], this.padding, 'ZeroPadding2D');
  }

  computeOutputShape(inputShape: Shape): Shape {
    const params = this.params(inputShape);
    return [params.outH, params.outW, params.inC];
  }

  call(input: Tensor, _context: CallContext): Tensor {
    return zeroPad2d(input, this.padding, this.label());
  }

  override describeShape(inputShape: Shape): string {
    const { inH, inW, outH, outW, padTop, padBottom, padLeft, padRight } = this.params(inputShape);
    const axis = (inSize: number, before: number, after: number, outSize: number) =>
      `${inSize} + ${before === after ? `2*${before}` : `${before}+${after}`} = ${outSize}`;
    const height = axis(inH, padTop, padBottom, outH);
    if (inH === inW && padTop === padLeft && padBottom === padRight) return height;
    return `H: ${height}; W: ${axis(inW, padLeft, padRight, outW)}`;
  }

  getConfig(): LayerConfig {
    return { name: this.name, padding: paddingConfig(this.padding) };
  }

  private params(inputShape: Shape) {
    checkHeightWidthChannels(this.label(), inputShape, 'images');
    return zeroPadParams([1, ...inputShape], this.padding, this.label());
  }

  private label(): string {
    return `ZeroPadding2D '${this.name}'`;
  }
}
