// The layer contract: configuration and weights, a forward pass written with ops (no maths of its
// own), the output shape for a given input shape, and a config that serialises it.

import type { DType } from '../core/dtype.js';
import { ShapeError, ValueError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** Per-call state of the forward pass. */
export interface CallContext {
  /** True in fit (Dropout drops, BatchNormalization uses the batch's statistics); false in predict and evaluate. */
  isTraining: boolean;
  /**
   * Random numbers for layers that draw them per call in training (Dropout takes one 32-bit seed per
   * call). Without it, such a layer uses its own generator, seeded from the model's at build time.
   */
  random?: Random | undefined;
}

/** What build() needs to create weights. */
export interface BuildContext {
  random: Random;
  dtype: DType;
}

/** A weight tensor with its name inside the layer ("kernel", "bias"). */
export interface NamedWeight {
  /** The weight's name inside the layer, e.g. 'kernel'; saved as `<layer>/<name>`. */
  readonly name: string;
  /** The weight's values. */
  readonly tensor: Tensor;
  /** False for state that is saved but not trained (batch normalization's moving averages); default true. */
  readonly isTrainable?: boolean | undefined;
}

/** JSON-serialisable layer configuration. */
export type LayerConfig = Record<string, unknown> & { name?: string | undefined };

export interface LayerOptions {
  /** Unique name inside the model; the model assigns `<type>_<n>` when omitted. */
  name?: string | undefined;
}

/**
 * Base class of every layer. Shapes given to and returned by `build` and `computeOutputShape` are
 * per example (no batch axis): [height, width, channels] for images, [features] after Flatten.
 */
export abstract class Layer {
  /** Stable type name used in model files and summaries ("Conv2D"). */
  abstract readonly className: string;
  /** Unique inside the model, e.g. 'conv2d_1'; weights are saved as `<name>/<weight>`. */
  name: string;
  /**
   * Whether training changes this layer's weights; default true. A frozen layer (false) is left out
   * of fit's gradient tape and optimizer, so its weights stay byte-identical, and a frozen
   * BatchNormalization normalizes with its moving statistics and keeps them (Keras's `trainable =
   * False`). Set it per layer, or a whole prefix at once with Model.freeze / unfreeze; model files keep it.
   *
   * @example
   * model.layers[1]!.trainable = false;
   */
  trainable = true;
  /**
   * The input shapes a Model built this layer for (null before): a model cut from another, or one
   * given a new head, uses the layer and its weights as they are instead of making new ones.
   */
  builtInputShapes: readonly Shape[] | null = null;

  protected constructor(options: LayerOptions = {}) {
    this.name = options.name ?? '';
  }

  /** Output shape for an input shape; throws ShapeError naming the layer and both shapes. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Creates the weights for `inputShape` (after checking it) and returns the output shape. */
  build(inputShape: Shape, _context: BuildContext): Shape {
    return this.computeOutputShape(inputShape);
  }

  /** The forward pass on a batch. */
  abstract call(input: Tensor, context: CallContext): Tensor;

  /** Weights, in a stable order: the trainable ones and saved state (marked isTrainable: false). */
  weights(): NamedWeight[] {
    return [];
  }

  /** Multiply-adds per example for an input of `inputShape`. */
  multiplyAdds(_inputShape: Shape): number {
    return 0;
  }

  /** How the output shape follows from the input, for summaries (e.g. the conv size formula). */
  describeShape(_inputShape: Shape): string {
    return '';
  }

  /** The options this layer was made with (plus its name), enough to make it again. */
  abstract getConfig(): LayerConfig;

  /**
   * Connects this layer to the outputs of earlier ones, for a Model built as a graph (the
   * functional API); checks the shapes at once. Each layer can be applied once.
   *
   * @example
   * const input = new Input({ shape: [32, 32, 16] });
   * const y = new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(input.output);
   * const sum = new Add().apply([y, input.output]); // a residual connection
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
    const list: readonly SymbolicTensor[] = inputs instanceof SymbolicTensor ? [inputs] : inputs;
    if (this.appliedTo !== null)
      throw new ValueError(
        `${this.className} '${this.name || 'unnamed'}' is already applied; make another layer for another ` +
          `place in the graph`,
      );
    const shape = this.outputShapeOf(list.map((input) => input.shape));
    this.appliedTo = list;
    return new SymbolicTensor(shape, this, list);
  }

  /** The inputs given to apply(), or null for a layer not connected yet. */
  appliedTo: readonly SymbolicTensor[] | null = null;

  /** The number of inputs the layer takes: 1, or any number of at least 2 for a merge (Add, Concatenate). */
  get isMerge(): boolean {
    return false;
  }

  /** The output shape for the shapes of all inputs (one for most layers). */
  outputShapeOf(inputShapes: readonly Shape[]): Shape {
    return this.computeOutputShape(this.onlyInputShape(inputShapes));
  }

  /** build() for the shapes of all inputs. */
  buildWith(inputShapes: readonly Shape[], context: BuildContext): Shape {
    return this.build(this.onlyInputShape(inputShapes), context);
  }

  /** The one input shape of a layer that takes one input; ShapeError for any other count. */
  private onlyInputShape(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length !== 1)
      throw new ShapeError(`${this.className} '${this.name}' takes one input, got ${inputShapes.length}`);
    return inputShapes[0]!;
  }

  /** call() on all inputs. */
  callWith(inputs: readonly Tensor[], context: CallContext): Tensor {
    return this.call(inputs[0]!, context);
  }
}

/** Throws unless `inputShape` is height x width x channels, the one shape `label` takes `what` (images, maps) in. */
export function checkHeightWidthChannels(label: string, inputShape: Shape, what: string): void {
  if (inputShape.length !== 3)
    throw new ShapeError(`${label}: expects ${what} of height x width x channels but got ${formatShape(inputShape)}`);
}

/** The ShapeError of a layer called before build made its weights. */
export function notBuiltError(label: string): ShapeError {
  return new ShapeError(`${label}: call before build`);
}

/** Throws ShapeError unless `groups` divides the channels of `inputShape` [height, width, channels]. */
export function checkGroupsDivideChannels(label: string, groups: number, inputShape: Shape): void {
  if (inputShape[2]! % groups !== 0) {
    throw new ShapeError(
      `${label}: ${groups} groups must divide the input channels, but the input is ${formatShape(inputShape)}`,
    );
  }
}

/** A padding option as a layer's config writes it: a list copied, a name or number as it is. */
export function paddingConfig<P>(padding: P): P {
  return (typeof padding === 'object' ? [...(padding as readonly number[])] : padding) as P;
}

/** The weights of a layer with a kernel and an optional bias, those it has so far (none before build). */
export function kernelAndBias(kernel: Tensor | null, bias: Tensor | null): NamedWeight[] {
  const weights: NamedWeight[] = [];
  if (kernel !== null) weights.push({ name: 'kernel', tensor: kernel });
  if (bias !== null) weights.push({ name: 'bias', tensor: bias });
  return weights;
}

/**
 * A layer's output in a graph under construction: its per-example shape, the layer and the tensors
 * it was applied to. Holds no values; Model turns a graph of these into a runnable model.
 */
export class SymbolicTensor {
  constructor(
    /** The shape of one example of this output, without the batch axis. */
    readonly shape: Shape,
    /** The layer whose output this is. */
    readonly layer: Layer,
    /** The symbolic tensors the layer was applied to (none for an Input's). */
    readonly inputs: readonly SymbolicTensor[],
  ) {}
}
