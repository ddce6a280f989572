// `convnet train --dataset DIR --from MODEL`: teaches a trained network the classes of an image folder
// (transfer learning). The pictures are read at the model's input size and color model and
// normalized as its preprocessing says; a new head reads the layer the model's classifier read (or
// --head); the head trains first with the whole network frozen (its features computed once), then the
// top of the network is fine-tuned at a tenth of the rate (Keras's fine-tuning guide). Saved whole.

import { basename, resolve } from 'node:path';
import {
  Adam,
  addClassifierHead,
  datasetToTensor,
  normalizeForInput,
  saveModel,
  type ImageDataset,
  type Model,
  type Tensor,
} from '../../src/index.js';
import { datasetKind, datasetLabel, loadNamedDataset } from '../datasets.js';
import { imageInputOf, loadAnyModel } from '../loadCliModel.js';
import { prepareOutput } from '../outputFolders.js';
import { formatDuration, formatPercent, progressReporter } from '../progress.js';
import { chooseTransferRecipe, FINE_TUNE_RATE_FACTOR } from '../recipes.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { UsageError } from '../usageError.js';
import { augmentation, describeBackend, type TrainOptions } from './train.js';

/** Layers that hold a network's learned filters or matrices: what "the top blocks" are counted in. */
const WEIGHTED_LAYER_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

/** How many weighted layers at the top of the network the default fine-tune trains. */
const FINE_TUNED_WEIGHTED_LAYERS = 2;

/**
 * The layer a model's own classifier reads: the input of its last Dense (Softmax layers after it
 * skipped), or the model's output when it ends in anything else (its output then is the feature).
 */
export function defaultHeadInput(model: Model): string {
  let index = model.layers.length - 1;
  while (index > 0 && model.layers[index]!.className === 'Softmax') index--;
  if (model.layers[index]!.className !== 'Dense') return model.layers[model.layers.length - 1]!.name;
  const inputs = model.nodes[index]!.inputs;
  if (inputs.length !== 1 || inputs[0] === 0)
    throw new UsageError(
      `--from: model's classifier '${model.layers[index]!.name}' reads its input directly; name the layer ` +
        `the new head reads with --head`,
    );
  return model.layers[inputs[0]!]!.name;
}

/**
 * A usage error for a layer name the model lacks, listing the names it has (the last ones, nearest the output, first).
 */
function checkLayerName(model: Model, name: string, flag: string, what: string): number {
  const index = model.layers.findIndex((layer) => layer.name === name);
  if (index > 0) return index;
  const names = model.layers
    .slice(1)
    .map((layer) => layer.name)
    .reverse();
  const shown = names.slice(0, 24).join(', ');
  throw new UsageError(
    `${flag} ${name}: ${index === 0 ? 'is the input layer' : `${what} has no layer of that name`}; its ` +
      `layers, from the output down, are ${shown}${names.length > 24 ? ', ...' : ''}`,
  );
}

/**
 * Where the fine-tune starts (a layer name, unfrozen from there on), or null for none:
 * 'backbone' none; a layer name: the layers after it; default: the top FINE_TUNED_WEIGHTED_LAYERS weighted layers.
 */
function fineTuneStart(backbone: Model, freeze: string | undefined): string | null {
  const layers = backbone.layers;
  if (freeze === 'backbone') return null;
  if (freeze !== undefined) {
    const index = checkLayerName(backbone, freeze, '--freeze', 'the network below the new head');
    return index === layers.length - 1 ? null : layers[index + 1]!.name;
  }
  const weighted = layers.filter((layer) => WEIGHTED_LAYER_CLASSES.has(layer.className));
  return weighted.length === 0 ? null : weighted[Math.max(0, weighted.length - FINE_TUNED_WEIGHTED_LAYERS)]!.name;
}

/**
 * The split as a tensor, its values made as the model's preprocessing makes them (the pictures already have the input's
 * size).
 */
function inputsOf(set: ImageDataset, model: Model, from: string): Tensor {
  const x = datasetToTensor(set);
  const preprocessing = model.preprocessing;
  if (preprocessing !== undefined)
    x.dataSync().set(
      normalizeForInput(x.dataSync() as Float32Array, imageInputOf(model, from).colorModel!, preprocessing),
    );
  return x;
}

/**
 * `convnet train --from`: reads the folder at the model's input, trains a new head on the frozen
 * network, fine-tunes its top (unless --freeze backbone), evaluates on the test split and saves the
 * whole network to --out. Usage errors (exit 2) for a named dataset, flags it does not use, a model
 * that takes feature vectors, an unknown --head or --freeze layer (its layers listed), one class folder.
 */
export function trainFromModel(options: TrainOptions & { from: string }): void {
  const log = options.json ? process.stderr : process.stdout;
  if (datasetKind(options.dataset) !== 'folder')
    throw new UsageError(
      `--from teaches a model the classes of an image folder; --dataset ${options.dataset} is a named ` +
        `dataset (give its image folder)`,
    );
  const unused = [
    ['--model', options.model],
    ['--optimizer', options.optimizer],
    ['--resume', options.resume ? true : undefined],
    ['--plot', options.plot],
  ] as const;
  for (const [flag, value] of unused) {
    if (value !== undefined)
      throw new UsageError(
        `${flag} is not used with --from (the model is ${options.from}; its training is the transfer ` +
          `recipe: head, then fine-tune, with Adam)`,
      );
  }
  const outDirectory = resolve(
    options.out ?? `runs/${datasetLabel(options.dataset)}-from-${basename(options.from).replace(/\.onnx$/i, '')}`,
  );
  prepareOutput(outDirectory, { inputs: [options.dataset], flag: '--out' });

  const { model: source } = loadAnyModel(options.from);
  const input = imageInputOf(source, options.from);
  const [height, width] = input.shape as readonly [number, number, number];
  // Checked before any picture is decoded: a wrong name costs nothing.
  const headInput = options.head ?? defaultHeadInput(source);
  if (options.head !== undefined) checkLayerName(source, options.head, '--head', `model ${options.from}`);
  const backbone = source.featureExtractor(headInput);
  const fineTuneFrom = fineTuneStart(backbone, options.freeze);

  const data = loadNamedDataset(options.dataset, undefined, {
    log,
    folder: { size: [height, width], colorModel: input.colorModel! },
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
  });
  const { train: trainSet, test: testSet } = data;
  const classes = trainSet.classNames.length;
  if (classes < 2)
    throw new UsageError(
      `--dataset ${options.dataset}: a classifier needs at least 2 class folders, found ${classes} ` +
        `(${trainSet.classNames.join(', ')})`,
    );
  log.write(
    `Dataset ${terminalText(data.name)}: ${trainSet.count} training and ${testSet.count} test pictures of ` +
      `${classes} classes, read at the model's input ${height}x${width} ${input.colorModel}\n`,
  );

  const { transfer, reasons } = chooseTransferRecipe({
    height,
    width,
    channels: input.shape[2]!,
    count: trainSet.count,
    classes,
  });
  const headEpochs = options.epochs ?? transfer.headEpochs;
  const batchSize = options.batchSize ?? transfer.batchSize;
  const learningRate = options.lr ?? transfer.learningRate;
  const augmentName = options.augment ?? transfer.fineTuneAugment;
  const fineTuneEpochs = fineTuneFrom === null ? 0 : transfer.fineTuneEpochs;
  log.write(
    `Transfer recipe from ${terminalText(options.from)}:\n${reasons.map((reason) => `  - ${reason}\n`).join('')}`,
  );
  log.write(
    `  - the new head reads '${headInput}' ` +
      `(${backbone.outputShape.join('x')})${fineTuneFrom === null ? '; no fine-tune (--freeze)' : `; the fine-tune trains from '${fineTuneFrom}' up`}\n`,
  );

  const model = addClassifierHead(backbone, { classes, classNames: trainSet.classNames, seed: options.seed });
  const x = inputsOf(trainSet, model, options.from);
  const testX = inputsOf(testSet, model, options.from);
  const reporter = progressReporter(log);
  const started = performance.now();
  log.write(
    `Head: ${headEpochs} epochs, batch ${batchSize}, Adam ${learningRate}, seed ${options.seed}, backend ` +
      `${describeBackend()}\n`,
  );
  const headHistory = model.fit(x, trainSet.labels, {
    epochs: headEpochs,
    batchSize,
    optimizer: new Adam({ learningRate }),
    seed: options.seed,
    callbacks: [reporter],
  });
  const afterHead = model.evaluate(testX, testSet.labels);
  log.write(`After the head: test accuracy ${formatPercent(afterHead.accuracy)}\n`);
  if (fineTuneFrom !== null && fineTuneEpochs > 0) {
    model.unfreeze(fineTuneFrom);
    // NOTE: batch normalization stays frozen (its moving statistics): a few pictures' batch
    // statistics would undo what it learned (Keras's fine-tuning guide does the same).
    for (const layer of model.layers) if (layer.className === 'BatchNormalization') layer.trainable = false;
    const augment = augmentation(augmentName);
    const fineTuneRate = learningRate * FINE_TUNE_RATE_FACTOR;
    log.write(
      `Fine-tune from '${fineTuneFrom}': ${fineTuneEpochs} epochs, Adam ` +
        `${fineTuneRate}${augment === undefined ? '' : `, augmentation ${augmentName}`}\n`,
    );
    model.fit(x, trainSet.labels, {
      epochs: fineTuneEpochs,
      batchSize,
      optimizer: new Adam({ learningRate: fineTuneRate }),
      seed: options.seed + 1,
      callbacks: [reporter],
      ...(augment === undefined ? {} : { augment }),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const test = model.evaluate(testX, testSet.labels);
  // The saved network is an ordinary one: every layer trainable again, so training it on needs no flag.
  model.unfreeze();
  const result = {
    dataset: data.name,
    from: options.from,
    headInput,
    fineTuneFrom,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    headTestAccuracy: afterHead.accuracy,
    headEpochs: headHistory.epochs.length,
    fineTuneEpochs,
    batchSize,
    learningRate,
    augment: fineTuneEpochs > 0 ? augmentName : 'none',
    seed: options.seed,
    seconds,
    out: outDirectory,
  };
  saveModel(model, outDirectory, { classNames: trainSet.classNames, training: result });
  log.write(
    `Test accuracy ${formatPercent(test.accuracy)}, test loss ${test.loss.toFixed(4)} on ${testSet.count} ` +
      `pictures; trained in ${formatDuration(seconds)}\n`,
  );
  log.write(`Saved the model to ${terminalText(outDirectory)}\n`);
  if (options.json) process.stdout.write(jsonLine(result));
}
