// Ready-made networks and the training settings that go with them, so `convnet train` gives a good
// result without tuning. Each preset is a function returning fresh layers.

import { ReLU } from '../layers/activations.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/flatten.js';
import { Input } from '../layers/input.js';
import { MaxPool2D } from '../layers/maxPool2d.js';
import { Softmax } from '../layers/softmax.js';
import { Sequential } from './sequential.js';

/**
 * The default digit classifier: two 5x5 convolutions (8 and 16 filters, 'same' padding) each followed
 * by ReLU and 2x2 max pooling, then one Dense layer to 10 classes. About 11k weights and 0.8M
 * multiply-adds per 28x28 image: small enough to train in a minute on the reference backend.
 *
 * @example
 * const model = digitsCnn({ seed: 1 });
 */
export function digitsCnn(options: { seed?: number; inputShape?: readonly [number, number, number]; classes?: number } = {}): Sequential {
  return new Sequential(
    [
      new Input({ shape: options.inputShape ?? [28, 28, 1] }),
      new Conv2D({ filters: 8, kernelSize: 5, padding: 'same' }),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Conv2D({ filters: 16, kernelSize: 5, padding: 'same' }),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: options.classes ?? 10, kernelInitializer: 'glorotUniform' }),
      new Softmax(),
    ],
    { seed: options.seed ?? 0 },
  );
}
