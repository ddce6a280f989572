// The third-party libraries (PNG encoding, JPEG, inflate, the ONNX protobuf classes, Chart.js), loaded on first use:
// importing the library in Node then skips them (they were most of its import time, bench/importTime.ts).
// Modules reach each through the package import '#dependency/<name>': in Node src/dependencies/node/,
// which requires it here when first used (require(esm) for fast-png: Node 20.19 or later); in a bundle
// src/dependencies/browser/, a static import that a bundler keeps only where the app uses it.

import type * as ChartJs from 'chart.js';
import type * as FastPng from 'fast-png';
import type * as Fflate from 'fflate';
import type Jpeg from 'jpeg-js';
import type OnnxProto from 'onnx-proto';
import { ValueError } from './errors.js';

export interface Dependencies {
  'chart.js': typeof ChartJs;
  'fast-png': typeof FastPng;
  fflate: typeof Fflate;
  'jpeg-js': typeof Jpeg;
  'onnx-proto': typeof OnnxProto;
}

export type DependencyName = keyof Dependencies;

/** Gives the module of each dependency (called once per name). */
export type DependencyLoader = (name: DependencyName) => unknown;

let loader: DependencyLoader | null = null;
const loaded = new Map<DependencyName, unknown>();

/** Installs how dependencies load (the entries do, at import). @internal */
export function setDependencyLoader(next: DependencyLoader): void {
  loader = next;
}

/** The module `name`, loaded on the first call. @internal */
export function dependency<Name extends DependencyName>(name: Name): Dependencies[Name] {
  let module = loaded.get(name);
  if (module === undefined) {
    const load = loader ?? nodeRequire();
    if (load === null)
      throw new ValueError(`${name} is not loaded: import the library through its entry point ('convnet-ts')`);
    try {
      module = load(name);
    } catch (error) {
      // NOTE: fast-png is an ES module: require() loads it from Node 20.19 on (require(esm)).
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new ValueError(
        `${name} could not be loaded (${reason}); the ES module packages load from Node 20.19 or later`,
      );
    }
    loaded.set(name, module);
  }
  return module as Dependencies[Name];
}

/**
 * Node's require, found without an import statement (process.getBuiltinModule, Node 20.16 or later),
 * for modules imported past the entry point (tests); null elsewhere.
 */
function nodeRequire(): DependencyLoader | null {
  const getBuiltinModule = (
    globalThis as { process?: { getBuiltinModule?: ((id: string) => unknown) | undefined } | undefined }
  ).process?.getBuiltinModule;
  if (getBuiltinModule === undefined) return null;
  const { createRequire } = getBuiltinModule('node:module') as {
    createRequire(path: string | URL): (id: string) => unknown;
  };
  return createRequire(import.meta.url);
}
