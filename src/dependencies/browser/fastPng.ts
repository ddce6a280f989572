// fast-png's PNG encoder in a bundle (the "browser" condition of the package import
// '#dependency/fastPng'): a static import of the one function used, so a bundler keeps fast-png only
// in apps that encode PNG, and of it only the encoder. Node requires it on first use instead.

import { encode } from 'fast-png';
import type * as FastPng from 'fast-png';

export function fastPng(): Pick<typeof FastPng, 'encode'> {
  return { encode };
}
