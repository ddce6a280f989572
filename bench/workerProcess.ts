// The parent's side of one long-lived library process (bench/imagenetProtocol.ts): starts it, waits
// for its hello line, sends one request at a time and waits for the reply with a timeout. A process
// that dies or times out is killed and answers every later request with the same failure, so the run goes on.
// Limits: one request in flight per process (the parent interleaves processes, never requests).

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { WorkerHello, WorkerReply, WorkerRequest } from './imagenetProtocol.js';

/** Lines of the process's stderr kept to explain a crash. */
const KEPT_ERROR_LINES = 8;

type RequestBody = WorkerRequest extends infer Request
  ? Request extends WorkerRequest
    ? Omit<Request, 'id'>
    : never
  : never;

export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly errorLines: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private readonly pendingLines: string[] = [];
  private nextId = 1;
  private deadReason: string | null = null;
  hello: WorkerHello | null = null;

  /** `command` and `argumentList` start the process; `label` names it in messages. */
  constructor(
    readonly label: string,
    command: string,
    argumentList: readonly string[],
    private readonly echo: (line: string) => void,
    environment: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(command, [...argumentList], { stdio: ['pipe', 'pipe', 'pipe'], env: environment });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      if (line.trim() === '') return;
      this.errorLines.push(line);
      if (this.errorLines.length > KEPT_ERROR_LINES) this.errorLines.shift();
    });
    this.child.on('error', (error) => this.die(`could not start: ${error.message}`));
    this.child.on('close', (code, signal) => this.die(`the process ended (${signal ?? `exit code ${code}`})`));
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) {
      this.echo(`${this.label}: ${line}`);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter === undefined) this.pendingLines.push(line);
    else waiter(line);
  }

  private die(reason: string): void {
    if (this.deadReason !== null) return;
    const lastError = this.errorLines.length > 0 ? `: ${this.errorLines[this.errorLines.length - 1]!.trim()}` : '';
    this.deadReason = `${reason}${lastError}`;
    for (const waiter of this.waiting.splice(0)) waiter(null);
  }

  get isAlive(): boolean {
    return this.deadReason === null;
  }

  /** Why the process is gone, with the last line it wrote to stderr. */
  get failure(): string | null {
    return this.deadReason;
  }

  /** Recent stderr lines, to explain a failure. */
  get recentErrors(): readonly string[] {
    return this.errorLines;
  }

  private nextLine(timeoutSeconds: number): Promise<string | null> {
    const pending = this.pendingLines.shift();
    if (pending !== undefined) return Promise.resolve(pending);
    if (this.deadReason !== null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(done);
        if (index >= 0) this.waiting.splice(index, 1);
        this.kill(`timed out after ${timeoutSeconds} s`);
        resolve(null);
      }, timeoutSeconds * 1000);
      const done = (line: string | null): void => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiting.push(done);
    });
  }

  /** Waits for the hello line; null (and the process killed) if it does not come. */
  async start(timeoutSeconds: number): Promise<WorkerHello | null> {
    const line = await this.nextLine(timeoutSeconds);
    if (line === null) return null;
    this.hello = JSON.parse(line) as WorkerHello;
    return this.hello;
  }

  async request(body: RequestBody, timeoutSeconds: number): Promise<WorkerReply> {
    const id = this.nextId++;
    if (this.deadReason !== null) return { id, ok: false, error: this.deadReason };
    this.child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`);
    const line = await this.nextLine(timeoutSeconds);
    if (line === null) return { id, ok: false, error: this.deadReason ?? 'no reply' };
    return JSON.parse(line) as WorkerReply;
  }

  kill(reason: string): void {
    this.die(reason);
    this.child.kill('SIGKILL');
  }

  /** Asks the process to exit, and kills it if it has not within `timeoutSeconds`. */
  async stop(timeoutSeconds = 10): Promise<void> {
    if (this.deadReason !== null) return;
    const ended = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin!.write(`${JSON.stringify({ id: this.nextId++, command: 'exit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutSeconds * 1000);
    await ended;
    clearTimeout(timer);
  }
}
