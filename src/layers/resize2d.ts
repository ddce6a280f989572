// Resize2D: nearest or bilinear resizing of feature maps to a size or by a scale (PyTorch's
// nn.Upsample and F.interpolate, ONNX Resize), as segmentation heads use to return to the input size.
// No weights; the gradient flows back through the interpolation weights.

import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { NearestRounding, ResizeCoordinates, ResizeMode } from '../kernels/params.js';
import { checkResizeOptions, resize2d, resize2dParams, type ResizeOptions } from '../ops/resize2d.js';
import { checkHeightWidthChannels, Layer, type CallContext, type LayerConfig, type LayerOptions } from './layer.js';

export interface Resize2DOptions extends LayerOptions, ResizeOptions {}

/**
 * Resizes [H, W, C] maps to [outH, outW, C]: `size` [outH, outW], or `scale` (output = floor(input *
 * scale)); mode 'nearest' (default) or 'bilinear'; coordinates and nearestRounding as ONNX Resize's
 * coordinate_transformation_mode and nearest_mode (defaults: PyTorch's). Throws ValueError for bad
 * options (ops/resize2d.ts), ShapeError for inputs that are not maps.
 *
 * @example
 * new Resize2D({ mode: 'bilinear', size: [64, 64] }) // F.interpolate(x, size=(64, 64), mode='bilinear')
 * new Resize2D({ scale: 2 }) // nn.Upsample(scale_factor=2): 16x16x8 -> 32x32x8
 */
export class Resize2D extends Layer {
  readonly className = 'Resize2D';
  /** 'nearest' or 'bilinear'. */
  readonly mode: ResizeMode;
  /** The output's [outH, outW], when given as a size. */
  readonly size: readonly [number, number] | undefined;
  /** The factor (or [height, width] factors), when given as a scale. */
  readonly scale: number | readonly [number, number] | undefined;
  /** How an output pixel maps back to a source coordinate (ONNX's coordinate_transformation_mode). */
  readonly coordinates: ResizeCoordinates;
  /** How 'nearest' rounds a source coordinate to a pixel (ONNX's nearest_mode). */
  readonly nearestRounding: NearestRounding;

  constructor(options: Resize2DOptions = {}) {
    super(options);
    this.mode = options.mode ?? 'nearest';
    this.size = options.size === undefined ? undefined : [options.size[0], options.size[1]];
    this.scale =
      options.scale === undefined || typeof options.scale === 'number'
        ? options.scale
        : [options.scale[0], options.scale[1]];
    this.coordinates = options.coordinates ?? (this.mode === 'bilinear' ? 'half_pixel' : 'asymmetric');
    this.nearestRounding = options.nearestRounding ?? 'floor';
    checkResizeOptions(this.options(), this.label());
  }

  computeOutputShape(inputShape: Shape): Shape {
    const params = this.params(inputShape);
    return [params.outH, params.outW, params.inC];
  }

  call(input: Tensor, _context: CallContext): Tensor {
    return resize2d(input, this.options(), this.label());
  }

  override multiplyAdds(inputShape: Shape): number {
    const { outH, outW, inC } = this.params(inputShape);
    return outH * outW * inC * (this.mode === 'bilinear' ? 4 : 1);
  }

  override describeShape(inputShape: Shape): string {
    const { inH, inW, outH, outW } = this.params(inputShape);
    return `${this.mode} ${inH}x${inW} -> ${outH}x${outW} (${this.coordinates})`;
  }

  getConfig(): LayerConfig {
    const config: LayerConfig = {
      name: this.name,
      mode: this.mode,
      coordinates: this.coordinates,
      nearestRounding: this.nearestRounding,
    };
    if (this.size !== undefined) config.size = [...this.size];
    if (this.scale !== undefined) config.scale = typeof this.scale === 'number' ? this.scale : [...this.scale];
    return config;
  }

  private options(): ResizeOptions {
    return {
      mode: this.mode,
      size: this.size,
      scale: this.scale,
      coordinates: this.coordinates,
      nearestRounding: this.nearestRounding,
    };
  }

  private params(inputShape: Shape) {
    checkHeightWidthChannels(this.label(), inputShape, 'maps');
    return resize2dParams([1, ...inputShape], this.options(), this.label());
  }

  private label(): string {
    return `Resize2D '${this.name}'`;
  }
}
