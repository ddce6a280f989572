// `convnet export`: a saved model as an ONNX file (opset 13), for ONNX Runtime and other engines.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exportOnnx, ONNX_OPSET, writeFileAtomic } from '../../src/index.js';
import { loadAnyModel } from '../loadCliModel.js';

export interface ExportOptions {
  model: string;
  out: string;
}

export function exportModel(options: ExportOptions): void {
  const { model, classNames } = loadAnyModel(options.model);
  const description = classNames === undefined ? undefined : `classes: ${classNames.join(', ')}`;
  const bytes = exportOnnx(model, { name: 'convnet-ts', ...(description === undefined ? {} : { description }) });
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, bytes);
  const [height, width, channels] = model.inputShape;
  const input = model.inputShape.length === 3 ? `[batch, ${channels}, ${height}, ${width}] (NCHW)` : `[batch, ${model.inputShape[0]}]`;
  process.stdout.write(`Wrote ${out} (ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes): input 'input' ${input}, output 'output' [batch, ${model.classes}]\n`);
}
