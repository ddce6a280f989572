// Training checkpoints: after each epoch, everything a fit needs to go on as if it had not stopped:
// the model (model.json + weights.safetensors), the optimizer's buffers (optimizer.safetensors), and
// state.json (the fit's generators, example order and logs, the optimizer's step counts, and the
// caller's settings). Each checkpoint goes into a folder of its own, epoch-NNNN; latest.json, written
// last and atomically, names the newest complete one, so a process killed while saving leaves the
// previous checkpoint in force. Older folders are removed once latest.json points past them.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { FitState } from '../model/callbacks.js';
import type { Model } from '../model/model.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { writeFileAtomic } from './atomicWrite.js';
import { loadModel, saveModel } from './modelFile.js';
import type { SaveOptions } from './modelFormat.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

const LATEST_FILE = 'latest.json';
const STATE_FILE = 'state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const CHECKPOINT_FORMAT = 'convnet-ts-checkpoint';
/** state.json holds the example order: a few hundred kilobytes for 60,000 examples. */
const MAX_STATE_BYTES = 256 * 1024 * 1024;

/** What state.json holds besides the model. */
interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  fit: FitState;
  optimizer: { className: string; iterations: number; steps: (number | null)[]; buffers: string[][] };
  settings: Record<string, unknown>;
}

export interface Checkpoint {
  model: Model;
  fit: FitState;
  /** The optimizer's state for model.trainableWeights(), for Optimizer.setState. */
  optimizerState: OptimizerState;
  optimizerClassName: string;
  /** What the caller saved with the checkpoint (the CLI: its training settings). */
  settings: Record<string, unknown>;
  classNames?: string[];
}

/**
 * Saves a checkpoint of a fit after an epoch into `directory` (created if needed).
 *
 * @example
 * model.fit(x, y, { optimizer, callbacks: { onEpochEnd: (_, state) => saveCheckpoint('runs/a/checkpoint', model, optimizer, state) } });
 */
export function saveCheckpoint(directory: string, model: Model, optimizer: Optimizer, fit: FitState, settings: Record<string, unknown> = {}, saveOptions: SaveOptions = {}): void {
  const name = `epoch-${String(fit.epoch).padStart(4, '0')}`;
  const folder = join(directory, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  saveModel(model, folder, saveOptions);
  const optimizerState = optimizer.getState(model.trainableWeights());
  const buffers = optimizerState.weights.map((weight) => (weight === null ? [] : Object.keys(weight.buffers).sort()));
  const tensors = optimizerState.weights.flatMap((weight, index) =>
    weight === null ? [] : buffers[index]!.map((buffer) => ({ name: `${index}/${buffer}`, tensor: new Tensor(weight.buffers[buffer]!, [weight.buffers[buffer]!.length]) })),
  );
  writeFileAtomic(join(folder, OPTIMIZER_FILE), encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT }));
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    fit,
    optimizer: { className: optimizer.className, iterations: optimizerState.iterations, steps: optimizerState.weights.map((weight) => weight?.step ?? null), buffers },
    settings,
  };
  writeFileAtomic(join(folder, STATE_FILE), JSON.stringify(state));
  writeFileAtomic(join(directory, LATEST_FILE), `${JSON.stringify({ format: CHECKPOINT_FORMAT, epoch: fit.epoch, folder: name })}\n`);
  for (const entry of readdirSync(directory)) {
    if (entry !== name && /^epoch-\d+$/.test(entry)) rmSync(join(directory, entry), { recursive: true, force: true });
  }
}

/** The newest complete checkpoint in `directory`, or null when there is none. Throws FileFormatError for a damaged one. */
export function loadCheckpoint(directory: string): Checkpoint | null {
  const latestPath = join(directory, LATEST_FILE);
  if (!existsSync(latestPath)) return null;
  const latest = parseJson(latestPath, 64 * 1024) as { format?: unknown; folder?: unknown };
  if (latest.format !== CHECKPOINT_FORMAT || typeof latest.folder !== 'string' || !/^epoch-\d+$/.test(latest.folder)) {
    throw new FileFormatError(latestPath, `field 'folder' must name an epoch-NNNN checkpoint folder`);
  }
  const folder = join(directory, latest.folder);
  const { model, manifest } = loadModel(folder);
  const statePath = join(folder, STATE_FILE);
  const state = parseJson(statePath, MAX_STATE_BYTES) as Partial<CheckpointState>;
  if (state.format !== CHECKPOINT_FORMAT || typeof state.fit !== 'object' || state.fit === null || typeof state.optimizer !== 'object' || state.optimizer === null) {
    throw new FileFormatError(statePath, `fields 'format', 'fit' and 'optimizer' must describe a ${CHECKPOINT_FORMAT}`);
  }
  const { steps, buffers, iterations, className } = state.optimizer;
  const weights = model.trainableWeights();
  if (!Array.isArray(steps) || !Array.isArray(buffers) || steps.length !== weights.length || buffers.length !== weights.length || typeof iterations !== 'number') {
    throw new FileFormatError(statePath, `field 'optimizer' must list the state of the model's ${weights.length} trainable weights`);
  }
  const optimizerPath = join(folder, OPTIMIZER_FILE);
  const { tensors } = decodeSafetensors(readFileSync(optimizerPath), optimizerPath);
  const optimizerState: OptimizerState = {
    iterations,
    weights: steps.map((step, index) => {
      if (step === null) return null;
      const named = Object.fromEntries(buffers[index]!.map((buffer) => {
        const tensor = tensors.get(`${index}/${buffer}`);
        if (tensor === undefined || tensor.size !== weights[index]!.size) {
          throw new FileFormatError(optimizerPath, `buffer '${index}/${buffer}' is missing or not the size of weight ${index} (${weights[index]!.size})`);
        }
        return [buffer, tensor.data];
      }));
      return { step, buffers: named };
    }),
  };
  return {
    model,
    fit: state.fit as FitState,
    optimizerState,
    optimizerClassName: String(className),
    settings: state.settings ?? {},
    ...(manifest.classNames === undefined ? {} : { classNames: manifest.classNames }),
  };
}

function parseJson(path: string, maxBytes: number): unknown {
  if (!existsSync(path)) throw new FileFormatError(path, 'does not exist');
  if (statSync(path).size > maxBytes) throw new FileFormatError(path, `is larger than ${maxBytes} bytes`);
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new FileFormatError(path, `is not valid JSON (${(error as Error).message})`);
  }
}
