// Makes TF.js 4.22's WebAssembly backend run its XNNPACK thread pool in Node, where stock TF.js stays on one thread.
// Why: TF.js reports no thread support under Node (tfjs issue 3830) and, when forced, hands Node's Worker a
// blob: URL it cannot load; its pool also caps threads at half of os.cpus(), which is one on a 2-core machine.
// Limits: tied to the node bundle of @tensorflow/tfjs-backend-wasm 4.22.0 (the module aliases below are its
// rollup names); call before tf.setBackend('wasm'), once per process. Run.ts reports it as a separate row.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The threaded Emscripten factory, serialised by TF.js into a Blob that every pthread worker evaluates. */
const MAIN_SCRIPT_MARK = 'var WasmBackendModuleThreadedSimd';
/** The factory's source refers to modules by the names rollup gave them in tf-backend-wasm.node.js. */
const BUNDLE_ALIASES =
  'var require$$0 = require("fs"), require$$1 = require("path"), require$$3 = require("perf_hooks"), ' +
  'require$$4 = require("os"), commonjsGlobal = globalThis;\n';

/**
 * Writes TF.js's worker and main-script blobs to temporary files and gives Node's Worker their paths,
 * and lets the pool see `threads * 2` cores so that its half-the-cores cap allows `threads`.
 * Returns a function that restores os.cpus once the backend has initialised.
 */
export function enableNodeWorkerThreads(threads: number): () => void {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'convnet-bench-tfjs-wasm-'));
  // Kept until the process ends: Emscripten may start another worker from these files at any time.
  process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  const mainScriptFile = path.join(folder, 'main.js');
  const workerFile = path.join(folder, 'worker.js');
  const blobTexts = new WeakMap<Blob, string>();

  const OriginalBlob = globalThis.Blob;
  class TextRecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts === undefined || !parts.every((part) => typeof part === 'string')) return;
      const text = parts.join('');
      blobTexts.set(this, text);
      if (text.startsWith(MAIN_SCRIPT_MARK)) writeFileSync(mainScriptFile, BUNDLE_ALIASES + text);
    }
  }
  globalThis.Blob = TextRecordingBlob;

  const originalCreateObjectUrl = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob): string => {
    const text = blobTexts.get(blob);
    if (text === undefined) return originalCreateObjectUrl(blob);
    // Inside the worker, the main script arrives as a Blob again: point its own createObjectURL at the file.
    const workerPrelude =
      `URL.createObjectURL = () => ${JSON.stringify(mainScriptFile)}; ` + `URL.revokeObjectURL = () => {};\n`;
    writeFileSync(workerFile, workerPrelude + text);
    return workerFile;
  };

  const originalCpus = os.cpus;
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: Math.max(cpus.length, threads * 2) }, (_, index) => cpus[index % cpus.length]!);
  };
  return () => {
    os.cpus = originalCpus;
  };
}
