// The package's 'convnet-ts/onnx' entry: ONNX import and export, the one part that needs onnx-proto
// (protobufjs, about 120 KB minified). 'convnet-ts' exports the same names; this entry makes the choice
// visible in an app's imports. It loads 'convnet-ts' first (its platform build, by export condition),
// so the backends and, in Node, file saving are set up as with the main entry.

import 'convnet-ts';

export { importedInput, importOnnx, ONNX_IMPORT_OPERATORS, type ImportedOnnx, type OnnxLayout } from './io/onnxImport.js';
export { exportOnnx, ONNX_CLASS_NAMES_KEY, ONNX_INPUT_NAME, ONNX_OPSET, ONNX_OUTPUT_NAME, type OnnxExportOptions } from './io/onnxExport.js';
