// The whole conformance suite in its order (layers, gradients, models, kernels), and the cases each
// backend may not pass yet: KNOWN_GAPS, the one place that lists them, with the reason.

import type { ConformanceCase } from './conformance.js';
import { gradientCases } from './gradientSuite.js';
import { kernelCases } from './kernelSuite.js';
import { layerCases } from './layerSuite.js';
import { modelCases } from './modelSuite.js';

/** Every case, in the order the runners run them (the gradient coverage case after the gradient cases). */
export function conformanceCases(): ConformanceCase[] {
  return [...layerCases(), ...gradientCases(), ...modelCases(), ...kernelCases()];
}

/**
 * Cases a backend is known to fail, by backend and case title ('suite: name'), with why: the runners
 * still run them and report a failure as to-do, never as passed, and a pass as a failure (the gap is
 * closed: remove its entry).
 */
export const KNOWN_GAPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {};
