// Which backend a training worker (the Train and Teach pages') computes with, and the host copy of a model
// trained on WebGPU. The worker starts WebGPU (initWebGpuBackend; navigator.gpu exists in dedicated workers)
// where the browser has an adapter and the page did not ask for WebAssembly (`?backend=wasm`), and
// WebAssembly otherwise. WebGPU reads values back only asynchronously, so the pictures and the saved files
// are made on the CPU backend from a host twin of the model whose weights are read with `await data()`.

import { backendInfo, initWebGpuBackend, ready, setBackend, WebGpuUnavailableError, type Model } from 'convnet-ts';
import { onHeap } from './onHeap.js';
import type { BackendChoice, WorkerBackend } from './backendChoice.js';
import { errorMessage } from './ui.js';

/** The name of the CPU backend the worker falls back on and draws pictures with. */
let cpuBackend = 'reference';
/** Whether the worker trains on WebGPU. */
let isOnGpu = false;

/**
 * Starts the worker's backends: WebAssembly always (the fallback, and where pictures are drawn), then WebGPU
 * unless `choice` is 'wasm'; WebGPU becomes the active backend when it starts.
 */
export async function startWorkerBackend(choice: BackendChoice): Promise<WorkerBackend> {
  await ready();
  cpuBackend = backendInfo().active;
  let fallback: string | null = null;
  if (choice === 'auto') {
    try {
      await initWebGpuBackend();
      isOnGpu = true;
    } catch (error) {
      fallback = error instanceof WebGpuUnavailableError ? error.message : `WebGPU failed: ${errorMessage(error)}`;
      setBackend(cpuBackend);
    }
  }
  const info = backendInfo();
  return {
    active: info.active,
    adapter: isOnGpu ? info.webgpuAdapter : null,
    fallback,
    threads: info.wasm?.threads ?? 1,
    build: info.wasm?.build ?? null,
    isIsolated: globalThis.crossOriginIsolated === true,
  };
}

/** Whether the worker trains on WebGPU (values read back only with `await data()`). */
export function isTrainingOnGpu(): boolean {
  return isOnGpu;
}

/** `body`'s result, computed on the CPU backend (the pictures' synchronous reads); the active backend after. */
export function onCpu<T>(body: () => T): T {
  if (!isOnGpu) return body();
  setBackend(cpuBackend);
  try {
    return body();
  } finally {
    setBackend('webgpu');
  }
}

/** Each trained model's host twin, made once (on the JavaScript heap, see onHeap). */
const twins = new WeakMap<Model, Model>();

/**
 * The model to draw and save from: `model` itself on a CPU backend; on WebGPU, its twin (the same network
 * made on the CPU by `makeTwin`, once) with `model`'s weights read back into it, one `await data()` per weight.
 */
export async function hostModel(model: Model, makeTwin: () => Model): Promise<Model> {
  if (!isOnGpu) return model;
  const values: Float32Array[] = [];
  for (const { tensor } of model.namedWeights()) values.push(Float32Array.from(await tensor.data()));
  return onCpu(() => {
    let twin = twins.get(model);
    if (twin === undefined) {
      twin = onHeap(makeTwin);
      twins.set(model, twin);
    }
    twin.namedWeights().forEach(({ tensor }, index) => {
      tensor.dataSync().set(values[index]!);
    });
    return twin.markWeightsChanged();
  });
}
