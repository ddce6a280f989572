// The page's side of the Teach page's worker, shaped like the Model page's ModelSession: holds messages
// until the worker listens, numbers each request and hands its reply back as a promise; epochs and
// progress go to listeners while a request runs.

import { WorkerRequestError } from '../model/modelSession.js';
import type { FromTeachWorker, ToTeachWorker } from './protocol.js';

type Reply = Exclude<FromTeachWorker, { type: 'listening' | 'progress' | 'epoch' }>;
/** A request without its id: the session numbers it. */
type Request = ToTeachWorker extends infer Message
  ? Message extends ToTeachWorker
    ? Omit<Message, 'id'>
    : never
  : never;

export class TeachSession {
  onProgress: (message: Extract<FromTeachWorker, { type: 'progress' }>) => void = () => undefined;
  onEpoch: (message: Extract<FromTeachWorker, { type: 'epoch' }>) => void = () => undefined;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private pending: { message: ToTeachWorker; transfer: Transferable[] }[] | null = [];

  constructor() {
    this.worker = new Worker(new URL('./teachWorker.ts', import.meta.url), { type: 'module', name: 'convnet-teach' });
    this.worker.onmessage = (event: MessageEvent<FromTeachWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      const error = new WorkerRequestError(
        'worker',
        `The teach worker failed: ${event.message || 'it could not start'}`,
      );
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
  }

  /**
   * Sends `message` (its buffers in `transfer` moved, not copied); resolves with the reply, rejects with
   * WorkerRequestError.
   */
  request<T extends Reply['type']>(
    message: Request,
    transfer: Transferable[] = [],
  ): Promise<Extract<Reply, { type: T }>> {
    const id = this.nextId++;
    const full = { ...message, id } as ToTeachWorker;
    const reply = new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (reply: Reply) => void, reject });
    });
    this.send(full, transfer);
    return reply;
  }

  /** Sends a message that gets no reply of its own ('stop'). */
  tell(message: Request): void {
    this.send({ ...message, id: this.nextId++ } as ToTeachWorker, []);
  }

  terminate(): void {
    this.worker.terminate();
  }

  private send(message: ToTeachWorker, transfer: Transferable[]): void {
    if (this.pending === null) this.worker.postMessage(message, transfer);
    else this.pending.push({ message, transfer });
  }

  private receive(message: FromTeachWorker): void {
    switch (message.type) {
      case 'listening':
        for (const held of this.pending ?? []) this.worker.postMessage(held.message, held.transfer);
        this.pending = null;
        return;
      case 'progress':
        this.onProgress(message);
        return;
      case 'epoch':
        this.onEpoch(message);
        return;
    }
    const waiting = this.waiting.get(message.id);
    if (waiting === undefined) return;
    this.waiting.delete(message.id);
    if (message.type === 'error') waiting.reject(new WorkerRequestError(message.during, message.message));
    else waiting.resolve(message);
  }
}
