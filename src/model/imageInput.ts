// From images to a model's input batch: each image is fitted to the input's size (fitImage: area
// averaging when it shrinks both sides, bilinear otherwise; or, when the model's preprocessing says
// 'crop', its shorter side resized and the center cut out) and converted to the color model the
// model's Input layer declares (an RGBA photo for a gray digit model becomes gray, its alpha
// composited over the background), then normalized as model.preprocessing says.

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ConvertOptions } from '../image/colorModels.js';
import { convertImage, imagesToTensor, type Image } from '../image/image.js';
import { normalizeForInput, resizeForInput } from '../image/preprocessing.js';
import type { Input } from '../layers/input.js';
import type { Model } from './model.js';

/**
 * The batch [n, height, width, channels] that `model` takes for `images`. An image of another size is
 * resized to the model's input first, as fitImage does (area averaging when it shrinks both sides, so
 * thin strokes do not alias away; bilinear otherwise; the aspect ratio is not kept: crop first with
 * centerCrop to keep it, or set model.preprocessing); an image of the right size is used as it is.
 * Then its color model is converted to the input's, and, when the model has a preprocessing, its
 * values scaled, reordered and normalized (see Preprocessing). Throws ValueError for a model that takes feature
 * vectors.
 *
 * @example
 * const probabilities = model.predict(imagesToInput(model, [photo]));
 */
export function imagesToInput(model: Model, images: readonly Image[], options: ConvertOptions = {}): Tensor {
  const input = model.layers[0] as Input;
  if (input.colorModel === null)
    throw new ValueError(
      `imagesToInput: model input '${input.name}' takes feature vectors of ${input.shape[0]} values, not images`,
    );
  const [height, width] = input.shape as [number, number, number];
  const preprocessing = model.preprocessing;
  const converted = images.map((image) => {
    const fitted = resizeForInput(image, width, height, preprocessing);
    const colored = fitted.colorModel === input.colorModel ? fitted : convertImage(fitted, input.colorModel!, options);
    return preprocessing === undefined
      ? colored
      : { ...colored, data: normalizeForInput(colored.data, colored.colorModel, preprocessing) };
  });
  return imagesToTensor(converted);
}
