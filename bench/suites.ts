// The suites `npm run bench` runs, in order, each in its own Node process (bench/runSuite.ts): one library
// cannot then slow, crash or leave threads behind in the next, and a hung peer is cut off by its timeout.
// The loaders import lazily, so listing a suite costs nothing and a peer that fails to load fails alone.

import type { SuiteOutput } from './results.js';

export interface Suite {
  id: string;
  /** The library name its results carry (used for a failure when the suite cannot even start). */
  library: string;
  timeoutSeconds: number;
  run: () => Promise<SuiteOutput>;
}

export const SUITES: readonly Suite[] = [
  {
    id: 'convnet-wasm',
    library: 'ConvNet.ts (wasm)',
    timeoutSeconds: 240,
    run: async () => (await import('./convnetSuite.js')).runConvnetWasm(),
  },
  {
    id: 'convnet-reference',
    library: 'ConvNet.ts (reference)',
    timeoutSeconds: 180,
    run: async () => (await import('./convnetSuite.js')).runConvnetReference(),
  },
  {
    id: 'tfjs-wasm',
    library: 'TF.js (wasm)',
    timeoutSeconds: 120,
    run: async () => (await import('./tfjsSuite.js')).runTfjsWasm(false),
  },
  {
    id: 'tfjs-wasm-threads',
    library: 'TF.js (wasm, Node worker shim)',
    timeoutSeconds: 120,
    run: async () => (await import('./tfjsSuite.js')).runTfjsWasm(true),
  },
  {
    id: 'onnxruntime-web',
    library: 'onnxruntime-web (wasm)',
    timeoutSeconds: 120,
    run: async () => (await import('./onnxruntimeSuite.js')).runOnnxruntimeWeb(),
  },
  {
    id: 'onnxruntime-node',
    library: 'onnxruntime-node (cpu)',
    timeoutSeconds: 90,
    run: async () => (await import('./onnxruntimeSuite.js')).runOnnxruntimeNode(),
  },
  {
    id: 'pytorch',
    library: 'PyTorch',
    timeoutSeconds: 300,
    run: async () => (await import('./torchSuite.js')).runTorch(),
  },
  {
    // Last: the slowest by far (minutes per W2 training step), so every faster figure is in before it.
    id: 'tfjs-cpu',
    library: 'TF.js (cpu)',
    timeoutSeconds: 570,
    run: async () => (await import('./tfjsSuite.js')).runTfjsCpu(),
  },
];
