// Runs one kernel on several threads that share the WebAssembly memory. The calling thread is
// thread 0; workers (worker_threads in Node, module Web Workers in a browser) are threads 1..n-1,
// each with its own instance of the same module over the same memory. A job is announced through a small shared control block:
// the caller bumps a generation counter and wakes the workers; each worker runs its share and
// counts itself done. Workers spin briefly before sleeping, because kernels come in quick
// succession during a training step and a futex wake-up costs tens of microseconds.
//
// Control block (Int32Array over a SharedArrayBuffer):
//   0 generation, 1 export index (-1 = exit), 2 job pointer, 3 thread count, 4 finished workers

import { BackendError } from '../../core/errors.js';
import { isNode } from './featureProbe.js';

export const CONTROL_GENERATION = 0;
export const CONTROL_EXPORT = 1;
export const CONTROL_JOB = 2;
export const CONTROL_THREADS = 3;
export const CONTROL_FINISHED = 4;
export const CONTROL_FIELDS = 8;
/**
 * Spin iterations (a few hundred microseconds) before a thread sleeps on Atomics.wait: between two
 * kernels of a training step the caller runs JavaScript for tens of microseconds, and a sleeping
 * worker takes far longer than that to wake in a virtual machine.
 */
export const SPIN_ITERATIONS = 200_000;

/** What a worker needs to start: the compiled module, the shared memory and the control block. */
export interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  threadIndex: number;
  exportNames: string[];
}

interface WorkerHandle {
  terminate(): unknown;
}

/** A name, not a literal URL, so that bundlers leave the Node branch (and error messages) alone. */
const NODE_WORKER_FILE = './worker.js';
// NOTE: webpack reads `new URL(<a name>, import.meta.url)` as a request for a module context, which
// throws "Cannot find module './worker.js'" in its bundle; the URL through a name keeps it away.
const MODULE_URL = import.meta.url;

/** Whether this thread may sleep in Atomics.wait: Node threads and workers may, a browser page may not. */
const canBlock = isNode() || typeof (globalThis as { document?: unknown }).document === 'undefined';

export class ThreadPool {
  private readonly control: Int32Array;
  private readonly workers: WorkerHandle[] = [];

  private constructor(
    readonly threads: number,
    control: ArrayBufferLike,
  ) {
    this.control = new Int32Array(control);
  }

  /**
   * Starts `threads - 1` workers (Node worker_threads, or module Web Workers) and waits until each has
   * instantiated the module. `workerUrl` replaces the package's own worker.js. Throws BackendError
   * naming the worker's URL and the reason where one does not start (the others are stopped).
   */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, exportNames: string[], workerUrl?: URL): Promise<ThreadPool> {
    // One thread needs no control block; a page without cross-origin isolation has no SharedArrayBuffer.
    if (threads <= 1) return new ThreadPool(1, new ArrayBuffer(CONTROL_FIELDS * 4));
    const control = new SharedArrayBuffer(CONTROL_FIELDS * 4);
    const pool = new ThreadPool(threads, control);
    const ready: Promise<void>[] = [];
    const NodeWorker = isNode() ? (await import('node:worker_threads')).Worker : null;
    const failure = (threadIndex: number, url: URL, reason: string): BackendError =>
      new BackendError(url.href, `wasm backend: worker ${threadIndex} could not start from ${url.href} (${reason}); pass initWasmBackend({ workerUrl }) where your bundler puts the kernel worker`);
    for (let threadIndex = 1; threadIndex < threads; threadIndex++) {
      const setup: WorkerSetup = { module, memory, control, threadIndex, exportNames };
      if (NodeWorker !== null) {
        const url = workerUrl ?? new URL(NODE_WORKER_FILE, MODULE_URL);
        let worker: InstanceType<typeof NodeWorker>;
        try {
          worker = new NodeWorker(url, { workerData: setup });
        } catch (error) {
          pool.stop();
          throw failure(threadIndex, url, error instanceof Error ? error.message : String(error));
        }
        worker.unref();
        pool.workers.push(worker);
        ready.push(new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', (error: Error) => {
            const code = (error as { code?: unknown }).code;
            const message = error.message.split('\n')[0] ?? '';
            reject(failure(threadIndex, url, typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message));
          });
          worker.once('exit', (exitCode) => reject(failure(threadIndex, url, `it exited with code ${exitCode} before it was ready`)));
        }));
      } else {
        // A browser: the module and the shared memory travel by postMessage.
        // Written in the one form bundlers recognise, so that they bundle the worker with its imports.
        // For messages only: the name of the default, not a literal (a bundler would copy the file again).
        const url = workerUrl ?? new URL(NODE_WORKER_FILE, MODULE_URL);
        let worker: Worker;
        try {
          worker = workerUrl === undefined ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }) : new Worker(workerUrl, { type: 'module' });
        } catch (error) {
          pool.stop();
          throw failure(threadIndex, url, error instanceof Error ? error.message : String(error));
        }
        pool.workers.push(worker);
        ready.push(new Promise((resolve, reject) => {
          worker.onmessage = () => resolve();
          worker.onerror = (event) => {
            const message = typeof event.message === 'string' && event.message !== '' ? event.message : 'the script did not load (missing, wrong MIME type, or blocked)';
            reject(failure(threadIndex, url, message));
          };
        }));
        worker.postMessage(setup);
      }
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      pool.stop();
      throw error;
    }
    return pool;
  }

  /**
   * Runs export `exportIndex` on `threadCount` threads (at most this pool's size) and returns when
   * all have finished. `runOwnShare` runs thread 0's share on the calling thread.
   */
  run(exportIndex: number, job: number, threadCount: number, runOwnShare: () => void): void {
    const helpers = Math.min(threadCount, this.threads) - 1;
    if (helpers <= 0) {
      runOwnShare();
      return;
    }
    const control = this.control;
    Atomics.store(control, CONTROL_EXPORT, exportIndex);
    Atomics.store(control, CONTROL_JOB, job);
    Atomics.store(control, CONTROL_THREADS, helpers + 1);
    Atomics.store(control, CONTROL_FINISHED, 0);
    Atomics.add(control, CONTROL_GENERATION, 1);
    Atomics.notify(control, CONTROL_GENERATION);
    runOwnShare();
    // Every worker reports, even those with no share, so the next job never races a late reader.
    // A browser's main thread may not block (Atomics.wait throws there): it only spins.
    const workers = this.workers.length;
    for (let spin = 0; Atomics.load(control, CONTROL_FINISHED) < workers; spin++) {
      if (spin > SPIN_ITERATIONS && canBlock) {
        const finished = Atomics.load(control, CONTROL_FINISHED);
        if (finished < workers) Atomics.wait(control, CONTROL_FINISHED, finished, 10);
      }
    }
  }

  /** Stops the workers. */
  stop(): void {
    Atomics.store(this.control, CONTROL_EXPORT, -1);
    Atomics.add(this.control, CONTROL_GENERATION, 1);
    Atomics.notify(this.control, CONTROL_GENERATION);
    for (const worker of this.workers) worker.terminate();
    this.workers.length = 0;
  }
}
