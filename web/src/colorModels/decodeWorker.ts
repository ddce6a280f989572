// The Color models page's decoding worker: a PNG or JPEG decoded and shrunk (area averaging) by the
// library off the page's main thread, so that a 12-megapixel photo (a second or two of decoding)
// does not freeze the page. One file at a time; the page ends a decode it no longer wants by
// terminating the worker (imageDecoder.ts).
// NOTE: importing the library starts its WebAssembly backend here too, unused: decoding and resizing are plain JS.

import { decodeImage, resizeImage } from 'convnet-ts';
import { errorMessage } from '../ui.js';
import type { DecodeReply, DecodeRequest } from './protocol.js';

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
};

function decode({ id, name, bytes, maxSide }: DecodeRequest): void {
  try {
    const decoded = decodeImage(bytes, name);
    const scale = Math.min(1, maxSide / Math.max(decoded.width, decoded.height));
    const source =
      scale < 1
        ? resizeImage(
            decoded,
            Math.max(1, Math.round(decoded.width * scale)),
            Math.max(1, Math.round(decoded.height * scale)),
            'area',
          )
        : decoded;
    const data = source.data as Float32Array<ArrayBuffer>;
    scope.postMessage(
      {
        type: 'decoded',
        id,
        decoded: { width: decoded.width, height: decoded.height, colorModel: decoded.colorModel },
        width: source.width,
        height: source.height,
        colorModel: source.colorModel,
        data,
      },
      [data.buffer],
    );
  } catch (error) {
    scope.postMessage({ type: 'failed', id, message: errorMessage(error) });
  }
}

scope.onmessage = (event) => decode(event.data);
scope.postMessage({ type: 'listening' });
