// The recipes `convnet train` chooses from an image folder's pictures (network, augmentation, epochs)
// and the two-stage transfer recipe of --from: worked cases with the exact choices.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseFolderRecipe, chooseTransferRecipe, DATASET_RECIPES } from '../../cli/recipes.js';

describe('chooseFolderRecipe', () => {
  test(
    'CIFAR-10 as a JPEG folder (50,000 color 32x32 pictures): the cifar10 network, crops and ' + 'flips, 8 epochs',
    () => {
      const { recipe, reasons } = chooseFolderRecipe({
        height: 32,
        width: 32,
        channels: 3,
        count: 50_000,
        classes: 10,
      });
      assert.equal(recipe.model, DATASET_RECIPES.cifar10.model);
      assert.equal(recipe.optimizer, 'sgd');
      assert.equal(recipe.learningRate.sgd, 0.1);
      assert.equal(recipe.labelSmoothing, 0.1);
      assert.equal(recipe.augment, 'crop-flip');
      assert.equal(recipe.schedule, 'one-cycle');
      assert.equal(recipe.batchSize, 64);
      // 782 batches per epoch: round(6000 / 782) = 8.
      assert.equal(recipe.epochs, 8);
      assert.ok(
        reasons.some((reason) => reason.includes('50000 color pictures')),
        reasons.join('; '),
      );
    },
  );

  test('MNIST-like gray digits (60,000 of 28x28): mnist-cnn, shifts and no flips, 6 epochs', () => {
    const { recipe } = chooseFolderRecipe({ height: 28, width: 28, channels: 1, count: 60_000, classes: 10 });
    assert.equal(recipe.model, 'mnist-cnn');
    assert.equal(recipe.optimizer, 'adam');
    assert.equal(recipe.augment, 'shift');
    // 938 batches: round(6000 / 938) = 6.
    assert.equal(recipe.epochs, 6);
  });

  test('a few hundred color photos: the small color network, 30 epochs (the most), a note pointing to --from', () => {
    const { recipe, reasons } = chooseFolderRecipe({ height: 64, width: 64, channels: 3, count: 120, classes: 10 });
    assert.equal(recipe.model, 'cifar-cnn');
    assert.equal(recipe.batchSize, 32);
    assert.equal(recipe.epochs, 30);
    assert.equal(recipe.augment, 'crop-flip');
    assert.ok(
      reasons.some((reason) => reason.includes('--from')),
      reasons.join('; '),
    );
  });

  test('5,000 color pictures: cifar-cnn with Adam; large pictures get a note about their size', () => {
    const { recipe, reasons } = chooseFolderRecipe({ height: 128, width: 96, channels: 3, count: 5_000, classes: 5 });
    assert.equal(recipe.model, 'cifar-cnn');
    assert.equal(recipe.optimizer, 'adam');
    // 79 batches of 64: round(6000 / 79) = 76, at most 30.
    assert.equal(recipe.epochs, 30);
    assert.ok(
      reasons.some((reason) => reason.includes('128x96 pictures are large')),
      reasons.join('; '),
    );
  });

  test('tiny pictures: a network of two poolings, no augmentation, a one-cycle over 30 epochs', () => {
    const { recipe, reasons } = chooseFolderRecipe({ height: 6, width: 6, channels: 3, count: 17, classes: 2 });
    assert.equal(recipe.model, 'digits-cnn');
    assert.equal(recipe.augment, 'none');
    assert.equal(recipe.epochs, 30);
    // One batch per epoch: 30 steps, enough for a one-cycle (train.ts needs 20).
    assert.equal(recipe.schedule, 'one-cycle');
    const gray = chooseFolderRecipe({ height: 6, width: 6, channels: 1, count: 3_000, classes: 2 });
    assert.equal(gray.recipe.model, 'digits-cnn');
    assert.equal(gray.recipe.augment, 'none');
    assert.ok(
      reasons.some((reason) => reason.includes('too small')),
      reasons.join('; '),
    );
  });
});

describe('chooseTransferRecipe', () => {
  test('80 pictures: batch 16, 50 head epochs (5 batches, at most 50), 10 of fine-tune with flips for color', () => {
    const { transfer } = chooseTransferRecipe({ height: 32, width: 32, channels: 3, count: 80, classes: 2 });
    assert.deepEqual(transfer, {
      headEpochs: 50,
      fineTuneEpochs: 10,
      batchSize: 16,
      learningRate: 0.001,
      fineTuneAugment: 'flip-shift',
    });
  });

  test('2,000 gray pictures: batch 32, 10 head epochs (63 batches, at least 10), 2 of fine-tune with shifts', () => {
    const { transfer, reasons } = chooseTransferRecipe({
      height: 28,
      width: 28,
      channels: 1,
      count: 2_000,
      classes: 4,
    });
    assert.deepEqual(transfer, {
      headEpochs: 10,
      fineTuneEpochs: 2,
      batchSize: 32,
      learningRate: 0.001,
      fineTuneAugment: 'shift',
    });
    assert.equal(reasons.length, 3);
  });
});
