// Rescaling: y = x * scale + offset with constant (untrained) scale and offset, per channel or for all,
// as Keras's Rescaling (pixels 0..255 to 0..1 or -1..1 inside the model). Written with the multiply and
// biasAdd ops, so the gradient reaches the layers before it.

import { ValueError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { tensorFromHost } from '../ops/allocate.js';
import { biasAdd } from '../ops/biasAdd.js';
import { multiply } from '../ops/shapeOps.js';
import { Layer, type LayerConfig, type LayerOptions } from './layer.js';

/** Options of the Rescaling layer. */
export interface RescalingOptions extends LayerOptions {
  /** One factor for every value, or one per channel (the last axis). */
  scale: number | readonly number[];
  /** Added after scaling: one value or one per channel; default 0. */
  offset?: number | readonly number[] | undefined;
}

/**
 * Scales and shifts every value by constants. Throws ValueError for non-finite constants, and
 * ShapeError at build when per-channel lists do not match the channels.
 *
 * @example
 * new Rescaling({ scale: 1 / 127.5, offset: -1 }) // pixels 0..255 -> -1..1
 */
export class Rescaling extends Layer {
  readonly className = 'Rescaling';
  /** One factor, or one per channel. */
  readonly scale: number | readonly number[];
  /** Added after scaling: one value, or one per channel. */
  readonly offset: number | readonly number[];

  constructor(options: RescalingOptions) {
    super(options);
    this.scale = constants(options.scale, 'scale');
    this.offset = constants(options.offset ?? 0, 'offset');
  }

  computeOutputShape(inputShape: Shape): Shape {
    const channels = inputShape[inputShape.length - 1]!;
    for (const [what, value] of [
      ['scale', this.scale],
      ['offset', this.offset],
    ] as const) {
      if (typeof value !== 'number' && value.length !== channels) {
        throw new ValueError(
          `Rescaling '${this.name}': ${what} has ${value.length} values but the input ` +
            `[${inputShape.join(', ')}] has ${channels} channels`,
        );
      }
    }
    return inputShape;
  }

  call(input: Tensor): Tensor {
    const channels = input.shape[input.rank - 1]!;
    const perChannel = (value: number | readonly number[]) =>
      typeof value === 'number' ? new Array<number>(channels).fill(value) : value;
    const scale = perChannel(this.scale);
    const factors = tensorFromHost(input.shape, input.dtype, (values) => {
      for (let index = 0; index < values.length; index++) values[index] = scale[index % channels]!;
    });
    return biasAdd(
      multiply(input, factors),
      Tensor.fromArray(perChannel(this.offset), [channels], input.dtype),
      `Rescaling '${this.name}'`,
    );
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      scale: typeof this.scale === 'number' ? this.scale : [...this.scale],
      offset: typeof this.offset === 'number' ? this.offset : [...this.offset],
    };
  }
}

function constants(value: number | readonly number[], what: string): number | readonly number[] {
  const values = typeof value === 'number' ? [value] : Array.isArray(value) ? value : [Number.NaN];
  if (values.length === 0 || !values.every((entry) => typeof entry === 'number' && Number.isFinite(entry))) {
    throw new ValueError(
      `Rescaling ${what} must be a finite number or a list of them, got ` +
        `${typeof value === 'number' ? value : Array.isArray(value) ? `a list of ${value.length}` : typeof value}`,
    );
  }
  return typeof value === 'number' ? value : Object.freeze([...values]);
}
