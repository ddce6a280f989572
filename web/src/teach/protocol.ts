// The messages between the Teach page and its worker (teachWorker.ts). Plain data only: pictures travel
// as file bytes or RGBA pixels, the saved model as bytes; buffers are transferred, not copied.

import type { BackendChoice } from '../backendChoice.js';
import type { ModelFile, PictureSource, TopClass } from '../model/protocol.js';

export type { ModelFile, PictureSource, TopClass };

/** One class the user made: its name and its pictures, in the order taken. */
export interface TeachClass {
  name: string;
  pictures: PictureSource[];
}

/** The network the head is put on, as the worker describes it once loaded. */
export interface BackboneDescription {
  name: string;
  /** [height, width, channels] of one input picture. */
  inputShape: number[];
  /** The layer the backbone ends at (the input of the original classifier), and its output's shape. */
  cutAt: string;
  featureShape: number[];
  /** Layers kept, frozen. */
  layerCount: number;
}

/** Page -> worker. Requests carry an id; a reply names the id it answers. */
export type ToTeachWorker =
  /** The page's first message: the backend to train on (see ../backendChoice.ts); no reply of its own. */
  | { type: 'init'; id: number; backend: BackendChoice }
  /** `name`: what the page calls the network (a bundled one's name); default the files' own. */
  | { type: 'loadBackbone'; id: number; files: ModelFile[]; name?: string | undefined }
  | { type: 'train'; id: number; classes: TeachClass[]; epochs: number; learningRate: number }
  /** Stops the training after its current batch (the page's Stop button); no reply of its own. */
  | { type: 'stop'; id: number }
  | { type: 'predict'; id: number; picture: PictureSource }
  | { type: 'save'; id: number; format: 'convnet' | 'onnx' };

/** What one epoch of the head's training gave (running means over the epoch). */
export interface EpochFigures {
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
}

/** Worker -> page. */
export type FromTeachWorker =
  /** The worker listens (see 'listening' in ../train/protocol.ts for why the page waits for it). */
  | { type: 'listening' }
  | { type: 'progress'; id: number; text: string; done: number; total: number }
  | { type: 'backbone'; id: number; backbone: BackboneDescription }
  | { type: 'epoch'; id: number; figures: EpochFigures }
  /** Training ended (all epochs, or stopped): the figures of each epoch and where the features were cached. */
  | {
      type: 'trained';
      id: number;
      history: EpochFigures[];
      isStopped: boolean;
      cachedFeaturesOf: string | null;
      /** The backend it trained on, in words: "WebGPU (google swiftshader)", "WebAssembly SIMD, 2 threads". */
      backend: string;
      classNames: string[];
    }
  | { type: 'prediction'; id: number; top: TopClass[] }
  | { type: 'saved'; id: number; files: { name: string; bytes: Uint8Array<ArrayBuffer> }[] }
  | { type: 'error'; id: number; during: 'backbone' | 'train' | 'predict' | 'save'; message: string };
