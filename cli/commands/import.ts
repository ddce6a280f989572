// `convnet import`: an ONNX file or a TF.js Layers model saved as a native model folder (model.json and
// weights.safetensors), with its class names and preprocessing (the file's own, or --labels and
// --preprocess), so that `convnet predict`, `visualize`, `evaluate` and the library's fit use it as is.

import { join } from 'node:path';
import { saveModel } from '../../src/index.js';
import { prepareOutput } from '../outputFolders.js';
import { applyOverrides, loadAnyModel, tfjsModelJsonOf, type ModelOverrides } from '../loadCliModel.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { UsageError } from '../usageError.js';

export interface ImportOptions extends ModelOverrides {
  out: string;
  json: boolean;
}

/** The files the command reads: the output folder may be none of them. */
function inputFiles(model: string): string[] {
  const tfjs = tfjsModelJsonOf(model);
  return tfjs === null ? [model] : [model, tfjs];
}

export function importModel(path: string, options: ImportOptions): void {
  const isOnnx = path.toLowerCase().endsWith('.onnx');
  if (!isOnnx && tfjsModelJsonOf(path) === null)
    throw new UsageError(
      `${path} is neither a .onnx file nor a TF.js Layers model (model.json or its folder); a native model ` +
        `folder needs no import`,
    );
  // Before the model is read: --out must be a folder (or nothing yet) that takes new files, and not the model.
  prepareOutput(options.out, { inputs: inputFiles(path), flag: '--out' });
  const { model } = loadAnyModel(path);
  applyOverrides(model, path, options);
  saveModel(model, options.out);
  const summary = {
    model: path,
    out: options.out,
    files: [join(options.out, 'model.json'), join(options.out, 'weights.safetensors')],
    layers: model.layers.length,
    parameters: model.summaryData().totalParameters,
    inputShape: [...model.inputShape],
    classes: model.classes,
    hasClassNames: model.classNames !== undefined,
    preprocessing: model.preprocessing ?? null,
  };
  if (options.json) {
    process.stdout.write(jsonLine(summary));
    return;
  }
  const names = model.classNames === undefined ? 'no class names (give --labels)' : 'class names';
  const preprocessing =
    model.preprocessing === undefined
      ? 'no preprocessing (images stretched, 0..1; give --preprocess)'
      : `preprocessing ${describePreprocessing(model.preprocessing)}`;
  process.stdout.write(
    `Imported ${terminalText(path)} to ${terminalText(options.out)}: ${model.layers.length} layers, input ` +
      `[${model.inputShape.join(', ')}] (NHWC), ${model.classes} classes; ${names}; ${preprocessing}\n`,
  );
}

/** One line of a preprocessing: "crop 0.875, 0..1, mean [...], std [...], rgb". */
export function describePreprocessing(
  preprocessing: NonNullable<ReturnType<typeof loadAnyModel>['model']['preprocessing']>,
): string {
  const resize =
    preprocessing.resize === 'crop' ? `shorter side resized, center crop ${preprocessing.cropFraction}` : 'stretched';
  return (
    `${resize}, 0..${preprocessing.scale}, ${preprocessing.channelOrder ?? 'rgb'}, mean ` +
    `[${preprocessing.mean.join(', ')}], std [${preprocessing.std.join(', ')}]`
  );
}
