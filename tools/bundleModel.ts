// Writes a bundled model's folder (data/models/<name>/, see src/io/bundledModels.ts) from a model that
// `convnet train` saved: the model with its class names, an explicit preprocessing and its training
// record (less the run's output folder, plus the command), and samples/ with the first test picture of
// each class as PNG. Prints the record to paste into BUNDLED_MODELS (src/io/bundledModels.ts), with the
// class the model gives each sample.
// A checkpoint folder of an unfinished run (checkpoint/epoch-NNNN/) has no training record: its settings
// come from its state.json and its test accuracy is measured here, on the same test pictures.
// Usage: node dist/tools/bundleModel.js <cifar10|mnist> <trained model folder> <test pictures> <command>
//   cifar10: <test pictures> is the CIFAR-10 JPEG folder's test/ (one sub-folder per class);
//   mnist:   <test pictures> is the folder of the official MNIST files (t10k-*-ubyte.gz).

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundledModelDirectory,
  bundledModelInfo,
  datasetToTensor,
  encodePng,
  imageFromPixels,
  loadBundledModel,
  loadMnist,
  loadModel,
  readImageFile,
  saveModel,
  type Image,
  type Model,
  type ModelManifest,
} from '../src/index.js';

interface Sample {
  file: string;
  label: number;
  source: string;
  image: Image;
}

interface TestPictures {
  samples: Sample[];
  /** The size of the test split the training record's accuracy was measured on. */
  testImages: number;
  /** Top-1 accuracy of `model` on the whole test split, 0..1. */
  accuracyOf: (model: Model) => number;
}

/** Pictures classified together when measuring accuracy. */
const EVALUATION_BATCH = 250;

/** The first picture (in file-name order) of each class folder of a CIFAR-10 JPEG test split. */
function cifar10Samples(testFolder: string, classNames: readonly string[]): TestPictures {
  const labelled: { path: string; label: number }[] = [];
  const samples = classNames.map((className, label) => {
    const files = readdirSync(join(testFolder, className))
      .filter((file) => file.endsWith('.jpg'))
      .sort();
    labelled.push(...files.map((file) => ({ path: join(testFolder, className, file), label })));
    if (files[0] === undefined) throw new Error(`bundleModel: no .jpg in ${join(testFolder, className)}`);
    const { image } = readImageFile(join(testFolder, className, files[0]));
    return {
      file: `${className}.png`,
      label,
      source: `CIFAR-10 test split (JPEG copy), ${className}/${files[0]}`,
      image,
    };
  });
  const accuracyOf = (model: Model): number => {
    let right = 0;
    for (let start = 0; start < labelled.length; start += EVALUATION_BATCH) {
      const batch = labelled.slice(start, start + EVALUATION_BATCH);
      const results = model.classify(
        batch.map(({ path }) => readImageFile(path).image),
        { topK: 1 },
      );
      right += results.filter((top, row) => top[0]!.index === batch[row]!.label).length;
    }
    return right / labelled.length;
  };
  return { samples, testImages: labelled.length, accuracyOf };
}

/** The first digit of each class in the official MNIST test split. */
function mnistSamples(mnistFolder: string): TestPictures {
  const { test } = loadMnist(mnistFolder);
  const pixels = test.height * test.width;
  const samples = test.classNames.map((className, label) => {
    const index = test.labels.indexOf(label);
    const image = imageFromPixels(
      test.images.subarray(index * pixels, (index + 1) * pixels),
      test.width,
      test.height,
      'gray',
    );
    return { file: `digit-${className}.png`, label, source: `MNIST test split, image ${index}`, image };
  });
  const accuracyOf = (model: Model): number => model.evaluate(datasetToTensor(test), test.labels).accuracy;
  return { samples, testImages: test.count, accuracyOf };
}

/** The training record of a finished run, or one made for a checkpoint of an unfinished run. */
function trainingRecord(
  trainedFolder: string,
  manifest: ModelManifest,
  model: Model,
  pictures: TestPictures,
): Record<string, unknown> {
  if (manifest.training !== undefined) {
    const { out: _runFolder, ...training } = manifest.training;
    return training;
  }
  const state = JSON.parse(readFileSync(join(trainedFolder, 'state.json'), 'utf8')) as {
    fit: { epoch: number };
    settings: Record<string, unknown>;
  };
  const { dataDir: _dataFolder, ...settings } = state.settings;
  return {
    ...settings,
    epochs: state.fit.epoch,
    stage: `checkpoint after epoch ${state.fit.epoch} of ${String(settings.epochs)}`,
    testAccuracy: pictures.accuracyOf(model),
  };
}

const [name, trainedFolder, testPictures, command] = process.argv.slice(2);
if (name === undefined || trainedFolder === undefined || testPictures === undefined || command === undefined) {
  throw new Error(
    'usage: node dist/tools/bundleModel.js <cifar10|mnist> <trained model folder> <test pictures> <command>',
  );
}
const info = bundledModelInfo(name);
const { model, manifest } = loadModel(trainedFolder);
const pictures = name === 'cifar10' ? cifar10Samples(testPictures, info.classNames) : mnistSamples(testPictures);
const { samples, testImages } = pictures;
const training = trainingRecord(trainedFolder, manifest, model, pictures);
const channels = info.inputShape[2];
const folder = bundledModelDirectory(name);
rmSync(folder, { recursive: true, force: true });
saveModel(model, folder, {
  classNames: info.classNames,
  // What the recipe trained on, written out so every reader sees it: the picture stretched to the input, values 0..1.
  preprocessing: { resize: 'stretch', scale: 1, mean: new Array(channels).fill(0), std: new Array(channels).fill(1) },
  training: { command, ...training },
});
mkdirSync(join(folder, 'samples'));
for (const sample of samples) writeFileSync(join(folder, 'samples', sample.file), encodePng(sample.image));

// The record, from the folder just written: the samples as the bundled model classifies their PNGs.
const bundled = loadBundledModel(name);
const predicted = samples.map(({ file }) => {
  const { image } = readImageFile(join(folder, 'samples', file));
  return bundled.model.classify([image], { topK: 1 })[0]![0]!.index;
});

/** A TypeScript literal of a string or number, as src/ writes them (single quotes, 1_000 groups). */
function literal(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 10_000
      ? value.toLocaleString('en-US').replaceAll(',', '_')
      : String(value);
  return `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

const trainingFields: [string, unknown][] = [
  ['command', command],
  ['preset', training.model],
  ['seed', training.seed],
  ['epochs', training.epochs],
  ['testAccuracy', training.testAccuracy],
  ['testImages', testImages],
  ...(training.stage === undefined ? [] : [['stage', training.stage] as [string, unknown]]),
];
const sampleLines = samples.map(
  ({ file, label, source }, index) =>
    `      { file: ${literal(file)}, label: ${label}, predicted: ${predicted[index]}, source: ${literal(source)} },`,
);
console.log(
  [
    `    // The record of BUNDLED_MODELS' entry '${name}' in src/io/bundledModels.ts (the tests check it ` +
      `against the folder):`,
    `    parameters: ${literal(bundled.model.summaryData().totalParameters)},`,
    `    weightsBytes: ${literal(statSync(join(folder, 'weights.safetensors')).size)},`,
    '    training: {',
    ...trainingFields.map(([key, value]) => `      ${key}: ${literal(value)},`),
    '    },',
    '    samples: [',
    ...sampleLines,
    '    ],',
  ].join('\n'),
);
console.error(
  `bundleModel: ${samples.filter(({ label }, index) => predicted[index] === label).length} of ` +
    `${samples.length} samples right`,
);
