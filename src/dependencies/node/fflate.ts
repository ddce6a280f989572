// fflate's streaming inflate in Node, through the package import '#dependency/fflate': required on
// first use (src/core/dependencies.ts). The browser twin is a static import.

import type * as Fflate from 'fflate';
import { dependency } from '../../core/dependencies.js';

export function fflate(): Pick<typeof Fflate, 'Unzlib'> {
  return dependency('fflate');
}
