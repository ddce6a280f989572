// The layer suite: every registered layer class (layerRegistry.ts), in each configuration of
// layerSpecs.ts, run forward and backward (the input gradients and each weight gradient, through the
// tape) on seeded inputs on the backend under test, against the same float32 run on the reference
// backend. The last case fails where a registered class has no configuration.

import type { DType } from '../../src/core/dtype.js';
import { Random } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import { GradientTape } from '../../src/autograd/tape.js';
import { layerClassNames } from '../../src/layers/layerRegistry.js';
import {
  assertOutputsClose,
  check,
  type ConformanceCase,
  onBackend,
  readAll,
  type Tolerance,
  toleranceNote,
  uniformValues,
} from './conformance.js';
import { LAYER_SPECS, type LayerSpec, layerSetup, type Setup } from './layerSpecs.js';

/** What one forward and backward pass gives: the output, a gradient per source, the state after the call. */
export interface PassResult {
  outputs: Record<string, Float64Array>;
  /** The op ids the tape recorded (for the gradient suite's coverage of backward rules). */
  operations: string[];
}

const DOUT_SEED = 200;

/**
 * Runs `setup`'s forward pass on a tape over its sources, backward from a seeded dOut, and reads the
 * output ('output'), each source's gradient ('d <source>') and each state tensor ('<state> after').
 */
export async function forwardAndBackward(setup: Setup, dtype: DType): Promise<PassResult> {
  const sources = setup.sources.map((source) => source.tensor);
  const tape = new GradientTape(sources);
  const output = tape.run(() => setup.forward());
  const dOut = Tensor.fromArray(uniformValues(new Random(DOUT_SEED), output.size), output.shape, dtype);
  const gradients = tape.gradient(output, sources, dOut);
  const tensors: Record<string, Tensor> = { output };
  setup.sources.forEach((source, position) => {
    tensors[`d ${source.name}`] = gradients[position]!;
  });
  for (const { name, tensor } of setup.state) tensors[`${name} after`] = tensor;
  return { outputs: await readAll(tensors), operations: tape.recordedOperations() };
}

/** Float32 on two backends: sums in another order differ by a few units in the last place. */
const LAYER_TOLERANCE: Tolerance = { absolute: 2e-5, relative: 2e-4 };

function layerCase(className: string, spec: LayerSpec): ConformanceCase {
  return {
    suite: 'layer',
    name: `${className} ${spec.label}`,
    async run(context) {
      const actual = await forwardAndBackward(layerSetup(spec, 'float32'), 'float32');
      const expected = await onBackend('reference', () => forwardAndBackward(layerSetup(spec, 'float32'), 'float32'));
      const share = assertOutputsClose(
        actual.outputs,
        expected.outputs,
        LAYER_TOLERANCE,
        `${className} ${spec.label}`,
        [context.label, 'reference'],
      );
      return `${Object.keys(actual.outputs).join(', ')}: ${toleranceNote(share)}`;
    },
  };
}

/** The layer suite's cases. */
export function layerCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [className, specs] of Object.entries(LAYER_SPECS))
    for (const spec of specs) cases.push(layerCase(className, spec));
  cases.push({
    suite: 'layer',
    name: 'every registered layer class has a case',
    async run() {
      const registered = layerClassNames();
      const missing = registered.filter((name) => (LAYER_SPECS[name]?.length ?? 0) === 0);
      check(missing.length === 0, `layers without a case in test/conformance/layerSpecs.ts: ${missing.join(', ')}`);
      const unknown = Object.keys(LAYER_SPECS).filter((name) => !registered.includes(name));
      check(unknown.length === 0, `cases for classes the registry lacks: ${unknown.join(', ')}`);
      return `${registered.length} classes`;
    },
  });
  return cases;
}
