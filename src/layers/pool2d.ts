// The common part of the pooling layers (MaxPool2D, AvgPool2D): window options, output shape, the
// size formula for summaries, and the config. Subclasses only choose the pooling op.

import { ValueError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Padding } from '../kernels/params.js';
import { poolParams, type Pool2DOptions } from '../ops/maxPool2d.js';
import { describeWindow, pair } from './conv2d.js';
import {
  checkHeightWidthChannels,
  Layer,
  paddingConfig,
  type CallContext,
  type LayerConfig,
  type LayerOptions,
} from './layer.js';

export interface Pool2DLayerOptions extends LayerOptions {
  /** Window size; default 2. */
  poolSize?: number | readonly [number, number] | undefined;
  /** Default: the pool size (windows do not overlap). */
  strides?: number | readonly [number, number] | undefined;
  /** Default 'valid'. */
  padding?: Padding | undefined;
  /**
   * Count outputs with ceil instead of floor, as PyTorch's and ONNX's ceil_mode: a last partial
   * window takes the rows and columns floor would drop (see ops/maxPool2d.ts). Default false.
   */
  ceilMode?: boolean | undefined;
}

/** `value`, or false when it is left out; ValueError for anything but a boolean (a hand-edited model file). */
export function checkOptionalBoolean(value: unknown, what: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValueError(`${what} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export abstract class Pool2DLayer extends Layer {
  /** The window, [kH, kW]. */
  readonly poolSize: readonly [number, number];
  /** [strideH, strideW]. */
  readonly strides: readonly [number, number];
  /** 'valid', 'same' or explicit amounts, as given. */
  readonly padding: Padding;
  /** Whether output sizes round up (PyTorch's and ONNX's ceil_mode). */
  readonly ceilMode: boolean;

  protected constructor(options: Pool2DLayerOptions, typeName: string) {
    super(options);
    this.poolSize = pair(options.poolSize ?? 2, `${typeName} poolSize`);
    this.strides = pair(options.strides ?? this.poolSize, `${typeName} strides`);
    this.padding = options.padding ?? 'valid';
    this.ceilMode = checkOptionalBoolean(options.ceilMode, `${typeName} ceilMode`);
  }

  /** The pooling op on a batch with these options. */
  protected abstract pool(input: Tensor, options: Pool2DOptions): Tensor;

  computeOutputShape(inputShape: Shape): Shape {
    checkHeightWidthChannels(this.label(), inputShape, 'feature maps');
    const params = poolParams([1, ...inputShape], this.options());
    return [params.outH, params.outW, inputShape[2]!];
  }

  call(input: Tensor, _context: CallContext): Tensor {
    return this.pool(input, this.options());
  }

  override describeShape(inputShape: Shape): string {
    if (this.ceilMode) {
      // The floor formula would show the wrong size: give the output with the rule's name.
      const [outH, outW] = this.computeOutputShape(inputShape) as [number, number, number];
      return `ceil mode: ${outH}x${outW}`;
    }
    return describeWindow(this.label(), inputShape, {
      kH: this.poolSize[0],
      kW: this.poolSize[1],
      strideH: this.strides[0],
      strideW: this.strides[1],
      padding: this.padding,
    });
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      poolSize: [...this.poolSize],
      strides: [...this.strides],
      padding: paddingConfig(this.padding),
      // Only when set, so configs (and model files) of floor-mode layers stay as they were.
      ...(this.ceilMode ? { ceilMode: true } : {}),
    };
  }

  /** The options of the pooling op; subclasses add their own (AvgPool2D's countIncludePad). */
  protected options(): Pool2DOptions {
    return {
      poolSize: this.poolSize,
      strides: this.strides,
      padding: this.padding,
      ceilMode: this.ceilMode,
      name: this.label(),
    };
  }

  /** The layer's class and name, as error messages start. */
  protected label(): string {
    return `${this.className} '${this.name}'`;
  }
}
