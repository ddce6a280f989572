// Pow with a constant exponent and Sqrt: a Power layer (exponent, or 0.5), unless they are steps of a
// decomposed layer normalization (layerNormPattern.ts), which becomes one LayerNormalization.
// Limits: a computed exponent, a constant base and an exponent of more than one value are refused.

import { FileFormatError } from '../../../core/errors.js';
import { Power } from '../../../layers/activations.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';
import { pow as layerNormSquare, sqrt as layerNormSqrt } from './layerNormPattern.js';

export function pow(context: OnnxNodeContext): Value {
  const square = layerNormSquare(context);
  if (square !== null) return square;
  const exponentName = context.inputName(1);
  if (!context.isConstant(exponentName))
    throw new FileFormatError(
      context.file,
      `${context.label}: Pow is imported with a constant exponent only; '${exponentName}' is computed`,
    );
  return context.apply(new Power({ exponent: context.scalarOf(exponentName) }), context.read(0));
}

export function sqrt(context: OnnxNodeContext): Value {
  return layerNormSqrt(context) ?? context.apply(new Power({ exponent: 0.5 }), context.read(0));
}
