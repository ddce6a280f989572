// ConvNet.ts public API in Node.js: everything in the platform-neutral API (src/browser.ts) and the parts
// that read and write files. Tools (the CLI, the benchmarks) import from here; a bundler targeting the
// browser picks src/browser.ts through the package's "browser" export condition.

export * from './browser.js';

export { loadMnist, loadMnistSample, type MnistSplits } from './data/mnist.js';
export { parseIdx, readIdxFile } from './data/idx.js';
export { loadModel, saveModel, MODEL_FORMAT_VERSION, type LoadedModel, type ModelManifest, type SaveOptions } from './io/modelFile.js';
