// The messages between the Model page and its worker (modelWorker.ts). Plain data only: files travel
// in as bytes, feature maps out as RGBA pages and raw values as Float32Arrays, their buffers transferred.

import type { ColorModel, Preprocessing, ValueExplanation } from 'convnet-ts';

/** Feature maps drawn per page of a layer's column (a wide layer is paged, never drawn whole). */
export const MAPS_PER_PAGE = 8;
/** Values drawn per page of a vector layer's column (dense, flatten, softmax). */
export const VALUES_PER_PAGE = 64;

/** A file of the model: its bytes as the user chose them, or a URL of the page (a bundled model) the worker fetches. */
export type ModelFile = { name: string; bytes: Uint8Array<ArrayBuffer> } | { name: string; url: string };

/** The picture to run: a file's bytes (PNG or JPEG) or pixels already decoded (a camera frame, a canvas). */
export type PictureSource =
  | { kind: 'file'; name: string; bytes: Uint8Array<ArrayBuffer> }
  | { kind: 'pixels'; name: string; width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> };

/** Page -> worker. Requests carry an id; a reply names the id it answers, so the page drops stale ones. */
export type ToModelWorker =
  | { type: 'loadModel'; id: number; files: ModelFile[] }
  /** A class-names file (one per line, or JSON): replaces the model's names; `null` goes back to the model's own. */
  | { type: 'setLabels'; id: number; name: string; text: string | null }
  /** How pictures become the input (ONNX files carry none: the page proposes one and the user corrects it). */
  | { type: 'setPreprocessing'; id: number; preprocessing: Preprocessing | null }
  | { type: 'run'; id: number; picture: PictureSource }
  /** One page of a layer's column, drawn again (the user paged it). */
  | { type: 'page'; id: number; layerIndex: number; page: number }
  /** The raw values of one layer's output for the last picture (tests, the drill-down). */
  | { type: 'values'; id: number; layerIndex: number }
  /** How one value was computed (the library's explainValue): [row, column, channel] for maps, [index] for vectors. */
  | { type: 'explain'; id: number; layerIndex: number; position: number[] }
  /**
   * Grad-CAM (the library's gradCam) of class `classIndex` on layer `layerName` (one of the model's gradCamLayers), for
   * the last picture.
   */
  | { type: 'gradCam'; id: number; classIndex: number; layerName: string };

/** One layer of the loaded model, as the overview lists it. */
export interface LayerInfo {
  index: number;
  name: string;
  className: string;
  /** The nodes whose outputs it reads (two or more: a residual Add or a Concatenate). */
  inputs: number[];
  /** Per example: [h, w, c] for maps, [n] for vectors. */
  inputShape: number[];
  outputShape: number[];
  /** What it computes in a few words: "3×3 conv, stride 2, 64 filters". */
  detail: string;
  /**
   * How the output size follows from the input's, with the numbers: "(224 + 2·3 − 7) / 2 + 1 = 112". Null where it is
   * not a window.
   */
  formula: string | null;
  parameterCount: number;
}

/** What the worker knows of the model it loaded. */
export interface ModelDescription {
  name: string;
  /** 'convnet' (model.json + weights.safetensors), 'onnx', 'tfjs'. */
  format: 'convnet' | 'onnx' | 'tfjs';
  layers: LayerInfo[];
  parameterCount: number;
  /** The input the model takes: its size, channels and color model (null: feature vectors, no pictures). */
  input: { height: number; width: number; channels: number; colorModel: ColorModel | null };
  /** How a picture becomes the input: resize, scale, mean, std (null: stretched, 0..1, as is). */
  preprocessing: Preprocessing | null;
  /** Where it came from: 'file' (the model says), 'proposed' (ONNX without metadata: a guess to check), 'user'. */
  preprocessingSource: 'file' | 'proposed' | 'user';
  classNames: string[];
  /** 'model' (the file's), 'labels file', 'ImageNet (proposed)', 'indices'. */
  classNamesSource: string;
  /** Whether the model's last layer gives logits (a softmax is applied for the top classes) or probabilities. */
  output: 'probabilities' | 'logits';
  /** The layers Grad-CAM can weigh (the library's gradCamLayers), in model order; the last is where the maps end. */
  gradCamLayers: { index: number; name: string; className: string; shape: number[] }[];
}

/**
 * One page of a column: RGBA pixels, `tiles` tiles stacked top to bottom, each tileWidth x tileHeight,
 * `gap` pixels apart; a map's value is `scale` x `scale` pixels (small maps are scaled up).
 */
export interface ColumnPage {
  layerIndex: number;
  page: number;
  pageCount: number;
  /** The first map (or value) on this page. */
  first: number;
  tiles: number;
  tileWidth: number;
  tileHeight: number;
  scale: number;
  gap: number;
  /** 'maps': one tile per channel of an [h, w, c] output; 'values': one 1x1 tile per value of a vector. */
  kind: 'maps' | 'values';
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** One layer's output for the picture: its value range and the first page of its column. */
export interface LayerResult {
  layerIndex: number;
  /**
   * The largest magnitude (drawn at full color) and whether any value is negative (blue-white-red then, black-white
   * otherwise).
   */
  range: number;
  isSigned: boolean;
  column: ColumnPage;
}

export interface TopClass {
  index: number;
  name: string;
  probability: number;
}

/** Worker -> page. */
export type FromModelWorker =
  /** The worker listens (see 'listening' in ../train/protocol.ts for why the page waits for it). */
  | { type: 'listening' }
  | { type: 'ready'; backend: { active: string; threads: number; isIsolated: boolean } }
  /** How far the request `id` got: `done` of `total` steps, and what it does now. */
  | { type: 'progress'; id: number; done: number; total: number; text: string }
  | { type: 'model'; id: number; model: ModelDescription }
  | {
      type: 'result';
      id: number;
      /** The picture as the model sees it (fitted to its size and color model, before normalization), as RGBA. */
      fitted: { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> };
      layers: LayerResult[];
      /** The five most probable classes (a softmax of the logits where the model ends without one). */
      top: TopClass[];
      /** Milliseconds: the forward pass of every layer, then drawing the first page of each column. */
      forwardMs: number;
      drawMs: number;
    }
  | { type: 'page'; id: number; column: ColumnPage }
  | { type: 'values'; id: number; layerIndex: number; shape: number[]; values: Float32Array<ArrayBuffer> }
  | { type: 'explanation'; id: number; explanation: ValueExplanation }
  | {
      type: 'gradCam';
      id: number;
      classIndex: number;
      layerName: string;
      /** The heat at the layer's resolution, in [0, 1], row by row. */
      heat: { width: number; height: number; values: Float32Array<ArrayBuffer> };
      /** The heat resized to the input and colored over the picture as the model sees it, as RGBA. */
      overlay: { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> };
      ms: number;
    }
  /** A request failed: the library's message (a wrong file, a picture it cannot decode). */
  | {
      type: 'error';
      id: number;
      during: 'model' | 'labels' | 'preprocessing' | 'picture' | 'page' | 'values' | 'explain' | 'gradCam';
      message: string;
    };
