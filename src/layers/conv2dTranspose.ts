// Conv2DTranspose: the learned upsampling of segmentation decoders (FCN, U-Net) and generators, NHWC,
// Keras's name and options. Filter layout [kH, kW, filters / groups, inC]; the maths, sizes and why it
// runs on the convolution kernels: ops/conv2dTranspose.ts.

import { ShapeError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Conv2DParams, Padding } from '../kernels/params.js';
import { conv2dTranspose, conv2dTransposeParams } from '../ops/conv2dTranspose.js';
import { checkPositiveInteger } from '../ops/checks.js';
import { pair } from './conv2d.js';
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

/** Options of the Conv2DTranspose layer. */
export interface Conv2DTransposeOptions extends LayerOptions {
  /** Number of output channels. */
  filters: number;
  /** Kernel height and width; a number means square. */
  kernelSize: number | readonly [number, number];
  /** The upsampling factor; default 1. */
  strides?: number | readonly [number, number] | undefined;
  /**
   * 'valid' (default: output (in - 1) * stride + kernel), 'same' (output in * stride) or explicit pads cropped from the
   * output.
   */
  padding?: Padding | undefined;
  /** Rows and columns added at the bottom and right of the output, smaller than the stride; default 0. */
  outputPadding?: number | readonly [number, number] | undefined;
  /** Default 1. */
  dilationRate?: number | readonly [number, number] | undefined;
  /** Channel groups dividing the input channels and the filters; default 1. */
  groups?: number | undefined;
  /** Default true. */
  useBias?: boolean | undefined;
  /** Default 'heNormal'. */
  kernelInitializer?: Initializer | undefined;
}

/**
 * 2-D transposed convolution. Output size per axis: (W - 1) * S + K - 2P + outputPadding.
 *
 * @example
 * new Conv2DTranspose({ filters: 16, kernelSize: 2, strides: 2 }) // 14x14x32 -> 28x28x16
 */
export class Conv2DTranspose extends Layer {
  readonly className = 'Conv2DTranspose';
  /** Output channels. */
  readonly filters: number;
  /** [kH, kW]. */
  readonly kernelSize: readonly [number, number];
  /** The strides, [strideH, strideW]: the output grows by this factor. */
  readonly strides: readonly [number, number];
  /** 'valid', 'same' or explicit amounts, as given. */
  readonly padding: Padding;
  /** [rows, columns] added at the bottom and right of the output. */
  readonly outputPadding: readonly [number, number];
  /** The spacing of the taps, [dilationH, dilationW]. */
  readonly dilationRate: readonly [number, number];
  /** Channel groups (1: plain). */
  readonly groups: number;
  /** Whether the layer adds a bias. */
  readonly useBias: boolean;
  /** How build draws the kernel's first values. */
  readonly kernelInitializer: Initializer;
  /** The filter, [kH, kW, filters / groups, inC] (Keras's layout); null until the layer is built. */
  kernel: Tensor | null = null;
  /** The bias, [filters]; null without one or until the layer is built. */
  bias: Tensor | null = null;

  constructor(options: Conv2DTransposeOptions) {
    super(options);
    checkPositiveInteger(options.filters, 'Conv2DTranspose filters');
    this.filters = options.filters;
    this.kernelSize = pair(options.kernelSize, 'Conv2DTranspose kernelSize');
    this.strides = pair(options.strides ?? 1, 'Conv2DTranspose strides');
    this.padding = options.padding ?? 'valid';
    const outputPadding = options.outputPadding ?? 0;
    this.outputPadding =
      typeof outputPadding === 'number' ? [outputPadding, outputPadding] : [outputPadding[0], outputPadding[1]];
    this.dilationRate = pair(options.dilationRate ?? 1, 'Conv2DTranspose dilationRate');
    this.groups = options.groups ?? 1;
    checkPositiveInteger(this.groups, 'Conv2DTranspose groups');
    if (this.filters % this.groups !== 0)
      throw new ShapeError(`Conv2DTranspose: ${this.groups} groups must divide the ${this.filters} filters`);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = checkInitializer(
      options.kernelInitializer ?? 'heNormal',
      'Conv2DTranspose kernelInitializer',
    );
  }

  computeOutputShape(inputShape: Shape): Shape {
    checkHeightWidthChannels(this.label(), inputShape, 'images');
    checkGroupsDivideChannels(this.label(), this.groups, inputShape);
    const params = this.convolutionParams(inputShape);
    return [params.inH, params.inW, this.filters];
  }

  /**
   * The Conv2DParams (one image) of the convolution this layer is the adjoint of: its resolved pads, its output size as
   * inH x inW.
   */
  convolutionParams(inputShape: Shape): Conv2DParams {
    const [inH, inW, inC] = inputShape as [number, number, number];
    return conv2dTransposeParams(this.label(), 1, this.geometry(inH, inW, inC));
  }

  override build(inputShape: Shape, context: BuildContext): Shape {
    const outputShape = this.computeOutputShape(inputShape);
    const [kH, kW] = this.kernelSize;
    const inC = inputShape[2]!;
    const groupOutC = this.filters / this.groups;
    // Each output value sums kH * kW * inC / groups / stride^2 products on average: He's fan for the upsampling.
    const fanIn = Math.max(1, (kH * kW * (inC / this.groups)) / (this.strides[0] * this.strides[1]));
    this.kernel = initializeWeights(
      this.kernelInitializer,
      [kH, kW, groupOutC, inC],
      fanIn,
      kH * kW * groupOutC,
      context.random,
      context.dtype,
    );
    this.bias = this.useBias ? zeroWeights(this.filters, context) : null;
    return outputShape;
  }

  call(input: Tensor, _context: CallContext): Tensor {
    if (this.kernel === null) throw notBuiltError(this.label());
    return conv2dTranspose(input, this.kernel, this.bias, {
      strides: this.strides,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilations: this.dilationRate,
      groups: this.groups,
      name: this.label(),
    });
  }

  override weights(): NamedWeight[] {
    return kernelAndBias(this.kernel, this.bias);
  }

  override multiplyAdds(inputShape: Shape): number {
    return (
      inputShape[0]! *
      inputShape[1]! *
      inputShape[2]! *
      this.kernelSize[0] *
      this.kernelSize[1] *
      (this.filters / this.groups)
    );
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: paddingConfig(this.padding),
      outputPadding: [...this.outputPadding],
      dilationRate: [...this.dilationRate],
      groups: this.groups,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
    };
  }

  private geometry(inH: number, inW: number, inC: number) {
    return {
      inH,
      inW,
      inC,
      outC: this.filters,
      kH: this.kernelSize[0],
      kW: this.kernelSize[1],
      strideH: this.strides[0],
      strideW: this.strides[1],
      padding: this.padding,
      outputPaddingH: this.outputPadding[0],
      outputPaddingW: this.outputPadding[1],
      dilationH: this.dilationRate[0],
      dilationW: this.dilationRate[1],
      groups: this.groups,
    };
  }

  private label(): string {
    return `Conv2DTranspose '${this.name}'`;
  }
}
