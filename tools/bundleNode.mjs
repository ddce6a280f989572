// The single-file Node build: esbuild bundles the compiled entries (dist/src/index.js, onnx.js,
// visualize.js and the CLI, dist/cli/main.js) into dist/node/, because Node loading ~150 ES modules one
// by one was most of the import time (docs/backends-and-performance.md, "Import time";
// bench/importTime.ts). Run after tsc.
// The entries share their code through chunks (esbuild code splitting), so 'convnet-ts/onnx' and
// 'convnet-ts' hold one backend and one layer registry. Packages stay outside (loaded on first use).

import { readFile, rm } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

const OUT_DIRECTORY = 'dist/node';
const ENTRIES = {
  index: 'dist/src/index.js',
  onnx: 'dist/src/onnx.js',
  visualize: 'dist/src/visualize.js',
  cli: 'dist/cli/main.js',
};

/**
 * Gives each bundled module the import.meta.url it has unbundled, so that every address computed from
 * it (the .wasm builds, the Node worker script nodeWorker.js, data/mnist-sample/, createRequire, the
 * explorer's web/ folder) stays right without a list of them: `import.meta.url` in dist/src/x/y.js
 * becomes `new URL('../src/x/y.js', import.meta.url).href`, relative to the bundle in dist/node/.
 * The unbundled files stay in the package (dist/src is published), so the Node worker (4 small
 * modules) still starts from its own file.
 * NOTE: this holds only while every output file lies in OUT_DIRECTORY itself (checked below).
 */
const moduleUrlPlugin = {
  name: 'module-url',
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      const contents = await readFile(args.path, 'utf8');
      if (!contents.includes('import.meta.url')) return undefined;
      const fromBundle = relative(resolve(OUT_DIRECTORY), args.path).split(sep).join('/');
      const moduleUrl = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return {
        contents: contents.replaceAll('import.meta.url', moduleUrl),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * The subpath entries' `import 'convnet-ts'` (it sets up the Node platform) becomes `import './index.js'`:
 * the bundle's own main entry, found without the package resolving itself by name.
 */
const mainEntryPlugin = {
  name: 'main-entry',
  setup(builder) {
    builder.onResolve({ filter: /^convnet-ts$/ }, () => ({ path: './index.js', external: true }));
  },
};

await rm(OUT_DIRECTORY, { recursive: true, force: true });
const result = await build({
  entryPoints: ENTRIES,
  outdir: OUT_DIRECTORY,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // fast-png, fflate, jpeg-js, onnx-proto, chart.js, @napi-rs/canvas and commander stay packages,
  // required on first use as in the unbundled build.
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [mainEntryPlugin, moduleUrlPlugin],
});

const outputs = Object.keys(result.metafile.outputs);
const misplaced = outputs.filter((output) => dirname(output) !== OUT_DIRECTORY);
if (misplaced.length > 0)
  throw new Error(
    `bundleNode: outputs outside ${OUT_DIRECTORY} would compute wrong module URLs: ${misplaced.join(', ')}`,
  );
const bundled = Object.keys(result.metafile.inputs).length;
console.log(
  `bundleNode: ${bundled} modules into ${outputs.filter((output) => output.endsWith('.js')).length} files ` +
    `in ${OUT_DIRECTORY}/`,
);
