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
   * The worker's module has run and listens. NOTE: messages posted to a module worker while its
   * top-level await (the library starting its backend) is pending are dropped, so the page waits for this.
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
