// A kernel worker thread (see threadPool.ts): instantiates the kernels over the shared memory, then
// runs its share of every job announced in the control block until told to exit.

import { parentPort, workerData } from 'node:worker_threads';
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

const setup = workerData as WorkerSetup;
const instance = new WebAssembly.Instance(setup.module, { env: { memory: setup.memory } });
const kernels = setup.exportNames.map((name) => instance.exports[name] as Kernel);
const control = new Int32Array(setup.control);
let seen = Atomics.load(control, CONTROL_GENERATION);
parentPort!.postMessage('ready');

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
