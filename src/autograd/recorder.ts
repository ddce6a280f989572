// The recording side of reverse-mode autodiff: ops report what they computed here, and the active
// GradientTape (if any) keeps the entries whose inputs it tracks. Kept apart from tape.ts so that ops
// can record without importing the backward rules (which themselves call ops).

import type { Tensor } from '../core/tensor.js';
import type { KernelId } from '../kernels/ids.js';

/** What a backward rule is registered under: a kernel id, or a pure view op with no kernel. */
export type OperationId = KernelId | 'Reshape';

/** One recorded op: its inputs, its output, and what its backward rule needs. */
export interface TapeEntry<Saved = unknown> {
  readonly id: OperationId;
  readonly inputs: readonly (Tensor | null)[];
  readonly output: Tensor;
  readonly saved: Saved;
}

/** Anything that can take recorded entries; implemented by GradientTape. */
export interface Recorder {
  record(entry: TapeEntry): void;
}

let activeRecorder: Recorder | null = null;

/** Called by every differentiable op after it has computed its output. */
export function record<Saved>(entry: TapeEntry<Saved>): void {
  activeRecorder?.record(entry);
}

/** Runs `body` with `recorder` active, restoring the previous one afterwards (tapes may nest). */
export function withRecorder<T>(recorder: Recorder | null, body: () => T): T {
  const previous = activeRecorder;
  activeRecorder = recorder;
  try {
    return body();
  } finally {
    activeRecorder = previous;
  }
}
