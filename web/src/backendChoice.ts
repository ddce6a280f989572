// The choice of backend the explorer's training workers (the Train and Teach pages') make, as the page and
// the workers share it: the page's address asks (`?backend=wasm` forces WebAssembly; by default a worker
// trains on WebGPU where the browser has an adapter), the worker says which backend it started
// (workerBackend.ts), and the page shows that in one line.

/** What the page asks for: WebGPU where the browser has it ('auto'), or WebAssembly always ('wasm'). */
export type BackendChoice = 'auto' | 'wasm';

/** The page's choice, from its address: `?backend=wasm` forces WebAssembly; anything else is 'auto'. */
export function backendChoice(search: string = globalThis.location?.search ?? ''): BackendChoice {
  return new URLSearchParams(search).get('backend') === 'wasm' ? 'wasm' : 'auto';
}

/** The backend a worker trains on, as its 'ready' message tells the page. */
export interface WorkerBackend {
  /** 'webgpu', 'wasm' or 'reference' (backendInfo().active). */
  active: string;
  /** The WebGPU adapter's name (backendInfo().webgpuAdapter) when active is 'webgpu'; null otherwise. */
  adapter: string | null;
  /** Why WebGPU was not used, when the page allowed it but it did not start; null otherwise. */
  fallback: string | null;
  /** The WebAssembly backend's kernel threads (1 without it). */
  threads: number;
  /** The WebAssembly build ('relaxed-simd', 'simd', ...), or null. */
  build: string | null;
  isIsolated: boolean;
}

/**
 * One line for the page: "WebGPU (google swiftshader)", "WebAssembly SIMD, 2 threads", and "WebGPU unavailable"
 * where it failed to start (the reason is in `fallback`).
 */
export function describeWorkerBackend(backend: WorkerBackend): string {
  const cpu =
    backend.active === 'reference'
      ? 'the reference JavaScript backend'
      : `WebAssembly SIMD, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}` +
        (backend.isIsolated ? '' : ' (no cross-origin isolation)');
  if (backend.active === 'webgpu') return `WebGPU (${backend.adapter ?? 'unnamed adapter'})`;
  return backend.fallback === null ? cpu : `${cpu}; WebGPU unavailable`;
}
