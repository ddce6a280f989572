// jpeg-js (JPEG decode and encode) in Node, through the package import '#dependency/jpegJs': required
// on first use (src/core/dependencies.ts). The browser twin is a static import.

import type Jpeg from 'jpeg-js';
import { dependency } from '../../core/dependencies.js';

export function jpegJs(): typeof Jpeg {
  return dependency('jpeg-js');
}
