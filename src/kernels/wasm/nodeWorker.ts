// The kernel worker thread in Node (see threadPool.ts): its setup arrives as workerData, and it says
// it is ready through its parent port. The browser's twin is worker.ts.

import { parentPort, workerData } from 'node:worker_threads';
import { serveKernels, type WorkerSetup } from './threadPool.js';

serveKernels(workerData as WorkerSetup, () => parentPort!.postMessage('ready'));
