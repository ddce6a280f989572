// fflate's streaming inflate in a bundle (the "browser" condition of '#dependency/fflate'): a static
// import a bundler keeps only in apps that decode PNG. Node requires it on first use instead.

import { Unzlib } from 'fflate';
import type * as Fflate from 'fflate';

export function fflate(): Pick<typeof Fflate, 'Unzlib'> {
  return { Unzlib };
}
