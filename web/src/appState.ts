// What the pages share: the current model (trained on the Train page or loaded from files saved by
// the CLI), which the Draw page classifies with.

import type { Model } from 'convnet-ts';

export interface CurrentModel {
  model: Model;
  classNames: readonly string[];
  /** Where it came from, shown to the user: "trained here, 94.1% test accuracy", a file name. */
  source: string;
}

let current: CurrentModel | null = null;
const listeners = new Set<(model: CurrentModel | null) => void>();

export function currentModel(): CurrentModel | null {
  return current;
}

export function setCurrentModel(model: CurrentModel | null): void {
  current = model;
  for (const listener of listeners) listener(model);
}

/** Calls `listener` on every change until the returned function is called. */
export function onModelChange(listener: (model: CurrentModel | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
