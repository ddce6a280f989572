// Checks on a loaded model's weights shared by the readers of model files (modelFormat.ts) and ONNX
// files (onnx/importOnnx.ts): a NaN or infinite weight or batch-normalization statistic makes every
// prediction NaN, so it is refused at load, naming the weight, rather than found in the output.

import { FileFormatError } from '../core/errors.js';
import type { Model } from '../model/model.js';

/** Throws FileFormatError naming `file`, the first weight holding NaN or infinite values, and how many. */
export function checkFiniteWeights(model: Model, file: string): void {
  for (const weight of model.namedWeights()) {
    const data = weight.tensor.dataSync();
    let nonFinite = 0;
    let firstIndex = -1;
    for (let index = 0; index < data.length; index++) {
      if (!Number.isFinite(data[index]!)) {
        nonFinite++;
        if (firstIndex < 0) firstIndex = index;
      }
    }
    if (nonFinite > 0) {
      throw new FileFormatError(
        file,
        `weight '${weight.name}' holds ${nonFinite.toLocaleString('en-US')} non-finite ` +
          `value${nonFinite === 1 ? '' : 's'} (NaN or infinite) ` +
          `of ${data.length.toLocaleString('en-US')}, the first ${data[firstIndex]} at index ${firstIndex}; ` +
          `a model with them predicts NaN`,
      );
    }
  }
}
