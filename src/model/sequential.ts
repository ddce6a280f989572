// Sequential: a stack of layers applied one after the other, from an Input to class probabilities;
// the chain case of Model, which holds fit / evaluate / predict.

import { ValueError } from '../core/errors.js';
import { Input } from '../layers/input.js';
import type { Layer } from '../layers/layer.js';
import { Model, type ModelOptions } from './model.js';

/** Options of a Sequential model: those of a Model. */
export type SequentialOptions = ModelOptions;

/**
 * A model made of layers applied one after the other. The first layer must be an Input.
 *
 * @example
 * const model = new Sequential([new Input({ shape: [28, 28, 1] }), new Conv2D({ filters: 8, kernelSize: 3 }), new
 * ReLU(),
 *   new MaxPool2D(), new Flatten(), new Dense({ units: 10 }), new Softmax()]);
 * model.fit(images, labels, { epochs: 2 });
 */
export class Sequential extends Model {
  constructor(layers: readonly Layer[], options: SequentialOptions = {}) {
    if (!(layers[0] instanceof Input)) {
      throw new ValueError(
        'Sequential: the first layer must be an Input declaring the example shape, e.g. new Input({ shape: ' +
          '[28, 28, 1] })',
      );
    }
    const merge = layers.find((layer) => layer.isMerge);
    if (merge !== undefined)
      throw new ValueError(
        `Sequential: ${merge.className} joins branches; build a graph Model with Layer.apply instead`,
      );
    super({ nodes: layers.map((layer, index) => ({ layer, inputs: index === 0 ? [] : [index - 1] })) }, options);
  }
}
