// Probes once what this JavaScript engine offers WebAssembly: SIMD, relaxed SIMD (fused multiply-add)
// and threads (shared memory). Node 20 has relaxed SIMD behind a V8 flag, which can be switched on
// at run time before the first module that uses it is compiled. Synchronous, so that the start at
// first use can run it.

import { wasmPlatform } from './platform.js';

/** The smallest valid modules using one SIMD and one relaxed-SIMD instruction (as wasm-feature-detect probes). */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15,
  253, 128, 2, 11,
]);

/** What the engine offers the WebAssembly backend, probed once. */
export interface WasmFeatures {
  /** WebAssembly SIMD (128-bit vectors); the backend needs it. */
  simd: boolean;
  /** Relaxed SIMD (fused multiply-add); the faster builds use it. */
  relaxedSimd: boolean;
  /** Shared WebAssembly memory and workers that can use it. */
  threads: boolean;
}

let probed: WasmFeatures | null = null;

/** What the engine supports, probed once (enabling relaxed SIMD on Node 20 if needed). */
export function probeWasmFeatures(): WasmFeatures {
  if (probed !== null) return probed;
  const hasWebAssembly = typeof WebAssembly === 'object';
  const simd = hasWebAssembly && WebAssembly.validate(SIMD_PROBE);
  let relaxedSimd = simd && WebAssembly.validate(RELAXED_SIMD_PROBE);
  if (simd && !relaxedSimd && isNode()) {
    wasmPlatform().setEngineFlags('--experimental-wasm-relaxed-simd');
    relaxedSimd = WebAssembly.validate(RELAXED_SIMD_PROBE);
  }
  let threads = false;
  try {
    threads =
      hasWebAssembly &&
      typeof SharedArrayBuffer === 'function' &&
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer &&
      (isNode() || (globalThis as { crossOriginIsolated?: boolean | undefined }).crossOriginIsolated === true);
  } catch {
    threads = false;
  }
  probed = { simd, relaxedSimd, threads };
  return probed;
}

/** Whether the loader runs on its Node platform (installed by the Node entry). */
export function isNode(): boolean {
  return wasmPlatform().name === 'node';
}
