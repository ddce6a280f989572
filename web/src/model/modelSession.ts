// The page's side of the Model page's worker (a WorkerSession): a reply to a request the page has since
// replaced is still delivered (the page decides what is stale); the worker's backend and progress go to
// listeners. Pictures and model files are moved to the worker, not copied.

import { WorkerSession } from '../workerSession.js';
import type { FromModelWorker, ToModelWorker } from './protocol.js';

/** The buffers a request moves to the worker: a picture's bytes or pixels, a model's files. */
function transferOf(message: ToModelWorker): Transferable[] {
  if (message.type === 'run' && message.picture.kind === 'file') return [message.picture.bytes.buffer];
  if (message.type === 'run' && message.picture.kind === 'pixels') return [message.picture.rgba.buffer];
  if (message.type === 'loadModel')
    return message.files.flatMap((file) => ('bytes' in file ? [file.bytes.buffer] : []));
  return [];
}

export class ModelSession extends WorkerSession<ToModelWorker, FromModelWorker, 'ready' | 'progress'> {
  /** The worker's backend once it said so. */
  backend: Extract<FromModelWorker, { type: 'ready' }>['backend'] | null = null;
  onProgress: (message: Extract<FromModelWorker, { type: 'progress' }>) => void = () => undefined;
  onReady: () => void = () => undefined;

  constructor() {
    super(new Worker(new URL('./modelWorker.ts', import.meta.url), { type: 'module', name: 'convnet-model' }), {
      name: 'model worker',
      notices: ['ready', 'progress'],
      transferOf,
    });
  }

  protected override notice(message: Extract<FromModelWorker, { type: 'ready' | 'progress' }>): void {
    if (message.type === 'progress') {
      this.onProgress(message);
      return;
    }
    this.backend = message.backend;
    this.onReady();
  }
}
