// jpeg-js's decoder in Node, through the package import '#dependency/jpegDecoder': required on first
// use (src/core/dependencies.ts). The browser twin imports the decoder's module alone.

import type Jpeg from 'jpeg-js';
import { dependency } from '../../core/dependencies.js';

export function jpegDecoder(): typeof Jpeg.decode {
  return dependency('jpeg-js').decode;
}
