// onnx-proto's generated ONNX classes in Node, through the package import '#dependency/onnxProto':
// required on first use (src/core/dependencies.ts). The browser twin is a static import.

import type OnnxProto from 'onnx-proto';
import { dependency } from '../../core/dependencies.js';

export function onnxProto(): typeof OnnxProto {
  return dependency('onnx-proto');
}
