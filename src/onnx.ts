// The package's 'convnet-ts/onnx' entry: ONNX import and export, the one part that needs onnx-proto
// (protobufjs, about 120 KB minified). 'convnet-ts' exports the same names; this entry makes the choice
// visible in an app's imports. It loads 'convnet-ts' first (its platform build, by export condition),
// so the backends and, in Node, file saving are set up as with the main entry.

import 'convnet-ts';

export { importOnnx, type ImportedOnnx } from './io/onnx/importOnnx.js';
export { importedInput, type OnnxLayout } from './io/onnx/layout.js';
export { ONNX_IMPORT_OPERATORS } from './io/onnx/operators.js';
export { UnsupportedOperatorsError, type OnnxNodeTrace, type UnsupportedOnnxOperator } from './io/onnx/importOnnx.js';
export {
  exportOnnx,
  ONNX_CLASS_NAMES_KEY,
  ONNX_INPUT_NAME,
  ONNX_OPSET,
  ONNX_OUTPUT_NAME,
  ONNX_PREPROCESSING_KEY,
  type OnnxExportOptions,
} from './io/onnxExport.js';
