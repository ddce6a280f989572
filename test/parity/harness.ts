// The shape of every parity test: a list of cases, each running some kernels on fixed inputs; the
// WebAssembly backend (relaxed-SIMD and plain-SIMD builds, 2 threads) must match the reference
// kernels within each case's tolerance, and give bit-identical outputs on 1 and 2 threads.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initWasmBackend, type Random, setBackend, type KernelSignatures } from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { cpuKernels, type KernelTable } from '../../src/kernels/registry.js';
import type { FusedActivation } from '../../src/kernels/params.js';
import { probeWasmFeatures } from '../../src/kernels/wasm/featureProbe.js';
import { assertClose } from '../helpers.js';

export interface ParityCase {
  name: string;
  /** Runs the kernels on the case's inputs and returns every output. */
  run(kernels: KernelSignatures): ArrayLike<number>[];
  tolerance: { atol: number; rtol: number };
}

const features = await probeWasmFeatures();

/** node:test's skip option: a reason where the engine cannot run the wasm backend. */
export const wasmSkip: string | false = features.simd
  ? false
  : 'this engine has no WebAssembly SIMD: the wasm backend cannot run (reported, not ignored)';

/** No activation, then every kind of FusedActivation with the parameters the networks use. */
export const FUSED_ACTIVATIONS: readonly (FusedActivation | undefined)[] = [
  undefined,
  { kind: 'relu' },
  { kind: 'clip', min: 0, max: 6 },
  { kind: 'sigmoid' },
  { kind: 'silu' },
  { kind: 'leakyRelu', alpha: 0.1 },
  { kind: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 },
  { kind: 'hardSwish', alpha: 1 / 6, beta: 0.5 },
];

/** Values uniform in [offset - scale, offset + scale). */
export function randomArray(random: Random, size: number, scale = 1, offset = 0): Float32Array {
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++) values[index] = offset + (random.uniform() * 2 - 1) * scale;
  return values;
}

/** One test per case and build: the wasm outputs match the reference within the case's tolerance. */
export function describeBuildParity(title: string, cases: readonly ParityCase[]): void {
  for (const build of [
    { name: 'relaxed SIMD', disableRelaxedSimd: false },
    { name: 'plain SIMD', disableRelaxedSimd: true },
  ]) {
    describe(`wasm backend (${build.name}): ${title} match the reference kernels`, { skip: wasmSkip }, () => {
      let wasm: KernelTable;
      before(async () => {
        await initWasmBackend({ threads: 2, disableRelaxedSimd: build.disableRelaxedSimd });
        wasm = cpuKernels();
        setBackend('reference');
      });
      for (const parityCase of cases) {
        test(parityCase.name, () => {
          const expected = parityCase.run(referenceBackend.kernels);
          const actual = parityCase.run(wasm);
          actual.forEach((values, index) => {
            assertClose(values, expected[index]!, parityCase.tolerance, `${parityCase.name} output ${index}`);
          });
        });
      }
    });
  }
}

/** Every case gives bit-identical outputs on 1 and 2 threads (cases above the threading threshold split the work). */
export function describeThreadDeterminism(title: string, cases: readonly ParityCase[]): void {
  describe(`wasm backend: the thread count never changes ${title}`, { skip: wasmSkip }, () => {
    after(() => setBackend('reference'));
    test('bit-identical outputs on 1 and 2 threads', async () => {
      await initWasmBackend({ threads: 1 });
      const single = cases.map((parityCase) => parityCase.run(cpuKernels()));
      await initWasmBackend({ threads: 2 });
      const double = cases.map((parityCase) => parityCase.run(cpuKernels()));
      cases.forEach((parityCase, index) => {
        single[index]!.forEach((values, output) => {
          assert.deepEqual(
            Array.from(double[index]![output]!),
            Array.from(values),
            `${parityCase.name} output ${output}`,
          );
        });
      });
    });
  });
}
