// Activations and other one-input layers that keep their input's layout: Relu, Sigmoid, Tanh, Gelu,
// LeakyRelu, Elu, Clip (ReLU6 and friends), Softmax over a vector, Dropout (identity at inference,
// kept so that fine-tuning drops out as trained).

import { FileFormatError } from '../../../core/errors.js';
import { Clip, ELU, GELU, LeakyReLU, ReLU, Sigmoid, Tanh } from '../../../layers/activations.js';
import { Dropout } from '../../../layers/dropout.js';
import { Softmax } from '../../../layers/softmax.js';
import { floatOf, stringOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';

export const relu = (context: OnnxNodeContext): Value => context.apply(new ReLU(), context.read(0));
export const sigmoid = (context: OnnxNodeContext): Value => context.apply(new Sigmoid(), context.read(0));
export const tanh = (context: OnnxNodeContext): Value => context.apply(new Tanh(), context.read(0));

/** Gelu: ONNX's operator from opset 20 (PyTorch's Erf form before it: geluPattern.ts). */
export function gelu(context: OnnxNodeContext): Value {
  const approximate = stringOf(context.attributes, 'approximate', 'none');
  if (approximate !== 'none')
    throw new FileFormatError(
      context.file,
      `${context.label}: only the exact (Erf) GELU is imported, got approximate='${approximate}'`,
    );
  return context.apply(new GELU(), context.read(0));
}

export function leakyRelu(context: OnnxNodeContext): Value {
  return context.apply(new LeakyReLU({ alpha: floatOf(context.attributes, 'alpha', 0.01) }), context.read(0));
}

export function elu(context: OnnxNodeContext): Value {
  return context.apply(new ELU({ alpha: floatOf(context.attributes, 'alpha', 1) }), context.read(0));
}

export function clip(context: OnnxNodeContext): Value {
  // Opset 11 and later give the bounds as (optional) constant inputs, earlier opsets as attributes.
  // An empty name leaves that bound out.
  const bound = (index: number, attribute: string, fallback: number) => {
    const name = context.inputName(index);
    return name !== '' ? context.scalarOf(name) : floatOf(context.attributes, attribute, fallback);
  };
  return context.apply(new Clip({ min: bound(1, 'min', -Infinity), max: bound(2, 'max', Infinity) }), context.read(0));
}

export function softmax(context: OnnxNodeContext): Value {
  const from = context.read(0);
  if (from.kind !== 'vector')
    throw new FileFormatError(context.file, `${context.label}: softmax over feature maps is not imported`);
  return context.apply(new Softmax(), from);
}

export function dropout(context: OnnxNodeContext): Value {
  // Opset 12 and later give the ratio as an (optional) input, earlier opsets as an attribute.
  const ratioName = context.inputName(1);
  const rate = ratioName !== '' ? context.scalarOf(ratioName) : floatOf(context.attributes, 'ratio', 0.5);
  return rate === 0 ? context.read(0) : context.apply(new Dropout({ rate }), context.read(0));
}
