// The Color models page's side of its decoding worker (decodeWorker.ts): files decoded off the main
// thread, the latest asked for wins. A decode asked for while another is running supersedes it: the
// busy worker is terminated and a fresh one started, so a slow photo never holds up the next choice.
// Limits: one decode at a time; a superseded decode's promise resolves to null.

import type { ColorModel, Image } from 'convnet-ts';
import type { DecodeReply, DecodeRequest } from './protocol.js';

export interface DecodedImage {
  /** The image as the file holds it, before any shrinking. */
  decoded: { width: number; height: number; colorModel: ColorModel };
  /** The image shrunk to at most the side asked for (or as decoded, when it fits). */
  source: Image;
}

interface PendingDecode {
  request: DecodeRequest;
  /** Whether the worker has the request (so is busy with it). */
  isSent: boolean;
  resolve(result: DecodedImage | null): void;
  reject(error: Error): void;
}

export class ImageDecoder {
  private worker: Worker | null = null;
  private isListening = false;
  /** The latest decode asked for, until its reply; an earlier one has been superseded. */
  private pending: PendingDecode | null = null;
  private requestCount = 0;

  /**
   * `bytes` (a PNG or JPEG named `name`) decoded, and shrunk to `maxSide` when larger; null when a
   * later decode superseded it. Rejects with the library's message (a FileFormatError's) when the file
   * cannot be decoded. `bytes`' buffer is transferred to the worker: it is empty afterwards.
   */
  decode(bytes: Uint8Array<ArrayBuffer>, name: string, maxSide: number): Promise<DecodedImage | null> {
    this.supersede();
    return new Promise((resolve, reject) => {
      this.pending = { request: { id: ++this.requestCount, name, bytes, maxSide }, isSent: false, resolve, reject };
      this.send();
    });
  }

  /** Stops the worker; a decode still running resolves to null. */
  dispose(): void {
    this.supersede();
    this.stop();
  }

  /** Drops the pending decode; a worker busy with it is terminated (its result is no longer wanted). */
  private supersede(): void {
    if (this.pending === null) return;
    if (this.pending.isSent) this.stop();
    this.pending.resolve(null);
    this.pending = null;
  }

  private stop(): void {
    this.worker?.terminate();
    this.worker = null;
    this.isListening = false;
  }

  private send(): void {
    if (this.worker === null) this.start();
    const pending = this.pending;
    if (!this.isListening || pending === null || pending.isSent) return;
    pending.isSent = true;
    this.worker!.postMessage(pending.request, [pending.request.bytes.buffer]);
  }

  private start(): void {
    const worker = new Worker(new URL('./decodeWorker.ts', import.meta.url), {
      type: 'module',
      name: 'convnet-decode',
    });
    worker.onmessage = (event: MessageEvent<DecodeReply>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      const pending = this.pending;
      this.pending = null;
      this.stop();
      pending?.reject(new Error(`the decoding worker failed: ${event.message || 'it could not start'}`));
    };
    this.worker = worker;
  }

  private receive(reply: DecodeReply): void {
    if (reply.type === 'listening') {
      this.isListening = true;
      this.send();
      return;
    }
    const pending = this.pending;
    if (pending === null || reply.id !== pending.request.id) return;
    this.pending = null;
    if (reply.type === 'failed') {
      pending.reject(new Error(reply.message));
      return;
    }
    const { decoded, width, height, colorModel, data } = reply;
    pending.resolve({ decoded, source: { width, height, colorModel, data } });
  }
}
