// LayerNormalization (opset 17) over the channels: of maps the graph sees channels last (ConvNeXt
// permutes to NHWC around its LayerNorm), axis -1 or 3; of a vector, axis -1 or 1. Scale and bias are
// constants copied into the layer's gamma and beta (a missing bias is zeros).
// Limits: other axes (normalizing over height and width too) are refused.

import { FileFormatError } from '../../../core/errors.js';
import { LayerNormalization } from '../../../layers/layerNormalization.js';
import { floatOf, intOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type Value } from '../layout.js';

export function layerNormalization(context: OnnxNodeContext): Value {
  const { file, label } = context;
  const from = context.read(0);
  const axis = intOf(context.attributes, 'axis', -1);
  const isChannels =
    from.kind === 'maps' ? mapsLayout(from) === 'NHWC' && (axis === -1 || axis === 3) : axis === -1 || axis === 1;
  if (!isChannels) {
    const what = from.kind === 'maps' ? `${mapsLayout(from)} feature maps` : 'a vector';
    throw new FileFormatError(
      file,
      `${label}: only a layer normalization over the channels (the last axis, channels last) is imported, ` +
        `got axis ${axis} of ${what}`,
    );
  }
  const channels = from.tensor.shape.at(-1)!;
  const read = (index: number, fallback: number): Float64Array => {
    const name = context.inputName(index);
    if (name === '') return new Float64Array(channels).fill(fallback);
    const values = context.constant(name).values;
    if (values.length !== channels)
      throw new FileFormatError(file, `${label}: input '${name}' has ${values.length} values for ${channels} channels`);
    return Float64Array.from(values);
  };
  const [scale, bias] = [read(1, 1), read(2, 0)];
  const layer = new LayerNormalization({ epsilon: floatOf(context.attributes, 'epsilon', 1e-5) });
  const result = context.apply(layer, from);
  context.afterBuild(() => {
    layer.gamma!.dataSync().set(scale);
    layer.beta!.dataSync().set(bias);
  });
  return result;
}
