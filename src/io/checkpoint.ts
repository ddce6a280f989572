// Training checkpoints: after each epoch, everything a fit needs to go on as if it had not stopped:
// the model (model.json + weights.safetensors), the optimizer's buffers (optimizer.safetensors), and
// state.json (the fit's generators, example order and logs, the optimizer's class, settings and step
// counts, and the caller's settings), so loadCheckpoint gives back a ready optimizer. Each checkpoint goes into a
// folder of its own, epoch-NNNN; latest.json, written last and atomically, names the newest complete one, so a process
// killed while saving leaves the previous checkpoint in force. Older folders are removed once latest.json points past
// them. Loading checks every field of latest.json and state.json (checkpointState.ts) and bounds every file's size
// before reading it, since a checkpoint folder is as open to tampering as any model file.

import { checkJsonDepth } from './jsonDepth.js';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { allocateArray } from '../core/dtype.js';
import { FileFormatError, ValueError } from '../core/errors.js';
import {
  CHECKPOINT_MAX_BUFFERS_PER_WEIGHT,
  CHECKPOINT_MAX_LATEST_BYTES,
  CHECKPOINT_MAX_STATE_BYTES,
  CHECKPOINT_OPTIMIZER_HEADER_BYTES,
} from '../core/limits.js';
import { Tensor } from '../core/tensor.js';
import { getBackend } from '../kernels/registry.js';
import type { EpochLogs, FitState, TrainingCallbacks } from '../model/callbacks.js';
import type { Model } from '../model/model.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { OptimizerConfig } from '../optim/optimizerSettings.js';
import { writeFileAtomic } from './atomicWrite.js';
import { checkFitState, checkRecord, describeValue, isRecord } from '../model/fitStateChecks.js';
import { checkOptimizerConfig, checkOptimizerRecord, fieldFailure } from './checkpointState.js';
import { createFolders, readRegularFile, readRegularTextFile } from './files.js';
import { loadModel } from './modelFile.js';
import { MANIFEST_FILE, serializeModel, serializeModelAsync, WEIGHTS_FILE, type SaveOptions } from './modelFormat.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

const LATEST_FILE = 'latest.json';
const STATE_FILE = 'state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const CHECKPOINT_FORMAT = 'convnet-ts-checkpoint';

/** What state.json holds besides the model. */
interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  fit: FitState;
  optimizer: {
    className: string;
    config: OptimizerConfig;
    iterations: number;
    steps: (number | null)[];
    buffers: string[][];
  };
  settings: Record<string, unknown>;
}

/** A checkpoint read by loadCheckpoint: the model, the fit state to resume from and the optimizer. */
export interface Checkpoint {
  /** The model with the checkpoint's weights. */
  model: Model;
  /** The fit's state after the saved epoch: pass it as FitOptions.resume. */
  fit: FitState;
  /**
   * The optimizer, made again from the settings state.json keeps (its class and constructor
   * options) with its state (buffers, step counts, iterations) set for model.trainableWeights():
   * resume with `model.fit(x, y, { optimizer: checkpoint.optimizer, resume: checkpoint.fit })`.
   * Its learningRate is the last one used: a schedule is a function and is not saved, so give the
   * resumed fit the same learningRateSchedule. null for a checkpoint saved before the settings were
   * kept, or of an optimizer class that is not built in: then make the optimizer as before and call
   * `optimizer.setState(checkpoint.model.trainableWeights(), checkpoint.optimizerState)`.
   */
  optimizer: Optimizer | null;
  /** The optimizer's settings as saved (Optimizer.getConfig), or null when the checkpoint has none. */
  optimizerConfig: OptimizerConfig | null;
  /** The optimizer's state for model.trainableWeights(), for Optimizer.setState. */
  optimizerState: OptimizerState;
  /** The optimizer's class name as saved (e.g. 'Adam'). */
  optimizerClassName: string;
  /** What the caller saved with the checkpoint (the CLI: its training settings), checked only to be an object. */
  settings: Record<string, unknown>;
  /** The path of the state.json read, for errors about its fields found later (settings, the dataset's size). */
  stateFile: string;
  /** The class names the model was saved with; absent when it has none. */
  classNames?: string[] | undefined;
}

/** What saveCheckpoint writes: the model, its optimizer and the fit state after an epoch. */
export interface SaveCheckpointOptions {
  /** The model being trained; its weights are saved. */
  model: Model;
  /** Its class and settings (getConfig) and its state for model.trainableWeights() are saved. */
  optimizer: Optimizer;
  /** The fit's state after an epoch: what onEpochEnd receives. */
  fit: FitState;
  /** Anything else to keep with the checkpoint (JSON), given back as Checkpoint.settings; default {}. */
  settings?: Record<string, unknown> | undefined;
  /** How the model is saved (class names, training facts), as saveModel takes them. */
  saveOptions?: SaveOptions | undefined;
}

/**
 * Saves a checkpoint of a fit after an epoch into `directory` (created if needed): the model, the
 * optimizer's settings and state, the fit's state. checkpointCallback does this after every epoch.
 *
 * @example
 * model.fit(x, y, { optimizer, callbacks: { onEpochEnd: (_, fit) => saveCheckpoint('runs/a/checkpoint', { model,
 * optimizer, fit }) } });
 */
export function saveCheckpoint(directory: string, options: SaveCheckpointOptions): void {
  const { model, optimizer, saveOptions = {} } = options;
  writeCheckpoint(directory, options, serializeModel(model, saveOptions), optimizer.getState(model.trainableWeights()));
}

/**
 * saveCheckpoint on every backend: the weights and the optimizer's buffers are read with `await
 * tensor.data()` (serializeModelAsync, and Optimizer.getState's `copy`), so a fit on
 * WebGPU is checkpointed too. The same files as saveCheckpoint where both run.
 *
 * @example
 * await model.fitAsync(x, y, { optimizer, callbacks: { onEpochEnd: (_, fit) => saveCheckpointAsync('runs/a/checkpoint',
 * { model, optimizer, fit }) } });
 */
export async function saveCheckpointAsync(directory: string, options: SaveCheckpointOptions): Promise<void> {
  const { model, optimizer, saveOptions = {} } = options;
  const files = await serializeModelAsync(model, saveOptions);
  const weights = model.trainableWeights();
  // getState's arrays are made at once and filled as the reads resolve.
  const reads: Promise<void>[] = [];
  const state = optimizer.getState(weights, (buffer) => {
    const values = allocateArray(buffer.dtype, buffer.size);
    reads.push(buffer.data().then((data) => values.set(data)));
    return values;
  });
  await Promise.all(reads);
  writeCheckpoint(directory, options, files, state);
}

/** Writes a checkpoint's folder from the model's files and the optimizer's state, read by the caller. */
function writeCheckpoint(
  directory: string,
  options: SaveCheckpointOptions,
  modelFiles: { manifest: string; weights: Uint8Array },
  optimizerState: OptimizerState,
): void {
  const { optimizer, fit, settings = {} } = options;
  const name = `epoch-${String(fit.epoch).padStart(4, '0')}`;
  const folder = join(directory, name);
  rmSync(folder, { recursive: true, force: true });
  createFolders(folder);
  // As saveModel: the weights first, so a manifest on disk always describes complete weights.
  writeFileAtomic(join(folder, WEIGHTS_FILE), modelFiles.weights);
  writeFileAtomic(join(folder, MANIFEST_FILE), modelFiles.manifest);
  const buffers = optimizerState.weights.map((weight) => (weight === null ? [] : Object.keys(weight.buffers).sort()));
  const tensors = optimizerState.weights.flatMap((weight, index) =>
    weight === null
      ? []
      : buffers[index]!.map((buffer) => ({
          name: `${index}/${buffer}`,
          tensor: new Tensor(weight.buffers[buffer]!, [weight.buffers[buffer]!.length]),
        })),
  );
  writeFileAtomic(join(folder, OPTIMIZER_FILE), encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT }));
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    fit,
    optimizer: {
      className: optimizer.className,
      config: optimizer.getConfig(),
      iterations: optimizerState.iterations,
      steps: optimizerState.weights.map((weight) => weight?.step ?? null),
      buffers,
    },
    settings,
  };
  writeFileAtomic(join(folder, STATE_FILE), JSON.stringify(state));
  writeFileAtomic(
    join(directory, LATEST_FILE),
    `${JSON.stringify({ format: CHECKPOINT_FORMAT, epoch: fit.epoch, folder: name })}\n`,
  );
  for (const entry of readdirSync(directory)) {
    if (entry !== name && /^epoch-\d+$/.test(entry)) rmSync(join(directory, entry), { recursive: true, force: true });
  }
}

/** Options of checkpointCallback. */
export interface CheckpointCallbackOptions {
  /** Kept with every checkpoint, as SaveCheckpointOptions.settings. */
  settings?: Record<string, unknown> | undefined;
  /** As SaveCheckpointOptions.saveOptions. */
  saveOptions?: SaveOptions | undefined;
}

/**
 * Callbacks for fit and fitAsync that save a checkpoint into `directory` after every epoch (the model
 * fit trains, `optimizer`'s settings and state, the fit's state); loadCheckpoint(directory) resumes.
 * On the CPU backends onEpochEnd saves at once (saveCheckpoint). On a backend that reads values back
 * only asynchronously (WebGPU), which only fitAsync trains on, it returns the promise of
 * saveCheckpointAsync, which fitAsync awaits before the next epoch: the same files either way.
 *
 * @example
 * model.fit(x, y, { optimizer, callbacks: checkpointCallback('runs/a/checkpoint', optimizer) });
 * // later, after a crash:
 * const c = loadCheckpoint('runs/a/checkpoint')!;
 * c.model.fit(x, y, { optimizer: c.optimizer!, resume: c.fit });
 */
export function checkpointCallback(
  directory: string,
  optimizer: Optimizer,
  options: CheckpointCallbackOptions = {},
): TrainingCallbacks {
  let model: Model | null = null;
  // Typed void so that fit takes it too: it returns a promise only on a backend fit refuses, for fitAsync to await.
  const onEpochEnd: (logs: EpochLogs, fit: FitState) => void = (_logs, fit) => {
    if (model === null)
      throw new ValueError("checkpointCallback: onEpochEnd ran before onTrainBegin; use it as fit's callbacks");
    const save = { model, optimizer, fit, settings: options.settings, saveOptions: options.saveOptions };
    const device = getBackend().device;
    if (device !== undefined && device.readSync === undefined) return saveCheckpointAsync(directory, save);
    saveCheckpoint(directory, save);
  };
  return {
    onTrainBegin: (info) => {
      if (info.optimizer !== optimizer)
        throw new ValueError(
          'checkpointCallback: fit trains with another optimizer than the one given to checkpointCallback; ' +
            'pass the same one to both',
        );
      model = info.model;
    },
    onEpochEnd,
  };
}

/**
 * The newest complete checkpoint in `directory`, or null when there is none. Every field of
 * latest.json and state.json is checked (see checkpointState.ts), and optimizer.safetensors is
 * bounded by the buffers state.json names before it is read. Throws FileFormatError naming the file
 * and the field for a damaged or tampered checkpoint, FileSystemError for one that cannot be read.
 */
export function loadCheckpoint(directory: string): Checkpoint | null {
  const latestPath = join(directory, LATEST_FILE);
  if (!existsSync(latestPath)) return null;
  const latest = parseJson(latestPath, CHECKPOINT_MAX_LATEST_BYTES);
  const latestFailure = fieldFailure(latestPath);
  if (latest.format !== CHECKPOINT_FORMAT)
    latestFailure('format', `must be '${CHECKPOINT_FORMAT}', got ${describeValue(latest.format)}`);
  const folderName = latest.folder;
  if (typeof folderName !== 'string' || !/^epoch-\d{1,9}$/.test(folderName))
    latestFailure('folder', `must name an epoch-NNNN checkpoint folder, got ${describeValue(folderName)}`);
  const epoch = Number((folderName as string).slice('epoch-'.length));
  if (latest.epoch !== epoch)
    latestFailure(
      'epoch',
      `must be ${epoch}, the epoch of folder ${folderName as string}, got ${describeValue(latest.epoch)}`,
    );
  const folder = join(directory, folderName as string);
  const { model, manifest } = loadModel(folder);
  const statePath = join(folder, STATE_FILE);
  const state = parseJson(statePath, CHECKPOINT_MAX_STATE_BYTES);
  const fail = fieldFailure(statePath);
  if (state.format !== CHECKPOINT_FORMAT)
    fail('format', `must be '${CHECKPOINT_FORMAT}', got ${describeValue(state.format)}`);
  const fit = checkFitState(state.fit, 'fit', fail);
  if (fit.epoch !== epoch) fail('fit.epoch', `must be ${epoch}, the epoch latest.json names, got ${fit.epoch}`);
  const weights = model.trainableWeights();
  const optimizer = checkOptimizerRecord(
    state.optimizer,
    'optimizer',
    weights.length,
    CHECKPOINT_MAX_BUFFERS_PER_WEIGHT,
    fail,
  );
  const rebuilt = checkOptimizerConfig(
    (state.optimizer as Record<string, unknown>).config,
    optimizer.className,
    'optimizer.config',
    fail,
  );
  const settings = state.settings === undefined ? {} : checkRecord(state.settings, 'settings', fail);

  const optimizerPath = join(folder, OPTIMIZER_FILE);
  const bufferValues = optimizer.buffers.reduce((sum, names, index) => sum + names.length * weights[index]!.size, 0);
  const { tensors } = decodeSafetensors(
    readRegularFile(optimizerPath, {
      maxBytes: CHECKPOINT_OPTIMIZER_HEADER_BYTES + 8 * bufferValues,
      what: 'the optimizer buffers state.json names',
    }),
    optimizerPath,
  );
  const optimizerState: OptimizerState = {
    iterations: optimizer.iterations,
    weights: optimizer.steps.map((step, index) => {
      if (step === null) return null;
      const named = Object.fromEntries(
        optimizer.buffers[index]!.map((buffer) => {
          const tensor = tensors.get(`${index}/${buffer}`);
          if (tensor === undefined || tensor.size !== weights[index]!.size) {
            throw new FileFormatError(
              optimizerPath,
              `buffer '${index}/${buffer}' is missing or not the size of weight ${index} (${weights[index]!.size})`,
            );
          }
          const at = tensor.dataSync().findIndex((value) => !Number.isFinite(value));
          if (at !== -1)
            throw new FileFormatError(
              optimizerPath,
              `buffer '${index}/${buffer}' holds ${tensor.dataSync()[at]} at index ${at}; optimizer buffers ` +
                `must be finite`,
            );
          return [buffer, tensor.dataSync()];
        }),
      );
      return { step, buffers: named };
    }),
  };
  if (rebuilt?.optimizer) {
    try {
      rebuilt.optimizer.setState(weights, optimizerState);
    } catch (error) {
      if (error instanceof ValueError) fail('optimizer', `does not fit the model or its settings: ${error.message}`);
      throw error;
    }
  }
  return {
    model,
    fit,
    optimizer: rebuilt?.optimizer ?? null,
    optimizerConfig: rebuilt?.config ?? null,
    optimizerState,
    optimizerClassName: optimizer.className,
    settings,
    stateFile: statePath,
    ...(manifest.classNames === undefined ? {} : { classNames: manifest.classNames }),
  };
}

/** The JSON object in the regular file at `path`, read only if it is at most `maxBytes`. */
function parseJson(path: string, maxBytes: number): Record<string, unknown> {
  const text = readRegularTextFile(path, { maxBytes, what: 'this checkpoint file' });
  let value: unknown;
  checkJsonDepth(text, path);
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(path, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(value))
    throw new FileFormatError(path, `is not valid JSON (not an object but ${describeValue(value)})`);
  return value;
}
