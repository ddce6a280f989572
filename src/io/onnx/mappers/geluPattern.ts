// The exact GELU as PyTorch exports it: x * (1 + Erf(x / sqrt 2)) * 0.5, five nodes (Div, Erf, Add 1,
// Mul by x, Mul 0.5), imported as one GELU layer. The Div (subtractDivide.ts) checks the whole chain
// by its readers before it starts; each later node passes its input on, marked with the stage
// reached; the last Mul makes the layer. Add and Mul that are not part of a chain go to
// elementwise.ts. Limits: Erf elsewhere is refused; the chain's constants must be sqrt 2, 1 and 0.5.

import type { onnx as Onnx } from 'onnx-proto';
import { FileFormatError } from '../../../core/errors.js';
import { GELU } from '../../../layers/activations.js';
import type { ConstantValue } from '../constants.js';
import type { OnnxNodeContext } from '../mapper.js';
import type { Value } from '../layout.js';
import { addOrMultiply } from './elementwise.js';
import { continueLayerNorm } from './layerNormPattern.js';

interface PendingGelu {
  stage: 'divided' | 'erf' | 'plusOne' | 'product';
  /** The x of x * Phi(x), and its name in the graph. */
  source: Value;
  sourceName: string;
}

const pendingGelus = new WeakMap<Value, PendingGelu>();

/** Whether `value` is a GELU chain under way (for the import trace: its node is fused into the GELU). */
export const isPendingGelu = (value: Value): boolean => pendingGelus.has(value);

/** The one node that reads `name`, if it is of `op` (and nothing else reads it, nor is it a graph output). */
function onlyReader(context: OnnxNodeContext, name: string, op: string): Onnx.INodeProto | undefined {
  const readers = context.readers.nodesOf(name);
  return context.readers.count(name) === 1 && readers[0]?.opType === op ? readers[0] : undefined;
}

const outputOf = (node: Onnx.INodeProto) => (node.output ?? [])[0] ?? '';

/** Whether `constant` is one value within 1e-6 of `expected` (float32 rounding of sqrt 2 included). */
const isScalar = (constant: ConstantValue, expected: number) =>
  constant.values.length === 1 && Math.abs(constant.values[0]! - expected) <= 1e-6 * Math.max(1, expected);

/**
 * For a Div of input 0 by the constant `divisor`: the marked start of a GELU chain when the divisor
 * is sqrt 2 and the readers after it form the chain, else null (an ordinary Div).
 */
export function startGelu(context: OnnxNodeContext, divisor: ConstantValue): Value | null {
  if (!isScalar(divisor, Math.SQRT2)) return null;
  const sourceName = context.inputName(0);
  const erf = onlyReader(context, context.output, 'Erf');
  const plusOne = erf && onlyReader(context, outputOf(erf), 'Add');
  const product = plusOne && onlyReader(context, outputOf(plusOne), 'Mul');
  const half = product && onlyReader(context, outputOf(product), 'Mul');
  const hasConstant = (node: Onnx.INodeProto | undefined) =>
    (node?.input ?? []).some((name) => context.readers.isConstant(name));
  if (
    half === undefined ||
    product === undefined ||
    !hasConstant(plusOne) ||
    !(product.input ?? []).includes(sourceName) ||
    !hasConstant(half)
  )
    return null;
  const source = context.read(0);
  const marked = { ...source };
  pendingGelus.set(marked, { stage: 'divided', source, sourceName });
  return marked;
}

/** The computed inputs of the node with their pending GELU state, and its constant inputs. */
function inputsOf(context: OnnxNodeContext): {
  states: (PendingGelu | undefined)[];
  names: string[];
  constants: ConstantValue[];
} {
  const names = Array.from({ length: context.inputCount }, (_, index) => context.inputName(index));
  const states = names.map((name, index) =>
    context.isConstant(name) ? undefined : pendingGelus.get(context.read(index)),
  );
  const constants = names.filter((name) => context.isConstant(name)).map((name) => context.constant(name));
  return { states, names, constants };
}

function advance(state: PendingGelu, stage: PendingGelu['stage']): Value {
  const marked = { ...state.source };
  pendingGelus.set(marked, { ...state, stage });
  return marked;
}

function chainError(context: OnnxNodeContext, what: string): FileFormatError {
  return new FileFormatError(context.file, `${context.label}: in GELU's x * (1 + Erf(x / sqrt 2)) * 0.5 ${what}`);
}

export function erf(context: OnnxNodeContext): Value {
  const state = pendingGelus.get(context.read(0));
  if (state?.stage !== 'divided')
    throw new FileFormatError(
      context.file,
      `${context.label}: Erf is imported only inside GELU, x * (1 + Erf(x / sqrt 2)) * 0.5`,
    );
  return advance(state, 'erf');
}

/**
 * Add: the "+ 1" of a GELU chain, the "+ epsilon" of a decomposed layer normalization, or an ordinary Add
 * (elementwise.ts).
 */
export function addOrGelu(context: OnnxNodeContext): Value {
  const normalization = continueLayerNorm(context);
  if (normalization !== null) return normalization;
  const { states, constants } = inputsOf(context);
  const state = states.find((entry) => entry?.stage === 'erf');
  if (state === undefined) return addOrMultiply(context);
  if (constants.length !== 1 || !isScalar(constants[0]!, 1))
    throw chainError(context, 'the Add after Erf must add the constant 1');
  return advance(state, 'plusOne');
}

/** Mul: the "x *" or the "* 0.5" of a GELU chain, or an ordinary Mul (elementwise.ts). */
export function multiplyOrGelu(context: OnnxNodeContext): Value {
  const { states, names, constants } = inputsOf(context);
  const plusOne = states.find((entry) => entry?.stage === 'plusOne');
  if (plusOne !== undefined) {
    if (!names.includes(plusOne.sourceName))
      throw chainError(context, `the Mul after 1 + Erf must take x ('${plusOne.sourceName}')`);
    return advance(plusOne, 'product');
  }
  const product = states.find((entry) => entry?.stage === 'product');
  if (product === undefined) return addOrMultiply(context);
  if (constants.length !== 1 || !isScalar(constants[0]!, 0.5))
    throw chainError(context, 'the last Mul must multiply by the constant 0.5');
  return context.apply(new GELU(), product.source);
}
