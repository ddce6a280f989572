// The page's side of the Teach page's worker (a WorkerSession, like the Model page's ModelSession): epochs
// and progress go to listeners while a request runs.

import { backendChoice } from '../backendChoice.js';
import { WorkerSession } from '../workerSession.js';
import type { FromTeachWorker, ToTeachWorker } from './protocol.js';

export class TeachSession extends WorkerSession<ToTeachWorker, FromTeachWorker, 'progress' | 'epoch'> {
  onProgress: (message: Extract<FromTeachWorker, { type: 'progress' }>) => void = () => undefined;
  onEpoch: (message: Extract<FromTeachWorker, { type: 'epoch' }>) => void = () => undefined;

  constructor() {
    super(new Worker(new URL('./teachWorker.ts', import.meta.url), { type: 'module', name: 'convnet-teach' }), {
      name: 'teach worker',
      notices: ['progress', 'epoch'],
    });
    this.tell({ type: 'init', backend: backendChoice() });
  }

  protected override notice(message: Extract<FromTeachWorker, { type: 'progress' | 'epoch' }>): void {
    if (message.type === 'progress') this.onProgress(message);
    else this.onEpoch(message);
  }
}
