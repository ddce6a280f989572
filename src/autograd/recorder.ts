// The recording side of reverse-mode autodiff: ops report what they computed here, and the active
// GradientTape (if any) keeps the entries whose inputs it tracks. Kept apart from tape.ts so that ops
// can record without importing the backward rules (which themselves call ops).

import type { Tensor } from '../core/tensor.js';
import type { KernelId } from '../kernels/ids.js';

/**
 * What a backward rule is registered under: a kernel id, a pure view op with no kernel (Reshape), or
 * an op that runs a shared kernel with a backward rule of its own (SliceChannels runs CopyColumns).
 */
export type OperationId = KernelId | 'Reshape' | 'SliceChannels' | 'Conv2DTranspose';

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

/** Every tape that is recording now, outermost first: nested tapes all see the ops. */
let activeRecorders: readonly Recorder[] = [];

/** Whether any tape is recording (ops may skip work that only a backward pass needs). */
export function isRecording(): boolean {
  return activeRecorders.length > 0;
}

/** Called by every differentiable op after it has computed its output. */
export function record<Saved>(entry: TapeEntry<Saved>): void {
  for (const recorder of activeRecorders) recorder.record(entry);
}

/** Runs `body` with `recorder` recording too (tapes nest), restoring the previous set afterwards. */
export function withRecorder<T>(recorder: Recorder, body: () => T): T {
  return withRecorders([...activeRecorders, recorder], body);
}

/** Runs `body` with no tape recording (backward passes use this). */
export function withoutRecording<T>(body: () => T): T {
  return withRecorders([], body);
}

function withRecorders<T>(recorders: readonly Recorder[], body: () => T): T {
  const previous = activeRecorders;
  activeRecorders = recorders;
  try {
    return body();
  } finally {
    activeRecorders = previous;
  }
}
