// The layer configurations the conformance suite runs, by registered class name (every class of
// src/layers/layerRegistry.ts has at least one: the layer suite fails on a class without), and how
// one configuration is set up as a differentiable computation: its inputs and trainable weights are the
// sources, the layer's output the result, and saved state (moving averages) read after the call.

import type { DType } from '../../src/core/dtype.js';
import { Random } from '../../src/core/random.js';
import type { Shape } from '../../src/core/shape.js';
import type { Tensor } from '../../src/core/tensor.js';
import {
  Clip,
  ELU,
  GELU,
  HardSigmoid,
  HardSwish,
  LeakyReLU,
  Power,
  ReLU,
  Sigmoid,
  SiLU,
  Tanh,
} from '../../src/layers/activations.js';
import { AvgPool2D } from '../../src/layers/avgPool2d.js';
import { BatchNormalization } from '../../src/layers/batchNormalization.js';
import { ChannelShuffle } from '../../src/layers/channelShuffle.js';
import { ChannelSlice } from '../../src/layers/channelSlice.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Conv2DTranspose } from '../../src/layers/conv2dTranspose.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Flatten } from '../../src/layers/flatten.js';
import { GlobalAveragePooling2D } from '../../src/layers/globalAveragePooling2d.js';
import { Input } from '../../src/layers/input.js';
import type { Layer } from '../../src/layers/layer.js';
import { LayerNormalization } from '../../src/layers/layerNormalization.js';
import { MaxPool2D } from '../../src/layers/maxPool2d.js';
import { Add, Concatenate, Divide, Maximum, Minimum, Multiply, Subtract } from '../../src/layers/merge.js';
import { Rescaling } from '../../src/layers/rescaling.js';
import { Reshape } from '../../src/layers/reshape.js';
import { Resize2D } from '../../src/layers/resize2d.js';
import { Softmax } from '../../src/layers/softmax.js';
import { ZeroPadding2D } from '../../src/layers/zeroPadding2d.js';
import { type InputKind, inputValues, tensorOf } from './conformance.js';

/** One configuration of one layer class. */
export interface LayerSpec {
  /** The configuration in words, e.g. 'strides 2, same'. */
  label: string;
  make: () => Layer;
  /** The input shapes, batch axis first (two or more for a merge). */
  inputs: readonly Shape[];
  /** How each input is drawn; default 'uniform'. */
  kinds?: readonly InputKind[];
  /** Call in training (Dropout drops, BatchNormalization uses the batch); default false. */
  isTraining?: boolean;
}

/** A computation with named sources to differentiate against. */
export interface Setup {
  /** The inputs and trainable weights, on the host until the first kernel reads them. */
  sources: { name: string; tensor: Tensor }[];
  /** Saved state the forward pass updates (batch normalization's moving averages). */
  state: { name: string; tensor: Tensor }[];
  forward(): Tensor;
}

const INPUT_SEED = 100;
const WEIGHT_SEED = 7;
const CALL_SEED = 5;

/** The layer of `spec` built with a fixed seed in `dtype`, its inputs drawn, as a Setup. */
export function layerSetup(spec: LayerSpec, dtype: DType): Setup {
  const layer = spec.make();
  layer.buildWith(
    spec.inputs.map((shape) => shape.slice(1)),
    { random: new Random(WEIGHT_SEED), dtype },
  );
  const inputs = spec.inputs.map((shape, position) => {
    const size = shape.reduce((product, extent) => product * extent, 1);
    const kind = spec.kinds?.[position] ?? 'uniform';
    return tensorOf(inputValues(kind, size, INPUT_SEED + position), shape, dtype);
  });
  const weights = layer.weights();
  return {
    sources: [
      ...inputs.map((tensor, position) => ({ name: `input ${position}`, tensor })),
      ...weights.filter((weight) => weight.isTrainable !== false).map(({ name, tensor }) => ({ name, tensor })),
    ],
    state: weights.filter((weight) => weight.isTrainable === false).map(({ name, tensor }) => ({ name, tensor })),
    forward: () => layer.callWith(inputs, { isTraining: spec.isTraining ?? false, random: new Random(CALL_SEED) }),
  };
}

const IMAGE: Shape = [2, 5, 6, 3];
const PAIR: readonly Shape[] = [
  [2, 3, 4, 3],
  [2, 3, 4, 3],
];

/** Every registered layer class's configurations. */
export const LAYER_SPECS: Readonly<Record<string, readonly LayerSpec[]>> = {
  Input: [{ label: 'identity', make: () => new Input({ shape: [5, 6, 3] }), inputs: [IMAGE] }],
  Conv2D: [
    { label: '3x3 valid', make: () => new Conv2D({ filters: 5, kernelSize: 3 }), inputs: [[2, 7, 6, 3]] },
    {
      label: 'strides 2, same, no bias',
      make: () => new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
      inputs: [[2, 7, 6, 3]],
    },
    {
      label: '2x3 dilation 2, same',
      make: () => new Conv2D({ filters: 3, kernelSize: [2, 3], dilationRate: 2, padding: 'same' }),
      inputs: [[1, 7, 8, 2]],
    },
    {
      label: 'groups 2, explicit padding',
      make: () => new Conv2D({ filters: 6, kernelSize: 3, groups: 2, padding: [1, 0] }),
      inputs: [[2, 5, 5, 4]],
    },
    {
      label: 'depthwise, strides 2',
      make: () => new Conv2D({ filters: 6, kernelSize: 3, groups: 3, strides: 2 }),
      inputs: [[2, 7, 7, 3]],
    },
    { label: '1x1', make: () => new Conv2D({ filters: 7, kernelSize: 1 }), inputs: [[3, 4, 3, 5]] },
  ],
  Conv2DTranspose: [
    {
      label: '3x3 strides 2, same',
      make: () => new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
      inputs: [[2, 3, 4, 2]],
    },
    {
      label: '2x2 strides 2, valid, no bias',
      make: () => new Conv2DTranspose({ filters: 4, kernelSize: 2, strides: 2, useBias: false }),
      inputs: [[1, 3, 3, 3]],
    },
    {
      label: 'groups 2, dilation 2',
      make: () => new Conv2DTranspose({ filters: 4, kernelSize: 3, groups: 2, dilationRate: 2 }),
      inputs: [[2, 3, 3, 4]],
    },
  ],
  MaxPool2D: [
    { label: '2x2', make: () => new MaxPool2D({ poolSize: 2 }), inputs: [IMAGE], kinds: ['distinct'] },
    {
      label: '3x3 strides 2, same',
      make: () => new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }),
      inputs: [[2, 7, 5, 3]],
      kinds: ['distinct'],
    },
    {
      label: '2x2 ceil mode',
      make: () => new MaxPool2D({ poolSize: 2, ceilMode: true }),
      inputs: [[1, 5, 7, 2]],
      kinds: ['distinct'],
    },
  ],
  AvgPool2D: [
    { label: '2x2', make: () => new AvgPool2D({ poolSize: 2 }), inputs: [IMAGE] },
    {
      label: '3x3 strides 2, same, padding counted',
      make: () => new AvgPool2D({ poolSize: 3, strides: 2, padding: 'same', countIncludePad: true }),
      inputs: [[2, 7, 5, 3]],
    },
    {
      label: '3x3 strides 1, padding 1, padding not counted',
      make: () => new AvgPool2D({ poolSize: 3, strides: 1, padding: 1 }),
      inputs: [[1, 4, 5, 2]],
    },
  ],
  GlobalAveragePooling2D: [
    { label: 'default', make: () => new GlobalAveragePooling2D(), inputs: [IMAGE] },
    { label: 'keepDims', make: () => new GlobalAveragePooling2D({ keepDims: true }), inputs: [IMAGE] },
  ],
  Dense: [
    { label: '7 to 5', make: () => new Dense({ units: 5 }), inputs: [[3, 7]] },
    { label: 'no bias', make: () => new Dense({ units: 4, useBias: false }), inputs: [[1, 9]] },
  ],
  Flatten: [{ label: 'image', make: () => new Flatten(), inputs: [IMAGE] }],
  Reshape: [{ label: 'to [9, 10, 1]', make: () => new Reshape({ targetShape: [9, 10, 1] }), inputs: [IMAGE] }],
  ReLU: [{ label: 'default', make: () => new ReLU(), inputs: [IMAGE], kinds: ['awayFromZero'] }],
  Sigmoid: [{ label: 'default', make: () => new Sigmoid(), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] }],
  Tanh: [{ label: 'default', make: () => new Tanh(), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] }],
  Softmax: [{ label: 'rows of 6', make: () => new Softmax(), inputs: [[3, 6]], kinds: ['wideAwayFromKinks'] }],
  LeakyReLU: [
    { label: 'alpha 0.2', make: () => new LeakyReLU({ alpha: 0.2 }), inputs: [IMAGE], kinds: ['awayFromZero'] },
  ],
  ELU: [
    { label: 'alpha 1', make: () => new ELU(), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] },
    { label: 'alpha 0.5', make: () => new ELU({ alpha: 0.5 }), inputs: [IMAGE], kinds: ['awayFromZero'] },
  ],
  GELU: [{ label: 'default', make: () => new GELU(), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] }],
  SiLU: [{ label: 'default', make: () => new SiLU(), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] }],
  Clip: [{ label: '[0, 6]', make: () => new Clip({ min: 0, max: 6 }), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] }],
  HardSigmoid: [
    {
      label: 'alpha 0.2, beta 0.5',
      make: () => new HardSigmoid({ alpha: 0.2, beta: 0.5 }),
      inputs: [IMAGE],
      kinds: ['wideAwayFromKinks'],
    },
  ],
  HardSwish: [{ label: 'default', make: () => new HardSwish(), inputs: [IMAGE], kinds: ['wideAwayFromKinks'] }],
  Power: [
    { label: 'exponent 2', make: () => new Power({ exponent: 2 }), inputs: [IMAGE] },
    { label: 'exponent 0.5', make: () => new Power({ exponent: 0.5 }), inputs: [IMAGE], kinds: ['positive'] },
  ],
  ZeroPadding2D: [
    { label: 'padding 1', make: () => new ZeroPadding2D({ padding: 1 }), inputs: [IMAGE] },
    { label: 'padding [1, 2]', make: () => new ZeroPadding2D({ padding: [1, 2] }), inputs: [IMAGE] },
  ],
  Dropout: [
    { label: 'training, rate 0.3', make: () => new Dropout({ rate: 0.3 }), inputs: [IMAGE], isTraining: true },
    { label: 'inference', make: () => new Dropout({ rate: 0.3 }), inputs: [IMAGE] },
  ],
  BatchNormalization: [
    { label: 'training', make: () => new BatchNormalization(), inputs: [[3, 4, 5, 3]], isTraining: true },
    { label: 'inference', make: () => new BatchNormalization(), inputs: [[3, 4, 5, 3]] },
    {
      label: 'training, features, momentum 0.5',
      make: () => new BatchNormalization({ momentum: 0.5 }),
      inputs: [[6, 5]],
      isTraining: true,
    },
  ],
  LayerNormalization: [{ label: 'default', make: () => new LayerNormalization(), inputs: [[2, 3, 4, 5]] }],
  Add: [{ label: 'two inputs', make: () => new Add(), inputs: PAIR }],
  Subtract: [{ label: 'two inputs', make: () => new Subtract(), inputs: PAIR }],
  Multiply: [{ label: 'two inputs', make: () => new Multiply(), inputs: PAIR }],
  Divide: [{ label: 'two inputs', make: () => new Divide(), inputs: PAIR, kinds: ['uniform', 'positive'] }],
  Maximum: [{ label: 'two inputs', make: () => new Maximum(), inputs: PAIR, kinds: ['distinct', 'distinctShifted'] }],
  Minimum: [{ label: 'two inputs', make: () => new Minimum(), inputs: PAIR, kinds: ['distinct', 'distinctShifted'] }],
  Concatenate: [
    {
      label: '2 and 3 channels',
      make: () => new Concatenate(),
      inputs: [
        [2, 3, 4, 2],
        [2, 3, 4, 3],
      ],
    },
  ],
  ChannelSlice: [{ label: 'channels [1, 3)', make: () => new ChannelSlice({ start: 1, end: 3 }), inputs: [IMAGE] }],
  ChannelShuffle: [{ label: '2 groups of 3', make: () => new ChannelShuffle({ groups: 2 }), inputs: [[2, 3, 4, 6]] }],
  Rescaling: [
    { label: 'scale 0.5, offset 0.1', make: () => new Rescaling({ scale: 0.5, offset: 0.1 }), inputs: [IMAGE] },
    {
      label: 'per channel',
      make: () => new Rescaling({ scale: [1, 2, 3], offset: [0, -1, 0.5] }),
      inputs: [IMAGE],
    },
  ],
  Resize2D: [
    { label: 'bilinear to 7x9', make: () => new Resize2D({ size: [7, 9], mode: 'bilinear' }), inputs: [IMAGE] },
    { label: 'nearest, scale 2', make: () => new Resize2D({ scale: 2 }), inputs: [IMAGE] },
    {
      label: 'bilinear, align corners, to 3x4',
      make: () => new Resize2D({ size: [3, 4], mode: 'bilinear', coordinates: 'align_corners' }),
      inputs: [IMAGE],
    },
  ],
};
