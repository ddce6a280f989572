// onnx-proto in a bundle (the "browser" condition of '#dependency/onnxProto'): a static import a bundler
// keeps only in apps that call importOnnx or exportOnnx (protobufjs and the ONNX classes, about 120 KB
// minified). Node requires it on first use instead.

import onnxProtoModule from 'onnx-proto';

export function onnxProto(): typeof onnxProtoModule {
  return onnxProtoModule;
}
