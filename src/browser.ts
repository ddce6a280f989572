// ConvNet.ts in a browser (the package's "browser" export condition): the platform-neutral API
// (src/api.ts). The third-party codecs come through the package import '#dependency/*', whose "browser"
// condition is a static import per codec (src/dependencies/browser/), kept by a bundler only where the
// app uses it. Importing starts nothing: the WebAssembly backend starts on `await ready()` or at the first op.

import { installDefaultBackend } from './kernels/defaultBackend.js';

export * from './api.js';

installDefaultBackend();
