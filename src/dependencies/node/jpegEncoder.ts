// jpeg-js's encoder in Node, through the package import '#dependency/jpegEncoder': required on first
// use (src/core/dependencies.ts). The browser twin imports the encoder's module alone.

import type Jpeg from 'jpeg-js';
import { dependency } from '../../core/dependencies.js';

export function jpegEncoder(): typeof Jpeg.encode {
  return dependency('jpeg-js').encode;
}
