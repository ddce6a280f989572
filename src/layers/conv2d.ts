// Conv2D: square or rectangular kernels sliding with a stride over NHWC images, zero padding
// 'valid', 'same' or explicit. Filter layout [kH, kW, inC, outC].

import { ShapeError, ValueError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import {
  describeWindowOutputSize,
  effectiveKernelSize,
  windowParams,
  type FusedActivation,
  type Padding,
} from '../kernels/params.js';
import { conv2d } from '../ops/conv2d.js';
import { checkPositiveInteger } from '../ops/checks.js';
import { checkInitializer, initializeWeights, zeroWeights, type Initializer } from './initializers.js';
import {
  kernelAndBias,
  checkGroupsDivideChannels,
  checkHeightWidthChannels,
  Layer,
  notBuiltError,
  paddingConfig,
  type BuildContext,
  type CallContext,
  type LayerConfig,
  type LayerOptions,
  type NamedWeight,
} from './layer.js';

/** Options of the Conv2D layer. */
export interface Conv2DOptions extends LayerOptions {
  /** Number of output channels (feature maps). */
  filters: number;
  /** Kernel height and width; a number means square. */
  kernelSize: number | readonly [number, number];
  /** Default 1. */
  strides?: number | readonly [number, number] | undefined;
  /** Default 'valid'. */
  padding?: Padding | undefined;
  /** Spacing of the kernel taps (atrous convolution): a 3x3 kernel with rate 2 spans 5x5. Default 1. */
  dilationRate?: number | readonly [number, number] | undefined;
  /**
   * Channel groups, dividing input channels and filters: each group of filters sees only its group of
   * input channels. groups = input channels (and filters a multiple of them) is a depthwise
   * convolution. Default 1.
   */
  groups?: number | undefined;
  /** Default true. */
  useBias?: boolean | undefined;
  /** Default 'heNormal' (suits the ReLU that usually follows). */
  kernelInitializer?: Initializer | undefined;
}

/**
 * 2-D convolution. Output size per axis: (W - K + 2P) / S + 1.
 *
 * @example
 * new Conv2D({ filters: 32, kernelSize: 3, padding: 'same' }) // 28x28x1 -> 28x28x32
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  /** Output channels. */
  readonly filters: number;
  /** [kH, kW]. */
  readonly kernelSize: readonly [number, number];
  /** [strideH, strideW]. */
  readonly strides: readonly [number, number];
  /** 'valid', 'same' or explicit amounts, as given. */
  readonly padding: Padding;
  /** The spacing of the taps, [dilationH, dilationW]. */
  readonly dilationRate: readonly [number, number];
  /** Channel groups (1: plain; the input channels: depthwise). */
  readonly groups: number;
  /** Whether the layer adds a bias. */
  readonly useBias: boolean;
  /** How build draws the kernel's first values. */
  readonly kernelInitializer: Initializer;
  /** The filter, [kH, kW, inC / groups, filters]; null until the layer is built. */
  kernel: Tensor | null = null;
  /** The bias, [filters]; null without one or until the layer is built. */
  bias: Tensor | null = null;

  constructor(options: Conv2DOptions) {
    super(options);
    checkPositiveInteger(options.filters, 'Conv2D filters');
    this.filters = options.filters;
    this.kernelSize = pair(options.kernelSize, 'Conv2D kernelSize');
    this.strides = pair(options.strides ?? 1, 'Conv2D strides');
    this.padding = options.padding ?? 'valid';
    this.dilationRate = pair(options.dilationRate ?? 1, 'Conv2D dilationRate');
    this.groups = options.groups ?? 1;
    checkPositiveInteger(this.groups, 'Conv2D groups');
    if (this.filters % this.groups !== 0)
      throw new ShapeError(`Conv2D: ${this.groups} groups must divide the ${this.filters} filters`);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = checkInitializer(options.kernelInitializer ?? 'heNormal', 'Conv2D kernelInitializer');
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [inH, inW, inC] = this.checkInput(inputShape);
    checkGroupsDivideChannels(this.label(), this.groups, inputShape);
    const window = windowParams(this.label(), 1, inH, inW, inC, this.geometry());
    return [window.outH, window.outW, this.filters];
  }

  override build(inputShape: Shape, context: BuildContext): Shape {
    const outputShape = this.computeOutputShape(inputShape);
    const [kH, kW] = this.kernelSize;
    const groupInC = inputShape[2]! / this.groups;
    const fanOut = kH * kW * (this.filters / this.groups);
    this.kernel = initializeWeights(
      this.kernelInitializer,
      [kH, kW, groupInC, this.filters],
      kH * kW * groupInC,
      fanOut,
      context.random,
      context.dtype,
    );
    this.bias = this.useBias ? zeroWeights(this.filters, context) : null;
    return outputShape;
  }

  call(input: Tensor, _context: CallContext): Tensor {
    return this.callFused(input, undefined);
  }

  /**
   * The forward pass with a following residual Add and ReLU or Clip applied in the same pass (the model fuses Conv2D
   * (+ Add) + ReLU or Clip); `residual` has the output's shape.
   */
  callFused(
    input: Tensor,
    activation: 'relu' | Extract<FusedActivation, { kind: 'clip' }> | undefined,
    residual?: Tensor,
  ): Tensor {
    if (this.kernel === null) throw notBuiltError(this.label());
    return conv2d(input, this.kernel, this.bias, {
      strides: this.strides,
      padding: this.padding,
      dilations: this.dilationRate,
      groups: this.groups,
      name: this.label(),
      activation,
      residual,
    });
  }

  override weights(): NamedWeight[] {
    return kernelAndBias(this.kernel, this.bias);
  }

  override multiplyAdds(inputShape: Shape): number {
    const [outH, outW] = this.computeOutputShape(inputShape) as [number, number, number];
    return outH * outW * this.filters * this.kernelSize[0] * this.kernelSize[1] * (inputShape[2]! / this.groups);
  }

  override describeShape(inputShape: Shape): string {
    return describeWindow(this.label(), inputShape, this.geometry());
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: paddingConfig(this.padding),
      dilationRate: [...this.dilationRate],
      groups: this.groups,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
    };
  }

  private geometry() {
    return {
      kH: this.kernelSize[0],
      kW: this.kernelSize[1],
      strideH: this.strides[0],
      strideW: this.strides[1],
      padding: this.padding,
      dilationH: this.dilationRate[0],
      dilationW: this.dilationRate[1],
    };
  }

  private label(): string {
    return `Conv2D '${this.name}'`;
  }

  private checkInput(inputShape: Shape): [number, number, number] {
    checkHeightWidthChannels(this.label(), inputShape, 'images');
    return inputShape as unknown as [number, number, number];
  }
}

/** A number or a [height, width] pair of positive integers, as a pair. */
export function pair(value: number | readonly [number, number], what: string): readonly [number, number] {
  if (typeof value !== 'number' && !(Array.isArray(value) && value.length === 2)) {
    throw new ValueError(`${what} must be a positive integer or a [height, width] pair, got ${JSON.stringify(value)}`);
  }
  const result: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  checkPositiveInteger(result[0], what);
  checkPositiveInteger(result[1], what);
  return result;
}

/** The size formula of a window layer for both axes, with the actual numbers. */
export function describeWindow(label: string, inputShape: Shape, geometry: Parameters<typeof windowParams>[5]): string {
  const [inH, inW, inC] = inputShape as [number, number, number];
  const window = windowParams(label, 1, inH, inW, inC, geometry);
  // K is the span of a dilated kernel, (k - 1) * d + 1.
  const spanH = effectiveKernelSize(window.kH, window.dilationH);
  const spanW = effectiveKernelSize(window.kW, window.dilationW);
  const height = describeWindowOutputSize(inH, spanH, window.strideH, window.padTop, window.padBottom);
  if (
    inH === inW &&
    spanH === spanW &&
    window.strideH === window.strideW &&
    window.padTop === window.padLeft &&
    window.padBottom === window.padRight
  ) {
    return height;
  }
  return `H: ${height}; W: ${describeWindowOutputSize(inW, spanW, window.strideW, window.padLeft, window.padRight)}`;
}
