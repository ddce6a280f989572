// AvgPool2D: the mean of each window, shrinking the feature map; padded positions are left out of
// the mean (TensorFlow/Keras 'same'; see kernels/js/avgPool2d.ts).

import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { avgPool2d } from '../ops/avgPool2d.js';
import type { Pool2DOptions } from '../ops/maxPool2d.js';
import type { LayerConfig } from './layer.js';
import { checkOptionalBoolean, Pool2DLayer, type Pool2DLayerOptions } from './pool2d.js';

/** Options of the AvgPool2D layer. */
export interface AvgPool2DOptions extends Pool2DLayerOptions {
  /**
   * Padded zeros count in the divisor (PyTorch count_include_pad=True, ONNX count_include_pad=1;
   * PyTorch's default, not ONNX's or Keras's). Default false: only input values count.
   */
  countIncludePad?: boolean | undefined;
}

/**
 * Average pooling over poolSize windows. With padding 'same', an edge window averages only the input
 * values it covers. Throws ShapeError (naming the layer and the size formula) when the window does not fit.
 *
 * @example
 * new AvgPool2D({ poolSize: 2 }) // 28x28x32 -> 14x14x32
 */
export class AvgPool2D extends Pool2DLayer {
  readonly className = 'AvgPool2D';

  /**
   * Whether a window's mean divides by the padding it covers too (PyTorch's count_include_pad); false: only the input
   * values.
   */
  readonly countIncludePad: boolean;

  constructor(options: AvgPool2DOptions = {}) {
    super(options, 'AvgPool2D');
    this.countIncludePad = checkOptionalBoolean(options.countIncludePad, 'AvgPool2D countIncludePad');
  }

  protected override options(): Pool2DOptions {
    return { ...super.options(), countIncludePad: this.countIncludePad };
  }

  /** The constructor's options (countIncludePad only when true). */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), ...(this.countIncludePad ? { countIncludePad: true } : {}) };
  }

  protected pool(input: Tensor, options: Pool2DOptions): Tensor {
    return avgPool2d(input, options);
  }

  /** One multiply-add per window tap: the mean is the window's dot product with 1 / count. */
  override multiplyAdds(inputShape: Shape): number {
    const [outH, outW, channels] = this.computeOutputShape(inputShape) as [number, number, number];
    return outH * outW * channels * this.poolSize[0] * this.poolSize[1];
  }
}
