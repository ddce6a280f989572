// The messages between the Train page and its training worker (trainWorker.ts). Plain data only:
// pictures travel as RGBA bytes and the model as its two files, their buffers transferred, not copied.

import type { BackendChoice, WorkerBackend } from '../backendChoice.js';

/** What the worker is doing: no steps taken since the last reset, taking steps, or stopped between them. */
export type TrainingState = 'idle' | 'running' | 'paused';

/** The networks the page offers: presets of the library that take 28x28 gray digits. */
export const TRAINABLE_PRESETS = ['digits-cnn', 'mnist-cnn', 'lenet5'] as const;
export type TrainablePreset = (typeof TRAINABLE_PRESETS)[number];

/** Page -> worker. */
export type ToWorker =
  /** Builds the first model; the worker answers 'ready' once the sample is loaded. */
  | { type: 'init'; preset: TrainablePreset; learningRate: number; backend: BackendChoice }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  /**
   * A fresh model (same seed, so the same starting weights), a fresh optimizer, step 0. `run` numbers
   * it: every later report carries it, so the page can drop reports of the run before that were
   * already on their way.
   */
  | { type: 'reset'; preset: TrainablePreset; run: number }
  /** Takes effect at the next chunk of steps: Adam's moment estimates carry on. */
  | { type: 'setLearningRate'; learningRate: number }
  /** Which test digit (an index into the test set) the feature maps are drawn for. */
  | { type: 'selectDigit'; index: number };

/** A picture from the library's visualize module, as RGBA bytes ready for putImageData. */
export interface PictureMessage {
  layerIndex: number;
  layerName: string;
  className: string;
  /** [kH, kW, inC, outC] for kernels; the layer's output shape for one example otherwise. */
  shape: number[];
  /** The largest magnitude drawn at full color. */
  range: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /**
   * The values themselves, for a short vector (a dense layer's units, the class probabilities), so the page can label
   * each cell.
   */
  values?: number[];
}

/**
 * One step of backpropagation for the chosen test digit, through the first conv layer: the loss, the
 * gradient of that layer's kernel (dWeight, [kH, kW, inC, outC]) and of its output feature maps
 * (dOut, [outH, outW, outC]), as numbers and as pictures (blue negative, red positive, one scale each).
 */
export interface BackpropMessage {
  layerName: string;
  label: number;
  loss: number;
  /** The first conv layer's input for the digit (its pixels, [inH, inW, inC]), for the chain rule the page states. */
  input: { shape: number[]; values: number[] };
  kernel: { shape: number[]; values: number[] };
  dWeight: { shape: number[]; values: number[] };
  dBias: number[];
  dOut: { shape: number[]; values: number[] };
  pictures: { dWeight: PictureMessage; dOut: PictureMessage };
}

/** A few test digits the page shows as a strip to pick from: 28x28 bytes each, row by row. */
export interface DigitStrip {
  indices: number[];
  labels: number[];
  height: number;
  width: number;
  pixels: Uint8Array<ArrayBuffer>;
}

export interface ProgressMessage {
  type: 'progress';
  run: number;
  /** Optimizer steps (batches) since the last reset. */
  step: number;
  /** Epochs done, fractional: 1.5 is one and a half passes over the training digits. */
  epoch: number;
  batchSize: number;
  /** Training examples per second over the recent chunks (training only, evaluation excluded). */
  imagesPerSecond: number;
  /** Mean training loss and accuracy over the chunk just taken. */
  loss: number;
  accuracy: number;
  /** The learning rate the chunk ran with. */
  learningRate: number;
}

export interface EvaluationMessage {
  type: 'evaluation';
  run: number;
  step: number;
  epoch: number;
  testLoss: number;
  testAccuracy: number;
  testCount: number;
}

export interface PicturesMessage {
  type: 'pictures';
  run: number;
  step: number;
  digitIndex: number;
  digitLabel: number;
  /** The model's class probabilities for the chosen digit. */
  probabilities: number[];
  kernels: PictureMessage[];
  featureMaps: PictureMessage[];
  backprop: BackpropMessage;
}

/** Worker -> page. */
export type FromWorker =
  /**
   * The worker's module has run and listens; the page posts nothing before. NOTE: messages posted to a
   * module worker while a top-level await in its modules is pending are dropped (the library has none
   * since its backend starts on ready() or first use; the handshake keeps the page safe from any).
   */
  | { type: 'listening' }
  | {
      type: 'ready';
      /** The worker's own backend: 'webgpu' (and its adapter), 'wasm' or 'reference'. */
      backend: WorkerBackend;
      trainCount: number;
      testCount: number;
      classNames: string[];
      digits: DigitStrip;
      parameterCount: number;
    }
  | {
      type: 'state';
      run: number;
      state: TrainingState;
      step: number;
      learningRate: number;
      preset: TrainablePreset;
      parameterCount: number;
    }
  | ProgressMessage
  | EvaluationMessage
  | PicturesMessage
  | {
      type: 'model';
      run: number;
      step: number;
      testAccuracy: number | null;
      preset: TrainablePreset;
      manifest: string;
      weights: Uint8Array<ArrayBuffer>;
    }
  | { type: 'error'; message: string };
