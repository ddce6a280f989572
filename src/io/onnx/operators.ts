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
import { convTranspose } from './mappers/convTranspose.js';
import { hardSigmoid, hardSwish } from './mappers/hardActivations.js';
import { layerNormalization } from './mappers/layerNormalization.js';
import { layerNormFromReduceMean } from './mappers/layerNormPattern.js';
import { gemm } from './mappers/dense.js';
import { addOrGelu, erf, multiplyOrGelu } from './mappers/geluPattern.js';
import { minOrMax } from './mappers/minMax.js';
import { batchNormalization } from './mappers/normalization.js';
import { pad } from './mappers/pad.js';
import { resize } from './mappers/resize.js';
import { pow, sqrt } from './mappers/power.js';
import { globalAveragePool, pool, reduceMean } from './mappers/pooling.js';
import { flatten, identity, shape, squeeze } from './mappers/shape.js';
import { subtractOrDivide } from './mappers/subtractDivide.js';
import type { OnnxNodeContext, OnnxOperator } from './mapper.js';

/** Operator name -> how it is imported. */
export const OPERATORS: ReadonlyMap<string, OnnxOperator> = new Map<string, OnnxOperator>([
  ['Conv', { map: conv }],
  ['ConvTranspose', { map: convTranspose }],
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
  ['ReduceMean', { map: (context: OnnxNodeContext) => layerNormFromReduceMean(context) ?? reduceMean(context) }],
  ['BatchNormalization', { map: batchNormalization }],
  ['Gemm', { map: gemm }],
  ['MatMul', { map: gemm }],
  ['Add', { map: addOrGelu, keepsLayout: true }],
  ['Sum', { map: addOrGelu, keepsLayout: true }],
  ['Mul', { map: multiplyOrGelu, keepsLayout: true }],
  ['Concat', { map: concat, keepsLayout: true }],
  ['Flatten', { map: flatten }],
  ['Reshape', { map: reshapeOrShuffle }],
  ['Transpose', { map: transposeOrShuffle }],
  ['Pad', { map: pad, keepsLayout: true }],
  ['Resize', { map: resize, keepsLayout: true }],
  ['Upsample', { map: resize, keepsLayout: true }],
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
  ['Erf', { map: erf, keepsLayout: true }],
  ['Pow', { map: pow, keepsLayout: true }],
  ['Sqrt', { map: sqrt, keepsLayout: true }],
  ['Max', { map: minOrMax, keepsLayout: true }],
  ['Min', { map: minOrMax, keepsLayout: true }],
]);

/** Operators the importer maps, for the error that names an unsupported one. */
export const ONNX_IMPORT_OPERATORS: readonly string[] = Object.freeze([...OPERATORS.keys(), 'Constant']);
