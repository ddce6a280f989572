// The `convnet` command line: parses flags with commander and runs a command. Mistakes in flags,
// values or inputs end with one line on stderr and exit code 2; bugs keep their stack trace.

import { availableParallelism } from 'node:os';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  BUNDLED_MODEL_NAMES,
  ConvNetError,
  DOWNLOADABLE_DATASETS,
  MAX_WASM_THREADS,
  PRESETS,
  initWasmBackend,
  ready,
  setBackend,
} from '../src/index.js';
import { download } from './commands/download.js';
import { evaluate } from './commands/evaluate.js';
import { exportModel } from './commands/export.js';
import { importModel } from './commands/import.js';
import { inspect } from './commands/inspect.js';
import { predict, predictTensor } from './commands/predict.js';
import { serve } from './commands/serve.js';
import { summary } from './commands/summary.js';
import { AUGMENTATIONS, train } from './commands/train.js';
import { visualize } from './commands/visualize.js';
import { parseDatasetArgument } from './datasets.js';
import { PREPROCESS_CHOICES } from './loadCliModel.js';
import { terminalText } from './terminalText.js';
import { forgetOutputFolders, removeUnusedOutputFolders } from './outputFolders.js';
import { EXIT_USAGE, UsageError } from './usageError.js';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('must be a positive integer.');
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed))
    throw new InvalidArgumentError('must be a non-negative integer.');
  return parsed;
}

function portNumber(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return parsed;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError('must be a positive number.');
  return parsed;
}

/** --preprocess: how images become the model's input, instead of the model's own. */
function preprocessOption(): Option {
  return new Option(
    '--preprocess <name>',
    "how images become the input (default: the model's own): imagenet (torchvision: shorter side to 256, " +
      'center crop 224, scaled to the input; mean/std), inception (same crop, values -1..1), none (stretched, 0..1)',
  ).choices(PREPROCESS_CHOICES);
}

const labelsHelp =
  'class names: a text file with one name per line, or imagenet for the 1,000 ImageNet names that ship with ' +
  "ConvNet.ts (default: the model's own)";

/** --backend and --threads, taken by every command that computes (read by selectBackend). */
function backendOption(): Option {
  return new Option('--backend <name>', 'compute backend (default: wasm where WebAssembly SIMD exists)').choices([
    'wasm',
    'reference',
  ]);
}

function threadsOption(): Option {
  return new Option(
    '--threads <n>',
    'threads for the wasm backend (default and most: the cores of the machine)',
  ).argParser(positiveInteger);
}

function buildProgram(): Command {
  const program = new Command('convnet')
    .description('ConvNet.ts: build, train and inspect convolutional neural networks')
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      // One line per error: commander puts its "Did you mean" hint on a second line.
      outputError: (message, write) => write(`convnet: ${message.trim().replace(/\n+/g, ' ')}\n`),
    });

  program
    .command('train')
    .description(
      "train a CNN on a dataset (the recipe measured for it, one chosen from an image folder's pictures, or " +
        'with --from a trained network taught its classes), evaluate it on the test split and save it',
    )
    .option(
      '--dataset <name|dir>',
      'mnist-sample, mnist, fashion-mnist, cifar10, or an image folder (class sub-folders, optionally under ' +
        'train/ and test/)',
      parseDatasetArgument,
      'mnist-sample',
    )
    .option(
      '--data-dir <dir>',
      'folder with the dataset files (default for mnist, fashion-mnist and cifar10: where `convnet download` put them)',
    )
    .option(
      '--cache-dir <dir>',
      'where `convnet download` put datasets (default: $CONVNET_CACHE_DIR or ~/.cache/convnet-ts); decoded ' +
        'image folders are cached there too',
    )
    .addOption(
      new Option('--model <preset>', "the network (default: the dataset's, see docs/cli.md)").choices(
        Object.keys(PRESETS),
      ),
    )
    .option('--epochs <n>', "passes over the training set (default: the dataset's recipe)", positiveInteger)
    .option('--batch-size <n>', "examples per gradient step (default: the dataset's recipe)", positiveInteger)
    .option(
      '--lr <x>',
      "learning rate: the starting one (halved each epoch) or the one-cycle peak, as the dataset's recipe schedules it",
      positiveNumber,
    )
    .addOption(
      new Option(
        '--optimizer <name>',
        "optimizer: Adam, or SGD with Nesterov momentum 0.9 and weight decay 5e-4 (default: the dataset's recipe)",
      ).choices(['sgd', 'adam']),
    )
    .addOption(
      new Option('--augment <name>', "augmentation of training batches (default: the dataset's recipe)").choices(
        AUGMENTATIONS,
      ),
    )
    .option(
      '--from <model>',
      `transfer learning: teach a trained network (a model folder, a .onnx file, a TF.js model or a bundled ` +
        `model: ${BUNDLED_MODEL_NAMES.join(', ')}) the image folder's classes: a new head first, then a ` +
        `short fine-tune of the top`,
    )
    .option(
      '--freeze <layer|backbone>',
      'with --from: the last layer kept frozen in the fine-tune, or backbone for no fine-tune (default: the ' +
        'top two weighted layers are fine-tuned)',
    )
    .option(
      '--head <layer>',
      "with --from: the layer the new head reads (default: the one the model's classifier reads)",
    )
    .option('--seed <n>', 'random seed for weights and shuffling', nonNegativeInteger, 1)
    .option('--out <dir>', 'where to save the model, and a checkpoint after every epoch (default: runs/<dataset>)')
    .option('--resume', 'continue from the last checkpoint in --out, with the settings saved there', false)
    .option('--plot <file.png>', 'draw loss and accuracy per epoch (training and test) to a PNG file')
    .option('--json', 'print the result as one JSON object on the last line of stdout', false)
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (options) => {
      await selectBackend(options);
      train(options);
    });

  program
    .command('predict')
    .description(
      'classify PNG or JPEG files (or folders of them), or a tensor batch in a .npy file, with a saved model',
    )
    .argument('[images...]', 'image files or folders')
    .requiredOption(
      '--model <dir|name>',
      `a model folder saved by \`convnet train\`, a .onnx file, or a bundled model (${BUNDLED_MODEL_NAMES.join(', ')})`,
    )
    .option('--top <k>', 'how many classes to show per image', positiveInteger, 3)
    .addOption(preprocessOption())
    .option('--labels <file|imagenet>', labelsHelp)
    .option(
      '--input <x.npy>',
      "a batch [n, ...input shape] in the model's layout (NHWC; float32/float64, or uint8 divided by 255) " +
        'instead of images',
    )
    .option('--output <y.npy>', 'with --input: where to write the probabilities [n, classes] (float32)')
    .option('--json', 'print one JSON object with every prediction on the last line of stdout', false)
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (images: string[], options) => {
      await selectBackend(options);
      if (options.input !== undefined || options.output !== undefined) {
        if (images.length > 0) throw new UsageError('give images or --input, not both');
        if (options.input === undefined || options.output === undefined)
          throw new UsageError('--input and --output go together');
        predictTensor(options);
        return;
      }
      if (images.length === 0) throw new UsageError('missing images (or --input x.npy --output y.npy)');
      exitCode = predict(images, options);
    });

  program
    .command('visualize')
    .description('write PNG pictures of a model on one image: kernels, feature maps, Grad-CAM, softmax output')
    .argument('<image>', 'a PNG or JPEG file')
    .requiredOption(
      '--model <dir|name>',
      `a model folder saved by \`convnet train\`, a .onnx file, or a bundled model (${BUNDLED_MODEL_NAMES.join(', ')})`,
    )
    .requiredOption('--out <dir>', 'folder to write the pictures to (created if missing)')
    .option('--class <k>', 'the class Grad-CAM explains (default: the predicted one)', nonNegativeInteger)
    .option(
      '--scale <n>',
      'pixels per value in kernel and feature-map pictures (default: tiles of at least 48 pixels)',
      positiveInteger,
    )
    .addOption(preprocessOption())
    .option('--labels <file|imagenet>', labelsHelp)
    .option('--json', 'print the list of pictures as one JSON object on the last line of stdout', false)
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (image: string, options) => {
      await selectBackend(options);
      visualize(image, options);
    });

  program
    .command('evaluate')
    .description(
      "accuracy, per-class precision and recall, and the confusion matrix of a saved model on a dataset's test split",
    )
    .requiredOption(
      '--model <dir|name>',
      `a model folder saved by \`convnet train\`, a .onnx file, or a bundled model (${BUNDLED_MODEL_NAMES.join(', ')})`,
    )
    .option(
      '--dataset <name|dir>',
      'mnist-sample, mnist, fashion-mnist, cifar10, or an image folder',
      parseDatasetArgument,
      'mnist-sample',
    )
    .option('--data-dir <dir>', 'folder with the dataset files (as for train)')
    .option('--json', 'print the report as one JSON object on the last line of stdout', false)
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (options) => {
      await selectBackend(options);
      evaluate(options);
    });

  program
    .command('export')
    .description('write a saved model as an ONNX file (opset 13; input NCHW) for ONNX Runtime and other engines')
    .requiredOption(
      '--model <dir|name>',
      `a model folder saved by \`convnet train\`, a .onnx file, or a bundled model (${BUNDLED_MODEL_NAMES.join(', ')})`,
    )
    .requiredOption('--out <file.onnx>', 'the ONNX file to write')
    .action((options) => exportModel(options));

  program
    .command('import')
    .description(
      'save an ONNX file or a TF.js Layers model as a native model folder, with its class names and preprocessing',
    )
    .argument('<model>', 'a .onnx file, or a TF.js model.json (or its folder)')
    .requiredOption('--out <dir>', 'the model folder to write (created if missing)')
    .addOption(preprocessOption())
    .option('--labels <file|imagenet>', labelsHelp)
    .option('--json', 'print the result as one JSON object on the last line of stdout', false)
    .action((model: string, options) => importModel(model, options));

  program
    .command('inspect')
    .description(
      'list a model as imported: each ONNX node (or TF.js layer), what it became and its output shape; or ' +
        'every operator that cannot be imported',
    )
    .argument(
      '<model>',
      `a .onnx file, a TF.js model.json (or its folder), a model folder, or a bundled model ` +
        `(${BUNDLED_MODEL_NAMES.join(', ')})`,
    )
    .option('--json', 'print one JSON object on the last line of stdout', false)
    .action((model: string, options) => {
      exitCode = inspect(model, options);
    });

  program
    .command('download')
    .description(
      'download the official files of a dataset into the cache folder, verifying their SHA-256 (interrupted ' +
        'downloads resume)',
    )
    .addArgument(new Argument('<name>', 'dataset').choices(DOWNLOADABLE_DATASETS))
    .option(
      '--cache-dir <dir>',
      'cache folder (default: $CONVNET_CACHE_DIR, else $XDG_CACHE_HOME/convnet-ts, else ~/.cache/convnet-ts)',
    )
    .option(
      '--mirror <url>',
      'fetch <url>/<name>/<file> instead of the official URLs (default: $CONVNET_DATASETS_MIRROR)',
    )
    .action(async (name: (typeof DOWNLOADABLE_DATASETS)[number], options) => {
      await download(name, options);
    });

  program
    .command('summary')
    .description('print the layers, output shapes, parameters and multiply-adds of a model')
    .option(
      '--model <dir|name>',
      `a model folder saved by \`convnet train\`, a .onnx file, or a bundled model ` +
        `(${BUNDLED_MODEL_NAMES.join(', ')}) (default: the default CNN)`,
    )
    .action((options) => summary(options));

  program
    .command('serve')
    .description(
      'serve the visual explorer (convolution, activations, pooling, color models, live training, drawing) ' +
        'in a web browser',
    )
    .option('--port <n>', 'port to listen on (0: any free one)', portNumber, 8080)
    .option('--host <address>', 'address to listen on; the default serves this machine only', '127.0.0.1')
    .option('--no-isolation', 'leave out the cross-origin isolation headers (the page then computes on one thread)')
    .action(async (options) => {
      await serve(options);
    });

  for (const command of program.commands)
    command.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
  return program;
}

/**
 * --threads, at most the machine's cores (and MAX_WASM_THREADS): a larger value is lowered with a
 * notice on stderr rather than refused, since threads change only the speed, and a script written
 * on a large machine should still run on a small one.
 */
function threadsToUse(threads: number): number {
  const cores = availableParallelism();
  const most = Math.min(cores, MAX_WASM_THREADS);
  if (threads <= most) return threads;
  const why =
    most === cores
      ? `the ${cores} cores of this machine`
      : `the ${MAX_WASM_THREADS} threads the wasm backend runs at most`;
  process.stderr.write(`convnet: --threads ${threads} is more than ${why}; using ${most}\n`);
  return most;
}

/** Applies --backend and --threads: the wasm backend starts (ready()) unless --backend reference. */
async function selectBackend(options: { backend?: 'wasm' | 'reference'; threads?: number }): Promise<void> {
  if (options.backend === 'reference') {
    if (options.threads !== undefined) throw new UsageError('--threads applies to the wasm backend only');
    setBackend('reference');
    return;
  }
  const threads = options.threads === undefined ? undefined : threadsToUse(options.threads);
  const { wasm, wasmUnavailableReason } = await ready(threads === undefined ? {} : { threads });
  if (wasm === null) {
    if (options.backend === 'wasm') throw new UsageError(`--backend wasm: ${wasmUnavailableReason ?? 'unavailable'}`);
    return;
  }
  // The backend was up already (an earlier command in this process): restart it with these threads.
  if (threads !== undefined && threads !== wasm.threads) await initWasmBackend({ threads });
}

/** A command's own exit code (0 unless it sets one). */
let exitCode = 0;

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    exitCode = 0;
    forgetOutputFolders();
    await buildProgram().parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    removeUnusedOutputFolders();
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof UsageError || error instanceof ConvNetError) {
      // Messages quote paths and names from files: escaped, so a name cannot move the cursor or start a line.
      process.stderr.write(`convnet: error: ${terminalText(error.message.replace(/\n+/g, ' '))}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
