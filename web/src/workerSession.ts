// The page and worker sides of the explorer's workers (the Model, Teach and Train pages'): the page holds its
// messages until the worker says it listens, numbers each request and hands its reply back as a promise (an
// error reply as a WorkerRequestError), and passes the messages that answer no request (progress, epochs,
// training reports) to its session's `notice`. The worker side posts typed messages and turns what a request
// throws into its error reply. Why the page waits for 'listening': see FromWorker in train/protocol.ts.

import { errorMessage } from './ui.js';

/** Every message between the page and a worker names its type. */
interface Typed {
  type: string;
}

/** A request without its id: the session numbers it. */
export type Unnumbered<Message> = Message extends unknown ? Omit<Message, 'id'> : never;

/** The messages of `FromWorker` that answer a request: all but 'listening' and the notices. */
export type ReplyOf<FromWorker extends Typed, Notice extends string> = Exclude<
  FromWorker,
  { type: 'listening' | Notice }
>;

/** What a worker says it was doing when a request failed (the `during` of its 'error' reply). */
type During<FromWorker> = Extract<FromWorker, { type: 'error' }> extends { during: infer Stage } ? Stage : never;

/** A request that failed in the worker: its message is the library's, ready to show in the page. */
export class WorkerRequestError extends Error {
  constructor(
    readonly during: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WorkerSessionOptions<ToWorker, Notice extends string> {
  /** The worker as the page names it in an error: 'model worker' gives "The model worker failed: ...". */
  name: string;
  /** The message types that answer no request: they go to `notice`, not to a waiting promise. */
  notices: readonly Notice[];
  /** The buffers a request moves to the worker when its caller names none (default: none). */
  transferOf?: (message: ToWorker) => Transferable[];
}

/**
 * The page's side of a worker: `request` sends a message and resolves with the reply that names its id, `tell`
 * sends one that gets no reply, and a subclass takes the notices in `notice`. A worker that fails (its script does
 * not load, an uncaught error) rejects every waiting request with a WorkerRequestError (during 'worker') and calls
 * `failed`. After `terminate` no promise of the session settles.
 */
export class WorkerSession<ToWorker extends Typed, FromWorker extends Typed, Notice extends FromWorker['type']> {
  private readonly worker: Worker;
  private readonly notices: ReadonlySet<string>;
  private readonly transferOf: (message: ToWorker) => Transferable[];
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(reply: FromWorker): void; reject(error: Error): void }>();
  /** Messages held until the worker listens; null once it does. */
  private pending: { message: ToWorker; transfer: Transferable[] }[] | null = [];

  constructor(worker: Worker, options: WorkerSessionOptions<ToWorker, Notice>) {
    this.worker = worker;
    this.notices = new Set(options.notices);
    this.transferOf = options.transferOf ?? (() => []);
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      const error = new WorkerRequestError(
        'worker',
        `The ${options.name} failed: ${event.message || 'it could not start'}`,
      );
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
      this.failed(error);
    };
  }

  /**
   * Sends `message` numbered (its buffers in `transfer` moved, not copied; default the session's transferOf);
   * resolves with the worker's reply of type T, rejects with WorkerRequestError when it reports an error.
   */
  request<T extends ReplyOf<FromWorker, Notice>['type']>(
    message: Unnumbered<ToWorker>,
    transfer?: Transferable[],
  ): Promise<Extract<ReplyOf<FromWorker, Notice>, { type: T }>> {
    const id = this.nextId++;
    const numbered = { ...message, id } as unknown as ToWorker;
    const reply = new Promise<Extract<ReplyOf<FromWorker, Notice>, { type: T }>>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (reply: FromWorker) => void, reject });
    });
    this.post(numbered, transfer ?? this.transferOf(numbered));
    return reply;
  }

  /** Sends a numbered message that gets no reply of its own (the Teach page's 'stop'). */
  tell(message: Unnumbered<ToWorker>): void {
    this.post({ ...message, id: this.nextId++ } as unknown as ToWorker);
  }

  /** The latest request's id: a progress report of an older one is not shown. */
  get latestId(): number {
    return this.nextId - 1;
  }

  /** Stops the worker: held messages are dropped, and waiting requests never settle (the page has gone). */
  terminate(): void {
    this.worker.onmessage = null;
    this.worker.onerror = null;
    this.worker.terminate();
    this.waiting.clear();
    this.pending = [];
  }

  /** Sends `message` as it is (a worker whose messages carry no id), or holds it until the worker listens. */
  protected post(message: ToWorker, transfer: Transferable[] = []): void {
    if (this.pending === null) this.worker.postMessage(message, transfer);
    else this.pending.push({ message, transfer });
  }

  /** Takes a message that answers no request (one of the options' notices). */
  protected notice(_message: Extract<FromWorker, { type: Notice }>): void {}

  /** Told that the worker failed, after the waiting requests were rejected with `error`. */
  protected failed(_error: WorkerRequestError): void {}

  private receive(message: FromWorker): void {
    if (message.type === 'listening') {
      for (const held of this.pending ?? []) this.worker.postMessage(held.message, held.transfer);
      this.pending = null;
      return;
    }
    if (this.notices.has(message.type)) {
      this.notice(message as Extract<FromWorker, { type: Notice }>);
      return;
    }
    const reply = message as FromWorker & { id: number; during?: string; message?: string };
    const waiting = this.waiting.get(reply.id);
    if (waiting === undefined) return;
    this.waiting.delete(reply.id);
    if (reply.type === 'error') waiting.reject(new WorkerRequestError(reply.during ?? 'worker', reply.message ?? ''));
    else waiting.resolve(reply);
  }
}

/** The worker's side of its session (workerPort). */
export interface WorkerPort<ToWorker, FromWorker> {
  /** Sends `message` to the page, its buffers in `transfer` moved, not copied. */
  post(message: FromWorker, transfer?: Transferable[]): void;
  /** Hands every message from the page to `handle` from now on, and tells the page it listens. */
  listen(handle: (message: ToWorker) => void): void;
  /** Runs request `id`'s `body`; an error it throws or rejects with becomes the reply { type: 'error', during }. */
  answer(id: number, during: During<FromWorker>, body: () => void | Promise<void>): void;
}

/** The worker's side of a WorkerSession, for the worker's module scope: `const { post } = workerPort<...>()`. */
export function workerPort<ToWorker extends Typed, FromWorker extends Typed>(): WorkerPort<ToWorker, FromWorker> {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
    postMessage(message: FromWorker, transfer?: Transferable[]): void;
  };
  const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);
  return {
    post,
    listen(handle) {
      scope.onmessage = (event) => handle(event.data);
      post({ type: 'listening' } as FromWorker);
    },
    answer(id, during, body) {
      const fail = (error: unknown) =>
        post({ type: 'error', id, during, message: errorMessage(error) } as unknown as FromWorker);
      try {
        const running = body();
        if (running instanceof Promise) running.catch(fail);
      } catch (error) {
        fail(error);
      }
    },
  };
}
