// jpeg-js's decoder in a bundle (the "browser" condition of '#dependency/jpegDecoder'): its own module,
// apart from the encoder's, so that an app that only decodes JPEG bundles only the decoder. Node
// requires the package on first use instead.

import type Jpeg from 'jpeg-js';
import decode from 'jpeg-js/lib/decoder.js';

export function jpegDecoder(): typeof Jpeg.decode {
  return decode;
}
