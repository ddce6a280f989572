// From images to a model's input batch: each image is converted to the color model the model's
// Input layer declares (an RGBA photo for a gray digit model becomes gray, its alpha composited over
// the background), and its size is checked against the input shape.

import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ConvertOptions } from '../image/colorModels.js';
import { convertImage, imagesToTensor, type Image } from '../image/image.js';
import { Input } from '../layers/input.js';
import type { Model } from './model.js';

/**
 * The batch [n, height, width, channels] that `model` takes for `images`, converting color models.
 * Throws ShapeError naming the image when its size differs from the model's input.
 *
 * @example
 * const probabilities = model.predict(imagesToInput(model, [photo]));
 */
export function imagesToInput(model: Model, images: readonly Image[], options: ConvertOptions = {}): Tensor {
  const input = model.layers[0] as Input;
  if (input.colorModel === null) throw new ValueError(`imagesToInput: model input '${input.name}' takes feature vectors of ${input.shape[0]} values, not images`);
  const [height, width] = input.shape as [number, number, number];
  const converted = images.map((image, index) => {
    if (image.height !== height || image.width !== width) {
      throw new ShapeError(
        `imagesToInput: image ${index} is ${image.height}x${image.width} but model input '${input.name}' takes ${height}x${width} ` +
          `${input.colorModel} images; resize it first`,
      );
    }
    return image.colorModel === input.colorModel ? image : convertImage(image, input.colorModel!, options);
  });
  return imagesToTensor(converted);
}
