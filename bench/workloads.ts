// The two fixed benchmark networks that every library builds, and the seeded examples they all read.
// W1 is the classic MNIST CNN, W2 a small VGG-style CIFAR-10 CNN; each suite translates `layers` into its own API.
// Limits: speed only. Weights are random and labels meaningless, so no accuracy is measured.

import { SeededRandom } from './seededRandom.js';

export type WorkloadId = 'W1' | 'W2';

/** One layer of a workload. Every conv is 3x3, stride 1, 'same' padding; every pool is a 2x2 max pool, stride 2. */
export type LayerSpec =
  | { kind: 'conv'; filters: number }
  | { kind: 'relu' }
  | { kind: 'maxPool' }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number };

export interface Workload {
  id: WorkloadId;
  name: string;
  /** One example, channels last: [inH, inW, inC]. */
  inputShape: readonly [number, number, number];
  /** The layers after the input; a softmax over `classes` follows the last one. */
  layers: readonly LayerSpec[];
  classes: number;
}

/** Every throughput figure is measured at this batch size; latency uses batch 1. */
export const BATCH = 64;
export const KERNEL_SIZE = 3;
export const POOL_SIZE = 2;
export const LEARNING_RATE = 0.01;
export const MOMENTUM = 0.9;
export const DATA_SEED = 1;

const conv = (filters: number): LayerSpec => ({ kind: 'conv', filters });
const dense = (units: number): LayerSpec => ({ kind: 'dense', units });
const relu: LayerSpec = { kind: 'relu' };
const maxPool: LayerSpec = { kind: 'maxPool' };
const flatten: LayerSpec = { kind: 'flatten' };

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'W1',
    name: 'mnist-cnn',
    inputShape: [28, 28, 1],
    layers: [conv(32), relu, maxPool, conv(64), relu, maxPool, flatten, dense(128), relu, dense(10)],
    classes: 10,
  },
  {
    id: 'W2',
    name: 'cifar-cnn',
    inputShape: [32, 32, 3],
    layers: [
      conv(32),
      relu,
      conv(32),
      relu,
      maxPool,
      conv(64),
      relu,
      conv(64),
      relu,
      maxPool,
      conv(128),
      relu,
      maxPool,
      flatten,
      dense(256),
      relu,
      dense(10),
    ],
    classes: 10,
  },
];

export interface Examples {
  /** [batch, inH, inW, inC], uniform in [0, 1). */
  pixels: Float32Array;
  /** [batch] class indices in [0, classes). */
  labels: Int32Array;
  batch: number;
}

/** The same pixels and labels for every library: drawn from one seeded generator. */
export function makeExamples(workload: Workload, batch: number, seed = DATA_SEED): Examples {
  const random = new SeededRandom(seed);
  const [inH, inW, inC] = workload.inputShape;
  const pixels = new Float32Array(batch * inH * inW * inC);
  for (let index = 0; index < pixels.length; index++) pixels[index] = random.uniform();
  const labels = new Int32Array(batch);
  for (let index = 0; index < batch; index++) labels[index] = random.integer(workload.classes);
  return { pixels, labels, batch };
}

/** NHWC -> NCHW copy, for the ONNX models (built channels first, as PyTorch exports them). */
export function toChannelsFirst(
  pixels: Float32Array,
  batch: number,
  shape: readonly [number, number, number],
): Float32Array {
  const [inH, inW, inC] = shape;
  const result = new Float32Array(pixels.length);
  for (let example = 0; example < batch; example++) {
    for (let row = 0; row < inH; row++) {
      for (let column = 0; column < inW; column++) {
        for (let channel = 0; channel < inC; channel++) {
          const source = ((example * inH + row) * inW + column) * inC + channel;
          const target = ((example * inC + channel) * inH + row) * inW + column;
          result[target] = pixels[source]!;
        }
      }
    }
  }
  return result;
}
