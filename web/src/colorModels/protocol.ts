// The messages between the Color models page and its decoding worker (decodeWorker.ts). Plain data
// only: the file's bytes travel in and the decoded pixels out, their buffers transferred, not copied.

import type { ColorModel } from 'convnet-ts';

/** Page -> worker: one file to decode, numbered so that its reply can be matched to it. */
export interface DecodeRequest {
  id: number;
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** The longest side wanted; a larger image is shrunk to it (area averaging). */
  maxSide: number;
}

/** Worker -> page. */
export type DecodeReply =
  /**
   * The worker's module has run and listens; the page posts nothing before. NOTE: messages posted to a
   * module worker while a top-level await in its modules is pending are dropped (the library has none
   * since its backend starts on ready() or first use; the handshake keeps the page safe from any).
   */
  | { type: 'listening' }
  | {
      type: 'decoded';
      id: number;
      /** The image as the file holds it, before any shrinking. */
      decoded: { width: number; height: number; colorModel: ColorModel };
      /** The pixels to show: [height, width, channels] row by row, values in [0, 1]. */
      width: number;
      height: number;
      colorModel: ColorModel;
      data: Float32Array<ArrayBuffer>;
    }
  /** The file could not be decoded: the library's message, as a FileFormatError gives it. */
  | { type: 'failed'; id: number; message: string };
