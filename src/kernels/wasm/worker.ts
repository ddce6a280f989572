// The kernel worker in a browser (a module Web Worker, see threadPool.ts): its setup arrives as the
// first message. The Node twin is nodeWorker.ts.

import { serveKernels, type WorkerSetup } from './threadPool.js';

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<WorkerSetup>) => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = (event) => {
  scope.onmessage = null;
  serveKernels(event.data, () => scope.postMessage('ready'));
};
