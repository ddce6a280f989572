// The line protocol between `npm run bench:imagenet` (bench/imagenet.ts) and its long-lived library
// processes (bench/imagenetWorker.ts for the Node libraries, bench/torchImagenet.py for PyTorch):
// one JSON object per line, requests on the worker's stdin, replies on its stdout (logs go to stderr).
// A worker answers every request in order, with the request's id.

import type { ImagenetMode, ImagenetModelId } from './imagenetModels.js';

/** The libraries bench/imagenetWorker.ts runs (PyTorch runs in bench/torchImagenet.py). */
export const WORKER_LIBRARIES = ['convnet', 'onnxruntime-web', 'onnxruntime-node', 'tfjs-wasm'] as const;
export type WorkerLibrary = (typeof WORKER_LIBRARIES)[number];

export type WorkerRequest =
  /** Reads the ONNX file (where the library uses it) and the shared input file; builds what runs. */
  | { id: number; command: 'load'; model: ImagenetModelId; onnxFile: string; inputFile: string }
  /** `warmup` untimed runs, then `repetitions` timed ones; one run is one predict or one training step. */
  | { id: number; command: 'measure'; model: ImagenetModelId; mode: ImagenetMode; warmup: number; repetitions: number }
  | { id: number; command: 'unload'; model: ImagenetModelId }
  /** Memory now against the worker's own figures before anything was loaded (see MemoryReport). */
  | { id: number; command: 'memory' }
  | { id: number; command: 'exit' };

/** Memory of one worker process, in bytes; null where the library or platform does not say. */
export interface MemoryReport {
  /** Current size of every WebAssembly memory the process made (the wasm libraries). */
  wasmMemoryBytes: number | null;
  /** The library's own count of its peak wasm memory use (ConvNet.ts: its arena's peak). */
  wasmPeakInUseBytes: number | null;
  /** JS heap used plus ArrayBuffers outside the wasm memory, minus the same before loading. */
  javascriptGrowthBytes: number | null;
  /** Resident set size now, minus the same before loading. */
  residentGrowthBytes: number | null;
  /** Peak resident set size of the process's whole life, minus the resident size before loading. */
  peakResidentGrowthBytes: number | null;
}

export type WorkerReply =
  | { id: number; ok: true; milliseconds?: number[]; note?: string; memory?: MemoryReport }
  /** `isUnsupported`: the library cannot do this at all (a table cell "n/a"), as opposed to a failure. */
  | { id: number; ok: false; error: string; isUnsupported?: boolean };

/** What a worker prints on stdout once it is ready for requests: its description of the library. */
export interface WorkerHello {
  hello: true;
  library: string;
  threads: number;
  note: string;
}
