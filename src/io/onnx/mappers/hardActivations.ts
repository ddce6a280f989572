// HardSigmoid (max(0, min(1, alpha x + beta)), ONNX defaults alpha 0.2, beta 0.5; PyTorch exports its
// Hardsigmoid with alpha 1/6) and HardSwish (x * HardSigmoid(x) with 1/6, 0.5): MobileNetV3's gates
// and activation, as the layers of the same names.

import { HardSigmoid, HardSwish } from '../../../layers/activations.js';
import { floatOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export function hardSigmoid(context: OnnxNodeContext): Value {
  const alpha = floatOf(context.attributes, 'alpha', 0.2);
  const beta = floatOf(context.attributes, 'beta', 0.5);
  return context.apply(new HardSigmoid({ alpha, beta }), context.read(0));
}

export const hardSwish = (context: OnnxNodeContext): Value => context.apply(new HardSwish(), context.read(0));
