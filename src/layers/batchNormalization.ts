// BatchNormalization: normalizes each channel over the batch while training (and keeps moving
// averages of the statistics), and with those averages at inference, so one example's output does not
// depend on the others in its batch.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { noteWeightsChanged } from '../core/weightsVersion.js';
import { isDeviceBackend } from '../kernels/registry.js';
import { batchNormalization, updateMovingAverage } from '../ops/batchNorm.js';
import { initializeWeights, zeroWeights } from './initializers.js';
import {
  Layer,
  notBuiltError,
  type BuildContext,
  type CallContext,
  type LayerConfig,
  type LayerOptions,
  type NamedWeight,
} from './layer.js';

/** Options of the BatchNormalization layer. */
export interface BatchNormalizationOptions extends LayerOptions {
  /**
   * Weight of the old value in the moving averages: moving = momentum * moving + (1 - momentum) *
   * batch. Default 0.99 (Keras); PyTorch's momentum 0.1 is this layer's 0.9.
   */
  momentum?: number | undefined;
  /** Added to the variance before the square root; default 0.001 (Keras; PyTorch uses 1e-5). */
  epsilon?: number | undefined;
}

/**
 * Normalizes the last axis (channels): y = gamma * (x - mean) / sqrt(variance + epsilon) + beta.
 * Training uses the batch's mean and variance and updates the moving averages (the variance
 * unbiased, divided by n - 1); inference, and training with `trainable` false, use the moving averages.
 *
 * @example
 * new Conv2D({ filters: 32, kernelSize: 3, padding: 'same', useBias: false }), new BatchNormalization(), new ReLU()
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  /** Weight of the old value in the moving averages. */
  readonly momentum: number;
  /** Added to the variance before its square root. */
  readonly epsilon: number;
  /** The scale per channel, [channels]; null until the layer is built. */
  gamma: Tensor | null = null;
  /** The offset per channel, [channels]; null until the layer is built. */
  beta: Tensor | null = null;
  /** The mean per channel used in predict, [channels]; saved, not trained; null until built. */
  movingMean: Tensor | null = null;
  /** The variance per channel used in predict, [channels]; saved, not trained; null until built. */
  movingVariance: Tensor | null = null;

  constructor(options: BatchNormalizationOptions = {}) {
    super(options);
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 0.001;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new ValueError(`BatchNormalization momentum must be in [0, 1), got ${options.momentum}`);
    if (!(this.epsilon > 0))
      throw new ValueError(`BatchNormalization epsilon must be positive, got ${options.epsilon}`);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3 && inputShape.length !== 1) {
      throw new ShapeError(
        `${this.label()}: takes [height, width, channels] or [features], got ${formatShape(inputShape)}`,
      );
    }
    return inputShape;
  }

  override build(inputShape: Shape, context: BuildContext): Shape {
    const outputShape = this.computeOutputShape(inputShape);
    const channels = inputShape[inputShape.length - 1]!;
    this.gamma = initializeWeights('ones', [channels], 1, 1, context.random, context.dtype);
    this.beta = zeroWeights(channels, context);
    this.movingMean = zeroWeights(channels, context);
    this.movingVariance = initializeWeights('ones', [channels], 1, 1, context.random, context.dtype);
    return outputShape;
  }

  call(input: Tensor, context: CallContext): Tensor {
    if (this.gamma === null || this.beta === null || this.movingMean === null || this.movingVariance === null) {
      throw notBuiltError(this.label());
    }
    const channels = this.gamma.shape[0]!;
    if (input.shape[input.rank - 1] !== channels) {
      throw new ShapeError(`${this.label()}: expects ${channels} channels but got ${formatShape(input.shape)}`);
    }
    // A frozen layer normalizes as at inference and keeps its moving statistics (as Keras does).
    if (!context.isTraining || !this.trainable) {
      return batchNormalization(
        input,
        this.gamma,
        this.beta,
        { mean: this.movingMean, variance: this.movingVariance },
        this.epsilon,
        this.label(),
      ).output;
    }
    const { output, mean, variance } = batchNormalization(
      input,
      this.gamma,
      this.beta,
      null,
      this.epsilon,
      this.label(),
    );
    const count = input.size / channels;
    const unbiased = count > 1 ? count / (count - 1) : 1;
    // The moving averages change: inference plans fold them into the convolution before.
    noteWeightsChanged([this.movingMean, this.movingVariance]);
    if (isDeviceBackend()) {
      // Updated where the values are, by a kernel: a host write would miss the device's copy.
      updateMovingAverage(this.movingMean, mean, this.momentum, 1);
      updateMovingAverage(this.movingVariance, variance, this.momentum, unbiased);
      return output;
    }
    const movingMean = this.movingMean.dataSync();
    const movingVariance = this.movingVariance.dataSync();
    const meanValues = mean.dataSync();
    const varianceValues = variance.dataSync();
    for (let channel = 0; channel < channels; channel++) {
      movingMean[channel] = this.momentum * movingMean[channel]! + (1 - this.momentum) * meanValues[channel]!;
      movingVariance[channel] =
        this.momentum * movingVariance[channel]! + (1 - this.momentum) * varianceValues[channel]! * unbiased;
    }
    return output;
  }

  override weights(): NamedWeight[] {
    if (this.gamma === null || this.beta === null || this.movingMean === null || this.movingVariance === null)
      return [];
    return [
      { name: 'gamma', tensor: this.gamma },
      { name: 'beta', tensor: this.beta },
      { name: 'moving_mean', tensor: this.movingMean, isTrainable: false },
      { name: 'moving_variance', tensor: this.movingVariance, isTrainable: false },
    ];
  }

  override multiplyAdds(inputShape: Shape): number {
    return sizeOf(inputShape);
  }

  getConfig(): LayerConfig {
    return { name: this.name, momentum: this.momentum, epsilon: this.epsilon };
  }

  private label(): string {
    return `BatchNormalization '${this.name}'`;
  }
}
