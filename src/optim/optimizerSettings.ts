// Making an optimizer again from what getConfig gave: its class name and its constructor options
// (learning rate, momentum, betas, epsilon, weight decay, clipping...). A checkpoint saves these with
// the optimizer's buffers, so a resume needs no hand-built optimizer. A learning-rate schedule is a
// function and cannot be saved: the config keeps the learning rate the optimizer last used, and a
// resumed fit given the same schedule sets it again before every step.

import { ValueError } from '../core/errors.js';
import { Adagrad, type AdagradOptions } from './adagrad.js';
import { Adam, type AdamOptions } from './adam.js';
import { AdamW } from './adamW.js';
import type { Optimizer } from './optimizer.js';
import { RMSProp, type RmsPropOptions } from './rmsProp.js';
import { SGD, type SgdOptions } from './sgd.js';

/** The JSON form of an optimizer's hyper-parameters (Optimizer.getConfig). */
export type OptimizerConfig = Record<string, number | boolean>;

const CLIPPING = { clipNorm: 'number', clipValue: 'number' } as const;

/** Per built-in optimizer class: each constructor option getConfig writes, and its JSON type. */
export const OPTIMIZER_OPTIONS: Readonly<Record<string, Readonly<Record<string, 'number' | 'boolean'>>>> = {
  SGD: { learningRate: 'number', momentum: 'number', nesterov: 'boolean', weightDecay: 'number', ...CLIPPING },
  Adam: {
    learningRate: 'number',
    beta1: 'number',
    beta2: 'number',
    epsilon: 'number',
    weightDecay: 'number',
    ...CLIPPING,
  },
  AdamW: {
    learningRate: 'number',
    beta1: 'number',
    beta2: 'number',
    epsilon: 'number',
    weightDecay: 'number',
    ...CLIPPING,
  },
  RMSProp: {
    learningRate: 'number',
    rho: 'number',
    epsilon: 'number',
    momentum: 'number',
    centered: 'boolean',
    weightDecay: 'number',
    ...CLIPPING,
  },
  Adagrad: {
    learningRate: 'number',
    initialAccumulatorValue: 'number',
    epsilon: 'number',
    weightDecay: 'number',
    ...CLIPPING,
  },
};

/**
 * A new optimizer of the built-in class `className` with the options `config` (as getConfig gives
 * them; a missing option takes its default). Throws ValueError for an unknown class, an unknown
 * option, an option of the wrong type, or one out of range (the constructor's checks).
 *
 * @example
 * const copy = optimizerFromConfig(optimizer.className, optimizer.getConfig());
 */
export function optimizerFromConfig(className: string, config: OptimizerConfig): Optimizer {
  const options = OPTIMIZER_OPTIONS[className];
  if (options === undefined || !Object.hasOwn(OPTIMIZER_OPTIONS, className)) {
    throw new ValueError(
      `no built-in optimizer is called '${className}' (known: ${Object.keys(OPTIMIZER_OPTIONS).join(', ')})`,
    );
  }
  for (const [key, value] of Object.entries(config)) {
    if (!Object.hasOwn(options, key))
      throw new ValueError(`${className} has no option '${key}' (it takes ${Object.keys(options).join(', ')})`);
    if (typeof value !== options[key])
      throw new ValueError(`${className} ${key} must be a ${options[key]}, got ${String(value)}`);
  }
  // Each key and type is checked above against the class's own options.
  const checked = config as SgdOptions & AdamOptions & RmsPropOptions & AdagradOptions;
  switch (className) {
    case 'SGD':
      return new SGD(checked);
    case 'Adam':
      return new Adam(checked);
    case 'AdamW':
      return new AdamW(checked);
    case 'RMSProp':
      return new RMSProp(checked);
    default:
      return new Adagrad(checked);
  }
}
