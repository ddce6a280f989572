// Dropout: in training, zeroes each value with probability `rate` and scales the rest by
// 1 / (1 - rate) (Srivastava et al., 2014); at inference it passes its input through unchanged.
// Each training call draws one 32-bit mask seed: from the call context's random source when the
// model passes one, else from the layer's own generator, seeded from the model's at build time, so
// training repeats exactly for a given model seed either way.

import { ValueError } from '../core/errors.js';
import { Random } from '../core/random.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { dropout } from '../ops/dropout.js';
import { Layer, type BuildContext, type CallContext, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the Dropout layer. */
export interface DropoutOptions extends LayerOptions {
  /** Fraction of values zeroed in training, in [0, 1). */
  rate: number;
}

/**
 * Inverted dropout. Throws ValueError for a rate outside [0, 1).
 *
 * @example
 * new Dropout({ rate: 0.5 }) // between Dense layers: half the units off in each training step
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  /** The probability that fit zeroes a value, in [0, 1). */
  readonly rate: number;
  private random: Random | null = null;

  constructor(options: DropoutOptions) {
    super(options);
    if (!(options.rate >= 0 && options.rate < 1))
      throw new ValueError(`Dropout rate must be in [0, 1), got ${options.rate}`);
    this.rate = options.rate;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override build(inputShape: Shape, context: BuildContext): Shape {
    this.random = new Random(context.random.nextUint32());
    return this.computeOutputShape(inputShape);
  }

  call(input: Tensor, context: CallContext): Tensor {
    if (!context.isTraining || this.rate === 0) return input;
    const random = context.random ?? this.random;
    if (random === null)
      throw new ValueError(
        `Dropout '${this.name}': call in training before build, with no random source in the call context`,
      );
    return dropout(input, { rate: this.rate, seed: random.nextUint32() });
  }

  getConfig(): LayerConfig {
    return { name: this.name, rate: this.rate };
  }
}
