// `convnet train`: trains the default CNN for a dataset, evaluates it on the test split, saves it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  Adam,
  backendInfo,
  SGD,
  datasetToTensor,
  digitsCnn,
  encodePng,
  mnistCnn,
  recordTrainingCurves,
  getBackend,
  saveModel,
  trainingChart,
  type Optimizer,
} from '../../src/index.js';
import { datasetKind, datasetLabel, loadNamedDataset, type DatasetKind } from '../datasets.js';
import { formatDuration, formatPercent, progressReporter } from '../progress.js';

export interface TrainOptions {
  backend?: 'wasm' | 'reference';
  threads?: number;
  /** A dataset name (mnist-sample, mnist, fashion-mnist, cifar10) or an image folder. */
  dataset: string;
  dataDir?: string;
  cacheDir?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer: 'sgd' | 'adam';
  seed: number;
  out?: string;
  plot?: string;
  json: boolean;
}

/**
 * The default model and settings per dataset, measured to reach >= 97% on the sample (digitsCnn,
 * about 8 s) and >= 99% on the full MNIST (mnistCnn, about 80 s) on two cores.
 */
const DEFAULTS: Record<DatasetKind, { model: typeof digitsCnn; epochs: number; batchSize: number; learningRate: { adam: number; sgd: number } }> = {
  'mnist-sample': { model: digitsCnn, epochs: 4, batchSize: 32, learningRate: { adam: 0.003, sgd: 0.05 } },
  mnist: { model: mnistCnn, epochs: 4, batchSize: 64, learningRate: { adam: 0.002, sgd: 0.05 } },
  'fashion-mnist': { model: mnistCnn, epochs: 4, batchSize: 64, learningRate: { adam: 0.002, sgd: 0.05 } },
  // TODO(lead): CIFAR presets; until then mnistCnn, built for the dataset's input shape and classes.
  cifar10: { model: mnistCnn, epochs: 4, batchSize: 64, learningRate: { adam: 0.002, sgd: 0.05 } },
  folder: { model: mnistCnn, epochs: 4, batchSize: 32, learningRate: { adam: 0.002, sgd: 0.05 } },
};
/**
 * The learning rate is multiplied by this after every epoch. Halving it settles the weights late in
 * training; without it, test accuracy on the sample swung by about 1% from one epoch to the next.
 */
const LEARNING_RATE_DECAY = 0.5;

export function train(options: TrainOptions): void {
  const log = options.json ? process.stderr : process.stdout;
  const defaults = DEFAULTS[datasetKind(options.dataset)];
  const epochs = options.epochs ?? defaults.epochs;
  const batchSize = options.batchSize ?? defaults.batchSize;
  const learningRate = options.lr ?? defaults.learningRate[options.optimizer];
  const outDirectory = resolve(options.out ?? `runs/${datasetLabel(options.dataset)}`);
  const data = loadNamedDataset(options.dataset, options.dataDir, { ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }), log });
  const { train: trainSet, test: testSet } = data;
  log.write(`Dataset ${data.name}: ${trainSet.count} training and ${testSet.count} test images of ${trainSet.height}x${trainSet.width}x${trainSet.channels}\n`);

  const model = defaults.model({ seed: options.seed, inputShape: [trainSet.height, trainSet.width, trainSet.channels], classes: trainSet.classNames.length });
  log.write(`${model.summary()}\n`);
  const optimizer: Optimizer = options.optimizer === 'adam'
    ? new Adam({ learningRate })
    : new SGD({ learningRate, momentum: 0.9, nesterov: true });
  log.write(`Training ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batchSize}, ${optimizer.className} learning rate ${learningRate} (halved after each epoch), seed ${options.seed}, backend ${describeBackend()}\n`);

  const reporter = progressReporter(log);
  const recorder = options.plot === undefined ? null : recordTrainingCurves();
  const started = performance.now();
  const history = model.fit(datasetToTensor(trainSet), trainSet.labels, {
    epochs,
    batchSize,
    optimizer,
    seed: options.seed,
    // The plot shows test loss and accuracy after every epoch; they only watch, nothing is tuned on them.
    ...(recorder === null ? {} : { validationData: [datasetToTensor(testSet), testSet.labels] as const }),
    callbacks: {
      ...reporter,
      onEpochBegin(epoch) {
        optimizer.learningRate = learningRate * LEARNING_RATE_DECAY ** (epoch - 1);
        reporter.onEpochBegin?.(epoch);
      },
      onBatchEnd(progress) {
        reporter.onBatchEnd?.(progress);
        recorder?.callbacks.onBatchEnd?.(progress);
      },
      onEpochEnd(logs) {
        recorder?.callbacks.onEpochEnd?.(logs);
        return reporter.onEpochEnd?.(logs);
      },
    },
  });
  const trainingSeconds = (performance.now() - started) / 1000;
  const test = model.evaluate(datasetToTensor(testSet), testSet.labels);
  const last = history.epochs[history.epochs.length - 1]!;
  const imagesPerSecond = (trainSet.count * history.epochs.length) / history.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0);
  const result = {
    dataset: data.name,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    trainAccuracy: last.accuracy,
    trainLoss: last.loss,
    epochs: history.epochs.length,
    batchSize,
    optimizer: optimizer.className,
    learningRate,
    seed: options.seed,
    seconds: trainingSeconds,
    imagesPerSecond,
    backend: getBackend().name,
    threads: getBackend().name === 'wasm' ? backendInfo().wasm?.threads ?? 1 : 1,
    out: outDirectory,
  };
  saveModel(model, outDirectory, { classNames: trainSet.classNames, training: result });
  log.write(`Test accuracy ${formatPercent(test.accuracy)}, test loss ${test.loss.toFixed(4)} on ${testSet.count} images; trained in ${formatDuration(trainingSeconds)} (${imagesPerSecond.toFixed(0)} img/s)\n`);
  log.write(`Saved the model to ${outDirectory}\n`);
  if (recorder !== null) {
    const plot = resolve(options.plot!);
    mkdirSync(dirname(plot), { recursive: true });
    writeFileSync(plot, encodePng(trainingChart(recorder.curves, { validationLabel: 'test', title: `Training on ${data.name}: loss and accuracy` })));
    log.write(`Plotted loss and accuracy to ${plot}\n`);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

function describeBackend(): string {
  const { active, wasm } = backendInfo();
  return active === 'wasm' && wasm !== null ? `wasm (${wasm.build}, ${wasm.threads} threads)` : active;
}
