// The third-party codecs as static imports, installed by the browser entry (src/browser.ts): a bundler
// follows them into the page's bundle. Node loads them on first use instead (src/core/dependencies.ts).

import * as fastPng from 'fast-png';
import * as fflate from 'fflate';
import jpeg from 'jpeg-js';
import onnxProto from 'onnx-proto';
import type { Dependencies, DependencyLoader } from './core/dependencies.js';

const MODULES: Dependencies = { 'fast-png': fastPng, 'fflate': fflate, 'jpeg-js': jpeg, 'onnx-proto': onnxProto };

export const browserDependencies: DependencyLoader = (name) => MODULES[name];
