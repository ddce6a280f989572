// The models that ship with the package, in data/models/<name>/ (model.json + weights.safetensors,
// class names and preprocessing inside, and samples/ with a few test pictures), described here without
// reading them, so the browser build and the CLI can list them. Node loads one with loadBundledModel
// (bundledModelFile.ts); a browser app imports the files through its bundler as
// 'convnet-ts/models/<name>/<file>' (package.json "exports") and parses them with parseModel.
// Each record is checked against its folder's model.json by test/io/bundledModels.test.ts.

import { ValueError } from '../core/errors.js';
import { CIFAR10_CLASS_NAMES, MNIST_CLASS_NAMES } from '../data/classNames.js';

/** The names of the bundled models, as `--model` and loadBundledModel take them. */
export const BUNDLED_MODEL_NAMES = Object.freeze(['cifar10', 'mnist'] as const);

/** The name of a bundled model (one of BUNDLED_MODEL_NAMES). */
export type BundledModelName = (typeof BUNDLED_MODEL_NAMES)[number];

/** One test picture in a bundled model's samples/ folder. */
export interface BundledSample {
  /** The file name inside samples/ (a PNG of the model's input size). */
  readonly file: string;
  /** Its true class: an index into the model's class names. */
  readonly label: number;
  /** The class the bundled model gives it (top-1); the tests check that it still does. */
  readonly predicted: number;
  /** Where the picture comes from (the dataset's test split and the image's place in it). */
  readonly source: string;
}

/** How a bundled model was trained: the run `convnet train` recorded, with the command that started it. */
export interface BundledTraining {
  /** The command, with the dataset's folder written as a placeholder in angle brackets. */
  readonly command: string;
  /** The network preset (see PRESETS). */
  readonly preset: string;
  /** The seed of the run (weights and shuffling). */
  readonly seed: number;
  /** Epochs trained. */
  readonly epochs: number;
  /** Top-1 accuracy on the dataset's whole test split, 0..1. */
  readonly testAccuracy: number;
  /** Pictures in the test split that testAccuracy was measured on. */
  readonly testImages: number;
  /** Only for a model taken from an unfinished run: which of its checkpoints ('checkpoint after epoch 3 of 24'). */
  readonly stage?: string;
}

/** What a bundled model is, without loading it. */
export interface BundledModelInfo {
  /** The name `loadBundledModel` and `--model` take. */
  readonly name: BundledModelName;
  /** One line for a menu. */
  readonly title: string;
  /** A few sentences: what it recognises, its network and how to give it a picture. */
  readonly description: string;
  /**
   * Its folder, relative to the package root: model.json and weights.safetensors, and the pictures in
   * `${folder}/samples/`. The package exports the files as 'convnet-ts/models/<name>/<file>', so an
   * app's bundler imports them as assets (with Vite: `import url from 'convnet-ts/models/mnist/model.json?url'`).
   */
  readonly folder: string;
  /** [height, width, channels] of one input picture. */
  readonly inputShape: readonly [number, number, number];
  /** The class names, by class index. */
  readonly classNames: readonly string[];
  /** The network's parameter count, as its summary gives it. */
  readonly parameters: number;
  /** The size of weights.safetensors in bytes. */
  readonly weightsBytes: number;
  /** How it was trained. */
  readonly training: BundledTraining;
  /** The test pictures shipped with it, with their true classes. */
  readonly samples: readonly BundledSample[];
}

/** A model name that is not one of BUNDLED_MODEL_NAMES; `known` lists those. */
export class UnknownBundledModelError extends ValueError {
  /** The error's class name: 'UnknownBundledModelError'. */
  override name = 'UnknownBundledModelError';
  constructor(
    /** The name asked for. */
    readonly requested: string,
    /** The bundled models' names. */
    readonly known: readonly string[] = BUNDLED_MODEL_NAMES,
  ) {
    super(`bundled model: unknown name '${requested}'; the bundled models are ${known.join(', ')}`);
  }
}

function freezeInfo(info: BundledModelInfo): BundledModelInfo {
  return Object.freeze({
    ...info,
    inputShape: Object.freeze([...info.inputShape]) as unknown as BundledModelInfo['inputShape'],
    training: Object.freeze({ ...info.training }),
    samples: Object.freeze(info.samples.map((sample) => Object.freeze({ ...sample }))),
  });
}

/**
 * The bundled models, in the order of BUNDLED_MODEL_NAMES. In a browser app, fetch a model's two files
 * (imported as assets, see BundledModelInfo.folder) and give them to parseModel.
 *
 * @example
 * import weightsUrl from 'convnet-ts/models/cifar10/weights.safetensors?url';   // Vite
 * import manifestUrl from 'convnet-ts/models/cifar10/model.json?url';
 * const { model } = parseModel(await (await fetch(manifestUrl)).text(), new Uint8Array(await (await
 * fetch(weightsUrl)).arrayBuffer()));
 */
export const BUNDLED_MODELS: readonly BundledModelInfo[] = Object.freeze([
  freezeInfo({
    name: 'cifar10',
    title: 'CIFAR-10 photos (ResNet)',
    description:
      'Tells ten kinds of things apart in small colour photos: airplane, automobile, bird, cat, deer, dog, ' +
      'frog, horse, ship and truck. ' +
      'A small residual network (the resnet preset) trained on the 50,000 CIFAR-10 training pictures. It ' +
      'takes 32x32 RGB pictures, ' +
      'values 0..1; a larger photo is stretched to 32x32, so a subject filling the picture works best.',
    folder: 'data/models/cifar10',
    inputShape: [32, 32, 3],
    classNames: CIFAR10_CLASS_NAMES,
    parameters: 414_074,
    weightsBytes: 1_660_144,
    training: {
      command: 'convnet train --dataset cifar10 --data-dir <CIFAR-10 JPEG folder> --epochs 10 --seed 1 --json',
      preset: 'resnet',
      seed: 1,
      epochs: 10,
      testAccuracy: 0.8452,
      testImages: 10_000,
    },
    samples: [
      { file: 'airplane.png', label: 0, predicted: 8, source: 'CIFAR-10 test split (JPEG copy), airplane/0000.jpg' },
      {
        file: 'automobile.png',
        label: 1,
        predicted: 1,
        source: 'CIFAR-10 test split (JPEG copy), automobile/0000.jpg',
      },
      { file: 'bird.png', label: 2, predicted: 2, source: 'CIFAR-10 test split (JPEG copy), bird/0000.jpg' },
      { file: 'cat.png', label: 3, predicted: 3, source: 'CIFAR-10 test split (JPEG copy), cat/0000.jpg' },
      { file: 'deer.png', label: 4, predicted: 4, source: 'CIFAR-10 test split (JPEG copy), deer/0000.jpg' },
      { file: 'dog.png', label: 5, predicted: 6, source: 'CIFAR-10 test split (JPEG copy), dog/0000.jpg' },
      { file: 'frog.png', label: 6, predicted: 6, source: 'CIFAR-10 test split (JPEG copy), frog/0000.jpg' },
      { file: 'horse.png', label: 7, predicted: 7, source: 'CIFAR-10 test split (JPEG copy), horse/0000.jpg' },
      { file: 'ship.png', label: 8, predicted: 8, source: 'CIFAR-10 test split (JPEG copy), ship/0000.jpg' },
      { file: 'truck.png', label: 9, predicted: 9, source: 'CIFAR-10 test split (JPEG copy), truck/0000.jpg' },
    ],
  }),
  freezeInfo({
    name: 'mnist',
    title: 'MNIST handwritten digits (CNN)',
    description:
      'Reads one handwritten digit, 0 to 9. Two convolutions with max pooling and two dense layers (the ' +
      'mnist-cnn preset), ' +
      'trained on the 60,000 MNIST training digits. It takes 28x28 gray pictures, values 0..1, ' +
      'a light digit on a dark ground as in MNIST; a dark digit on white paper must be inverted first.',
    folder: 'data/models/mnist',
    inputShape: [28, 28, 1],
    classNames: MNIST_CLASS_NAMES,
    parameters: 421_642,
    weightsBytes: 1_687_248,
    training: {
      command: 'convnet train --dataset mnist --data-dir <MNIST folder> --seed 1 --json',
      preset: 'mnist-cnn',
      seed: 1,
      epochs: 6,
      testAccuracy: 0.9945,
      testImages: 10_000,
    },
    samples: [
      { file: 'digit-0.png', label: 0, predicted: 0, source: 'MNIST test split, image 3' },
      { file: 'digit-1.png', label: 1, predicted: 1, source: 'MNIST test split, image 2' },
      { file: 'digit-2.png', label: 2, predicted: 2, source: 'MNIST test split, image 1' },
      { file: 'digit-3.png', label: 3, predicted: 3, source: 'MNIST test split, image 18' },
      { file: 'digit-4.png', label: 4, predicted: 4, source: 'MNIST test split, image 4' },
      { file: 'digit-5.png', label: 5, predicted: 5, source: 'MNIST test split, image 8' },
      { file: 'digit-6.png', label: 6, predicted: 6, source: 'MNIST test split, image 11' },
      { file: 'digit-7.png', label: 7, predicted: 7, source: 'MNIST test split, image 0' },
      { file: 'digit-8.png', label: 8, predicted: 8, source: 'MNIST test split, image 61' },
      { file: 'digit-9.png', label: 9, predicted: 9, source: 'MNIST test split, image 7' },
    ],
  }),
]);

/** Whether `name` is a bundled model's name. */
export function isBundledModelName(name: string): name is BundledModelName {
  return (BUNDLED_MODEL_NAMES as readonly string[]).includes(name);
}

/**
 * The description of the bundled model `name`. Throws UnknownBundledModelError (a ValueError) listing
 * the names for any other.
 *
 * @example
 * const { classNames, samples } = bundledModelInfo('cifar10');
 * console.log(`${samples.length} sample pictures of ${classNames.join(', ')}`);
 */
export function bundledModelInfo(name: string): BundledModelInfo {
  if (!isBundledModelName(name)) throw new UnknownBundledModelError(name);
  return BUNDLED_MODELS.find((info) => info.name === name)!;
}
