// The output of every layer of a model for one example, with the graph (which layers each one reads),
// copied out of the forward pass: what a page draws as the network at work, and what explainValue
// reads to show how one value was computed. Layers run unfused in inference mode (model.forward with
// onOutput), so a Conv2D and the ReLU after it keep separate outputs.

import type { FloatArray } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { withScope } from '../kernels/registry.js';
import type { Model } from '../model/model.js';

/** One layer's output for one example. */
export interface LayerOutput {
  /** The layer's index in model.layers. */
  readonly layerIndex: number;
  /** The layer's name. */
  readonly layerName: string;
  /** The layer's class name, e.g. 'Conv2D'. */
  readonly className: string;
  /**
   * The layers whose outputs this one reads, by index (all earlier; empty for the Input). Several
   * inputs make a join (Add, Concatenate, Multiply, ...): draw an edge from each.
   */
  readonly inputs: readonly number[];
  /** The output shape of one example: [height, width, channels] for feature maps, [size] for vectors. */
  readonly shape: Shape;
  /**
   * How the output size follows from the input, e.g. "(32 - 3 + 2*1) / 1 + 1 = 32"; '' where the size does not change.
   */
  readonly sizeFormula: string;
  /** The output values, channels last (NHWC without the batch axis), in the model's dtype. */
  readonly values: FloatArray;
}

/** Every layer's output for one example; `layers[i]` is model.layers[i]'s. */
export interface LayerOutputs {
  /** The model they were computed with. */
  readonly model: Model;
  /** One entry per layer, in model.layers order. */
  readonly layers: readonly LayerOutput[];
}

/** Options of layerOutputs. */
export interface LayerOutputsOptions {
  /**
   * Called with each layer's output as soon as it is computed, in model order: a worker can post
   * each to the page (progress, and an overview that fills in while the rest computes).
   */
  onLayer?: ((output: LayerOutput) => void) | undefined;
}

/**
 * Runs `input` ([1, ...model.inputShape], see imagesToInput) through every layer and keeps each
 * layer's output (about the memory of all the model's activations for one example). Throws
 * ValueError for a batch of more than one example, ShapeError for an input of the wrong shape.
 *
 * @example
 * const outputs = layerOutputs(model, imagesToInput(model, [photo]), { onLayer: (layer) =>
 * postMessage(layer.layerIndex) }); for (const layer of outputs.layers) console.log(layer.layerName,
 * formatShape(layer.shape), layer.inputs);
 */
export function layerOutputs(model: Model, input: Tensor, options: LayerOutputsOptions = {}): LayerOutputs {
  if (input.shape[0] !== 1) {
    throw new ValueError(
      `layerOutputs: takes one example [1, ${formatShape(model.inputShape).slice(1, -1)}], got ` +
        `${formatShape(input.shape)}`,
    );
  }
  const layers: LayerOutput[] = [];
  withScope(() => {
    model.forward(input, {
      onOutput(layerIndex, output) {
        const layer = model.layers[layerIndex]!;
        const kept: LayerOutput = {
          layerIndex,
          layerName: layer.name,
          className: layer.className,
          inputs: model.nodes[layerIndex]!.inputs,
          shape: model.layerOutputShapes[layerIndex]!,
          sizeFormula: layerIndex === 0 ? '' : layer.describeShape(model.layerInputShapes[layerIndex]!),
          // A copy: the pass's tensors live in the scope's memory, freed when it ends.
          values: output.dataSync().slice(),
        };
        layers.push(kept);
        options.onLayer?.(kept);
      },
    });
  });
  return { model, layers };
}
