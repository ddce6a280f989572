// Runs one kernel on several threads that share the WebAssembly memory. The calling thread is
// thread 0; workers (worker_threads in Node, module Web Workers in a browser) are threads 1..n-1,
// each with its own instance of the same module over the same memory. A job is announced through a small shared control
// block: the caller bumps a generation counter and wakes the workers. A job has one share per thread;
// every thread, the caller included, claims shares until none is left (claimShare), so a worker that
// the system has not scheduled yet leaves its share to the caller instead of stalling the job (on a
// machine busy with other processes, 2 threads otherwise ran MobileNetV2 10x slower than one). A
// share computes the same values whichever thread runs it, so results never depend on who claimed
// what. Workers spin briefly before sleeping, because kernels come in quick succession during a
// training step and a futex wake-up costs tens of microseconds; only briefly where other processes want the
// cores (spinIterations).
//
// One share a thread is enough on an idle machine: the kernels' even halves took the same time on both threads
// (within 1-3% on each of MobileNetV2's 54 and ResNet-18's 24 calls at batch 8, 2 threads; the caller waited
// 0.3-1.1 ms of a 56 ms MobileNetV2 predict for the worker, 0.35 of 130 for ResNet-18), and 4 shares a thread,
// claimed as each thread came free, measured no faster at batch 8 and 4-11% slower at batch 1 (each share reads
// the whole filter). Long waits in a profile come from other processes taking a core.
//
// NOTE: waking a sleeping worker as a threaded kernel call starts (a count of sleeping workers in the control
// block, read with one Atomics.load; a worker woken with no job spun for it a while, then slept again) did not pay.
// On the shared 2-core host at batch 1, 2 threads, a MobileNetV2 predict's 39 jobs found the worker woken from sleep
// at 24-28 and unclaimed by the time the caller had run its own share at 12-16, but the caller's JavaScript before
// a job is 10-30 us (a CPU profile), little against the 0.2-1 ms between jobs on a loaded machine. New against
// old, wall time, medians of 100 predicts a process, processes alternated, load averages 2-7: a woken spin of
// 0.25 ms 0.87-1.71 (median 1.16, 7 pairs) MobileNetV2, 0.87-2.25 (1.58) EfficientNet-B0, 0.88-1.08 ResNet-18
// (the woken worker spends the CPU time the caller's process needs); 0.05 ms 0.70-1.42 (median 1.03, 10 pairs),
// 0.74-1.72 (1.01, 10) and 0.88-1.53 (1.11, 3): within the noise.
//
// Control block (Int32Array over a SharedArrayBuffer):
//   0 generation, 1 export index (-1 = exit), 2 job pointer, 3 thread count (shares), 4 shares
//   finished by workers, 5 workers ready, 6 claim: the generation's low 24 bits << 8 | next share

import { BackendError } from '../../core/errors.js';
import { wasmPlatform, type StartedWorker } from './platform.js';

export const CONTROL_GENERATION = 0;
export const CONTROL_EXPORT = 1;
export const CONTROL_JOB = 2;
export const CONTROL_THREADS = 3;
export const CONTROL_FINISHED = 4;
/** Workers that have instantiated the kernels (a pool started in the background reads it). */
export const CONTROL_READY = 5;
/** The generation's low 24 bits and the next unclaimed share of its job (see claimShare). */
export const CONTROL_CLAIM = 6;
export const CONTROL_FIELDS = 8;
/**
 * Spin iterations (a few hundred microseconds) before a thread sleeps on Atomics.wait: between two
 * kernels of a training step the caller runs JavaScript for tens of microseconds, and a sleeping
 * worker takes far longer than that to wake in a virtual machine.
 */
export const SPIN_ITERATIONS = 200_000;
/**
 * A worker's spin iterations while the machine is contended (spinIterations): enough to catch a job that follows
 * at once. W2's training step on 2 threads, a load average of about 7 on the 2 cores (wall time, medians of 9
 * steps, four rounds in turn): every spin 200,000 iterations 206-368 ms a step, 20,000 115-343, 2,000 123-188 (one
 * thread 99-220). With spinIterations, against 200,000 always, four rounds in turn at load averages 4.3 to 4.8:
 * 119-124 ms against 153-182 in the two loaded rounds, 58.8-61.7 against 59.7-60.1 in the two quieter ones.
 */
export const CONTENDED_SPIN_ITERATIONS = 2_000;
/** A spinning thread looks at the clock every this many iterations (a power of two). */
const CLOCK_INTERVAL = 1024;
/**
 * A gap between two looks at the clock longer than this (ms; the iterations between take a few microseconds)
 * means the thread lost its core to another process while it spun: the machine is contended.
 */
const PREEMPTED_MILLISECONDS = 1;
/** How long spins stay CONTENDED_SPIN_ITERATIONS after the thread was seen losing its core, ms. */
const CONTENDED_MILLISECONDS = 1000;

/** The time (performance.now()) until which this worker's spins stay short (spinIterations). */
let contendedUntil = 0;

/**
 * How many iterations a worker's spin between jobs may take, called every CLOCK_INTERVAL iterations with the time
 * now and at the last look (the same time at the first). Spinning pays where the worker has its core to itself; on
 * a machine whose cores other processes want (and Linux shares CPU time between sessions, so a process's threads
 * share its slice), a spinning worker takes the time the caller needs for the JavaScript between kernels and its
 * own shares. So a worker that finds, while it spins, that it lost its core for over PREEMPTED_MILLISECONDS spins
 * only CONTENDED_SPIN_ITERATIONS for the next CONTENDED_MILLISECONDS. On an idle machine it never loses its core
 * and spins SPIN_ITERATIONS as before. Timing only: which thread runs a share never changes a value. The caller's
 * own wait for the workers kept its spin: sensing there too measured the same.
 */
export function spinIterations(now: number, last: number): number {
  if (now - last > PREEMPTED_MILLISECONDS) contendedUntil = now + CONTENDED_MILLISECONDS;
  return now < contendedUntil ? CONTENDED_SPIN_ITERATIONS : SPIN_ITERATIONS;
}

/** What a worker needs to start: the compiled module, the shared memory and the control block. */
export interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  threadIndex: number;
  exportNames: string[];
}

function workerError(threadIndex: number, url: URL, reason: string): BackendError {
  return new BackendError(
    url.href,
    `wasm backend: worker ${threadIndex} could not start from ${url.href} (${reason}); pass ` +
      `initWasmBackend({ workerUrl }) where your bundler puts the kernel worker`,
  );
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
  static async start(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    exportNames: string[],
    workerUrl?: URL,
  ): Promise<ThreadPool> {
    const pool = ThreadPool.launch(threads, module, memory, exportNames, workerUrl);
    try {
      await Promise.all(
        pool.workers.map((worker, index) =>
          worker.ready.catch((error: unknown) => {
            throw workerError(index + 1, worker.url, reasonOf(error));
          }),
        ),
      );
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
  static startInBackground(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    exportNames: string[],
    onFailure: (error: BackendError) => void,
  ): ThreadPool {
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
  private static launch(
    threads: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    exportNames: string[],
    workerUrl: URL | undefined,
  ): ThreadPool {
    // One thread needs no control block; a page without cross-origin isolation has no SharedArrayBuffer.
    if (threads <= 1) return new ThreadPool(1, new ArrayBuffer(CONTROL_FIELDS * 4));
    const control = new SharedArrayBuffer(CONTROL_FIELDS * 4);
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
    if (!this.isReady && this.failure === null && Atomics.load(this.control, CONTROL_READY) === this.workers.length)
      this.isReady = true;
    return this.isReady ? this.threads : 1;
  }

  /**
   * Runs export `exportIndex` as `threadCount` shares (at most activeThreads) on the workers and the
   * calling thread, and returns when all have finished. `runShare(share)` runs one share on the
   * calling thread: share 0 always, and any a worker has not claimed by then.
   */
  run(exportIndex: number, job: number, threadCount: number, runShare: (share: number) => void): void {
    const shares = Math.min(threadCount, this.threads);
    if (shares <= 1) {
      runShare(0);
      return;
    }
    const control = this.control;
    const generation = Atomics.load(control, CONTROL_GENERATION) + 1;
    // The claim first: a worker still reading the previous job's fields may see some of this job's,
    // and must then fail to claim (a previous job with fewer shares would otherwise still hand out
    // the shares past its own count).
    Atomics.store(control, CONTROL_CLAIM, claimOf(generation, 1));
    Atomics.store(control, CONTROL_EXPORT, exportIndex);
    Atomics.store(control, CONTROL_JOB, job);
    Atomics.store(control, CONTROL_THREADS, shares);
    Atomics.store(control, CONTROL_FINISHED, 0);
    Atomics.store(control, CONTROL_GENERATION, generation);
    Atomics.notify(control, CONTROL_GENERATION);
    runShare(0);
    let ownShares = 1;
    for (
      let share = claimShare(control, generation, shares);
      share >= 0;
      share = claimShare(control, generation, shares)
    ) {
      runShare(share);
      ownShares++;
    }
    // The shares workers claimed are running; each reports when done. A worker that claimed none
    // never touches this job again (its claims for this generation fail), so the next job cannot race it.
    // A browser's main thread may not block (Atomics.wait throws there): it only spins.
    const workerShares = shares - ownShares;
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

/** The claim field of `generation` with `share` the next to hand out. */
function claimOf(generation: number, share: number): number {
  return ((generation & 0xffffff) << 8) | share;
}

/**
 * Takes the next unclaimed share of `generation`'s job: its index, or -1 when all are taken or the
 * control block has moved on to a later job (the 24-bit generation would have to wrap around while a
 * worker sleeps between reading it and claiming for a stale claim to succeed).
 */
function claimShare(control: Int32Array, generation: number, shares: number): number {
  for (;;) {
    const claim = Atomics.load(control, CONTROL_CLAIM);
    const share = claim & 0xff;
    if (claim >>> 8 !== (generation & 0xffffff) || share >= shares) return -1;
    if (Atomics.compareExchange(control, CONTROL_CLAIM, claim, claim + 1) === claim) return share;
  }
}

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
    let clock = performance.now();
    let limit = SPIN_ITERATIONS;
    for (let spin = 0; Atomics.load(control, CONTROL_GENERATION) === seen; spin++) {
      if ((spin & (CLOCK_INTERVAL - 1)) === 0) {
        const now = performance.now();
        limit = spinIterations(now, clock);
        clock = now;
      }
      if (spin > limit) {
        Atomics.wait(control, CONTROL_GENERATION, seen);
        clock = performance.now();
      }
    }
    seen = Atomics.load(control, CONTROL_GENERATION);
    const exportIndex = Atomics.load(control, CONTROL_EXPORT);
    if (exportIndex < 0) break;
    // Fields read here may already belong to a later job; then the claim fails (its generation moved on).
    const job = Atomics.load(control, CONTROL_JOB);
    const shares = Atomics.load(control, CONTROL_THREADS);
    for (let share = claimShare(control, seen, shares); share >= 0; share = claimShare(control, seen, shares)) {
      kernels[exportIndex]!(job, share, shares);
      Atomics.add(control, CONTROL_FINISHED, 1);
      Atomics.notify(control, CONTROL_FINISHED);
    }
  }
}
