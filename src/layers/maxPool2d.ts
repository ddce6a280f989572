// MaxPool2D: keeps the largest value of each window, shrinking the feature map.

import { ShapeError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Padding } from '../kernels/params.js';
import { maxPool2d, poolParams } from '../ops/maxPool2d.js';
import { describeWindow, pair } from './conv2d.js';
import { Layer, type CallContext, type LayerConfig, type LayerOptions } from './layer.js';

export interface MaxPool2DOptions extends LayerOptions {
  /** Window size; default 2. */
  poolSize?: number | readonly [number, number];
  /** Default: the pool size (windows do not overlap). */
  strides?: number | readonly [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

/**
 * Max pooling over poolSize windows.
 *
 * @example
 * new MaxPool2D({ poolSize: 2 }) // 28x28x32 -> 14x14x32
 */
export class MaxPool2D extends Layer {
  readonly className = 'MaxPool2D';
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;

  constructor(options: MaxPool2DOptions = {}) {
    super(options);
    this.poolSize = pair(options.poolSize ?? 2, 'MaxPool2D poolSize');
    this.strides = pair(options.strides ?? this.poolSize, 'MaxPool2D strides');
    this.padding = options.padding ?? 'valid';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`${this.label()}: expects feature maps of height x width x channels but got ${formatShape(inputShape)}`);
    }
    const params = poolParams([1, ...inputShape], this.options());
    return [params.outH, params.outW, inputShape[2]!];
  }

  call(input: Tensor, _context: CallContext): Tensor {
    return maxPool2d(input, this.options());
  }

  override describeShape(inputShape: Shape): string {
    return describeWindow(this.label(), inputShape, {
      kH: this.poolSize[0], kW: this.poolSize[1], strideH: this.strides[0], strideW: this.strides[1], padding: this.padding,
    });
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      poolSize: [...this.poolSize],
      strides: [...this.strides],
      padding: typeof this.padding === 'object' ? [...this.padding] : this.padding,
    };
  }

  private options() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding, name: this.label() };
  }

  private label(): string {
    return `MaxPool2D '${this.name}'`;
  }
}
