// BatchNormalization (inference form: the running statistics) as a BatchNormalization layer.

import { FileFormatError } from '../../../core/errors.js';
import { BatchNormalization } from '../../../layers/batchNormalization.js';
import { floatOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function batchNormalization(context: OnnxNodeContext): Value {
  const from = context.nchw(0);
  const layer = new BatchNormalization({ epsilon: floatOf(context.attributes, 'epsilon', 1e-5), momentum: 0.9 });
  const result = context.apply(layer, from);
  const channels = from.tensor.shape.at(-1)!;
  const [scale, shift, mean, variance] = [1, 2, 3, 4].map((index) => {
    const name = context.inputName(index);
    const values = context.constant(name).values;
    if (values.length !== channels)
      throw new FileFormatError(
        context.file,
        `${context.label}: input '${name}' has ${values.length} values for ${channels} channels`,
      );
    return values;
  });
  context.afterBuild(() => {
    layer.gamma!.dataSync().set(scale!);
    layer.beta!.dataSync().set(shift!);
    layer.movingMean!.dataSync().set(mean!);
    layer.movingVariance!.dataSync().set(variance!);
  });
  return result;
}
