// The page side of test/browser/conformance.test.ts: the conformance suite (test/conformance/suite.ts)
// run in Chromium on the WebAssembly backend (2 threads where the page is cross-origin isolated, else
// 1) and on WebGPU (SwiftShader), each against the reference backend. Leaves one record per case and
// backend in window.conformanceResult, or why a backend is unavailable.

// Module by module, not through src/api.ts: the page loads unbundled ES modules.
import '../../src/autograd/grads/index.js';
import { initWasmBackend } from '../../src/kernels/defaultBackend.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { registerBackend, setBackend } from '../../src/kernels/registry.js';
import { WebGpuUnavailableError } from '../../src/kernels/webgpu/device.js';
import { activeWebGpuBackend, initWebGpuBackend } from '../../src/kernels/webgpu/webgpuBackend.js';
import { caseTitle, type ConformanceContext } from '../conformance/conformance.js';
import { conformanceCases } from '../conformance/suite.js';

/** One case's outcome on one backend. */
export interface CaseOutcome {
  /** Set where the case threw: its message. */
  error?: string;
  /** What the case reported on success. */
  note?: string;
  /** Wall-clock milliseconds the case took (for the report only; SwiftShader says nothing of a GPU). */
  milliseconds: number;
}

/** One backend's run of the suite. */
export interface BackendRun {
  /** Why the backend could not start; the cases did not run. */
  unavailable?: string;
  /** The backend as the report names it, e.g. 'webgpu (google swiftshader)'. */
  label?: string;
  /** Outcomes by case title ('layer: Conv2D 3x3 valid'). */
  cases?: Record<string, CaseOutcome>;
  /** A WebGPU validation error raised while the cases ran. */
  validationError?: string;
}

/** What the page leaves in window.conformanceResult. */
export interface ConformancePageResult {
  error?: string;
  /** Runs by backend name: 'wasm', 'webgpu'. */
  runs?: Record<string, BackendRun>;
}

async function runSuite(context: ConformanceContext): Promise<Record<string, CaseOutcome>> {
  const outcomes: Record<string, CaseOutcome> = {};
  for (const conformanceCase of conformanceCases()) {
    const start = performance.now();
    setBackend(context.backend);
    let outcome: Omit<CaseOutcome, 'milliseconds'>;
    try {
      const note = await conformanceCase.run(context);
      outcome = note === undefined ? {} : { note };
    } catch (error) {
      outcome = { error: String((error as Error)?.stack ?? error).slice(0, 1500) };
    }
    outcomes[caseTitle(conformanceCase)] = { ...outcome, milliseconds: performance.now() - start };
  }
  return outcomes;
}

async function wasmRun(): Promise<BackendRun> {
  const threads = globalThis.crossOriginIsolated === true ? 2 : 1;
  try {
    const info = await initWasmBackend({ threads });
    const context = {
      backend: 'wasm',
      label: `wasm in Chromium, ${info.threads} thread${info.threads > 1 ? 's' : ''}`,
    };
    return { label: context.label, cases: await runSuite(context) };
  } catch (error) {
    return { unavailable: String((error as Error)?.message ?? error) };
  }
}

async function webgpuRun(): Promise<BackendRun> {
  let adapterName: string;
  try {
    ({ adapterName } = await initWebGpuBackend());
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) return { unavailable: error.message };
    throw error;
  }
  const context = { backend: 'webgpu', label: `webgpu (${adapterName})` };
  const device = activeWebGpuBackend()!.context.device;
  device.pushErrorScope('validation');
  const cases = await runSuite(context);
  const validation = await device.popErrorScope();
  return { label: context.label, cases, ...(validation === null ? {} : { validationError: validation.message }) };
}

async function main(): Promise<ConformancePageResult> {
  registerBackend(referenceBackend);
  setBackend('reference');
  const wasm = await wasmRun();
  const webgpu = await webgpuRun();
  return { runs: { wasm, webgpu } };
}

const page = window as unknown as { conformanceResult?: ConformancePageResult };
main().then(
  (result) => {
    page.conformanceResult = result;
  },
  (error: unknown) => {
    page.conformanceResult = { error: String((error as Error)?.stack ?? error) };
  },
);
