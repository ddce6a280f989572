// The operator table of the ONNX importer: operator name -> mapper (mappers/*.ts, one file per
// operator family). To add an operator: write its mapper (a function of an OnnxNodeContext, see
// mapper.ts, returning the Value it computes) in a new file under mappers/, or beside its family, and
// add one line here; mark it keepsLayout when it is elementwise on one input's layout. Shape arithmetic
// on constants is folded before any mapper is asked (constants.ts), and Constant nodes are read there.

import { clip, dropout, elu, gelu, leakyRelu, relu, sigmoid, softmax, tanh } from './mappers/activations.js';
import { channelSlice, split } from './mappers/channelSlices.js';
import { reshapeOrShuffle, transposeOrShuffle } from './mappers/channelShuffle.js';
import { concat } from './mappers/concat.js';
import { conv } from './mappers/conv.js';
import { gemm } from './mappers/dense.js';
import { hardSigmoid, hardSwish } from './mappers/hardActivations.js';
import { layerNormalization } from './mappers/layerNormalization.js';
import { addOrMultiply } from './mappers/elementwise.js';
import { batchNormalization } from './mappers/normalization.js';
import { pad } from './mappers/pad.js';
import { globalAveragePool, pool, reduceMean } from './mappers/pooling.js';
import { flatten, identity, shape, squeeze } from './mappers/shape.js';
import { subtractOrDivide } from './mappers/subtractDivide.js';
import type { OnnxOperator } from './mapper.js';

/** Operator name -> how it is imported. */
export const OPERATORS: ReadonlyMap<string, OnnxOperator> = new Map<string, OnnxOperator>([
  ['Conv', { map: conv }],
  ['Relu', { map: relu, keepsLayout: true }],
  ['LeakyRelu', { map: leakyRelu, keepsLayout: true }],
  ['Sigmoid', { map: sigmoid, keepsLayout: true }],
  ['Tanh', { map: tanh, keepsLayout: true }],
  ['Gelu', { map: gelu, keepsLayout: true }],
  ['Elu', { map: elu, keepsLayout: true }],
  ['Clip', { map: clip, keepsLayout: true }],
  ['MaxPool', { map: pool }],
  ['AveragePool', { map: pool }],
  ['GlobalAveragePool', { map: globalAveragePool }],
  ['ReduceMean', { map: reduceMean }],
  ['BatchNormalization', { map: batchNormalization }],
  ['Gemm', { map: gemm }],
  ['MatMul', { map: gemm }],
  ['Add', { map: addOrMultiply, keepsLayout: true }],
  ['Sum', { map: addOrMultiply, keepsLayout: true }],
  ['Mul', { map: addOrMultiply, keepsLayout: true }],
  ['Concat', { map: concat, keepsLayout: true }],
  ['Flatten', { map: flatten }],
  ['Reshape', { map: reshapeOrShuffle }],
  ['Transpose', { map: transposeOrShuffle }],
  ['Pad', { map: pad, keepsLayout: true }],
  ['Softmax', { map: softmax }],
  ['Dropout', { map: dropout, keepsLayout: true }],
  ['Identity', { map: identity, keepsLayout: true }],
  ['Squeeze', { map: squeeze }],
  ['Shape', { map: shape }],
  ['HardSigmoid', { map: hardSigmoid, keepsLayout: true }],
  ['HardSwish', { map: hardSwish, keepsLayout: true }],
  ['Sub', { map: subtractOrDivide, keepsLayout: true }],
  ['Div', { map: subtractOrDivide, keepsLayout: true }],
  ['Split', { map: split }],
  ['Slice', { map: channelSlice }],
  ['LayerNormalization', { map: layerNormalization, keepsLayout: true }],
]);

/** Operators the importer maps, for the error that names an unsupported one. */
export const ONNX_IMPORT_OPERATORS: readonly string[] = Object.freeze([...OPERATORS.keys(), 'Constant']);
