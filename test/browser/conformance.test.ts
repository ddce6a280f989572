// The conformance suite (test/conformance/suite.ts) in headless Chromium: on WebGPU over SwiftShader's
// software Vulkan, and on the WebAssembly backend in the page (2 threads: the page is served
// cross-origin isolated), each against the reference backend (test/browser/conformancePage.ts). One
// test per case and backend, so a failure names the case, the backend and the worst value; a case in
// KNOWN_GAPS that fails is reported as to-do with its reason, and one that passes fails (remove it).
// Skipped, and said so, where chromium is missing or offers no WebGPU adapter.
// test/conformance/conformance.test.ts runs the same cases in Node.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { caseTitle } from '../conformance/conformance.js';
import { conformanceCases, KNOWN_GAPS } from '../conformance/suite.js';
import { chromiumSkip, launchChromium, pageResult } from './chromium.js';
import type { BackendRun, ConformancePageResult } from './conformancePage.js';

let result: ConformancePageResult;

describe('conformance in headless Chromium', { skip: chromiumSkip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium({ isWebGpu: true });
    result = await pageResult<ConformancePageResult>(browser, {
      page: 'test/browser/conformancePage.html',
      property: 'conformanceResult',
      isIsolated: true,
      timeout: 240_000,
    });
  });
  after(async () => browser?.close());

  test('the page ran the suite', () => {
    assert.equal(result.error, undefined, result.error);
  });

  for (const backend of ['webgpu', 'wasm']) {
    describe(`on ${backend}`, () => {
      /** The backend's run, or a skip where it could not start. */
      function run(context: { skip: (message: string) => void }): BackendRun | null {
        assert.equal(result.error, undefined, result.error);
        const backendRun = result.runs![backend]!;
        if (backendRun.unavailable !== undefined) {
          context.skip(`${backend} is unavailable in this Chromium: ${backendRun.unavailable}`);
          return null;
        }
        return backendRun;
      }

      test('the backend ran the cases without a validation error', (context) => {
        const backendRun = run(context);
        if (backendRun === null) return;
        context.diagnostic(backendRun.label!);
        assert.equal(backendRun.validationError, undefined, backendRun.validationError);
      });

      for (const conformanceCase of conformanceCases()) {
        const title = caseTitle(conformanceCase);
        const gap = KNOWN_GAPS[backend]?.[title];
        test(title, (context) => {
          const backendRun = run(context);
          if (backendRun === null) return;
          const outcome = backendRun.cases![title];
          assert.notEqual(outcome, undefined, `the page did not run ${title}`);
          if (outcome!.error !== undefined && gap !== undefined) {
            context.todo(`known gap: ${gap} (${outcome!.error.split('\n')[0]})`);
            return;
          }
          if (outcome!.error !== undefined) assert.fail(`on ${backendRun.label}: ${outcome!.error}`);
          assert.equal(gap, undefined, `${title} passes on ${backendRun.label} now: remove it from KNOWN_GAPS`);
          if (outcome!.note !== undefined) context.diagnostic(outcome!.note);
        });
      }
    });
  }
});
