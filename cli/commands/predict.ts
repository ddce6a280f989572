// `convnet predict`: classifies image files (PNG, JPEG, or folders of them) with a saved model and
// prints the top classes with their probabilities. Each file is decoded fitted to the model's input
// size (a large picture is never held whole in float32; with a 'crop' preprocessing, to the size its
// center is cut from), then converted to the model's color model and normalized as its preprocessing
// (or --preprocess) says; the fitted pictures are classified in batches, a logits model's scores turned
// into probabilities by softmax. Classes are named by the model's names, or --labels. Files that cannot be read or
// decoded, and pictures the model gives non-finite probabilities, are reported and the rest go on.

import {
  checkOutputFile,
  encodeNpyHeader,
  ConvNetError,
  importedInput,
  FileFormatError,
  imagesToInput,
  listImageFiles,
  openNpyRows,
  readImageFile,
  Tensor,
  ValueError,
  withScope,
  writeFileAtomicStreaming,
  type ImageFile,
} from '../../src/index.js';
import { decodeSizeFor, imageInputOf, loadCliModel, softmaxRow, type ModelOverrides } from '../loadCliModel.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { UsageError } from '../usageError.js';

/**
 * Fitted pictures classified together; each file is decoded and fitted alone, so memory holds one decode and this
 * batch.
 */
const FILES_PER_BATCH = 64;

export interface PredictOptions extends ModelOverrides {
  model: string;
  top: number;
  json: boolean;
}

interface Prediction {
  file: string;
  top: { class: number; name: string; probability: number }[];
  resizedFrom?: string;
}

/** The image files to classify, or a usage error naming the path that does not exist. */
export function imageFilesOf(paths: readonly string[]): string[] {
  try {
    return listImageFiles(paths);
  } catch (error) {
    if (error instanceof FileFormatError) throw new UsageError(`${error.file}: no such file or folder`);
    throw error;
  }
}

/** Runs the command; returns the exit code (1 when some file could not be classified). */
export function predict(paths: readonly string[], options: PredictOptions): number {
  const { model, classNames } = loadCliModel(options.model, options);
  const [height, width] = imageInputOf(model, options.model).shape as [number, number, number];
  const isLogits = model.output === 'logits';
  const files = imageFilesOf(paths);
  if (files.length === 0) throw new UsageError(`no PNG or JPEG files in ${paths.join(', ')}`);
  const predictions: Prediction[] = [];
  const errors: { file: string; error: string }[] = [];
  const fail = (file: string, message: string): void => {
    errors.push({ file, error: message });
    process.stderr.write(`convnet: skipped ${terminalText(message)}\n`);
  };
  let batch: ImageFile[] = [];
  const classify = (): void => {
    if (batch.length === 0) return;
    const outputs = withScope(() =>
      Array.from(
        model
          .predict(
            imagesToInput(
              model,
              batch.map(({ image }) => image),
            ),
          )
          .dataSync(),
      ),
    );
    batch.forEach(({ file, sourceWidth, sourceHeight }, row) => {
      const rowOutputs = outputs.slice(row * model.classes, (row + 1) * model.classes);
      // A logits model (an imported classifier ending in Gemm): probabilities are their softmax.
      const scores = isLogits ? softmaxRow(rowOutputs) : rowOutputs;
      if (!scores.every(Number.isFinite)) {
        fail(
          file,
          `${file}: the model's probabilities are not finite ` +
            `(${scores.find((score) => !Number.isFinite(score))}); its weights or this picture hold NaN or ` +
            `infinite values`,
        );
        return;
      }
      const ranked = scores
        .map((probability, index) => ({ class: index, name: classNames[index]!, probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, options.top);
      const prediction: Prediction = { file, top: ranked };
      if (sourceWidth !== width || sourceHeight !== height) prediction.resizedFrom = `${sourceWidth}x${sourceHeight}`;
      predictions.push(prediction);
      if (!options.json) {
        const resized = prediction.resizedFrom === undefined ? '' : ` (resized from ${prediction.resizedFrom})`;
        // Names from files, escaped: a class name or file name cannot forge output lines.
        process.stdout.write(
          `${terminalText(file)}: ` +
            `${ranked.map((entry) => `${terminalText(entry.name)} ` + `${(entry.probability * 100).toFixed(1)}%`).join(', ')}${resized}\n`,
        );
      }
    });
    batch = [];
  };
  for (const file of files) {
    try {
      // Decoded straight to the size the preprocessing resizes to (the input's, or a shorter side to crop from).
      const fit = decodeSizeFor(file, model, width, height);
      batch.push(readImageFile(file, fit === undefined ? {} : { fit }));
    } catch (error) {
      if (!(error instanceof ConvNetError)) throw error;
      fail(file, error.message);
    }
    if (batch.length === FILES_PER_BATCH) classify();
  }
  classify();
  if (options.json) process.stdout.write(jsonLine({ model: options.model, predictions, errors }));
  return errors.length > 0 ? 1 : 0;
}

export interface PredictTensorOptions {
  model: string;
  input: string;
  output: string;
  json: boolean;
}

/**
 * Predicts a .npy batch in the model's input layout and writes the probabilities as .npy. The batch
 * is read straight from the file a few rows at a time and the probabilities written as they come
 * (atomically: a temporary file renamed at the end), so memory stays fixed for a batch of any length.
 * Refuses, before any work, an output that is the input or cannot be written; and, writing nothing,
 * probabilities that are not finite.
 */
export function predictTensor(options: PredictTensorOptions): void {
  checkOutputFile(options.output, { inputs: [options.input], flag: '--output' });
  const reader = openNpyRows(options.input);
  try {
    const { header, rows } = reader;
    if (header.dtype === 'int64')
      throw new FileFormatError(
        options.input,
        'holds int64 values; the model takes float32, float64 or uint8 (divided by 255)',
      );
    const { model, inputLayout } = loadCliModel(options.model);
    // An imported ONNX model takes its batches as its file declares (PyTorch's NCHW); a native one channels last.
    const [h, w, c] = model.inputShape;
    const perExample = inputLayout === 'NCHW' ? [c!, h!, w!] : [...model.inputShape];
    const layout = inputLayout === 'features' ? '' : ` (${inputLayout})`;
    if (
      header.shape.length !== perExample.length + 1 ||
      perExample.some((extent, axis) => header.shape[axis + 1] !== extent) ||
      rows === 0
    ) {
      throw new UsageError(
        `${options.input} has shape (${header.shape.join(', ')}) but model ${options.model} takes [n, ` +
          `${perExample.join(', ')}]${layout}`,
      );
    }
    const outputShape = [rows, ...model.outputShape];
    const outputValues = model.outputShape.reduce((product, extent) => product * extent, 1);
    const nonFinite = { rows: 0, first: -1, inputRows: 0 };
    writeFileAtomicStreaming(options.output, (write) => {
      write(encodeNpyHeader('float32', outputShape));
      for (let start = 0; start < rows; start += reader.rowsPerRead) {
        const count = Math.min(reader.rowsPerRead, rows - start);
        const values = toFloat32(reader.readRows(start, count));
        // One memory scope per batch: its tensors are freed before the next is read.
        const probabilities = withScope(() => {
          const batch = importedInput(new Tensor(values, [count, ...header.shape.slice(1)]), inputLayout);
          return Float32Array.from(model.predict(batch).dataSync());
        });
        for (let row = 0; row < count; row++) {
          if (probabilities.subarray(row * outputValues, (row + 1) * outputValues).every(Number.isFinite)) continue;
          if (nonFinite.rows === 0) nonFinite.first = start + row;
          nonFinite.rows += 1;
          if (!values.subarray(row * reader.rowValues, (row + 1) * reader.rowValues).every(Number.isFinite))
            nonFinite.inputRows += 1;
        }
        write(new Uint8Array(probabilities.buffer, probabilities.byteOffset, probabilities.byteLength));
      }
      if (nonFinite.rows > 0) {
        const inputs =
          nonFinite.inputRows === 0
            ? "the input rows are finite, so the model's weights"
            : `${nonFinite.inputRows} of those rows hold NaN or infinite inputs; the input or the model's weights`;
        throw new ValueError(
          `model ${options.model} gave probabilities that are not finite (NaN or infinite) for ` +
            `${nonFinite.rows} of ${rows} rows of ${options.input}` +
            ` (the first: row ${nonFinite.first}); ${inputs} hold NaN or infinite values. Nothing was ` +
            `written to ${options.output}`,
        );
      }
    });
    const summary = {
      model: options.model,
      input: options.input,
      output: options.output,
      examples: rows,
      classes: model.classes,
    };
    process.stdout.write(
      options.json
        ? jsonLine(summary)
        : `Wrote probabilities [${rows}, ${model.classes}] to ${terminalText(options.output)}\n`,
    );
  } finally {
    reader.close();
  }
}

/** Float32 values for the model; bytes are pixels, so 0-255 maps to [0, 1] as images are decoded. */
function toFloat32(values: Float32Array | Float64Array | Uint8Array | BigInt64Array): Float32Array {
  if (values instanceof Float32Array) return values;
  if (values instanceof BigInt64Array) throw new ValueError('predict: int64 values are not model inputs');
  const result = new Float32Array(values.length);
  if (values instanceof Uint8Array)
    for (let index = 0; index < values.length; index++) result[index] = values[index]! / 255;
  else result.set(values);
  return result;
}
