// What bench/browserDriver.ts hands the browser bench page (bench/browser/benchPage.ts) and what the page
// hands back: types only, shared by both sides, so the page bundle and the Node driver agree on one shape.
// Limits: plain JSON both ways (page.evaluate structured-clones it); no functions, no typed arrays.

import type { LayerSpec } from '../workloads.js';

/** The libraries the page can run, each on one backend. */
export type BrowserLibraryId = 'convnet-webgpu' | 'convnet-wasm' | 'tfjs-webgpu' | 'ort-webgpu' | 'ort-wasm';

/** train: one SGD step at `batch`, img/s; infer: one predict at `batch`, img/s; latency: one image, ms. */
export type BrowserMode = 'train' | 'infer' | 'latency';

export interface BrowserModeSpec {
  mode: BrowserMode;
  batch: number;
}

/** One network the page runs: an ONNX file every library reads (TF.js rebuilds it from `layers`). */
export interface BrowserModelSpec {
  /** 'W1', 'W2', 'resnet18', 'mobilenet_v2'. */
  id: string;
  name: string;
  /** Where the page fetches the ONNX file (served by the driver). */
  onnxUrl: string;
  /** One example, channels last: [inH, inW, inC]. */
  inputShape: [number, number, number];
  classes: number;
  /** The layers of a bench workload (bench/workloads.ts), for TF.js; null for the ImageNet files. */
  layers: LayerSpec[] | null;
  modes: BrowserModeSpec[];
  /** Images in the check of each library's output against the reference, before any timing. */
  checkBatch: number;
}

/** Untimed runs in a library's first turn on a model and mode, then timed runs per turn (their median). */
export interface BrowserPlan {
  warmup: number;
  repetitions: number;
}

export interface BrowserBenchConfig {
  models: BrowserModelSpec[];
  libraries: BrowserLibraryId[];
  rounds: number;
  plans: Record<BrowserMode, BrowserPlan>;
  /** Threads of ConvNet.ts wasm and onnxruntime-web wasm. */
  threads: number;
  /** Training steps compared with the reference (losses of each). */
  trainCheckSteps: number;
  learningRate: number;
  /**
   * The checks' learning rate: small enough that the checked steps stay where the loss is smooth (at the
   * timed rate the third step of a small check batch can jump to a loss past TF.js's log(1e-7) clip).
   */
  checkLearningRate: number;
  momentum: number;
  /** ConvNet.ts's builds and kernel worker (esbuild does not rewrite new URL(..., import.meta.url)). */
  convnetWasmUrl: string;
  convnetWorkerUrl: string;
  /** onnxruntime-web's WebGPU build, loaded at run time so that it finds its .wasm and .mjs files beside it. */
  ortModuleUrl: string;
  ortWasmFolderUrl: string;
  /**
   * The checks' tolerance: |actual - reference| <= absolute * scale + relative * |reference|, scale being the
   * largest |reference| value of the output, at least 1.
   */
  tolerance: { relative: number; absolute: number };
}

/** The WebGPU adapter as `GPUAdapter.info` names it. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** One library's output against the reference, before timing. */
export interface BrowserCheck {
  library: BrowserLibraryId;
  model: string;
  /** infer: the outputs of a predict of `checkBatch` images; train: the loss of each of the first steps. */
  kind: 'infer' | 'train';
  isPassed: boolean;
  /** Largest |actual - reference| over all values, and where it is, with both values. */
  largestDifference: number;
  detail: string;
}

/** One library's figure per round for one model and mode (null where that round failed). */
export interface BrowserFigure {
  library: BrowserLibraryId;
  model: string;
  mode: BrowserMode;
  batch: number;
  unit: 'ms' | 'img/s';
  rounds: (number | null)[];
}

export interface BrowserFailure {
  library: BrowserLibraryId;
  model?: string;
  mode?: BrowserMode;
  reason: string;
  /** The library cannot do this at all (n/a), rather than failing at it. */
  isUnsupported: boolean;
}

export interface BrowserBenchPageResult {
  /** Null where the browser offers no WebGPU adapter; `adapterError` then says why. */
  adapter: AdapterDescription | null;
  adapterError?: string;
  userAgent: string;
  isCrossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** What each library that started runs on (version, backend, threads). */
  participants: { library: BrowserLibraryId; note: string }[];
  /** The reference the checks compare with. */
  reference: string;
  checks: BrowserCheck[];
  figures: BrowserFigure[];
  failures: BrowserFailure[];
}

/** Progress lines the page logs with this prefix; the driver echoes them. */
export const PAGE_PROGRESS_PREFIX = 'bench| ';
