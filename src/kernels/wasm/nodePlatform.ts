// The WebAssembly loader's Node platform: files read from disk, worker_threads, all cores, V8 flags.
// Installed by the Node entry (src/index.ts) only, so the browser build never reaches a `node:*` module.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { WasmPlatform } from './platform.js';

/** The Node kernel worker script, next to this module. */
const NODE_WORKER_FILE = './nodeWorker.js';

export const nodePlatform: WasmPlatform = {
  name: 'node',
  canBlock: () => true,
  availableCores: () => availableParallelism(),
  urlOfPath: (path) => pathToFileURL(path),
  readFile: async (url) => new Uint8Array(await readFile(url)),
  readFileSync: (url) => new Uint8Array(readFileSync(url)),
  setEngineFlags: (flags) => setFlagsFromString(flags),
  startWorker: (setup, workerUrl) => {
    const url = workerUrl ?? new URL(NODE_WORKER_FILE, import.meta.url);
    const worker = new Worker(url, { workerData: setup });
    // An idle pool never keeps the process alive.
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', (error: Error) => {
        const code = (error as { code?: unknown }).code;
        const message = error.message.split('\n')[0] ?? '';
        reject(new Error(typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message));
      });
      worker.once('exit', (exitCode) => reject(new Error(`it exited with code ${exitCode} before it was ready`)));
    });
    // A start waited for synchronously never reads this promise: its rejection is not an unhandled one.
    ready.catch(() => {});
    return { url, terminate: () => worker.terminate(), ready };
  },
  defaultWorkerUrl: () => new URL(NODE_WORKER_FILE, import.meta.url),
};
