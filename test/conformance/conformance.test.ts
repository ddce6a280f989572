// The conformance suite (test/conformance/suite.ts) on every backend that runs in Node: the reference
// backend against itself (which checks the suite: its directional derivatives, determinism, save and
// load), and the WebAssembly backend with 1 and with 2 threads. One test per case and backend; a case
// in KNOWN_GAPS that fails is reported as to-do with its reason, and one that passes fails (remove it).
// test/browser/conformance.test.ts runs the same cases on WebGPU in headless Chromium.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
// The Node entry: it installs the file loading the WebAssembly backend needs in Node.
import { initWasmBackend } from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { listBackends, registerBackend, setBackend } from '../../src/kernels/registry.js';
import { probeWasmFeatures } from '../../src/kernels/wasm/featureProbe.js';
import { caseTitle, type ConformanceContext } from './conformance.js';
import { conformanceCases, KNOWN_GAPS } from './suite.js';

const features = await probeWasmFeatures();
const wasmSkip = features.simd ? false : 'this engine has no WebAssembly SIMD: the wasm backend cannot run';

const BACKENDS: { context: ConformanceContext; start: () => Promise<unknown>; skip: string | false }[] = [
  { context: { backend: 'reference', label: 'reference' }, start: async () => setBackend('reference'), skip: false },
  {
    context: { backend: 'wasm', label: 'wasm, 1 thread' },
    start: () => initWasmBackend({ threads: 1 }),
    skip: wasmSkip,
  },
  {
    context: { backend: 'wasm', label: 'wasm, 2 threads' },
    start: () => initWasmBackend({ threads: 2 }),
    skip: wasmSkip,
  },
];

registerBackend(referenceBackend);

for (const { context, start, skip } of BACKENDS) {
  describe(`conformance on ${context.label}`, { skip }, () => {
    before(async () => {
      await start();
      setBackend(context.backend);
    });
    after(() => setBackend('reference'));
    for (const conformanceCase of conformanceCases()) {
      const title = caseTitle(conformanceCase);
      const gap = KNOWN_GAPS[context.backend]?.[title];
      test(title, async (t) => {
        let note: string | undefined;
        try {
          note = await conformanceCase.run(context);
        } catch (error) {
          if (gap === undefined) throw error;
          t.todo(`known gap: ${gap} (${(error as Error).message.split('\n')[0]})`);
          return;
        }
        assert.equal(gap, undefined, `${title} passes on ${context.label} now: remove it from KNOWN_GAPS`);
        if (note !== undefined) t.diagnostic(note);
      });
    }
  });
}

test('every backend registered in Node runs the suite', { skip: wasmSkip }, async () => {
  await initWasmBackend({ threads: 1 });
  setBackend('reference');
  const covered = new Set(BACKENDS.map(({ context }) => context.backend));
  assert.deepEqual(
    listBackends().filter((name) => !covered.has(name)),
    [],
    'add the backend to BACKENDS in this file',
  );
});
