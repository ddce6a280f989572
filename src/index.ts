// ConvNet.ts public API in Node.js: everything in the platform-neutral API (src/api.ts) and the parts
// that read and write files. Tools (the CLI, the benchmarks) import from here; a bundler targeting the
// browser picks src/browser.ts through the package's "browser" export condition. Importing starts
// nothing and loads no third-party codec: both wait for their first use.

import { createRequire } from 'node:module';
import { setDependencyLoader } from './core/dependencies.js';
import { saveModel } from './io/modelFile.js';
import { installDefaultBackend } from './kernels/defaultBackend.js';
import { nodePlatform } from './kernels/wasm/nodePlatform.js';
import { setWasmPlatform } from './kernels/wasm/platform.js';
import { setModelSaver } from './model/model.js';
import { setCanvasFactory } from './visualize/charts.js';
import { nodeCanvasFactory } from './visualize/nodeCanvas.js';

export * from './api.js';

// The WebAssembly backend reads its builds from disk and runs on worker_threads (and can start
// synchronously at the first op); charts draw on a Skia canvas in Node (the browser has
// OffscreenCanvas); model.save writes folders.
setWasmPlatform(nodePlatform);
installDefaultBackend();
setDependencyLoader(createRequire(import.meta.url));
setCanvasFactory(nodeCanvasFactory);
setModelSaver(saveModel);

export { loadMnist, loadMnistSample, type MnistSplits } from './data/mnist.js';
export { parseIdx, readIdxFile } from './data/idx.js';
export {
  CIFAR10_ARCHIVE,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  loadCifar10,
  parseCifar10,
  readCifar10Files,
  type Cifar10Options,
} from './data/cifar10.js';
export { DEBIAN_FASHION_MNIST_DIRECTORY, findFashionMnist, loadFashionMnist } from './data/mnist.js';
export { loadImageFolder, type ImageFolderOptions, type ImageFolderSplits } from './data/imageFolder.js';
export {
  DATASET_SOURCES,
  DOWNLOADABLE_DATASETS,
  DownloadError,
  datasetCacheDirectory,
  defaultCacheDirectory,
  downloadDataset,
  downloadFile,
  findDownloadedDataset,
  sha256OfFile,
  type DatasetFile,
  type DatasetSource,
  type DownloadableDataset,
  type DownloadDatasetOptions,
  type DownloadFailure,
  type DownloadFileOptions,
  type DownloadProgress,
  type DownloadResult,
} from './data/download.js';
export { writeFileAtomicStreaming } from './io/atomicWrite.js';
export { openNpyRows, type NpyRowReader } from './io/npyFile.js';
export {
  IMAGE_FILE_EXTENSIONS,
  listImageFiles,
  readImageFile,
  readImageFileSize,
  readImageFiles,
  type ImageFile,
  type ImageFiles,
} from './image/imageFiles.js';
export {
  checkpointCallback,
  loadCheckpoint,
  saveCheckpoint,
  saveCheckpointAsync,
  type Checkpoint,
  type CheckpointCallbackOptions,
  type SaveCheckpointOptions,
} from './io/checkpoint.js';
export { writeFileAtomic } from './io/atomicWrite.js';
export {
  checkOutputFile,
  createFolders,
  fileSystemError,
  prepareOutputFolder,
  readRegularFile,
  readRegularTextFile,
  requireRegularFile,
  type OutputCheck,
  type ReadOptions,
} from './io/files.js';
export { loadModel, saveModel, saveModelAsync } from './io/modelFile.js';
export { bundledModelDirectory, bundledSampleFiles, loadBundledModel } from './io/bundledModelFile.js';
export { readLabelsFile } from './io/labelsFile.js';
export { importTfjsModel } from './io/tfjs/tfjsFile.js';
