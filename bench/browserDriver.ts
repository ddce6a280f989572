// The Node side of `npm run bench:browser`: bundles the bench page (bench/browser/benchPage.ts) with esbuild,
// serves it on 127.0.0.1 with the cross-origin isolation headers (WebAssembly threads need them, WebGPU a
// secure context), launches Chromium through playwright-core, hands the page its configuration and collects
// its checks and per-round figures. bench/browserBench.ts is the command line over runBrowserBench.
// Limits: one browser, one page; without a GPU, Chromium's only adapter is SwiftShader (software Vulkan).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  BrowserBenchConfig,
  BrowserBenchPageResult,
  BrowserLibraryId,
  BrowserMode,
  BrowserModelSpec,
  BrowserPlan,
} from './browser/protocol.js';
import { PAGE_PROGRESS_PREFIX } from './browser/protocol.js';
import { ensureOnnxFiles, type ImagenetModelId } from './imagenetModels.js';
import { buildOnnxModel } from './onnxModel.js';
import { LEARNING_RATE, MOMENTUM, WORKLOADS } from './workloads.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** From dist/bench (or dist/test/..., through the test's import of dist/bench) back to the repository. */
export const REPOSITORY_ROOT = path.resolve(HERE, '..', '..');
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** Where bench/imagenetModels.ts's exporter leaves the torchvision files (ignored by git). */
export const DEFAULT_ONNX_FOLDER = path.join(REPOSITORY_ROOT, 'bench', 'cache', 'imagenet');
const PAGE_FOLDER = path.join(REPOSITORY_ROOT, 'dist', 'bench', 'browser-page');

export const BROWSER_LIBRARY_IDS: readonly BrowserLibraryId[] = [
  'convnet-webgpu',
  'convnet-wasm',
  'tfjs-webgpu',
  'ort-webgpu',
  'ort-wasm',
];
export const BROWSER_MODEL_IDS = ['W1', 'W2', 'resnet18', 'mobilenet_v2'] as const;
export type BrowserModelId = (typeof BROWSER_MODEL_IDS)[number];

/** The ImageNet networks at 224x224, batch 1 (latency) and 8 (infer), as `npm run bench:imagenet`. */
const IMAGENET_NAMES: Partial<Record<BrowserModelId, { id: ImagenetModelId; name: string }>> = {
  resnet18: { id: 'resnet18', name: 'ResNet-18' },
  mobilenet_v2: { id: 'mobilenet_v2', name: 'MobileNetV2' },
};
const IMAGENET_BATCH = 8;
/** See BrowserBenchConfig.checkLearningRate; the timed steps use the workloads' LEARNING_RATE. */
const CHECK_LEARNING_RATE = 0.001;

/** Chromium on its software Vulkan: the one WebGPU adapter on a machine without a GPU. */
export const SWIFTSHADER_FLAGS = ['--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
const COMMON_FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** On a GPU machine: Vulkan on, and the GPU blocklist ignored, as Chromium's WebGPU on Linux needs. */
export const GPU_FLAGS = ['--enable-features=Vulkan', '--ignore-gpu-blocklist'];

export interface BrowserBenchOptions {
  models: readonly BrowserModelId[];
  libraries: readonly BrowserLibraryId[];
  rounds: number;
  /** Batch of the workloads' train and infer modes (latency is batch 1). */
  batch: number;
  checkBatch: number;
  threads: number;
  plans: Record<BrowserMode, BrowserPlan>;
  chromium: string;
  /** Run on the machine's GPU: leave out the SwiftShader flags. */
  isGpu: boolean;
  extraFlags: readonly string[];
  onnxFolder: string;
  /** Echoes the page's progress lines; default console.log. */
  onProgress?: ((line: string) => void) | undefined;
  /** The whole page run's limit, in seconds. */
  timeoutSeconds: number;
}

export const DEFAULT_PLANS: Record<BrowserMode, BrowserPlan> = {
  train: { warmup: 2, repetitions: 3 },
  infer: { warmup: 2, repetitions: 3 },
  latency: { warmup: 3, repetitions: 7 },
};

/** What runBrowserBench returns: the page's result plus what the driver knows. */
export interface BrowserBenchRun {
  page: BrowserBenchPageResult;
  /** Models not run, and why (an ImageNet file that is missing). */
  skippedModels: { model: string; reason: string }[];
  chromium: string;
  chromiumFlags: string[];
  models: BrowserModelSpec[];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>ConvNet.ts browser bench</title>
<script type="module" src="/dist/bench/browser-page/benchPage.js"></script>
`;

/** Bundles the page and the ConvNet.ts kernel worker into dist/bench/browser-page/ (esbuild, about a second). */
export async function bundlePage(): Promise<void> {
  const { build } = await import('esbuild');
  mkdirSync(PAGE_FOLDER, { recursive: true });
  await build({
    entryPoints: {
      benchPage: path.join(REPOSITORY_ROOT, 'bench', 'browser', 'benchPage.ts'),
      worker: path.join(REPOSITORY_ROOT, 'dist', 'src', 'kernels', 'wasm', 'worker.js'),
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: PAGE_FOLDER,
    alias: { 'convnet-ts': path.join(REPOSITORY_ROOT, 'dist', 'src', 'browser.js') },
    logLevel: 'error',
  });
}

/** The models to run (with their ONNX bytes, served under /bench-models/) and the ones skipped. */
function modelSpecs(options: BrowserBenchOptions): {
  specs: BrowserModelSpec[];
  files: Map<string, Uint8Array>;
  skipped: { model: string; reason: string }[];
} {
  const specs: BrowserModelSpec[] = [];
  const files = new Map<string, Uint8Array>();
  const skipped: { model: string; reason: string }[] = [];
  // The same files as bench:imagenet's, exported once where Debian's python3-torchvision exists.
  const imagenetIds = options.models.flatMap((id) => IMAGENET_NAMES[id]?.id ?? []);
  const onnxFiles = ensureOnnxFiles(imagenetIds, options.onnxFolder, options.onProgress ?? console.log);
  for (const id of options.models) {
    const workload = WORKLOADS.find((each) => each.id === id);
    if (workload !== undefined) {
      files.set(`${id}.onnx`, buildOnnxModel(workload));
      specs.push({
        id,
        name: workload.name,
        onnxUrl: `/bench-models/${id}.onnx`,
        inputShape: [...workload.inputShape],
        classes: workload.classes,
        layers: [...workload.layers],
        modes: [
          { mode: 'train', batch: options.batch },
          { mode: 'infer', batch: options.batch },
          { mode: 'latency', batch: 1 },
        ],
        checkBatch: Math.min(options.checkBatch, options.batch),
      });
      continue;
    }
    const imagenet = IMAGENET_NAMES[id]!;
    const file = onnxFiles.files.get(imagenet.id);
    if (file === undefined) {
      skipped.push({ model: id, reason: onnxFiles.missing.get(imagenet.id) ?? `skipped: no ONNX file for ${id}` });
      continue;
    }
    files.set(`${id}.onnx`, readFileSync(file));
    specs.push({
      id,
      name: imagenet.name,
      onnxUrl: `/bench-models/${id}.onnx`,
      inputShape: [224, 224, 3],
      classes: 1000,
      layers: null,
      modes: [
        { mode: 'latency', batch: 1 },
        { mode: 'infer', batch: IMAGENET_BATCH },
      ],
      checkBatch: 1,
    });
  }
  return { specs, files, skipped };
}

/** Serves the repository read-only, cross-origin isolated, with the page at / and the models under /bench-models/. */
function serve(models: ReadonlyMap<string, Uint8Array>): Promise<Server> {
  const server = createServer((request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const headers: Record<string, string> = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    };
    if (urlPath === '/') {
      response.writeHead(200, { ...headers, 'content-type': TYPES['.html']! }).end(PAGE_HTML);
      return;
    }
    const model = urlPath.startsWith('/bench-models/') ? models.get(urlPath.slice('/bench-models/'.length)) : undefined;
    if (model !== undefined) {
      response.writeHead(200, { ...headers, 'content-type': TYPES['.onnx']! }).end(model);
      return;
    }
    const file = path.join(REPOSITORY_ROOT, path.normalize(urlPath));
    if (!file.startsWith(REPOSITORY_ROOT) || !existsSync(file)) {
      response.writeHead(404, headers).end();
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { ...headers, 'content-type': type }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Bundles, serves, runs the page in Chromium and returns its result; throws where Chromium cannot start. */
export async function runBrowserBench(options: BrowserBenchOptions): Promise<BrowserBenchRun> {
  const onProgress = options.onProgress ?? ((line: string) => console.log(line));
  const { specs, files, skipped } = modelSpecs(options);
  await bundlePage();
  const config: BrowserBenchConfig = {
    models: specs,
    libraries: [...options.libraries],
    rounds: options.rounds,
    plans: options.plans,
    threads: options.threads,
    trainCheckSteps: 3,
    learningRate: LEARNING_RATE,
    checkLearningRate: CHECK_LEARNING_RATE,
    momentum: MOMENTUM,
    convnetWasmUrl: '/dist/wasm/',
    convnetWorkerUrl: '/dist/bench/browser-page/worker.js',
    ortModuleUrl: '/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs',
    ortWasmFolderUrl: '/node_modules/onnxruntime-web/dist/',
    // float32 sums of thousands of products, in different orders (Winograd, tiled GEMMs, fused kernels).
    tolerance: { relative: 2e-3, absolute: 1e-4 },
  };
  const chromiumFlags = [...COMMON_FLAGS, ...(options.isGpu ? GPU_FLAGS : SWIFTSHADER_FLAGS), ...options.extraFlags];
  const { chromium } = await import('playwright-core');
  const server = await serve(files);
  const browser = await chromium.launch({ executablePath: options.chromium, args: chromiumFlags });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      const text = message.text();
      if (text.startsWith(PAGE_PROGRESS_PREFIX)) onProgress(`  ${text.slice(PAGE_PROGRESS_PREFIX.length)}`);
    });
    page.setDefaultTimeout(options.timeoutSeconds * 1000);
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page
      .waitForFunction(() => 'browserBench' in window, null, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`the bench page did not load: ${pageErrors.join('; ') || 'no error reported'}`);
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the page did not finish within ${options.timeoutSeconds} s`)),
        options.timeoutSeconds * 1000,
      );
    });
    const evaluation = page.evaluate(
      (given) =>
        (
          window as unknown as { browserBench: { run(config: unknown): Promise<BrowserBenchPageResult> } }
        ).browserBench.run(given),
      config,
    );
    const result = await Promise.race([evaluation, timeout]).finally(() => clearTimeout(timer));
    if (pageErrors.length > 0) onProgress(`  page errors: ${pageErrors.join('; ')}`);
    return { page: result, skippedModels: skipped, chromium: options.chromium, chromiumFlags, models: specs };
  } finally {
    await browser.close();
    server.close();
  }
}
