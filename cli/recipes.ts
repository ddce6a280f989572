// How `convnet train` trains: the recipe of each named dataset (measured for the Results table of
// docs/backends-and-performance.md), the one it chooses for an image folder from the pictures
// themselves (size, color, how many, how many classes), and the two-stage transfer recipe of --from
// (head first on cached features, then a short fine-tune of the top at a lower rate: Keras's
// fine-tuning guide, PyTorch's transfer tutorial).

import type { DatasetKind } from './datasets.js';

export const AUGMENTATIONS = ['none', 'shift', 'flip-shift', 'crop-flip'] as const;
export type AugmentationName = (typeof AUGMENTATIONS)[number];

export const PRESET_NAMES = ['digits-cnn', 'mnist-cnn', 'lenet5', 'cifar-cnn', 'resnet'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** How a dataset is trained by default. */
export interface Recipe {
  model: PresetName;
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  /** Adam's and SGD's starting rate (halve) or peak rate (one-cycle). */
  learningRate: { adam: number; sgd: number };
  /**
   * 'halve': the rate halves after every epoch (on the small sample, test accuracy swung by about 1%
   * between epochs without it); 'one-cycle': warm up to the peak over 30% of the steps, then anneal
   * (Smith and Topin, 2019), which took MNIST from 99.2% to 99.45% in 6 epochs.
   */
  schedule: 'halve' | 'one-cycle';
  augment: AugmentationName;
  labelSmoothing: number;
}

/** A recipe and, one short clause each, why it was chosen: printed before training. */
export interface ChosenRecipe {
  recipe: Recipe;
  reasons: string[];
}

export const DATASET_RECIPES: Record<Exclude<DatasetKind, 'folder'>, Recipe> = {
  'mnist-sample': {
    model: 'digits-cnn',
    epochs: 4,
    batchSize: 32,
    optimizer: 'adam',
    learningRate: { adam: 0.003, sgd: 0.05 },
    schedule: 'halve',
    augment: 'none',
    labelSmoothing: 0,
  },
  mnist: {
    model: 'mnist-cnn',
    epochs: 6,
    batchSize: 64,
    optimizer: 'adam',
    learningRate: { adam: 0.002, sgd: 0.05 },
    schedule: 'one-cycle',
    augment: 'shift',
    labelSmoothing: 0,
  },
  'fashion-mnist': {
    model: 'mnist-cnn',
    epochs: 10,
    batchSize: 64,
    optimizer: 'adam',
    learningRate: { adam: 0.002, sgd: 0.05 },
    schedule: 'one-cycle',
    augment: 'flip-shift',
    labelSmoothing: 0,
  },
  cifar10: {
    model: 'resnet',
    epochs: 24,
    batchSize: 64,
    optimizer: 'sgd',
    learningRate: { adam: 0.002, sgd: 0.1 },
    schedule: 'one-cycle',
    augment: 'crop-flip',
    labelSmoothing: 0.1,
  },
};

/** What a recipe is chosen from: the training split of an image folder. */
export interface PictureFacts {
  height: number;
  width: number;
  channels: number;
  /** Training pictures. */
  count: number;
  classes: number;
}

/** Below this many pictures a network is small: a large one would learn the pictures by heart. */
const FEW_PICTURES = 2_000;
/** From this many color pictures on, the residual network pays for its cost (CIFAR-10: 50,000). */
const MANY_COLOR_PICTURES = 10_000;
/** Under this many pictures per class, the printed recipe points to transfer learning (--from). */
const FEW_PER_CLASS = 100;
/** cifar-cnn and resnet pool three times: a smaller side would pool to nothing. */
const MIN_DEEP_SIDE = 8;
/** Epochs are chosen to make about this many gradient steps (CIFAR-10's 50,000 at batch 64: 8 epochs). */
const TARGET_STEPS = 6_000;
const MIN_EPOCHS = 4;
const MAX_EPOCHS = 30;

/**
 * The recipe for an image folder, from its pictures: gray ones (digits, scans) get a small CNN and
 * shifts, never flips (a mirrored digit is another glyph); color photos get flips and shifted crops,
 * and the residual network with SGD's one-cycle (the cifar10 recipe) once there are enough of them;
 * epochs make about TARGET_STEPS steps (at least 30, enough for a one-cycle), more for a few pictures, fewer for many.
 */
export function chooseFolderRecipe(facts: PictureFacts): ChosenRecipe {
  const reasons: string[] = [];
  const isColor = facts.channels >= 3;
  const size = `${facts.height}x${facts.width}`;
  let model: PresetName;
  let optimizer: 'sgd' | 'adam' = 'adam';
  let labelSmoothing = 0;
  if (Math.min(facts.height, facts.width) < MIN_DEEP_SIDE) {
    model = 'digits-cnn';
    reasons.push(`${size} pictures: too small for three poolings, so digits-cnn (two)`);
  } else if (facts.count < FEW_PICTURES) {
    model = isColor ? 'cifar-cnn' : 'digits-cnn';
    reasons.push(`${facts.count} training pictures (fewer than ${FEW_PICTURES}): a small network, ${model}`);
  } else if (isColor && facts.count >= MANY_COLOR_PICTURES) {
    model = 'resnet';
    optimizer = 'sgd';
    labelSmoothing = 0.1;
    reasons.push(
      `${facts.count} color pictures: the residual network with SGD's one-cycle and label smoothing 0.1 ` +
        `(the cifar10 recipe)`,
    );
  } else {
    model = isColor ? 'cifar-cnn' : 'mnist-cnn';
    reasons.push(`${facts.count} ${isColor ? 'color' : 'gray'} pictures: ${model}`);
  }
  const isSmallPicture = Math.min(facts.height, facts.width) < 16;
  let augment: AugmentationName;
  if (isSmallPicture) {
    augment = 'none';
    reasons.push(`${size} pictures are too small to shift or crop`);
  } else if (isColor) {
    augment = 'crop-flip';
    reasons.push(`color ${size} pictures: random crops (padding 4) and horizontal flips`);
  } else {
    augment = 'shift';
    reasons.push(`gray ${size} pictures: shifts of up to 2 pixels, no flips (a mirrored glyph is another one)`);
  }
  if (Math.max(facts.height, facts.width) > 64)
    reasons.push(`NOTE: ${size} pictures are large for ${model}; resized copies (e.g. 64x64) train much faster`);
  const batchSize = facts.count < FEW_PICTURES ? 32 : 64;
  const batches = Math.ceil(facts.count / batchSize);
  const epochs = Math.min(MAX_EPOCHS, Math.max(MIN_EPOCHS, Math.round(TARGET_STEPS / batches)));
  reasons.push(
    `${epochs} epochs of ${batches} batches of ${batchSize} (about ${TARGET_STEPS} steps, between ` +
      `${MIN_EPOCHS} and ${MAX_EPOCHS} epochs)`,
  );
  if (facts.classes > 1 && facts.count < facts.classes * FEW_PER_CLASS)
    reasons.push(
      `NOTE: ${facts.count} pictures for ${facts.classes} classes is few; --from MODEL (transfer learning) ` +
        `starts from a trained network's features instead`,
    );
  return {
    recipe: {
      model,
      epochs,
      batchSize,
      optimizer,
      learningRate: { adam: 0.002, sgd: optimizer === 'sgd' ? 0.1 : 0.05 },
      schedule: 'one-cycle',
      augment,
      labelSmoothing,
    },
    reasons,
  };
}

/** The two stages of --from: a new head on the frozen network, then its top fine-tuned. */
export interface TransferRecipe {
  headEpochs: number;
  fineTuneEpochs: number;
  batchSize: number;
  /** Adam's rate for the head; the fine-tune uses FINE_TUNE_RATE_FACTOR of it. */
  learningRate: number;
  /** Augmentation of the fine-tune (the head trains on cached features, so none there). */
  fineTuneAugment: AugmentationName;
}

/**
 * The fine-tune's rate against the head's: small steps keep what the network learned (Keras's guide uses 1/100 with a
 * large model; 1/10 suits these small ones).
 */
export const FINE_TUNE_RATE_FACTOR = 0.1;

/**
 * The transfer recipe for `facts`: head epochs make about 300 steps (cheap: on cached features, a
 * step costs what the head costs), between 10 and 50 epochs; then a fine-tune of about a fifth of
 * the head's epochs (at least 2, at most 10), with flips and crops for color pictures and shifts for gray.
 */
export function chooseTransferRecipe(facts: PictureFacts): { transfer: TransferRecipe; reasons: string[] } {
  const batchSize = facts.count < 256 ? 16 : 32;
  const batches = Math.ceil(facts.count / batchSize);
  const headEpochs = Math.min(50, Math.max(10, Math.round(300 / batches)));
  const fineTuneEpochs = Math.min(10, Math.max(2, Math.round(headEpochs / 5)));
  const isColor = facts.channels >= 3;
  const fineTuneAugment: AugmentationName =
    Math.min(facts.height, facts.width) < 16 ? 'none' : isColor ? 'flip-shift' : 'shift';
  const reasons = [
    `${facts.count} pictures of ${facts.classes} classes, batch ${batchSize}`,
    `head: ${headEpochs} epochs on the frozen network's features, computed once (about 300 steps, Adam 0.001)`,
    `fine-tune: ${fineTuneEpochs} epochs of the top at a tenth of the ` +
      `rate${fineTuneAugment === 'none' ? '' : `, augmentation ${fineTuneAugment}`}`,
  ];
  return {
    transfer: { headEpochs, fineTuneEpochs, batchSize, learningRate: 0.001, fineTuneAugment },
    reasons,
  };
}
