// The package's entry points as an installed package sees them: 'convnet-ts/onnx' and
// 'convnet-ts/visualize' resolve in Node to the same functions as 'convnet-ts' (which keeps every
// name), the worker and the .wasm builds have subpaths for bundler recipes, and TypeScript resolves
// every typed subpath under moduleResolution node16, nodenext, bundler and node10.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { build } from 'esbuild';
import ts from 'typescript';
import { repoRoot } from '../helpers.js';

test('the subpath entries export the same functions as the main entry, which keeps them all', async () => {
  const main = (await import('convnet-ts')) as Record<string, unknown>;
  for (const subpath of ['convnet-ts/onnx', 'convnet-ts/visualize']) {
    const entry = (await import(subpath)) as Record<string, unknown>;
    assert.ok(Object.keys(entry).length >= 6, `${subpath} exports ${Object.keys(entry).join(', ')}`);
    for (const [name, value] of Object.entries(entry))
      assert.equal(main[name], value, `${subpath} '${name}' is the main entry's`);
  }
  assert.equal(typeof main.importOnnx, 'function');
  assert.equal(typeof main.probabilityChart, 'function');
  assert.equal(typeof main.loadModel, 'function', 'the Node entry keeps its file functions');
});

test('the kernel worker and the .wasm builds have subpaths (the esbuild recipe copies and bundles them)', () => {
  assert.equal(
    fileURLToPath(import.meta.resolve('convnet-ts/worker')),
    join(repoRoot, 'dist', 'src', 'kernels', 'wasm', 'worker.js'),
  );
  for (const build of ['convnet-simd', 'convnet-simd-threads', 'convnet-relaxed', 'convnet-relaxed-threads']) {
    const path = fileURLToPath(import.meta.resolve(`convnet-ts/wasm/${build}.wasm`));
    assert.ok(existsSync(path), `${build}.wasm at ${path}`);
  }
});

test('TypeScript resolves the typed entries under moduleResolution node16, nodenext, bundler and node10', () => {
  const folder = mkdtempSync(join(tmpdir(), 'convnet-types-'));
  try {
    mkdirSync(join(folder, 'node_modules'));
    symlinkSync(repoRoot, join(folder, 'node_modules', 'convnet-ts'), 'dir');
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
    const app = join(folder, 'app.ts');
    writeFileSync(
      app,
      [
        "import { Tensor, parseModel, type LoadedModel } from 'convnet-ts';",
        "import { importOnnx, type ImportedOnnx } from 'convnet-ts/onnx';",
        "import { probabilityChart, type ChartOptions } from 'convnet-ts/visualize';",
        'export const parts: [typeof Tensor, typeof parseModel, typeof importOnnx, typeof probabilityChart] ' +
          '= [Tensor, parseModel, importOnnx, probabilityChart];',
        'export type Parts = [LoadedModel, ImportedOnnx, ChartOptions];',
        '',
      ].join('\n'),
    );
    const settings: [string, ts.ModuleKind, ts.ModuleResolutionKind][] = [
      ['node16', ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
      ['nodenext', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext],
      ['bundler', ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Bundler],
      // The old resolution reads no "exports": package.json "typesVersions" maps the subpaths for it.
      ['node10', ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Node10],
    ];
    for (const [label, module, moduleResolution] of settings) {
      const program = ts.createProgram([app], {
        module,
        moduleResolution,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      assert.deepEqual(diagnostics, [], `moduleResolution ${label}`);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test(
  'in Node, importing the library loads none of Chart.js, onnx-proto and the codecs; the first chart ' +
    'requires Chart.js',
  async () => {
    // Statically: the Node entry's module graph (as esbuild reads it, packages left outside) imports none of them.
    const LAZY = ['chart.js', 'onnx-proto', 'jpeg-js', 'fflate', 'fast-png'];
    const graph = await build({
      entryPoints: [join(repoRoot, 'dist', 'src', 'index.js')],
      absWorkingDir: repoRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const imported = Object.entries(graph.metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((entry) => LAZY.includes(entry.path)).map((entry) => `${file} imports ${entry.path}`),
    );
    assert.deepEqual(imported, []);
    // At run time, in a fresh process: nothing is in Node's require cache after the import; the chart requires Chart.js.
    const script = [
      "const m = await import('convnet-ts');",
      "const { createRequire } = await import('node:module');",
      'const cache = createRequire(import.meta.url).cache;',
      `const loaded = () => ${JSON.stringify(LAZY)}.filter((name) => Object.keys(cache).some((path) => ` +
        `path.includes('/node_modules/' + name + '/')));`,
      'const atImport = loaded();',
      "m.probabilityChart([0.3, 0.7], ['a', 'b'], { width: 120, height: 90 });",
      'console.log(JSON.stringify({ atImport, afterChart: loaded() }));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    const { atImport, afterChart } = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      atImport: string[];
      afterChart: string[];
    };
    assert.deepEqual(atImport, []);
    assert.deepEqual(afterChart, ['chart.js']);
  },
);
