// Ready-made networks, so `convnet train` gives a good result without designing one. Each preset is
// a function returning a fresh, built model; PRESETS names them for the CLI's --model.

import { ReLU, Tanh } from '../layers/activations.js';
import { Add } from '../layers/merge.js';
import { AvgPool2D } from '../layers/avgPool2d.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAveragePooling2D } from '../layers/globalAveragePooling2d.js';
import { Input } from '../layers/input.js';
import type { SymbolicTensor } from '../layers/layer.js';
import { MaxPool2D } from '../layers/maxPool2d.js';
import { Softmax } from '../layers/softmax.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

/** Options of the preset networks (PRESETS). */
export interface PresetOptions {
  /** Seeds the weights; the same seed gives the same network. Default 0. */
  seed?: number | undefined;
  /** One example, [height, width, channels]; each preset has its dataset's default. */
  inputShape?: readonly [number, number, number] | undefined;
  /** Default 10. */
  classes?: number | undefined;
}

/**
 * The default digit classifier: two 3x3 convolutions (16 and 32 filters, 'same' padding) each
 * followed by ReLU and 2x2 max pooling, then Dense 64 + ReLU and Dense to 10 classes. About 106k
 * weights and 1.1M multiply-adds per 28x28 image: small enough to train in minutes on the reference
 * backend, and on the bundled sample it beat a 5x5 8/16-filter variant by about 0.5% test accuracy.
 *
 * @example
 * const model = digitsCnn({ seed: 1 });
 */
export function digitsCnn(options: PresetOptions = {}): Sequential {
  return twoConvCnn(16, 32, 64, options);
}

/**
 * The benchmark's W1 network ("mnist-cnn"): 3x3 convolutions of 32 and 64 filters ('same'), each
 * followed by ReLU and 2x2 max pooling, then Dense 128 + ReLU and Dense to 10 classes. About 420k
 * weights and 4.2M multiply-adds per 28x28 image.
 *
 * @example
 * const model = mnistCnn({ seed: 1 });
 */
export function mnistCnn(options: PresetOptions = {}): Sequential {
  return twoConvCnn(32, 64, 128, options);
}

/** Two 3x3 'same' convolutions, each with ReLU and 2x2 max pooling, then a hidden Dense + ReLU and the classes. */
function twoConvCnn(
  firstFilters: number,
  secondFilters: number,
  hiddenUnits: number,
  options: PresetOptions,
): Sequential {
  return new Sequential(
    [
      new Input({ shape: options.inputShape ?? [28, 28, 1] }),
      new Conv2D({ filters: firstFilters, kernelSize: 3, padding: 'same' }),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Conv2D({ filters: secondFilters, kernelSize: 3, padding: 'same' }),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: hiddenUnits }),
      new ReLU(),
      new Dense({ units: options.classes ?? 10, kernelInitializer: 'glorotUniform' }),
      new Softmax(),
    ],
    { seed: options.seed ?? 0 },
  );
}

/**
 * LeNet-5 (LeCun et al., 1998) as published, on 28x28 digits: 5x5 convolutions of 6 ('same', the
 * paper pads its 28x28 digits to 32x32) and 16 filters, each followed by tanh and 2x2 average pooling
 * ("subsampling"), then fully connected 120, 84 and 10. About 61k weights and 0.4M multiply-adds.
 *
 * @example
 * const model = lenet5({ seed: 1 });
 */
export function lenet5(options: PresetOptions = {}): Sequential {
  return new Sequential(
    [
      new Input({ shape: options.inputShape ?? [28, 28, 1] }),
      new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', kernelInitializer: 'glorotUniform' }),
      new Tanh(),
      new AvgPool2D({ poolSize: 2 }),
      new Conv2D({ filters: 16, kernelSize: 5, kernelInitializer: 'glorotUniform' }),
      new Tanh(),
      new AvgPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 120, kernelInitializer: 'glorotUniform' }),
      new Tanh(),
      new Dense({ units: 84, kernelInitializer: 'glorotUniform' }),
      new Tanh(),
      new Dense({ units: options.classes ?? 10, kernelInitializer: 'glorotUniform' }),
      new Softmax(),
    ],
    { seed: options.seed ?? 0 },
  );
}

/**
 * The benchmark's W2 network ("cifar-cnn"), a small VGG-style CNN for 32x32 color images: pairs of
 * 3x3 convolutions (32, 32; 64, 64) and one of 128, each stage followed by 2x2 max pooling, then
 * Dense 256 + ReLU and Dense to 10 classes. About 0.7M weights and 30M multiply-adds per image.
 *
 * @example
 * const model = cifarCnn({ seed: 1 });
 */
export function cifarCnn(options: PresetOptions = {}): Sequential {
  const conv = (filters: number) => [new Conv2D({ filters, kernelSize: 3, padding: 'same' }), new ReLU()];
  return new Sequential(
    [
      new Input({ shape: options.inputShape ?? [32, 32, 3] }),
      ...conv(32),
      ...conv(32),
      new MaxPool2D({ poolSize: 2 }),
      ...conv(64),
      ...conv(64),
      new MaxPool2D({ poolSize: 2 }),
      ...conv(128),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 256 }),
      new ReLU(),
      new Dense({ units: options.classes ?? 10, kernelInitializer: 'glorotUniform' }),
      new Softmax(),
    ],
    { seed: options.seed ?? 0 },
  );
}

/**
 * A small residual network for 32x32 color images, after the ResNet-9 of the DAWNBench CIFAR-10
 * entries (He et al.'s residual blocks, with batch normalization after every convolution): a stem of
 * `width` filters; stages of 2, 4 and 8 times `width` filters, each a conv-BN-ReLU and a 2x2 max
 * pool; residual blocks (two conv-BN-ReLU plus the identity) after the first and last stage; then
 * global average pooling and Dense to 10 classes. Width 16 has about 0.41M weights and 24M
 * multiply-adds per image (width 32: 1.6M and 95M).
 *
 * @example
 * const model = residualCnn({ seed: 1, width: 16 });
 */
export function residualCnn(options: PresetOptions & { width?: number | undefined } = {}): Model {
  const width = options.width ?? 16;
  const input = new Input({ shape: options.inputShape ?? [32, 32, 3] });
  const convBnRelu = (x: SymbolicTensor, filters: number): SymbolicTensor => {
    const conv = new Conv2D({ filters, kernelSize: 3, padding: 'same', useBias: false }).apply(x);
    return new ReLU().apply(new BatchNormalization({ momentum: 0.9 }).apply(conv));
  };
  const residual = (x: SymbolicTensor, filters: number): SymbolicTensor =>
    new Add().apply([convBnRelu(convBnRelu(x, filters), filters), x]);
  const stage = (x: SymbolicTensor, filters: number): SymbolicTensor =>
    new MaxPool2D({ poolSize: 2 }).apply(convBnRelu(x, filters));
  let x = convBnRelu(input.output, width);
  x = residual(stage(x, 2 * width), 2 * width);
  x = stage(x, 4 * width);
  x = residual(stage(x, 8 * width), 8 * width);
  const logits = new Dense({ units: options.classes ?? 10, kernelInitializer: 'glorotUniform' }).apply(
    new GlobalAveragePooling2D().apply(x),
  );
  return new Model({ inputs: input.output, outputs: new Softmax().apply(logits) }, { seed: options.seed ?? 0 });
}

/** The presets by the names the CLI's --model takes. */
export const PRESETS: Readonly<Record<string, (options?: PresetOptions) => Model>> = Object.freeze({
  'digits-cnn': digitsCnn,
  'mnist-cnn': mnistCnn,
  lenet5,
  'cifar-cnn': cifarCnn,
  resnet: residualCnn,
});
