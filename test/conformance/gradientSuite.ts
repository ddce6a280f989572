// The gradient suite: each backward rule, reached through the layer configurations of layerSpecs.ts
// and the fused softmax cross-entropy loss, checked on the backend under test (float32) two ways:
// against central differences of the backend's own forward pass along a random direction of every
// source at once, and against the reference backend's float64 analytic gradient.
// The directional check: with R the seeded dOut, D the direction and x+- = x +- h D rounded to float32,
// sum(R * (f(x+) - f(x-))) must equal sum over sources of sum(g * (x+ - x-)) up to the truncation error
// O(h^3) and the rounding of f (~1e-7 |f| per value, divided by no step: the rounded steps are used as
// they are). The bound is relative to the sum of the absolute terms, so a sum that cancels passes on
// its terms' scale. Inputs keep away from kinks by more than the step (conformance.ts, InputKind).

import type { DType } from '../../src/core/dtype.js';
import { Random } from '../../src/core/random.js';
import { getGradient } from '../../src/autograd/gradientRegistry.js';
import { GradientTape } from '../../src/autograd/tape.js';
import type { OperationId } from '../../src/autograd/recorder.js';
import { KERNEL_IDS } from '../../src/kernels/ids.js';
import { softmaxCrossEntropy } from '../../src/ops/softmax.js';
import {
  assertOutputsClose,
  check,
  type ConformanceCase,
  ConformanceMismatch,
  inputValues,
  onBackend,
  tensorOf,
  toleranceNote,
  uniformValues,
} from './conformance.js';
import { forwardAndBackward } from './layerSuite.js';
import { LAYER_SPECS, layerSetup, type Setup } from './layerSpecs.js';

/** The finite-difference step along the direction (whose values are in [-1, 1)). */
const STEP = 1e-3;
/** |numeric - analytic| may be this fraction of the sum of the absolute terms. */
const DIRECTIONAL_BOUND = 2e-3;
const DIRECTION_SEED = 300;
const DOUT_SEED = 200;

/** Operation ids that have a backward rule. */
function differentiableOperations(): string[] {
  const ids: OperationId[] = [...KERNEL_IDS, 'Reshape', 'SliceChannels', 'Conv2DTranspose'];
  return ids.filter((id) => getGradient(id) !== undefined);
}

/** The output of `makeSetup`'s forward pass with every source moved by sign * STEP * direction. */
async function shiftedOutput(
  makeSetup: (dtype: DType) => Setup,
  sign: number,
): Promise<{ output: Float64Array; sources: Float64Array[] }> {
  const setup = makeSetup('float32');
  const sources = setup.sources.map(({ tensor }, position) => {
    // A source is on the host until a kernel reads it: its values can be changed in place.
    const values = tensor.dataSync();
    const direction = uniformValues(new Random(DIRECTION_SEED + position), values.length);
    for (let index = 0; index < values.length; index++)
      values[index] = values[index]! + sign * STEP * direction[index]!;
    return Float64Array.from(values);
  });
  return { output: Float64Array.from(await setup.forward().data()), sources };
}

/** Throws ConformanceMismatch unless the directional derivative matches; returns the relative error. */
async function checkDirectional(
  makeSetup: (dtype: DType) => Setup,
  gradients: Record<string, Float64Array>,
  what: string,
  backend: string,
): Promise<number> {
  const plus = await shiftedOutput(makeSetup, 1);
  const minus = await shiftedOutput(makeSetup, -1);
  const weights = uniformValues(new Random(DOUT_SEED), plus.output.length);
  let numeric = 0;
  let scale = 0;
  for (let index = 0; index < weights.length; index++) {
    const term = weights[index]! * (plus.output[index]! - minus.output[index]!);
    numeric += term;
    scale += Math.abs(term);
  }
  let analytic = 0;
  const names = makeSetup('float32').sources.map((source) => source.name);
  names.forEach((name, position) => {
    const gradient = gradients[`d ${name}`]!;
    const up = plus.sources[position]!;
    const down = minus.sources[position]!;
    for (let index = 0; index < gradient.length; index++) {
      const term = gradient[index]! * (up[index]! - down[index]!);
      analytic += term;
      scale += Math.abs(term);
    }
  });
  check(scale > 0, `${what}: the output does not move along the direction on ${backend}`);
  const error = Math.abs(numeric - analytic) / scale;
  if (!(error <= DIRECTIONAL_BOUND)) {
    throw new ConformanceMismatch(
      `${what}: directional derivative on ${backend}: analytic ${analytic}, central differences ${numeric} ` +
        `(error ${error.toExponential(2)} of the terms' scale ${scale.toExponential(2)}, bound ${DIRECTIONAL_BOUND})`,
    );
  }
  return error;
}

function gradientCase(name: string, makeSetup: (dtype: DType) => Setup): ConformanceCase {
  return {
    suite: 'gradient',
    name,
    async run(context) {
      const actual = await forwardAndBackward(makeSetup('float32'), 'float32');
      const error = await checkDirectional(makeSetup, actual.outputs, name, context.label);
      const exact = await onBackend('reference', () => forwardAndBackward(makeSetup('float64'), 'float64'));
      // Float32 against float64: the rounding of sums of a few dozen terms, relative to the values.
      const share = assertOutputsClose(actual.outputs, exact.outputs, { absolute: 1e-4, relative: 1e-3 }, name, [
        `${context.label} (float32)`,
        'reference (float64)',
      ]);
      return (
        `directional error ${error.toExponential(2)}; against float64 ${toleranceNote(share)}; ` +
        `ops ${actual.operations.join(', ')}`
      );
    },
  };
}

/** Softmax cross-entropy with label smoothing over 4 rows of 5 classes, mixed one-hot and soft targets. */
function crossEntropySetup(dtype: DType): Setup {
  const logits = tensorOf(
    inputValues('uniform', 20, 41).map((value) => value * 3),
    [4, 5],
    dtype,
  );
  const targets = new Float64Array(20);
  for (let row = 0; row < 4; row++) {
    if (row % 2 === 0) targets[row * 5 + ((row * 3) % 5)] = 1;
    else for (let column = 0; column < 5; column++) targets[row * 5 + column] = 0.1 * (column + 1) * (2 / 3);
  }
  const targetTensor = tensorOf(targets, [4, 5], dtype);
  return {
    sources: [{ name: 'logits', tensor: logits }],
    state: [],
    forward: () => softmaxCrossEntropy(logits, targetTensor, { labelSmoothing: 0.1 }).loss,
  };
}

/** Every differentiable computation the gradient suite checks, by name. */
function gradientSetups(): [string, (dtype: DType) => Setup][] {
  const setups: [string, (dtype: DType) => Setup][] = [];
  for (const [className, specs] of Object.entries(LAYER_SPECS))
    for (const spec of specs) setups.push([`${className} ${spec.label}`, (dtype) => layerSetup(spec, dtype)]);
  setups.push(['softmax cross-entropy, label smoothing 0.1', crossEntropySetup]);
  return setups;
}

/** The gradient suite's cases, then the check that they reach every backward rule. */
export function gradientCases(): ConformanceCase[] {
  const setups = gradientSetups();
  return [
    ...setups.map(([name, makeSetup]) => gradientCase(name, makeSetup)),
    {
      suite: 'gradient',
      name: 'every backward rule is reached by a case',
      async run() {
        // The ops each case records on a tape: a forward pass on the reference, whatever ran before.
        const covered = new Set<string>();
        await onBackend('reference', async () => {
          for (const [, makeSetup] of setups) {
            const setup = makeSetup('float32');
            const tape = new GradientTape(setup.sources.map((source) => source.tensor));
            tape.run(() => setup.forward());
            for (const id of tape.recordedOperations()) covered.add(id);
          }
        });
        const missing = differentiableOperations().filter((id) => !covered.has(id));
        check(missing.length === 0, `backward rules no gradient case reaches: ${missing.join(', ')}`);
        return `${covered.size} rules`;
      },
    },
  ];
}
