// The transfer experiment: does transfer beat starting from nothing? A network is trained with the CLI on
// some classes of an image folder (CIFAR-10: the six animals), then taught the other classes (the four
// vehicles) from a few pictures each with `convnet train --from`; the same network is trained from
// nothing on the same pictures (`convnet train --model`). Both are scored on every test picture of
// the new classes. Each step is the CLI with its default recipe; only the network is named.
// Usage (hours on 2 cores at full size: the source network trains on 30,000 pictures):
//   node dist/tools/transferExperiment.js --data <CIFAR-10 JPEG folder> --work <scratch folder> [--shots 50] [--model
//   resnet] [--source-epochs N] [--seed 1]
// The folder needs train/<class>/ and test/<class>/; the pictures are copied, never changed.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CIFAR10_ANIMALS = ['bird', 'cat', 'deer', 'dog', 'frog', 'horse'] as const;
export const CIFAR10_VEHICLES = ['airplane', 'automobile', 'ship', 'truck'] as const;

export interface TransferExperimentOptions {
  /** A folder of train/<class>/ and test/<class>/ pictures. */
  data: string;
  /** A scratch folder: the copied pictures and the trained models go there. */
  work: string;
  sourceClasses: readonly string[];
  targetClasses: readonly string[];
  /** Training pictures of each new class (the first ones in name order). */
  shots: number;
  /** The network of both runs (a preset name of `convnet train --model`). */
  model: string;
  /** Epochs of the source network; default the recipe's. */
  sourceEpochs?: number | undefined;
  /** Epochs of the new head (--epochs of train --from) and of the network from nothing; default the recipes'. */
  targetEpochs?: number | undefined;
  seed: number;
  /** Extra CLI flags (e.g. --threads 1). */
  extraFlags?: readonly string[] | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface TransferExperimentResult {
  /** The source network's accuracy on its own classes' test pictures. */
  sourceAccuracy: number;
  /** After `train --from`: the new classes' test pictures. */
  transferAccuracy: number;
  /** The same network trained from nothing on the same pictures. */
  scratchAccuracy: number;
  targetTrainPictures: number;
  targetTestPictures: number;
  /** The commands run, for docs/cli.md. */
  commands: string[];
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'convnet.js');

/**
 * Copies `count` (all when undefined) pictures of each class, first in name order, from data/split/class to
 * out/split/class; returns how many.
 */
function copyPictures(data: string, out: string, split: string, classes: readonly string[], count?: number): number {
  let copied = 0;
  for (const className of classes) {
    const from = join(data, split, className);
    const to = join(out, split, className);
    mkdirSync(to, { recursive: true });
    const files = readdirSync(from)
      .filter((name) => /\.(png|jpe?g)$/i.test(name))
      .sort();
    const chosen = count === undefined ? files : files.slice(0, count);
    if (count !== undefined && chosen.length < count)
      throw new Error(`transferExperiment: ${from} has ${files.length} pictures, fewer than ${count}`);
    for (const file of chosen) copyFileSync(join(from, file), join(to, file));
    copied += chosen.length;
  }
  return copied;
}

/** Runs the CLI with --json; its last stdout line parsed. */
function convnet(args: readonly string[], commands: string[], log?: (line: string) => void): Record<string, unknown> {
  const printed = `convnet ${args.join(' ')}`;
  commands.push(printed);
  log?.(printed);
  const result = spawnSync(process.execPath, [CLI, ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(
      `transferExperiment: ${printed} failed (${String(result.status)}): ` +
        `${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** The experiment, as the header says: three CLI runs on copied folders. */
export function transferExperiment(options: TransferExperimentOptions): TransferExperimentResult {
  const commands: string[] = [];
  const extra = options.extraFlags ?? [];
  const seed = ['--seed', String(options.seed)];
  const sourceFolder = join(options.work, 'source');
  const targetFolder = join(options.work, 'target');
  copyPictures(options.data, sourceFolder, 'train', options.sourceClasses);
  copyPictures(options.data, sourceFolder, 'test', options.sourceClasses);
  const targetTrainPictures = copyPictures(options.data, targetFolder, 'train', options.targetClasses, options.shots);
  const targetTestPictures = copyPictures(options.data, targetFolder, 'test', options.targetClasses);
  const epochs = (value: number | undefined) => (value === undefined ? [] : ['--epochs', String(value)]);

  const sourceModel = join(options.work, 'source-model');
  const source = convnet(
    [
      'train',
      '--dataset',
      sourceFolder,
      '--model',
      options.model,
      ...epochs(options.sourceEpochs),
      ...seed,
      '--out',
      sourceModel,
      ...extra,
    ],
    commands,
    options.log,
  );
  const transfer = convnet(
    [
      'train',
      '--dataset',
      targetFolder,
      '--from',
      sourceModel,
      ...epochs(options.targetEpochs),
      ...seed,
      '--out',
      join(options.work, 'transfer-model'),
      ...extra,
    ],
    commands,
    options.log,
  );
  const scratch = convnet(
    [
      'train',
      '--dataset',
      targetFolder,
      '--model',
      options.model,
      ...epochs(options.targetEpochs),
      ...seed,
      '--out',
      join(options.work, 'scratch-model'),
      ...extra,
    ],
    commands,
    options.log,
  );
  return {
    sourceAccuracy: source.testAccuracy as number,
    transferAccuracy: transfer.testAccuracy as number,
    scratchAccuracy: scratch.testAccuracy as number,
    targetTrainPictures,
    targetTestPictures,
    commands,
  };
}

function main(args: readonly string[]): void {
  const option = (name: string): string | undefined => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const data = option('data');
  const work = option('work');
  if (data === undefined || work === undefined)
    throw new Error(
      'usage: node dist/tools/transferExperiment.js --data <CIFAR-10 JPEG folder> --work <scratch folder> ' +
        '[--shots 50] [--model resnet] [--source-epochs N] [--target-epochs N] [--seed 1]',
    );
  const number = (name: string): number | undefined => (option(name) === undefined ? undefined : Number(option(name)));
  const result = transferExperiment({
    data: resolve(data),
    work: resolve(work),
    sourceClasses: CIFAR10_ANIMALS,
    targetClasses: CIFAR10_VEHICLES,
    shots: number('shots') ?? 50,
    model: option('model') ?? 'resnet',
    sourceEpochs: number('source-epochs'),
    targetEpochs: number('target-epochs'),
    seed: number('seed') ?? 1,
    log: (line) => console.log(line),
  });
  const percent = (value: number) => `${(100 * value).toFixed(2)}%`;
  console.log(`source network on ${CIFAR10_ANIMALS.length} animal classes: ${percent(result.sourceAccuracy)}`);
  console.log(
    `${result.targetTrainPictures} vehicle pictures, scored on ${result.targetTestPictures}: transfer ` +
      `${percent(result.transferAccuracy)}, from nothing ${percent(result.scratchAccuracy)}`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  main(process.argv.slice(2));
