// AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019): Adam whose weight
// decay shrinks the weights directly, w -= lr * weightDecay * w, instead of adding weightDecay * w to
// the gradient, where Adam's per-weight scaling would weaken it for weights with large gradients.
// As in PyTorch's torch.optim.AdamW, the decay is multiplied by the learning rate, so it follows
// schedules. Same kernel as Adam (AdamUpdate with decoupledWeightDecay).

import { Adam, type AdamOptions } from './adam.js';

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay; default 0.01 (PyTorch's default). */
  weightDecay?: number | undefined;
}

/**
 * Throws ValueError for an option out of range. State as Adam's.
 *
 * @example
 * const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
 * model.fit(x, labels, { optimizer });
 */
export class AdamW extends Adam {
  constructor(options: AdamWOptions = {}) {
    super({ ...options, weightDecay: options.weightDecay ?? 0.01 });
  }

  override get className(): string {
    return 'AdamW';
  }

  protected override get isWeightDecayDecoupled(): boolean {
    return true;
  }
}
