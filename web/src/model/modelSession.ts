// The page's side of the Model page's worker: starts it, holds messages until it listens, numbers
// each request and hands its reply back as a promise (a reply to a request the page has since
// replaced is still delivered; the page decides what is stale). Progress goes to one listener.

import type { FromModelWorker, ToModelWorker } from './protocol.js';

type Reply = Exclude<FromModelWorker, { type: 'listening' | 'ready' | 'progress' }>;
/** A request without its id: the session numbers it. */
type Request = ToModelWorker extends infer Message
  ? Message extends ToModelWorker
    ? Omit<Message, 'id'>
    : never
  : never;

/** A request that failed in the worker: its message is the library's, ready to show in the page. */
export class WorkerRequestError extends Error {
  constructor(
    readonly during: string,
    message: string,
  ) {
    super(message);
  }
}

export class ModelSession {
  /** The worker's backend once it said so. */
  backend: Extract<FromModelWorker, { type: 'ready' }>['backend'] | null = null;
  onProgress: (message: Extract<FromModelWorker, { type: 'progress' }>) => void = () => undefined;
  onReady: () => void = () => undefined;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private pending: ToModelWorker[] | null = [];

  constructor() {
    this.worker = new Worker(new URL('./modelWorker.ts', import.meta.url), { type: 'module', name: 'convnet-model' });
    this.worker.onmessage = (event: MessageEvent<FromModelWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      const error = new WorkerRequestError(
        'worker',
        `The model worker failed: ${event.message || 'it could not start'}`,
      );
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
  }

  /** Sends `message`; resolves with the worker's reply, rejects with WorkerRequestError when it reports an error. */
  request<T extends Reply['type']>(message: Request): Promise<Extract<Reply, { type: T }>> {
    const id = this.nextId++;
    const full = { ...message, id } as ToModelWorker;
    const transfer: Transferable[] = [];
    if (full.type === 'run' && full.picture.kind === 'file') transfer.push(full.picture.bytes.buffer);
    if (full.type === 'run' && full.picture.kind === 'pixels') transfer.push(full.picture.rgba.buffer);
    if (full.type === 'loadModel') for (const file of full.files) if ('bytes' in file) transfer.push(file.bytes.buffer);
    const reply = new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (reply: Reply) => void, reject });
    });
    if (this.pending === null) this.worker.postMessage(full, transfer);
    else this.pending.push(full);
    return reply;
  }

  /** The latest request's id: a progress report of an older one is not shown. */
  get latestId(): number {
    return this.nextId - 1;
  }

  terminate(): void {
    this.worker.terminate();
  }

  private receive(message: FromModelWorker): void {
    switch (message.type) {
      case 'listening':
        for (const held of this.pending ?? []) this.worker.postMessage(held);
        this.pending = null;
        return;
      case 'ready':
        this.backend = message.backend;
        this.onReady();
        return;
      case 'progress':
        this.onProgress(message);
        return;
    }
    const waiting = this.waiting.get(message.id);
    if (waiting === undefined) return;
    this.waiting.delete(message.id);
    if (message.type === 'error') waiting.reject(new WorkerRequestError(message.during, message.message));
    else waiting.resolve(message);
  }
}
