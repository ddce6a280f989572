// `convnet export`: a saved model as an ONNX file (opset 13), for ONNX Runtime and other engines.

import { join, resolve } from 'node:path';
import { checkOutputFile, exportOnnx, ONNX_OPSET, writeFileAtomic } from '../../src/index.js';
import { loadAnyModel } from '../loadCliModel.js';
import { terminalText } from '../terminalText.js';

export interface ExportOptions {
  model: string;
  out: string;
}

/** The files --model names: an .onnx file, or a model folder's manifest and weights. */
function modelFiles(model: string): string[] {
  return model.toLowerCase().endsWith('.onnx')
    ? [model]
    : [model, join(model, 'model.json'), join(model, 'weights.safetensors')];
}

export function exportModel(options: ExportOptions): void {
  // Before the model is read: --out must be a writable regular file (or nothing yet) in an existing folder, and not the
  // model.
  checkOutputFile(options.out, { inputs: modelFiles(options.model), flag: '--out' });
  const { model, classNames } = loadAnyModel(options.model);
  const description = classNames === undefined ? undefined : `classes: ${classNames.join(', ')}`;
  const bytes = exportOnnx(model, { name: 'convnet-ts', ...(description === undefined ? {} : { description }) });
  const out = resolve(options.out);
  writeFileAtomic(out, bytes);
  const [height, width, channels] = model.inputShape;
  const input =
    model.inputShape.length === 3
      ? `[batch, ${channels}, ${height}, ${width}] (NCHW)`
      : `[batch, ${model.inputShape[0]}]`;
  process.stdout.write(
    `Wrote ${terminalText(out)} (ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes): input 'input' ${input}, ` +
      `output 'output' [batch, ${model.classes}]\n`,
  );
}
