// What the WebAssembly loader needs from its host, and the browser's answers (the default): fetch, Web
// Workers, navigator.hardwareConcurrency. The Node entry (src/index.ts) installs nodePlatform.ts in its
// place, so the browser entry's module graph holds no `node:*` import, static or dynamic.
// Limits: one platform per process; a page cannot read files or block its main thread.

import type { WorkerSetup } from './threadPool.js';

/** A worker thread being started: its script's URL, a way to stop it, and when it is ready. */
export interface StartedWorker {
  readonly url: URL;
  terminate(): unknown;
  /** Resolves once the worker has instantiated the kernels; rejects with the reason where it did not. */
  readonly ready: Promise<void>;
}

export interface WasmPlatform {
  readonly name: 'node' | 'browser';
  /** Whether the calling thread may sleep in Atomics.wait (Node threads and workers may, a page may not). */
  canBlock(): boolean;
  /** Cores to run kernels on. */
  availableCores(): number;
  /**
   * A user's string that is not an absolute URL, as a URL: a file path in Node, an address relative to the page in a
   * browser; null where it is neither.
   */
  urlOfPath(path: string): URL | null;
  /** Reads a `file:` URL (Node); null where files are fetched like any URL. */
  readonly readFile: ((url: URL) => Promise<Uint8Array<ArrayBuffer>>) | null;
  /** Reads a `file:` URL synchronously, for the start at first use; null where that cannot be done. */
  readonly readFileSync: ((url: URL) => Uint8Array<ArrayBuffer>) | null;
  /** Sets JavaScript engine flags (V8's, in Node); does nothing where the page cannot. */
  setEngineFlags(flags: string): void;
  /**
   * Starts the kernel worker for `setup` from `workerUrl`, or from the package's own worker script.
   * Throws where the worker cannot even be created.
   */
  startWorker(setup: WorkerSetup, workerUrl: URL | undefined): StartedWorker;
  /** The package's own kernel worker script (for messages: a bundler may have moved it). */
  defaultWorkerUrl(): URL;
}

/**
 * The kernel worker script's name next to this module: a name, not a literal URL, so that bundlers leave error messages
 * alone.
 */
const WORKER_FILE = './worker.js';
// NOTE: webpack reads `new URL(<a name>, import.meta.url)` as a request for a module context, which
// throws "Cannot find module './worker.js'" in its bundle; import.meta.url through a name keeps it away.
const MODULE_URL = import.meta.url;

export const browserPlatform: WasmPlatform = {
  name: 'browser',
  canBlock: () => typeof (globalThis as { document?: unknown }).document === 'undefined',
  availableCores: () => {
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number | undefined } | undefined }).navigator
      ?.hardwareConcurrency;
    return typeof cores === 'number' ? cores : 1;
  },
  urlOfPath: (path) => {
    const base = (globalThis as { location?: { href: string } | undefined }).location?.href;
    return base !== undefined && URL.canParse(path, base) ? new URL(path, base) : null;
  },
  readFile: null,
  readFileSync: null,
  setEngineFlags: () => {},
  startWorker: (setup, workerUrl) => {
    // Written in the one form bundlers recognise, so that they bundle the worker with its imports;
    // the module and the shared memory travel by postMessage.
    const worker =
      workerUrl === undefined
        ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
        : new Worker(workerUrl, { type: 'module' });
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => {
        const message =
          typeof event.message === 'string' && event.message !== ''
            ? event.message
            : 'the script did not load (missing, wrong MIME type, or blocked)';
        reject(new Error(message));
      };
    });
    worker.postMessage(setup);
    return { url: workerUrl ?? new URL(WORKER_FILE, MODULE_URL), terminate: () => worker.terminate(), ready };
  },
  defaultWorkerUrl: () => new URL(WORKER_FILE, MODULE_URL),
};

let platform: WasmPlatform = browserPlatform;

/** The platform the loader runs on. @internal */
export function wasmPlatform(): WasmPlatform {
  return platform;
}

/** Installs the Node platform (src/index.ts does, at import). @internal */
export function setWasmPlatform(next: WasmPlatform): void {
  platform = next;
}
