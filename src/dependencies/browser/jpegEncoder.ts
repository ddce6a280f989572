// jpeg-js's encoder in a bundle (the "browser" condition of '#dependency/jpegEncoder'): kept only in
// apps that encode JPEG (saving pictures), not in those that only decode. Node requires the package on
// first use instead.

import type Jpeg from 'jpeg-js';
import encode from 'jpeg-js/lib/encoder.js';

export function jpegEncoder(): typeof Jpeg.encode {
  return encode;
}
