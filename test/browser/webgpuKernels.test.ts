// The WGSL kernels' own paths (src/kernels/webgpu/) against the reference kernels, in headless Chromium on
// its software Vulkan (SwiftShader), so that no GPU is needed: test/browser/webgpuKernelsPage.ts forces each
// convolution algorithm on seeded random shapes, strides, paddings, dilations and groups, and runs the split-K
// filter gradient, the split-K MatMul (few rows, a long sum), a two-axis dispatch and a training run; each is
// asserted here.
// Skipped, and said so, where Debian's chromium is missing or it offers no WebGPU adapter.
// SwiftShader proves correctness only; its speed says nothing of a GPU's.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip as skip, launchChromium, pageResult } from './chromium.js';
import type { CaseResult, PageResult } from './webgpuKernelsPage.js';

/**
 * What the page covers, each asserted by one test below: the convolutions with each algorithm forced,
 * MatMul split over workgroups, a Relu over two grid axes, and the training run. Every kernel id runs
 * in test/browser/conformance.test.ts.
 */
const KERNELS = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MatMul',
  'Relu',
  // Not a kernel: five SGD steps of a small network, all kernels of a step in one command encoder.
  'TrainingStep',
] as const;

describe('WebGPU kernels in headless Chromium (SwiftShader)', { skip }, () => {
  let browser: Browser;
  let result: PageResult;
  before(async () => {
    browser = await launchChromium({ isWebGpu: true });
    result = await pageResult<PageResult>(browser, {
      page: 'test/browser/webgpuKernelsPage.html',
      property: 'webgpuResult',
    });
  });
  after(async () => browser?.close());

  test('the page ran: a WebGPU adapter, no validation error, buffers reused from the pool', (context) => {
    if (result.unavailable !== undefined) {
      context.skip(`no WebGPU adapter in this Chromium: ${result.unavailable}`);
      return;
    }
    assert.equal(result.error, undefined, result.error);
    assert.match(result.adapterName!, /\S/);
    assert.ok(result.poolCounts!.reused > result.poolCounts!.created, JSON.stringify(result.poolCounts));
    const covered = new Set(result.cases!.map((entry) => entry.kernel));
    assert.deepEqual([...covered].sort(), [...KERNELS].sort());
  });

  for (const kernel of KERNELS) {
    test(`${kernel} matches the reference kernel`, (context) => {
      if (result.unavailable !== undefined) {
        context.skip(`no WebGPU adapter: ${result.unavailable}`);
        return;
      }
      assert.equal(result.error, undefined, result.error);
      const kernelCases = result.cases!.filter((entry) => entry.kernel === kernel);
      assert.ok(kernelCases.length > 0, `no case of ${kernel}`);
      const worst = Math.max(...kernelCases.map((entry) => entry.worst));
      context.diagnostic(`${kernelCases.length} cases; largest error ${worst.toPrecision(3)} of its tolerance`);
      const failing = kernelCases.filter((entry) => !(entry.worst <= 1));
      assert.deepEqual(
        failing.map(describeFailure),
        [],
        `${failing.length} of ${kernelCases.length} cases out of tolerance`,
      );
    });
  }
});

function describeFailure(entry: CaseResult): string {
  const { absolute, relative } = entry.tolerance;
  return (
    `${entry.label}: largest difference ${entry.largestDifference} over ${entry.size} values ` +
    `(tolerance ${absolute} + ${relative} * |reference|); first mismatches ${entry.mismatches.join('; ')}`
  );
}
