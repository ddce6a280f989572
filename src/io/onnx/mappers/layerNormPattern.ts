// Layer normalization over the channels as PyTorch exports it before opset 17 (ConvNeXt's
// LayerNorm2d at opset 11): mean = ReduceMean(x, axes [-1]); centred = Sub(x, mean);
// variance = ReduceMean(Pow(centred, 2), axes [-1]); y = Div(centred, Sqrt(Add(variance, epsilon))),
// on channels-last maps; imported as one LayerNormalization (gamma 1, beta 0: the Mul and Add that
// follow stay constant scales and shifts). The first ReduceMean checks the chain by its readers;
// each later node passes x on, marked with the stage reached; the Div makes the layer.
// Pow and Sqrt outside a layer normalization are Power layers (power.ts).

import type { onnx as Onnx } from 'onnx-proto';
import { FileFormatError } from '../../../core/errors.js';
import { LayerNormalization } from '../../../layers/layerNormalization.js';
import { intOf, intsOf } from '../attributes.js';
import type { OnnxNodeContext } from '../mapper.js';
import { mapsLayout, type Value } from '../layout.js';

interface PendingLayerNorm {
  stage: 'mean' | 'centred' | 'squared' | 'variance' | 'plusEpsilon' | 'deviation';
  source: Value;
  epsilon: number;
}

const pendingNorms = new WeakMap<Value, PendingLayerNorm>();

/** Whether `value` is a layer normalization under way (for the import trace: its node is fused into it). */
export const isPendingLayerNorm = (value: Value): boolean => pendingNorms.has(value);

const outputOf = (node: Onnx.INodeProto) => (node.output ?? [])[0] ?? '';

/** The readers of `name` if they are exactly the operators `ops` (in any order), else undefined. */
function readersAre(context: OnnxNodeContext, name: string, ops: readonly string[]): Onnx.INodeProto[] | undefined {
  const readers = [...context.readers.nodesOf(name)];
  const sorted = readers
    .map((node) => node.opType ?? '')
    .sort()
    .join();
  return context.readers.count(name) === readers.length && sorted === [...ops].sort().join() ? readers : undefined;
}

function mark(state: PendingLayerNorm, stage: PendingLayerNorm['stage'], epsilon = state.epsilon): Value {
  const marked = { ...state.source };
  pendingNorms.set(marked, { ...state, stage, epsilon });
  return marked;
}

/** Whether a ReduceMean node averages the last axis (channels of NHWC maps), keeping it. */
function isChannelMean(context: OnnxNodeContext, node: Onnx.INodeProto): boolean {
  const axes =
    node === context.node
      ? intsOf(context.attributes, 'axes', [])
      : ((node.attribute ?? []).find((attribute) => attribute.name === 'axes')?.ints?.map(Number) ?? []);
  const keepDims =
    node === context.node
      ? intOf(context.attributes, 'keepdims', 1)
      : Number((node.attribute ?? []).find((attribute) => attribute.name === 'keepdims')?.i ?? 1);
  return axes.length === 1 && (axes[0] === -1 || axes[0] === 3) && keepDims === 1;
}

/**
 * For a ReduceMean: the marked start of a layer normalization when it averages the channels of NHWC
 * maps and its readers form the chain, a later stage of one, or null (an ordinary ReduceMean).
 */
export function layerNormFromReduceMean(context: OnnxNodeContext): Value | null {
  const from = context.read(0);
  const state = pendingNorms.get(from);
  if (state !== undefined) {
    if (state.stage !== 'squared' || !isChannelMean(context, context.node))
      throw new FileFormatError(
        context.file,
        `${context.label}: in a layer normalization the variance is the ReduceMean of the squares over the channels`,
      );
    return mark(state, 'variance');
  }
  if (from.kind !== 'maps' || mapsLayout(from) !== 'NHWC' || !isChannelMean(context, context.node)) return null;
  const sub = readersAre(context, context.output, ['Sub'])?.[0];
  if (sub === undefined || (sub.input ?? [])[0] !== context.inputName(0)) return null;
  const [pow, div] = ['Pow', 'Div'].map((op) =>
    readersAre(context, outputOf(sub), ['Pow', 'Div'])?.find((node) => node.opType === op),
  );
  const variance = pow && readersAre(context, outputOf(pow), ['ReduceMean'])?.[0];
  const plusEpsilon =
    variance && isChannelMean(context, variance) ? readersAre(context, outputOf(variance), ['Add'])?.[0] : undefined;
  const sqrt = plusEpsilon && readersAre(context, outputOf(plusEpsilon), ['Sqrt'])?.[0];
  const last = sqrt && readersAre(context, outputOf(sqrt), ['Div'])?.[0];
  if (last === undefined || last !== div || (div.input ?? [])[0] !== outputOf(sub)) return null;
  const marked = { ...from };
  pendingNorms.set(marked, { stage: 'mean', source: from, epsilon: 0 });
  return marked;
}

/** For Sub, Add and Div: the next stage of a layer normalization under way, or null where none is. */
export function continueLayerNorm(context: OnnxNodeContext): Value | null {
  const names = Array.from({ length: context.inputCount }, (_, index) => context.inputName(index));
  const states = names.map((name, index) =>
    context.isConstant(name) ? undefined : pendingNorms.get(context.read(index)),
  );
  const state = states.find((entry) => entry !== undefined);
  if (state === undefined) return null;
  const refuse = (what: string) =>
    new FileFormatError(
      context.file,
      `${context.label}: in a layer normalization (x - mean) / sqrt(variance + epsilon) ${what}`,
    );
  if (context.op === 'Sub' && states[1]?.stage === 'mean' && states[0] === undefined) return mark(state, 'centred');
  if (context.op === 'Add' && state.stage === 'variance') {
    const epsilonName = names.find((name) => context.isConstant(name));
    const epsilon = epsilonName === undefined ? Number.NaN : context.scalarOf(epsilonName);
    if (!(epsilon > 0)) throw refuse('epsilon must be a positive constant');
    return mark(state, 'plusEpsilon', epsilon);
  }
  if (context.op === 'Div' && states[0]?.stage === 'centred' && states[1]?.stage === 'deviation') {
    return context.apply(new LayerNormalization({ epsilon: states[1].epsilon }), state.source);
  }
  if (context.op === 'Div' && states[0]?.stage === 'centred') throw refuse('the Div must divide by the Sqrt');
  // The centred values also reach Pow and the last Div; any other use here is not the pattern.
  throw refuse(`${context.op} does not belong (stage ${state.stage})`);
}

/** The squaring step of a pending layer normalization; null when the base is not one (then an ordinary Pow). */
export function pow(context: OnnxNodeContext): Value | null {
  const state = pendingNorms.get(context.read(0));
  if (state === undefined) return null;
  const exponent = context.isConstant(context.inputName(1)) ? context.scalarOf(context.inputName(1)) : Number.NaN;
  if (state?.stage !== 'centred' || exponent !== 2)
    throw new FileFormatError(
      context.file,
      `${context.label}: Pow is imported only as the square inside a layer normalization`,
    );
  return mark(state, 'squared');
}

/** The square root step of a pending layer normalization; null when the input is not one (then an ordinary Sqrt). */
export function sqrt(context: OnnxNodeContext): Value | null {
  const state = pendingNorms.get(context.read(0));
  if (state === undefined) return null;
  if (state.stage !== 'plusEpsilon')
    throw new FileFormatError(
      context.file,
      `${context.label}: Sqrt is imported only inside a layer normalization, sqrt(variance + epsilon)`,
    );
  return mark(state, 'deviation');
}
