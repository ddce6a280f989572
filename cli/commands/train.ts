// `convnet train`: trains a preset CNN on a dataset with the settings measured for it, evaluates it on
// the test split, saves it.

import { join, resolve } from 'node:path';
import {
  Adam,
  backendInfo,
  checkpointCallback,
  checkOutputFile,
  composeAugmentations,
  datasetToTensor,
  encodePng,
  exponentialDecay,
  FileFormatError,
  getBackend,
  horizontalFlip,
  loadCheckpoint,
  oneCycle,
  PRESETS,
  randomCrop,
  randomTranslation,
  recordTrainingCurves,
  saveModel,
  SGD,
  trainingChart,
  ValueError,
  writeFileAtomic,
  type Augmentation,
  type ImageDataset,
  type Checkpoint,
  type Model,
  type Optimizer,
} from '../../src/index.js';
import { prepareOutput } from '../outputFolders.js';
import { datasetKind, datasetLabel, loadNamedDataset } from '../datasets.js';
import { formatDuration, formatPercent, progressReporter } from '../progress.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { summaryText } from './summary.js';
import {
  AUGMENTATIONS,
  chooseFolderRecipe,
  DATASET_RECIPES,
  type AugmentationName,
  type ChosenRecipe,
  type Recipe,
} from '../recipes.js';
import { trainFromModel } from './trainTransfer.js';
import { UsageError } from '../usageError.js';

export { AUGMENTATIONS, type AugmentationName } from '../recipes.js';

export interface TrainOptions {
  backend?: 'wasm' | 'reference';
  threads?: number;
  /** A dataset name (mnist-sample, mnist, fashion-mnist, cifar10) or an image folder. */
  dataset: string;
  dataDir?: string;
  cacheDir?: string;
  /** A preset name (PRESETS); default the dataset's. */
  model?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: 'sgd' | 'adam';
  augment?: AugmentationName;
  /** A trained model (folder, .onnx, TF.js or bundled name) to teach the dataset's classes: transfer learning. */
  from?: string;
  /** With --from: 'backbone' (only the new head trains) or the last layer kept frozen in the fine-tune. */
  freeze?: string;
  /** With --from: the layer whose output the new head reads (default: the one the model's classifier reads). */
  head?: string;
  seed: number;
  out?: string;
  plot?: string;
  /** Continue from the last checkpoint in the --out folder, with the settings saved there. */
  resume: boolean;
  json: boolean;
}

/** The settings a checkpoint records, so --resume trains on with exactly the same ones. */
interface TrainSettings {
  dataset: string;
  dataDir?: string;
  model: string;
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  augment: AugmentationName;
  seed: number;
}

/** SGD's L2 weight decay in the recipes (the usual 5e-4 of CIFAR ResNets). */
export const SGD_WEIGHT_DECAY = 5e-4;

/** The checkpoint folder inside --out. */
const CHECKPOINT_FOLDER = 'checkpoint';

/** The fewest steps a one-cycle schedule is used for. */
const MIN_ONE_CYCLE_STEPS = 20;

/** With the 'halve' schedule, the learning rate is multiplied by this after every epoch. */
const LEARNING_RATE_DECAY = 0.5;

export function augmentation(name: AugmentationName): Augmentation | undefined {
  switch (name) {
    case 'none':
      return undefined;
    case 'shift':
      return randomTranslation({ maxShift: 2 });
    case 'flip-shift':
      return composeAugmentations(horizontalFlip(), randomTranslation({ maxShift: 2 }));
    case 'crop-flip':
      return composeAugmentations(randomCrop({ padding: 4 }), horizontalFlip());
  }
}

/** The run's settings: the flags over the dataset's recipe, or with --resume those of the checkpoint. */
function settingsOf(options: TrainOptions, saved: TrainSettings | null, recipe: Recipe): TrainSettings {
  if (saved !== null) {
    const settings = saved;
    // A flag given with --resume must agree with the checkpoint: training on with other settings would not be a resume.
    const given: [keyof TrainSettings, unknown][] = [
      ['dataset', options.dataset === 'mnist-sample' ? undefined : options.dataset],
      ['model', options.model],
      ['epochs', options.epochs],
      ['batchSize', options.batchSize],
      ['optimizer', options.optimizer],
      ['lr', options.lr],
      ['augment', options.augment],
    ];
    const conflicts = given
      .filter(([key, value]) => value !== undefined && value !== settings[key])
      .map(([key, value]) => `${key} ${String(value)} (checkpoint: ${String(settings[key])})`);
    if (conflicts.length > 0)
      throw new UsageError(`--resume continues with the checkpoint's settings; these differ: ${conflicts.join(', ')}`);
    return settings;
  }
  const optimizer = options.optimizer ?? recipe.optimizer;
  return {
    dataset: options.dataset,
    ...(options.dataDir === undefined ? {} : { dataDir: resolve(options.dataDir) }),
    model: options.model ?? recipe.model,
    epochs: options.epochs ?? recipe.epochs,
    batchSize: options.batchSize ?? recipe.batchSize,
    optimizer,
    lr: options.lr ?? recipe.learningRate[optimizer],
    augment: options.augment ?? recipe.augment,
    seed: options.seed,
  };
}

/** A short description of a saved value for messages. */
function describeSaved(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * The settings a checkpoint saved, checked field by field as the flags are parsed: a tampered or
 * damaged value is a FileFormatError naming state.json and the field, before anything is loaded.
 */
function savedSettings(checkpoint: Checkpoint): TrainSettings {
  const saved = checkpoint.settings;
  const fail = (key: string, detail: string): never => {
    throw new FileFormatError(
      checkpoint.stateFile,
      `field 'settings.${key}' ${detail}, got ${describeSaved(saved[key])}`,
    );
  };
  const text = (key: string): string => {
    const value = saved[key];
    return typeof value === 'string' && value !== '' ? value : fail(key, 'must be a non-empty string');
  };
  const choice = <T extends string>(key: string, choices: readonly T[]): T => {
    const value = saved[key];
    return typeof value === 'string' && (choices as readonly string[]).includes(value)
      ? (value as T)
      : fail(key, `must be one of ${choices.join(', ')}`);
  };
  const whole = (key: string, minimum: number, why = ''): number => {
    const value = saved[key];
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum
      ? value
      : fail(key, `must be a whole number >= ${minimum}${why}`);
  };
  const rate = saved.lr;
  return {
    dataset: text('dataset'),
    ...(saved.dataDir === undefined ? {} : { dataDir: text('dataDir') }),
    model: choice('model', Object.keys(PRESETS)),
    epochs: whole('epochs', Math.max(1, checkpoint.fit.epoch), ' (the epochs the checkpoint has finished)'),
    batchSize: whole('batchSize', 1),
    optimizer: choice('optimizer', ['sgd', 'adam'] as const),
    lr: typeof rate === 'number' && Number.isFinite(rate) && rate > 0 ? rate : fail('lr', 'must be a positive number'),
    augment: choice('augment', AUGMENTATIONS),
    seed: whole('seed', 0),
  };
}

/**
 * Checks that the checkpoint's optimizer is the one its settings name and, for a checkpoint saved
 * without the optimizer's settings, puts its state into the new `optimizer`; names state.json if
 * it does not fit.
 */
function restoreOptimizer(optimizer: Optimizer, optimizerName: string, model: Model, checkpoint: Checkpoint): void {
  const expected = optimizerName === 'adam' ? 'Adam' : 'SGD';
  if (checkpoint.optimizerClassName !== expected) {
    throw new FileFormatError(
      checkpoint.stateFile,
      `field 'optimizer.className' is ${checkpoint.optimizerClassName} but the saved settings' optimizer ` +
        `${optimizerName} is ${expected}`,
    );
  }
  if (checkpoint.optimizer === optimizer) return;
  try {
    optimizer.setState(model.trainableWeights(), checkpoint.optimizerState);
  } catch (error) {
    if (error instanceof ValueError)
      throw new FileFormatError(checkpoint.stateFile, `field 'optimizer' does not fit the model: ${error.message}`);
    throw error;
  }
}

/** The folders a run reads its data from: --out may be none of them. */
function dataFolders(options: TrainOptions): string[] {
  return [
    ...(datasetKind(options.dataset) === 'folder' ? [options.dataset] : []),
    ...(options.dataDir === undefined ? [] : [options.dataDir]),
  ];
}

/** The named dataset's measured recipe, or for an image folder one chosen from its training pictures. */
function recipeOf(datasetValue: string, trainSet: ImageDataset): ChosenRecipe {
  const kind = datasetKind(datasetValue);
  if (kind !== 'folder') return { recipe: DATASET_RECIPES[kind], reasons: [] };
  return chooseFolderRecipe({
    height: trainSet.height,
    width: trainSet.width,
    channels: trainSet.channels,
    count: trainSet.count,
    classes: trainSet.classNames.length,
  });
}

export function train(options: TrainOptions): void {
  if (options.from !== undefined) {
    trainFromModel({ ...options, from: options.from });
    return;
  }
  for (const [flag, value] of [
    ['--freeze', options.freeze],
    ['--head', options.head],
  ] as const) {
    if (value !== undefined) throw new UsageError(`${flag} is used with --from MODEL (transfer learning)`);
  }
  const log = options.json ? process.stderr : process.stdout;
  const outDirectory = resolve(options.out ?? `runs/${datasetLabel(options.dataset)}`);
  // Before any data is read or any epoch run: the model, checkpoints and plot can be written.
  prepareOutput(outDirectory, { inputs: dataFolders(options), flag: '--out' });
  if (options.plot !== undefined) checkOutputFile(options.plot, { flag: '--plot' });
  const checkpointDirectory = join(outDirectory, CHECKPOINT_FOLDER);
  const checkpoint = options.resume ? loadCheckpoint(checkpointDirectory) : null;
  if (options.resume && checkpoint === null)
    throw new UsageError(
      `--resume: no checkpoint in ${checkpointDirectory} (train with --out ${options.out ?? outDirectory} first)`,
    );
  const saved = checkpoint === null ? null : savedSettings(checkpoint);
  const datasetValue = saved?.dataset ?? options.dataset;
  const data = loadNamedDataset(datasetValue, saved === null ? options.dataDir : saved.dataDir, {
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    log,
  });
  const { train: trainSet, test: testSet } = data;
  const chosen = recipeOf(datasetValue, trainSet);
  const { recipe } = chosen;
  const settings = settingsOf(options, saved, recipe);
  const {
    model: presetName,
    epochs,
    batchSize,
    optimizer: optimizerName,
    lr: learningRate,
    augment: augmentName,
    seed,
  } = settings;
  if (checkpoint !== null && checkpoint.fit.order.length !== trainSet.count) {
    throw new FileFormatError(
      checkpoint.stateFile,
      `field 'fit.order' orders ${checkpoint.fit.order.length} examples but ${data.name} has ` +
        `${trainSet.count} training examples`,
    );
  }
  log.write(
    `Dataset ${terminalText(data.name)}: ${trainSet.count} training and ${testSet.count} test images of ` +
      `${trainSet.height}x${trainSet.width}x${trainSet.channels}\n`,
  );

  const model =
    checkpoint?.model ??
    PRESETS[presetName]!({
      seed,
      inputShape: [trainSet.height, trainSet.width, trainSet.channels],
      classes: trainSet.classNames.length,
    });
  if (chosen.reasons.length > 0)
    log.write(`Recipe chosen from the pictures:\n${chosen.reasons.map((reason) => `  - ${reason}\n`).join('')}`);
  log.write(`Model ${presetName}:\n${summaryText(model)}\n`);
  // A checkpoint's own optimizer (its saved settings and state); one saved before the settings were kept gets a new one
  // with its state.
  const optimizer: Optimizer =
    checkpoint?.optimizer ??
    (optimizerName === 'adam'
      ? new Adam({ learningRate })
      : new SGD({ learningRate, momentum: 0.9, nesterov: true, weightDecay: SGD_WEIGHT_DECAY }));
  if (checkpoint !== null) {
    restoreOptimizer(optimizer, optimizerName, model, checkpoint);
    log.write(
      `Resuming from the checkpoint after epoch ${checkpoint.fit.epoch} of ${epochs} in ` +
        `${terminalText(checkpointDirectory)}\n`,
    );
  }
  const augment = augmentation(augmentName);
  const batchesPerEpoch = Math.ceil(trainSet.count / batchSize);
  const totalSteps = batchesPerEpoch * epochs;
  // A one-cycle needs steps for both of its phases; a run of a few steps halves the rate per epoch instead.
  const isOneCycle = recipe.schedule === 'one-cycle' && totalSteps >= MIN_ONE_CYCLE_STEPS;
  const schedule = isOneCycle
    ? oneCycle({ maxLearningRate: learningRate, totalSteps })
    : exponentialDecay({
        initialLearningRate: learningRate,
        decayRate: LEARNING_RATE_DECAY,
        decaySteps: batchesPerEpoch,
        staircase: true,
      });
  const scheduleText = isOneCycle
    ? `one-cycle learning rate up to ${learningRate}`
    : `learning rate ${learningRate} (halved after each epoch)`;
  const testX = datasetToTensor(testSet);
  const extras = [
    augmentName === 'none' ? '' : `augmentation ${augmentName}`,
    recipe.labelSmoothing > 0 ? `label smoothing ${recipe.labelSmoothing}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  log.write(
    `Training ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batchSize}, ${optimizer.className} ` +
      `${scheduleText}${extras === '' ? '' : `, ${extras}`}, seed ${seed}, backend ${describeBackend()}\n`,
  );

  const reporter = progressReporter(log);
  const recorder = options.plot === undefined ? null : recordTrainingCurves();
  const started = performance.now();
  const history = model.fit(datasetToTensor(trainSet), trainSet.labels, {
    epochs,
    batchSize,
    optimizer,
    seed,
    labelSmoothing: recipe.labelSmoothing,
    ...(checkpoint === null ? {} : { resume: checkpoint.fit }),
    ...(augment === undefined ? {} : { augment }),
    learningRateSchedule: schedule,
    // The plot shows test loss and accuracy after every epoch; they only watch, nothing is tuned on them.
    ...(recorder === null ? {} : { validationData: [testX, testSet.labels] as const }),
    callbacks: [
      reporter,
      ...(recorder === null ? [] : [recorder.callbacks]),
      // After every epoch, a checkpoint that --resume continues from (see src/io/checkpoint.ts).
      checkpointCallback(checkpointDirectory, optimizer, {
        settings: { ...settings },
        saveOptions: { classNames: trainSet.classNames },
      }),
    ],
  });
  const trainingSeconds = (performance.now() - started) / 1000;
  const test = model.evaluate(testX, testSet.labels);
  const last = history.epochs[history.epochs.length - 1]!;
  const imagesPerSecond =
    (trainSet.count * history.epochs.length) / history.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0);
  const result = {
    dataset: data.name,
    model: presetName,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    trainAccuracy: last.accuracy,
    trainLoss: last.loss,
    epochs: history.epochs.length,
    batchSize,
    optimizer: optimizer.className,
    learningRate,
    schedule: isOneCycle ? 'one-cycle' : 'halve',
    augment: augmentName,
    labelSmoothing: recipe.labelSmoothing,
    seed,
    seconds: trainingSeconds,
    imagesPerSecond,
    backend: getBackend().name,
    threads: getBackend().name === 'wasm' ? (backendInfo().wasm?.threads ?? 1) : 1,
    out: outDirectory,
  };
  saveModel(model, outDirectory, { classNames: trainSet.classNames, training: result });
  log.write(
    `Test accuracy ${formatPercent(test.accuracy)}, test loss ${test.loss.toFixed(4)} on ${testSet.count} ` +
      `images; trained in ${formatDuration(trainingSeconds)} (${imagesPerSecond.toFixed(0)} img/s)\n`,
  );
  log.write(`Saved the model to ${terminalText(outDirectory)}\n`);
  if (recorder !== null) {
    const plot = resolve(options.plot!);
    writeFileAtomic(
      plot,
      encodePng(
        trainingChart(recorder.curves, {
          validationLabel: 'test',
          title: `Training on ${data.name}: loss and accuracy`,
        }),
      ),
    );
    log.write(`Plotted loss and accuracy to ${terminalText(plot)}\n`);
  }
  if (options.json) process.stdout.write(jsonLine(result));
}

export function describeBackend(): string {
  const { active, wasm } = backendInfo();
  return active === 'wasm' && wasm !== null ? `wasm (${wasm.build}, ${wasm.threads} threads)` : active;
}
