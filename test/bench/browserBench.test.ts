// The browser bench (bench/browserDriver.ts, bench/browser/benchPage.ts, bench/browserReport.ts): its ratios
// and table on hand-worked numbers, and a smoke run of the whole page in headless Chromium on SwiftShader
// (W1 at batch 2, one round, one timed run), asserting the result's shape and that every library's output
// passed its check against the reference. Skipped, and said so, where Debian's chromium is missing.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { BrowserFigure } from '../../bench/browser/protocol.js';
import {
  BROWSER_LIBRARY_IDS,
  DEFAULT_CHROMIUM,
  DEFAULT_ONNX_FOLDER,
  runBrowserBench,
} from '../../bench/browserDriver.js';
import { browserRatios, formatBrowserTable, isSoftwareAdapter, summarizeFigures } from '../../bench/browserReport.js';

const figure = (library: BrowserFigure['library'], mode: BrowserFigure['mode'], rounds: (number | null)[]) =>
  ({ library, model: 'W1', mode, batch: mode === 'latency' ? 1 : 64, unit: 'img/s', rounds }) as BrowserFigure;

describe('browser bench report', () => {
  test('GPU peers are compared with ConvNet.ts webgpu, the CPU peer with ConvNet.ts wasm, round by round', () => {
    const figures = [
      figure('convnet-webgpu', 'infer', [100, 50]),
      figure('convnet-wasm', 'infer', [40, 20]),
      figure('tfjs-webgpu', 'infer', [50, 25]),
      figure('ort-webgpu', 'infer', [200, null]),
      figure('ort-wasm', 'infer', [80, 10]),
      figure('convnet-webgpu', 'latency', [2, 4]),
      figure('tfjs-webgpu', 'latency', [3, 8]),
    ];
    const ratios = browserRatios(figures);
    const find = (peer: string, mode: string) => ratios.find((each) => each.peer === peer && each.mode === mode)!;
    assert.deepEqual(find('tfjs-webgpu', 'infer').rounds, [2, 2]);
    assert.equal(find('tfjs-webgpu', 'infer').baseline, 'convnet-webgpu');
    assert.deepEqual(find('ort-webgpu', 'infer').rounds, [0.5]);
    assert.deepEqual(find('ort-wasm', 'infer').rounds, [0.5, 2]);
    assert.equal(find('ort-wasm', 'infer').baseline, 'convnet-wasm');
    // Latency: peer ms / ConvNet.ts ms.
    assert.deepEqual(find('tfjs-webgpu', 'latency').rounds, [1.5, 2]);
    assert.equal(ratios.length, 4);
  });

  test('the table shows medians, ratios with their range, n/a and wrong results', () => {
    const figures = summarizeFigures([
      figure('convnet-webgpu', 'infer', [100, 50]),
      figure('tfjs-webgpu', 'infer', [50, 25]),
    ]);
    const table = formatBrowserTable(
      figures,
      browserRatios(figures),
      [
        { library: 'ort-webgpu', model: 'W1', reason: 'cannot train', mode: 'train', isUnsupported: true },
        {
          library: 'ort-wasm',
          model: 'W1',
          reason: 'wrong result, not timed: ...',
          mode: 'infer',
          isUnsupported: false,
        },
      ],
      [
        { model: 'W1', mode: 'infer', batch: 64 },
        { model: 'W1', mode: 'train', batch: 64 },
      ],
    );
    const [header, infer, train] = table.split('\n').map((line) => line.split(/\s{2,}/));
    assert.deepEqual(header, [
      'model',
      'mode',
      'batch',
      'unit',
      'ConvNet.ts webgpu',
      'ConvNet.ts wasm',
      'TF.js webgpu',
      'ort-web webgpu',
      'ort-web wasm',
    ]);
    assert.deepEqual(infer, ['W1', 'infer', '64', 'img/s', '75.0', '-', '37.5 2.00x [2.00-2.00]', '-', 'wrong']);
    assert.deepEqual(train, ['W1', 'train', '64', 'img/s', '-', '-', '-', 'n/a', '-']);
  });

  test('SwiftShader and fallback adapters are software; a named GPU is not', () => {
    const adapter = {
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: '',
      isFallbackAdapter: false,
    };
    assert.equal(isSoftwareAdapter(adapter), true);
    assert.equal(isSoftwareAdapter({ ...adapter, architecture: '', isFallbackAdapter: true }), true);
    assert.equal(isSoftwareAdapter({ ...adapter, vendor: 'nvidia', architecture: 'hopper' }), false);
    assert.equal(isSoftwareAdapter(null), false);
  });
});

const skip = existsSync(DEFAULT_CHROMIUM) ? false : `${DEFAULT_CHROMIUM} is not installed (Debian package chromium)`;

describe('browser bench: a smoke run in headless Chromium on SwiftShader', { skip }, () => {
  test('every library runs W1, passes its check against the reference, one figure per mode', async (context) => {
    const tiny = { warmup: 0, repetitions: 1 };
    const run = await runBrowserBench({
      models: ['W1'],
      libraries: BROWSER_LIBRARY_IDS,
      rounds: 1,
      batch: 2,
      checkBatch: 2,
      threads: 2,
      plans: { train: tiny, infer: tiny, latency: tiny },
      chromium: DEFAULT_CHROMIUM,
      isGpu: false,
      extraFlags: [],
      onnxFolder: DEFAULT_ONNX_FOLDER,
      onProgress: (line) => context.diagnostic(line.trim()),
      timeoutSeconds: 120,
    });
    const { page } = run;
    if (page.adapter === null) {
      context.skip(`no WebGPU adapter in this Chromium: ${page.adapterError}`);
      return;
    }
    assert.equal(isSoftwareAdapter(page.adapter), true, JSON.stringify(page.adapter));
    assert.equal(page.isCrossOriginIsolated, true);
    assert.deepEqual(page.participants.map((each) => each.library).sort(), [...BROWSER_LIBRARY_IDS].sort());

    const checks = page.checks.map((check) => `${check.library} ${check.kind} ${check.isPassed}`).sort();
    assert.deepEqual(checks, [
      'convnet-wasm infer true',
      'convnet-wasm train true',
      'convnet-webgpu infer true',
      'convnet-webgpu train true',
      'ort-wasm infer true',
      'ort-webgpu infer true',
      'tfjs-webgpu infer true',
      'tfjs-webgpu train true',
    ]);
    // W1's 10 probabilities per image of the check batch, and the 3 checked steps' losses.
    for (const check of page.checks)
      assert.ok(check.detail.startsWith(check.kind === 'infer' ? '20 values' : '3 values'));

    // onnxruntime-web cannot train: reported as n/a, the only entries that are not figures.
    assert.deepEqual(
      page.failures.map((failure) => `${failure.library} ${failure.mode} ${failure.isUnsupported}`).sort(),
      ['ort-wasm train true', 'ort-webgpu train true'],
    );
    const figures = page.figures.map((each) => `${each.library} ${each.mode} ${each.batch} ${each.unit}`).sort();
    assert.deepEqual(figures, [
      'convnet-wasm infer 2 img/s',
      'convnet-wasm latency 1 ms',
      'convnet-wasm train 2 img/s',
      'convnet-webgpu infer 2 img/s',
      'convnet-webgpu latency 1 ms',
      'convnet-webgpu train 2 img/s',
      'ort-wasm infer 2 img/s',
      'ort-wasm latency 1 ms',
      'ort-webgpu infer 2 img/s',
      'ort-webgpu latency 1 ms',
      'tfjs-webgpu infer 2 img/s',
      'tfjs-webgpu latency 1 ms',
      'tfjs-webgpu train 2 img/s',
    ]);
    for (const each of page.figures) {
      assert.equal(each.rounds.length, 1);
      assert.ok(each.rounds[0]! > 0 && Number.isFinite(each.rounds[0]), `${each.library} ${each.mode}: ${each.rounds}`);
    }
  });
});
