// Dense (fully connected): output = input x kernel + bias, kernel [inputSize, units].

import { ShapeError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { biasAdd } from '../ops/biasAdd.js';
import { checkPositiveInteger } from '../ops/checks.js';
import { matMul } from '../ops/matMul.js';
import { checkInitializer, initializeWeights, zeroWeights, type Initializer } from './initializers.js';
import {
  kernelAndBias,
  Layer,
  notBuiltError,
  type BuildContext,
  type CallContext,
  type LayerConfig,
  type LayerOptions,
  type NamedWeight,
} from './layer.js';

/** Options of the Dense layer. */
export interface DenseOptions extends LayerOptions {
  /** Number of outputs. */
  units: number;
  /** Expected number of inputs; inferred from the previous layer when omitted. */
  inputSize?: number | undefined;
  /** Default true. */
  useBias?: boolean | undefined;
  /** Default 'heNormal'; use 'glorotUniform' before sigmoid or tanh. */
  kernelInitializer?: Initializer | undefined;
}

/**
 * Fully connected layer on flat inputs [batch, inputSize] -> [batch, units].
 *
 * @example
 * new Dense({ units: 10 })
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  /** Output features. */
  readonly units: number;
  /** Whether the layer adds a bias. */
  readonly useBias: boolean;
  /** How build draws the kernel's first values. */
  readonly kernelInitializer: Initializer;
  /** Input features: from the options, or set by build from the input; null until known. */
  inputSize: number | null;
  /** The weights, [inputSize, units]; null until the layer is built. */
  kernel: Tensor | null = null;
  /** The bias, [units]; null without one or until the layer is built. */
  bias: Tensor | null = null;

  constructor(options: DenseOptions) {
    super(options);
    checkPositiveInteger(options.units, 'Dense units');
    if (options.inputSize !== undefined) checkPositiveInteger(options.inputSize, 'Dense inputSize');
    this.units = options.units;
    this.inputSize = options.inputSize ?? null;
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = checkInitializer(options.kernelInitializer ?? 'heNormal', 'Dense kernelInitializer');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      throw new ShapeError(
        `${this.label()}: expects a flat vector per example but got ${formatShape(inputShape)} feature maps; ` +
          `add a Flatten layer before it (${formatShape(inputShape)} -> ${sizeOf(inputShape)} values)`,
      );
    }
    const given = inputShape[0]!;
    if (this.inputSize !== null && given !== this.inputSize) {
      throw new ShapeError(
        `${this.label()}: expects ${this.inputSize} input values but gets ${given}. A Flatten gives H*W*C ` +
          `values of the map ` +
          `before it, and every pooling or strided layer shrinks H and W ((W - K + 2P) / S + 1): add or ` +
          `remove a pooling ` +
          `layer, change a stride or padding, or drop inputSize to take ${given}`,
      );
    }
    return [this.units];
  }

  override build(inputShape: Shape, context: BuildContext): Shape {
    const outputShape = this.computeOutputShape(inputShape);
    const inputSize = inputShape[0]!;
    this.inputSize = inputSize;
    this.kernel = initializeWeights(
      this.kernelInitializer,
      [inputSize, this.units],
      inputSize,
      this.units,
      context.random,
      context.dtype,
    );
    this.bias = this.useBias ? zeroWeights(this.units, context) : null;
    return outputShape;
  }

  call(input: Tensor, _context: CallContext): Tensor {
    if (this.kernel === null) throw notBuiltError(this.label());
    if (input.rank !== 2 || input.shape[1] !== this.kernel.shape[0]) {
      throw new ShapeError(
        `${this.label()}: expects input [batch, ${this.kernel.shape[0]}] but got ${formatShape(input.shape)}`,
      );
    }
    const product = matMul(input, this.kernel, { name: this.label() });
    return this.bias === null ? product : biasAdd(product, this.bias, this.label());
  }

  override weights(): NamedWeight[] {
    return kernelAndBias(this.kernel, this.bias);
  }

  override multiplyAdds(inputShape: Shape): number {
    return inputShape[0]! * this.units;
  }

  getConfig(): LayerConfig {
    const config: LayerConfig = {
      name: this.name,
      units: this.units,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
    };
    if (this.inputSize !== null) config.inputSize = this.inputSize;
    return config;
  }

  private label(): string {
    return `Dense '${this.name}'`;
  }
}
