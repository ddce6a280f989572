// Which backend runs when the user has not chosen one. Importing the library starts nothing: the
// reference kernels are registered, and the WebAssembly backend starts on `await ready()` or at the
// first op. In Node that first op starts it synchronously (file read, compile; workers join when up);
// a page cannot block, so there the first ops run on the reference kernels while it starts in the
// background, and it takes over at the next op outside every withScope (registry.ts).

import { BackendError } from '../core/errors.js';
import { referenceBackend } from './js/referenceBackend.js';
import {
  activeBackendName,
  adoptDefaultBackend,
  isBackendChosen,
  registerBackend,
  setBackend,
  setFirstUseStart,
  webGpuAdapterName,
} from './registry.js';
import {
  checkWasmBackendOptions,
  createWasmBackend,
  createWasmBackendSync,
  type WasmBackend,
  type WasmBackendInfo,
  type WasmBackendOptions,
} from './wasm/wasmBackend.js';
import { wasmPlatform } from './wasm/platform.js';

/**
 * Where the WebAssembly backend stands: 'idle' (not started: nothing has run yet, or a backend was
 * chosen before it could), 'starting', 'running', or 'unavailable' (see wasmUnavailableReason).
 */
export type WasmState = 'idle' | 'starting' | 'running' | 'unavailable';

/** What backendInfo() and ready() report. */
export interface BackendInfo {
  /** The backend ops dispatch to now ('reference' until the WebAssembly one is up). */
  active: string;
  /** What the WebAssembly backend chose (build, features, threads); null until it has started. */
  wasm: WasmBackendInfo | null;
  /** Where the WebAssembly backend stands (see WasmState). */
  wasmState: WasmState;
  /** Why the WebAssembly backend could not start, or null. */
  wasmUnavailableReason: string | null;
  /** The WebAssembly memory's highest use so far, in bytes; null without the WebAssembly backend. */
  wasmArenaPeakBytes: number | null;
  /**
   * The WebAssembly memory in use now, in bytes (temporaries, weights, optimizer state); null without the WebAssembly
   * backend.
   */
  wasmArenaBytesInUse: number | null;
  /** The WebGPU adapter's name once initWebGpuBackend has started it (e.g. "google swiftshader"), else null. */
  webgpuAdapter: string | null;
}

let wasmBackend: WasmBackend | null = null;
let wasmUnavailableReason: string | null = null;
let wasmState: WasmState = 'idle';
/** The default start in flight or done, shared by every ready() call. */
let defaultStart: Promise<BackendInfo> | null = null;

/**
 * Starts the WebAssembly SIMD backend (relaxed SIMD and all cores where available), registers it as
 * 'wasm' and makes it the active backend. Calling it again with other options restarts it.
 * Throws ValueError where WebAssembly SIMD is missing, or for `threads` outside 1 to
 * MAX_WASM_THREADS (64); BackendError (naming the URL and the reason) where the `.wasm` build or the
 * kernel worker cannot be loaded: pass `wasmUrl` / `workerUrl` where a bundler put them elsewhere.
 * A failed call leaves the running backend as it was.
 *
 * @example
 * await initWasmBackend({ threads: 2 });
 * getBackend().name; // 'wasm'
 */
export async function initWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  checkWasmBackendOptions(options);
  // The new backend starts before the old one stops: a failed start leaves the running one in use.
  const next = await createWasmBackend(options);
  useWasmBackend(next);
  registerBackend(next);
  setBackend('wasm');
  return next.info;
}

/**
 * Starts the fast backend, as the first op would, and resolves once the backend is chosen: the
 * WebAssembly one where it starts, otherwise the reference kernels (backendInfo().wasmUnavailableReason
 * says why; a build or worker that did not load is also said once with console.warn). Safe to call
 * any number of times, also at once: every call shares one start, and `options` (as initWasmBackend's;
 * invalid ones reject with ValueError) count on the first call only. Starts nothing where a backend was chosen already
 * (setBackend, initWasmBackend). In a page, `await ready()` before the first op to get the fast kernels from the
 * first call (without it the first ops run on the reference kernels while the fast ones start).
 *
 * @example
 * await ready();
 * backendInfo().active; // 'wasm' where WebAssembly SIMD exists
 * const logits = model.predict(input);
 */
export function ready(options: WasmBackendOptions = {}): Promise<BackendInfo> {
  if (defaultStart !== null) return defaultStart;
  try {
    checkWasmBackendOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  if (wasmState !== 'idle' || isBackendChosen()) return Promise.resolve(backendInfo());
  defaultStart = startInBackground(options);
  return defaultStart;
}

/**
 * What the library runs on: the active backend, the WebAssembly build chosen, its state, or why there
 * is none; the WebAssembly memory's highest use so far (`wasmArenaPeakBytes`) and its use now
 * (`wasmArenaBytesInUse`: scope temporaries, weights, optimizer state and tensors kept outside scopes,
 * which drops when they are disposed or collected); null without the WebAssembly backend. Starts nothing.
 */
export function backendInfo(): BackendInfo {
  return {
    active: activeBackendName() ?? 'none',
    wasm: wasmBackend?.info ?? null,
    wasmState,
    wasmUnavailableReason,
    wasmArenaPeakBytes: wasmBackend?.peakBytes() ?? null,
    wasmArenaBytesInUse: wasmBackend?.bytesInUse() ?? null,
    webgpuAdapter: webGpuAdapterName(),
  };
}

function useWasmBackend(next: WasmBackend): void {
  if (wasmBackend !== next) wasmBackend?.dispose();
  wasmBackend = next;
  wasmState = 'running';
  wasmUnavailableReason = null;
}

function noteFailure(error: unknown): void {
  wasmState = 'unavailable';
  wasmUnavailableReason = error instanceof Error ? error.message : String(error);
  // A missing SIMD is a fact of the engine and stays quiet; a build or worker that SIMD could run but
  // that did not load is a deployment mistake, said once (the page still runs, on the slow kernels).
  if (error instanceof BackendError)
    console.warn(`${wasmUnavailableReason} (running on the reference kernels, several times slower)`);
}

/** The default start, asynchronous: ready(), and the first op in a page. */
async function startInBackground(options: WasmBackendOptions): Promise<BackendInfo> {
  wasmState = 'starting';
  setFirstUseStart(null);
  let next: WasmBackend;
  try {
    next = await createWasmBackend(options);
  } catch (error) {
    // A backend chosen meanwhile (initWasmBackend) has its own state.
    if (wasmState === 'starting') noteFailure(error);
    return backendInfo();
  }
  if (wasmState !== 'starting' || !adoptDefaultBackend(next)) {
    // The user chose a backend while this one started: theirs stays, this one stops.
    next.dispose();
    return backendInfo();
  }
  useWasmBackend(next);
  return backendInfo();
}

/** The default start at the first op: synchronous in Node, in the background in a page. */
function startAtFirstUse(): void {
  if (wasmState !== 'idle') return;
  if (wasmPlatform().readFileSync === null) {
    void ready();
    return;
  }
  try {
    const next = createWasmBackendSync((error) => console.warn(`${error.message} (running on one thread)`));
    if (adoptDefaultBackend(next)) useWasmBackend(next);
    else next.dispose();
  } catch (error) {
    noteFailure(error);
  }
}

let isInstalled = false;

/**
 * Registers the reference backend (active until the WebAssembly one starts) and the start at the
 * first op; starts nothing. The entry points call it at import. @internal
 */
export function installDefaultBackend(): void {
  if (isInstalled) return;
  isInstalled = true;
  registerBackend(referenceBackend);
  setFirstUseStart(startAtFirstUse);
}
