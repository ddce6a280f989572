// The MNIST sample that ships with the package (data/mnist-sample: the first 10,000 training and
// 2,000 test digits), loaded in the browser: Vite copies the four gzip IDX files into the build and
// gives their URLs; they are fetched, decompressed by the platform's DecompressionStream with a size
// bound, and parsed and checked by the library.

import {
  decompressGzip,
  imageDatasetFromIdx,
  isGzip,
  MNIST_CLASS_NAMES,
  parseRawIdx,
  type TrainTestSplits,
} from 'convnet-ts';
import testImagesUrl from '../../../data/mnist-sample/t10k-images-idx3-ubyte.gz?url';
import testLabelsUrl from '../../../data/mnist-sample/t10k-labels-idx1-ubyte.gz?url';
import trainImagesUrl from '../../../data/mnist-sample/train-images-idx3-ubyte.gz?url';
import trainLabelsUrl from '../../../data/mnist-sample/train-labels-idx1-ubyte.gz?url';

/** 10,000 images of 28x28 are 7.8 MB; anything far larger is not the sample. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

async function fetchIdx(url: string, name: string) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${name}: the server answered ${response.status} ${response.statusText}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // NOTE: a server that sends the files with Content-Encoding: gzip has them decompressed by fetch already.
  const raw = isGzip(bytes) ? await decompressGzip(bytes, name, { maxDecompressedBytes: MAX_FILE_BYTES }) : bytes;
  return parseRawIdx(raw, name);
}

/** The bundled sample's training (10,000) and test (2,000) digits; FileFormatError for a damaged file. */
export async function loadMnistSample(): Promise<TrainTestSplits> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    fetchIdx(trainImagesUrl, 'train-images-idx3-ubyte.gz'),
    fetchIdx(trainLabelsUrl, 'train-labels-idx1-ubyte.gz'),
    fetchIdx(testImagesUrl, 't10k-images-idx3-ubyte.gz'),
    fetchIdx(testLabelsUrl, 't10k-labels-idx1-ubyte.gz'),
  ]);
  return {
    train: imageDatasetFromIdx(
      trainImages,
      trainLabels,
      { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
      MNIST_CLASS_NAMES,
    ),
    test: imageDatasetFromIdx(
      testImages,
      testLabels,
      { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
      MNIST_CLASS_NAMES,
    ),
  };
}
