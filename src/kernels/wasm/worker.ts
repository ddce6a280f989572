// A kernel worker thread (see threadPool.ts): instantiates the kernels over the shared memory, then
// runs its share of every job announced in the control block until told to exit. In Node the setup
// comes as workerData; in a browser as the first message.

import { isNode } from './featureProbe.js';
import {
  CONTROL_EXPORT,
  CONTROL_FINISHED,
  CONTROL_GENERATION,
  CONTROL_JOB,
  CONTROL_THREADS,
  SPIN_ITERATIONS,
  type WorkerSetup,
} from './threadPool.js';

type Kernel = (job: number, threadIndex: number, threadCount: number) => void;

function serve(setup: WorkerSetup, reportReady: () => void): void {
  const instance = new WebAssembly.Instance(setup.module, { env: { memory: setup.memory } });
  const kernels = setup.exportNames.map((name) => instance.exports[name] as Kernel);
  const control = new Int32Array(setup.control);
  let seen = Atomics.load(control, CONTROL_GENERATION);
  reportReady();
  for (;;) {
    for (let spin = 0; Atomics.load(control, CONTROL_GENERATION) === seen; spin++) {
      if (spin > SPIN_ITERATIONS) Atomics.wait(control, CONTROL_GENERATION, seen);
    }
    seen = Atomics.load(control, CONTROL_GENERATION);
    const exportIndex = Atomics.load(control, CONTROL_EXPORT);
    if (exportIndex < 0) break;
    const threadCount = Atomics.load(control, CONTROL_THREADS);
    if (setup.threadIndex < threadCount) kernels[exportIndex]!(Atomics.load(control, CONTROL_JOB), setup.threadIndex, threadCount);
    Atomics.add(control, CONTROL_FINISHED, 1);
    Atomics.notify(control, CONTROL_FINISHED);
  }
}

if (isNode()) {
  const { parentPort, workerData } = await import('node:worker_threads');
  serve(workerData as WorkerSetup, () => parentPort!.postMessage('ready'));
} else {
  const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<WorkerSetup>) => void) | null; postMessage(message: unknown): void };
  scope.onmessage = (event) => {
    scope.onmessage = null;
    serve(event.data, () => scope.postMessage('ready'));
  };
}
