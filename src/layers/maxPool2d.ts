// MaxPool2D: keeps the largest value of each window, shrinking the feature map.

import type { Tensor } from '../core/tensor.js';
import { maxPool2d, type Pool2DOptions } from '../ops/maxPool2d.js';
import { Pool2DLayer, type Pool2DLayerOptions } from './pool2d.js';

/** Options of the MaxPool2D layer. */
export type MaxPool2DOptions = Pool2DLayerOptions;

/**
 * Max pooling over poolSize windows.
 *
 * @example
 * new MaxPool2D({ poolSize: 2 }) // 28x28x32 -> 14x14x32
 */
export class MaxPool2D extends Pool2DLayer {
  readonly className = 'MaxPool2D';

  constructor(options: MaxPool2DOptions = {}) {
    super(options, 'MaxPool2D');
  }

  protected pool(input: Tensor, options: Pool2DOptions): Tensor {
    return maxPool2d(input, options);
  }
}
