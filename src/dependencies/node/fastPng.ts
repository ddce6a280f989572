// fast-png's PNG encoder in Node, through the package import '#dependency/fastPng': required on first
// use (src/core/dependencies.ts), so importing the library does not load it. The browser twin is a
// static import (src/dependencies/browser/fastPng.ts).

import type * as FastPng from 'fast-png';
import { dependency } from '../../core/dependencies.js';

export function fastPng(): Pick<typeof FastPng, 'encode'> {
  return dependency('fast-png');
}
