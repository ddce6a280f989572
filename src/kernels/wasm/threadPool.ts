// Runs one kernel on several threads that share the WebAssembly memory. The calling thread is
// thread 0; workers (worker_threads in Node, module Web Workers in a browser) are threads 1..n-1,
// each with its own instance of the same module over the same memory. A job is announced through a small shared control block:
// the caller bumps a generation counter and wakes the workers; a worker claims its share, runs it
// and counts it done. Workers spin briefly before sleeping, because kernels come in quick
// succession during a training step and a futex wake-up costs tens of microseconds. The caller,
// its own share done, runs every share no worker has claimed yet, and waits only for the claimed
// ones: a worker the system has not scheduled (cores busy with other processes) no longer stalls
// the job. A share's work depends on its index alone, so results are the same whichever thread runs it.
//
// Control block (Int32Array over a SharedArrayBuffer):
//   0 generation, 1 export index (-1 = exit), 2 job pointer, 3 thread count, 4 shares finished by
//   workers, 5 workers ready, 8 + i: 0 while share i of the current job is unclaimed (i = 1 ..
//   threads - 1; 1 otherwise, so a worker past the job's thread count never claims one)

import { BackendError } from '../../core/errors.js';
import { MAX_WASM_THREADS } from '../../core/limits.js';
import { wasmPlatform, type StartedWorker } from './platform.js';

export const CONTROL_GENERATION = 0;
export const CONTROL_EXPORT = 1;
export const CONTROL_JOB = 2;
export const CONTROL_THREADS = 3;
export const CONTROL_FINISHED = 4;
/** Workers that have instantiated the kernels (a pool started in the background reads it). */
export const CONTROL_READY = 5;
/** Where the claims of the shares start (one field per thread index). */
export const CONTROL_CLAIMS = 8;
export const CONTROL_FIELDS = CONTROL_CLAIMS + MAX_WASM_THREADS;
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

function workerError(threadIndex: number, url: URL, reason: string): BackendError {
  return new BackendError(url.href, `wasm backend: worker ${threadIndex} could not start from ${url.href} (${reason}); pass initWasmBackend({ workerUrl }) where your bundler puts the kernel worker`);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ThreadPool {
  private readonly control: Int32Array;
  private readonly workers: StartedWorker[] = [];
  /** Read once: whether run() may sleep while it waits for the workers. */
  private readonly canBlock = wasmPlatform().canBlock();
  /** Whether every worker has instantiated the module: until then jobs run on the calling thread. */
  private isReady = true;
  /** Why a worker of a pool started in the background did not start: the pool then stays on one thread. */
  private failure: BackendError | null = null;

  private constructor(
    readonly threads: number,
    control: ArrayBufferLike,
  ) {
    this.control = new Int32Array(control);
  }

  /**
   * Starts `threads - 1` workers (Node worker_threads, or module Web Workers) and waits until each has
   * instantiated the module. `workerUrl` replaces the package's own worker script. Throws BackendError
   * naming the worker's URL and the reason where one does not start (the others are stopped).
   */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, exportNames: string[], workerUrl?: URL): Promise<ThreadPool> {
    const pool = ThreadPool.launch(threads, module, memory, exportNames, workerUrl);
    try {
      await Promise.all(pool.workers.map((worker, index) => worker.ready.catch((error: unknown) => {
        throw workerError(index + 1, worker.url, reasonOf(error));
      })));
    } catch (error) {
      pool.stop();
      throw error;
    }
    return pool;
  }

  /**
   * Starts the workers as start does, without waiting for them: jobs run on the calling thread alone
   * until every worker has instantiated the module (CONTROL_READY), then on all threads. For the
   * start at first use in Node: the first op then waits for no worker thread to boot (results are
   * bit-identical for any thread count). A worker that does not start leaves the pool on one thread
   * and is reported once through `onFailure` (BackendError naming its URL and the reason).
   */
  static startInBackground(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, exportNames: string[], onFailure: (error: BackendError) => void): ThreadPool {
    const pool = ThreadPool.launch(threads, module, memory, exportNames, undefined);
    pool.isReady = pool.workers.length === 0;
    pool.workers.forEach((worker, index) => {
      worker.ready.catch((error: unknown) => {
        if (pool.failure !== null) return;
        pool.failure = workerError(index + 1, worker.url, reasonOf(error));
        pool.stop();
        onFailure(pool.failure);
      });
    });
    return pool;
  }

  /** Creates the pool and starts its workers, without waiting for them. */
  private static launch(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, exportNames: string[], workerUrl: URL | undefined): ThreadPool {
    // One thread needs no control block; a page without cross-origin isolation has no SharedArrayBuffer.
    if (threads <= 1) return new ThreadPool(1, new ArrayBuffer(CONTROL_FIELDS * 4));
    const control = new SharedArrayBuffer(CONTROL_FIELDS * 4);
    new Int32Array(control).fill(1, CONTROL_CLAIMS);
    const pool = new ThreadPool(threads, control);
    const platform = wasmPlatform();
    for (let threadIndex = 1; threadIndex < threads; threadIndex++) {
      const setup: WorkerSetup = { module, memory, control, threadIndex, exportNames };
      try {
        pool.workers.push(platform.startWorker(setup, workerUrl));
      } catch (error) {
        pool.stop();
        const url = workerUrl ?? platform.defaultWorkerUrl();
        throw workerError(threadIndex, url, reasonOf(error));
      }
    }
    return pool;
  }

  /** The threads a job may use now: all of them, or 1 while the workers of a background start boot. */
  get activeThreads(): number {
    if (!this.isReady && this.failure === null && Atomics.load(this.control, CONTROL_READY) === this.workers.length) this.isReady = true;
    return this.isReady ? this.threads : 1;
  }

  /**
   * Runs export `exportIndex` on `threadCount` threads (at most activeThreads) and returns when
   * all have finished. `runShare(i)` runs share i on the calling thread: share 0, and any share no
   * worker claimed by the time share 0 is done.
   */
  run(exportIndex: number, job: number, threadCount: number, runShare: (threadIndex: number) => void): void {
    const helpers = Math.min(threadCount, this.threads) - 1;
    if (helpers <= 0) {
      runShare(0);
      return;
    }
    const control = this.control;
    Atomics.store(control, CONTROL_EXPORT, exportIndex);
    Atomics.store(control, CONTROL_JOB, job);
    Atomics.store(control, CONTROL_THREADS, helpers + 1);
    Atomics.store(control, CONTROL_FINISHED, 0);
    for (let share = 1; share <= helpers; share++) Atomics.store(control, CONTROL_CLAIMS + share, 0);
    Atomics.add(control, CONTROL_GENERATION, 1);
    Atomics.notify(control, CONTROL_GENERATION);
    runShare(0);
    let workerShares = helpers;
    for (let share = 1; share <= helpers; share++) {
      if (Atomics.compareExchange(control, CONTROL_CLAIMS + share, 0, 1) === 0) {
        runShare(share);
        workerShares--;
      }
    }
    // A worker holding a claim reads this job's fields until it reports, so the next job waits for
    // every claimed share. A browser's main thread may not block (Atomics.wait throws there): it only spins.
    for (let spin = 0; Atomics.load(control, CONTROL_FINISHED) < workerShares; spin++) {
      if (spin > SPIN_ITERATIONS && this.canBlock) {
        const finished = Atomics.load(control, CONTROL_FINISHED);
        if (finished < workerShares) Atomics.wait(control, CONTROL_FINISHED, finished, 10);
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

type Kernel = (job: number, threadIndex: number, threadCount: number) => void;

/**
 * A worker's loop (worker.ts, nodeWorker.ts): instantiates the kernels over the shared memory, says
 * so (CONTROL_READY, and `reportReady` for start's promise), then runs its share of every job
 * announced in the control block until told to exit.
 */
export function serveKernels(setup: WorkerSetup, reportReady: () => void): void {
  const control = new Int32Array(setup.control);
  const instance = new WebAssembly.Instance(setup.module, { env: { memory: setup.memory } });
  const kernels = setup.exportNames.map((name) => instance.exports[name] as Kernel);
  // Read before the worker counts itself ready: no job is announced to it before that.
  let seen = Atomics.load(control, CONTROL_GENERATION);
  Atomics.add(control, CONTROL_READY, 1);
  reportReady();
  for (;;) {
    for (let spin = 0; Atomics.load(control, CONTROL_GENERATION) === seen; spin++) {
      if (spin > SPIN_ITERATIONS) Atomics.wait(control, CONTROL_GENERATION, seen);
    }
    seen = Atomics.load(control, CONTROL_GENERATION);
    if (Atomics.load(control, CONTROL_EXPORT) < 0) break;
    // The caller ran this share itself (or the job has fewer threads): nothing to report.
    if (Atomics.compareExchange(control, CONTROL_CLAIMS + setup.threadIndex, 0, 1) !== 0) continue;
    // Claimed: the caller writes no other job until this share reports, so these fields are its job's.
    const exportIndex = Atomics.load(control, CONTROL_EXPORT);
    kernels[exportIndex]!(Atomics.load(control, CONTROL_JOB), setup.threadIndex, Atomics.load(control, CONTROL_THREADS));
    Atomics.add(control, CONTROL_FINISHED, 1);
    Atomics.notify(control, CONTROL_FINISHED);
  }
}
