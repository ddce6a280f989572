// Builds the benchmark networks as ONNX models (opset 13), channels first as PyTorch exports them:
// Conv with pads, Relu, MaxPool, Flatten, Gemm with transB=1 (PyTorch's Linear), Softmax.
// Encoded with onnx-proto (protobufjs classes generated from onnx.proto), never by hand.
// Limits: random He-scaled weights, for speed only; the batch dimension is symbolic ('batch').

import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { SeededRandom } from './seededRandom.js';
import { KERNEL_SIZE, POOL_SIZE, type Workload } from './workloads.js';

const { onnx } = onnxProto;

export const OPSET_VERSION = 13;
/** IR version 7 is the one that introduced opset 13 (ONNX 1.8). */
const IR_VERSION = 7;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';
const WEIGHT_SEED = 1;

type Dimension = number | string;

function valueInfo(name: string, dimensions: readonly Dimension[]): Onnx.IValueInfoProto {
  const dim = dimensions.map((dimension) =>
    typeof dimension === 'string' ? { dimParam: dimension } : { dimValue: dimension },
  );
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } };
}

function intsAttribute(name: string, ints: number[]): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

function intAttribute(name: string, value: number): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

/** A constant weight tensor, float32 little-endian in raw_data, drawn from N(0, 2 / fanIn). */
function heNormalTensor(name: string, dims: number[], fanIn: number, random: SeededRandom): Onnx.ITensorProto {
  const values = new Float32Array(dims.reduce((product, dimension) => product * dimension, 1));
  const scale = Math.sqrt(2 / fanIn);
  for (let index = 0; index < values.length; index++) values[index] = random.normal() * scale;
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer) };
}

function zerosTensor(name: string, size: number): Onnx.ITensorProto {
  return { name, dims: [size], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(size * 4) };
}

/** The serialised ModelProto of `workload`: input [batch, inC, inH, inW], output [batch, classes]. */
export function buildOnnxModel(workload: Workload): Uint8Array {
  const random = new SeededRandom(WEIGHT_SEED);
  const nodes: Onnx.INodeProto[] = [];
  const initializers: Onnx.ITensorProto[] = [];
  let [height, width, channels] = workload.inputShape;
  let features = 0;
  let current = INPUT_NAME;
  const next = (prefix: string): string => `${prefix}_${nodes.length}`;
  const padding = (KERNEL_SIZE - 1) / 2;

  for (const spec of workload.layers) {
    switch (spec.kind) {
      case 'conv': {
        const weight = heNormalTensor(
          next('conv_weight'),
          [spec.filters, channels, KERNEL_SIZE, KERNEL_SIZE],
          channels * KERNEL_SIZE * KERNEL_SIZE,
          random,
        );
        const bias = zerosTensor(next('conv_bias'), spec.filters);
        initializers.push(weight, bias);
        const output = next('conv');
        nodes.push({
          opType: 'Conv',
          input: [current, weight.name!, bias.name!],
          output: [output],
          name: output,
          attribute: [
            intsAttribute('kernel_shape', [KERNEL_SIZE, KERNEL_SIZE]),
            intsAttribute('pads', [padding, padding, padding, padding]),
            intsAttribute('strides', [1, 1]),
          ],
        });
        current = output;
        channels = spec.filters;
        break;
      }
      case 'relu': {
        const output = next('relu');
        nodes.push({ opType: 'Relu', input: [current], output: [output], name: output });
        current = output;
        break;
      }
      case 'maxPool': {
        const output = next('max_pool');
        nodes.push({
          opType: 'MaxPool',
          input: [current],
          output: [output],
          name: output,
          attribute: [
            intsAttribute('kernel_shape', [POOL_SIZE, POOL_SIZE]),
            intsAttribute('strides', [POOL_SIZE, POOL_SIZE]),
          ],
        });
        current = output;
        height = Math.floor(height / POOL_SIZE);
        width = Math.floor(width / POOL_SIZE);
        break;
      }
      case 'flatten': {
        const output = next('flatten');
        nodes.push({
          opType: 'Flatten',
          input: [current],
          output: [output],
          name: output,
          attribute: [intAttribute('axis', 1)],
        });
        current = output;
        features = channels * height * width;
        break;
      }
      case 'dense': {
        const weight = heNormalTensor(next('gemm_weight'), [spec.units, features], features, random);
        const bias = zerosTensor(next('gemm_bias'), spec.units);
        initializers.push(weight, bias);
        const output = next('gemm');
        nodes.push({
          opType: 'Gemm',
          input: [current, weight.name!, bias.name!],
          output: [output],
          name: output,
          attribute: [intAttribute('transB', 1)],
        });
        current = output;
        features = spec.units;
        break;
      }
    }
  }
  nodes.push({
    opType: 'Softmax',
    input: [current],
    output: [OUTPUT_NAME],
    name: 'softmax',
    attribute: [intAttribute('axis', 1)],
  });

  const [inH, inW, inC] = workload.inputShape;
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'convnet-ts bench',
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    graph: {
      name: workload.name,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(INPUT_NAME, ['batch', inC, inH, inW])],
      output: [valueInfo(OUTPUT_NAME, ['batch', workload.classes])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
