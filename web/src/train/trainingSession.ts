// The page's side of the training worker: starts it once, keeps what it reports (curves, the latest
// pictures, the state) and makes each model it hands over the app's current model. It outlives the
// Train page's DOM, so leaving the page (which pauses training) and coming back loses nothing.

import { parseModel } from 'convnet-ts';
import { setCurrentModel } from '../appState.js';
import { onHeap } from '../onHeap.js';
import { errorMessage } from '../ui.js';
import { backendChoice, type WorkerBackend } from '../backendChoice.js';
import { WorkerSession, type WorkerRequestError } from '../workerSession.js';
import type {
  BackpropMessage,
  DigitStrip,
  FromWorker,
  PicturesMessage,
  ToWorker,
  TrainablePreset,
  TrainingState,
} from './protocol.js';

export interface CurvePoint {
  step: number;
  loss: number;
  accuracy: number;
}

/** A chunk of training steps: its mean loss and accuracy, and the learning rate it ran with. */
export interface TrainingPoint extends CurvePoint {
  learningRate: number;
}

/** What the page shows and the end-to-end test reads (window.explorer.train). */
export interface TrainingStatus {
  isReady: boolean;
  state: TrainingState;
  preset: TrainablePreset;
  parameterCount: number;
  step: number;
  epoch: number;
  batchSize: number;
  imagesPerSecond: number;
  /** The learning rate the worker last confirmed (what the next chunk runs with). */
  learningRate: number;
  /** Training loss and accuracy per chunk of steps. */
  lossHistory: TrainingPoint[];
  /** Test loss and accuracy on all test digits, every few dozen steps. */
  testHistory: (CurvePoint & { epoch: number })[];
  testAccuracy: number | null;
  testCount: number;
  trainCount: number;
  backend: WorkerBackend | null;
  classNames: string[];
  digits: DigitStrip | null;
  /** The test digit the feature maps show, and the step they were drawn at. */
  digitIndex: number;
  picturesStep: number;
  /**
   * One step of backpropagation for that digit (its numbers; the pictures stay in `pictures`), or null before the
   * first.
   */
  backprop: Omit<BackpropMessage, 'pictures'> | null;
  /** The values of the short vector layers for that digit, by layer name (dense units, class probabilities). */
  vectorOutputs: Record<string, number[]>;
  /** The step of the model last handed to the Draw page, or null before the first. */
  modelStep: number | null;
  error: string | null;
}

/** Every message of the training worker but 'listening' is a notice: the page sends it no requests. */
type Report = Exclude<FromWorker, { type: 'listening' }>;
const REPORTS: readonly Report['type'][] = ['ready', 'state', 'progress', 'evaluation', 'pictures', 'model', 'error'];

export class TrainingSession extends WorkerSession<ToWorker, FromWorker, Report['type']> {
  readonly status: TrainingStatus;
  /** The latest kernels and feature maps (their pixels); null until the worker sends them. */
  pictures: PicturesMessage | null = null;
  private readonly listeners = new Set<(message: FromWorker) => void>();
  /** The number of the current run: 0, then one more at every reset. */
  private run = 0;

  constructor(preset: TrainablePreset, learningRate: number) {
    super(new Worker(new URL('./trainWorker.ts', import.meta.url), { type: 'module', name: 'convnet-train' }), {
      name: 'training worker',
      notices: REPORTS,
    });
    this.status = {
      isReady: false,
      state: 'idle',
      preset,
      parameterCount: 0,
      step: 0,
      epoch: 0,
      batchSize: 0,
      imagesPerSecond: 0,
      learningRate,
      lossHistory: [],
      testHistory: [],
      testAccuracy: null,
      testCount: 0,
      trainCount: 0,
      backend: null,
      classNames: [],
      digits: null,
      digitIndex: 0,
      picturesStep: 0,
      backprop: null,
      vectorOutputs: {},
      modelStep: null,
      error: null,
    };
    this.post({ type: 'init', preset, learningRate, backend: backendChoice() });
  }

  send(message: Exclude<ToWorker, { type: 'reset' | 'init' }>): void {
    this.post(message);
  }

  /** Starts over with a fresh `preset` model; what the old run still reports is dropped. */
  reset(preset: TrainablePreset): void {
    this.run += 1;
    Object.assign(this.status, {
      lossHistory: [],
      testHistory: [],
      testAccuracy: null,
      epoch: 0,
      imagesPerSecond: 0,
      error: null,
    });
    this.post({ type: 'reset', preset, run: this.run });
  }

  protected override post(message: ToWorker): void {
    if (message.type === 'start' || message.type === 'resume') this.status.error = null;
    super.post(message);
  }

  /** Calls `listener` with every message after the session has taken it in; returns the unsubscribe. */
  subscribe(listener: (message: FromWorker) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected override failed(error: WorkerRequestError): void {
    this.status.error = error.message;
    this.notify({ type: 'error', message: error.message });
  }

  private notify(message: FromWorker): void {
    for (const listener of this.listeners) listener(message);
  }

  protected override notice(message: Report): void {
    if ('run' in message && message.run !== this.run) return;
    const status = this.status;
    switch (message.type) {
      case 'ready':
        Object.assign(status, {
          isReady: true,
          backend: message.backend,
          trainCount: message.trainCount,
          testCount: message.testCount,
          classNames: message.classNames,
          digits: message.digits,
          digitIndex: message.digits.indices[0] ?? 0,
          parameterCount: message.parameterCount,
        });
        break;
      case 'state':
        Object.assign(status, {
          state: message.state,
          step: message.step,
          learningRate: message.learningRate,
          preset: message.preset,
          parameterCount: message.parameterCount,
        });
        // Stopped, it trains no images per second; the next progress report brings the speed back.
        if (message.state !== 'running') status.imagesPerSecond = 0;
        break;
      case 'progress':
        Object.assign(status, {
          step: message.step,
          epoch: message.epoch,
          batchSize: message.batchSize,
          imagesPerSecond: message.imagesPerSecond,
          learningRate: message.learningRate,
        });
        status.lossHistory.push({
          step: message.step,
          loss: message.loss,
          accuracy: message.accuracy,
          learningRate: message.learningRate,
        });
        break;
      case 'evaluation':
        status.testAccuracy = message.testAccuracy;
        status.testHistory.push({
          step: message.step,
          epoch: message.epoch,
          loss: message.testLoss,
          accuracy: message.testAccuracy,
        });
        break;
      case 'pictures':
        this.pictures = message;
        status.digitIndex = message.digitIndex;
        status.picturesStep = message.step;
        status.backprop = (({ pictures: _pictures, ...numbers }) => numbers)(message.backprop);
        status.vectorOutputs = Object.fromEntries(
          message.featureMaps.flatMap((picture) =>
            picture.values === undefined ? [] : [[picture.layerName, picture.values]],
          ),
        );
        break;
      case 'model':
        this.adoptModel(message);
        break;
      case 'error':
        status.error = message.message;
        break;
    }
    this.notify(message);
  }

  private adoptModel(message: Extract<FromWorker, { type: 'model' }>): void {
    try {
      // A new model arrives after every test evaluation: on the heap, each one it replaces goes with it.
      const { model, manifest } = onHeap(() =>
        parseModel(message.manifest, message.weights, {
          manifest: 'model.json (from the Train page)',
          weights: 'weights.safetensors (from the Train page)',
        }),
      );
      const accuracy =
        message.testAccuracy === null ? '' : `, ${(message.testAccuracy * 100).toFixed(1)}% test accuracy`;
      setCurrentModel({
        model,
        classNames: manifest.classNames ?? Array.from({ length: model.classes }, (_, index) => String(index)),
        source: `trained on the Train page (${message.preset}, step ${message.step}${accuracy})`,
      });
      this.status.modelStep = message.step;
    } catch (error) {
      this.status.error = `The trained model could not be loaded: ${errorMessage(error)}`;
    }
  }
}

let session: TrainingSession | null = null;

/** The one training session of this tab, started on first use. */
export function trainingSession(preset: TrainablePreset, learningRate: number): TrainingSession {
  session ??= new TrainingSession(preset, learningRate);
  return session;
}
