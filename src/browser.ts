// ConvNet.ts in a browser (the package's "browser" export condition): the platform-neutral API
// (src/api.ts) with the third-party codecs as static imports that bundlers follow. Importing starts
// nothing: the WebAssembly backend starts on `await ready()` or at the first op.

import { browserDependencies } from './browserDependencies.js';
import { setDependencyLoader } from './core/dependencies.js';
import { installDefaultBackend } from './kernels/defaultBackend.js';

export * from './api.js';

setDependencyLoader(browserDependencies);
installDefaultBackend();
