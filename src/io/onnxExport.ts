// ONNX export: a model as an ONNX graph (opset 13, IR version 7) that ONNX Runtime and other
// engines run, encoded with onnx-proto (protobufjs classes generated from onnx.proto), not by hand.
// Layout: ONNX's convention, channels first: the input is [batch, channels, height, width] and every
// feature map NCHW, so filters become [outC, inC / groups, kH, kW]. Flatten transposes back to
// channels last first, so the flattened order, and with it the Dense weights, stay as trained.

import type { onnx as Onnx } from 'onnx-proto';
import { onnxProto } from '#dependency/onnxProto';
import { ValueError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { effectiveKernelSize, resolvePadding } from '../kernels/params.js';
import type { Clip, ELU, HardSigmoid, LeakyReLU, Power } from '../layers/activations.js';
import type { AvgPool2D } from '../layers/avgPool2d.js';
import type { BatchNormalization } from '../layers/batchNormalization.js';
import type { ChannelShuffle } from '../layers/channelShuffle.js';
import type { ChannelSlice } from '../layers/channelSlice.js';
import type { Conv2D } from '../layers/conv2d.js';
import type { Conv2DTranspose } from '../layers/conv2dTranspose.js';
import type { Dense } from '../layers/dense.js';
import type { GlobalAveragePooling2D } from '../layers/globalAveragePooling2d.js';
import type { Layer } from '../layers/layer.js';
import type { LayerNormalization } from '../layers/layerNormalization.js';
import type { Pool2DLayer } from '../layers/pool2d.js';
import type { Resize2D } from '../layers/resize2d.js';
import type { ZeroPadding2D } from '../layers/zeroPadding2d.js';
import type { Model } from '../model/model.js';
import { zeroPadParams } from '../ops/zeroPad2d.js';
import { convertFilterLayout } from './filterLayout.js';

/** onnx-proto's generated classes: required on first use in Node, a static import in a bundle (src/dependencies/). */
const onnx = () => onnxProto().onnx;

/** The ONNX opset exportOnnx writes. */
export const ONNX_OPSET = 13;
/** IR version 7 introduced opset 13 (ONNX 1.8). */
const ONNX_IR_VERSION = 7;
/** The name of the exported graph's input. */
export const ONNX_INPUT_NAME = 'input';
/** The name of the exported graph's first output. */
export const ONNX_OUTPUT_NAME = 'output';

/** Options of exportOnnx. */
export interface OnnxExportOptions {
  /** The graph's name; default 'convnet-ts'. */
  name?: string | undefined;
  /** Stored as the model's doc string (training facts, ...). */
  description?: string | undefined;
  /** Written as the metadata 'classNames' (a JSON list); default model.classNames. */
  classNames?: readonly string[] | undefined;
}

/** The metadata_props key that holds the class names, as a JSON list of strings (importOnnx reads it back). */
export const ONNX_CLASS_NAMES_KEY = 'classNames';
/** The metadata key of model.preprocessing (a JSON Preprocessing record), written and read like classNames. */
export const ONNX_PREPROCESSING_KEY = 'preprocessing';

/** Builds nodes and initializers, naming every tensor after the layer it belongs to. */
class GraphBuilder {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];

  node(opType: string, inputs: string[], output: string, attributes: Onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType, input: inputs, output: [output], name: output, attribute: attributes });
    return output;
  }

  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push({
      name,
      dims,
      dataType: onnx().TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(Float32Array.from(values).buffer),
    });
    return name;
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx().TensorProto.DataType.INT64,
      rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
    });
    return name;
  }
}

const ints = (name: string, values: number[]): Onnx.IAttributeProto => ({
  name,
  type: onnx().AttributeProto.AttributeType.INTS,
  ints: values,
});
const int = (name: string, value: number): Onnx.IAttributeProto => ({
  name,
  type: onnx().AttributeProto.AttributeType.INT,
  i: value,
});
const float = (name: string, value: number): Onnx.IAttributeProto => ({
  name,
  type: onnx().AttributeProto.AttributeType.FLOAT,
  f: value,
});
const text = (name: string, value: string): Onnx.IAttributeProto => ({
  name,
  type: onnx().AttributeProto.AttributeType.STRING,
  s: new TextEncoder().encode(value),
});

/** A [kH, kW, inC, outC] filter as ONNX's [outC, inC, kH, kW]. */
function filterToOihw(kernel: Tensor): Float32Array {
  const [kH, kW, inC, outC] = kernel.shape as [number, number, number, number];
  const values = new Float32Array(kernel.size);
  convertFilterLayout(kernel.dataSync(), values, { kH, kW, inC, outC }, 'HWIO->OIHW');
  return values;
}

/** The ONNX nodes of one layer, reading `inputs`; returns the name of its output. */
function exportLayer(
  graph: GraphBuilder,
  layer: Layer,
  inputs: string[],
  inputShape: Shape,
  outputName: string,
): string {
  const [input] = inputs as [string];
  const prefix = layer.name;
  switch (layer.className) {
    case 'Conv2D': {
      const conv = layer as Conv2D;
      const [inH, inW] = inputShape as [number, number, number];
      const [kH, kW] = conv.kernelSize;
      const [dilationH, dilationW] = conv.dilationRate;
      const pads = resolvePadding(
        conv.padding,
        inH,
        inW,
        effectiveKernelSize(kH, dilationH),
        effectiveKernelSize(kW, dilationW),
        conv.strides[0],
        conv.strides[1],
      );
      const weight = graph.floats(
        `${prefix}/kernel`,
        [conv.filters, conv.kernel!.shape[2]!, kH, kW],
        filterToOihw(conv.kernel!),
      );
      const convInputs = [
        weight,
        ...(conv.bias === null ? [] : [graph.floats(`${prefix}/bias`, [conv.filters], conv.bias.dataSync())]),
      ];
      return graph.node('Conv', [input, ...convInputs], outputName, [
        ints('kernel_shape', [kH, kW]),
        ints('strides', [...conv.strides]),
        ints('dilations', [dilationH, dilationW]),
        ints('pads', [pads.padTop, pads.padLeft, pads.padBottom, pads.padRight]),
        int('group', conv.groups),
      ]);
    }
    case 'Conv2DTranspose': {
      // Our [kH, kW, outC / groups, inC] read as HWIO is, as OIHW, ONNX's [inC, outC / group, kH, kW].
      const conv = layer as Conv2DTranspose;
      const params = conv.convolutionParams(inputShape);
      const weight = graph.floats(
        `${prefix}/kernel`,
        [conv.kernel!.shape[3]!, conv.kernel!.shape[2]!, ...conv.kernelSize],
        filterToOihw(conv.kernel!),
      );
      const convInputs = [
        weight,
        ...(conv.bias === null ? [] : [graph.floats(`${prefix}/bias`, [conv.filters], conv.bias.dataSync())]),
      ];
      return graph.node('ConvTranspose', [input, ...convInputs], outputName, [
        ints('kernel_shape', [...conv.kernelSize]),
        ints('strides', [...conv.strides]),
        ints('dilations', [...conv.dilationRate]),
        ints('pads', [params.padTop, params.padLeft, params.padBottom, params.padRight]),
        ints('output_padding', [...conv.outputPadding]),
        int('group', conv.groups),
      ]);
    }
    case 'MaxPool2D':
    case 'AvgPool2D': {
      const pool = layer as Pool2DLayer;
      const [inH, inW] = inputShape as [number, number, number];
      const pads = resolvePadding(
        pool.padding,
        inH,
        inW,
        pool.poolSize[0],
        pool.poolSize[1],
        pool.strides[0],
        pool.strides[1],
      );
      const attributes = [
        ints('kernel_shape', [...pool.poolSize]),
        ints('strides', [...pool.strides]),
        ints('pads', [pads.padTop, pads.padLeft, pads.padBottom, pads.padRight]),
      ];
      // Averages over the values a window covers, as AvgPool2D does ('same' edges are not pulled to 0),
      // unless the layer counts the padding too; ceil mode has ONNX's (and PyTorch's) rules.
      if (layer.className === 'AvgPool2D')
        attributes.push(int('count_include_pad', (layer as AvgPool2D).countIncludePad ? 1 : 0));
      if (pool.ceilMode) attributes.push(int('ceil_mode', 1));
      return graph.node(layer.className === 'MaxPool2D' ? 'MaxPool' : 'AveragePool', [input], outputName, attributes);
    }
    case 'GlobalAveragePooling2D':
      // keepDims: ONNX's [c, 1, 1] is already the 1x1 maps it makes.
      if ((layer as GlobalAveragePooling2D).keepDims) return graph.node('GlobalAveragePool', [input], outputName);
      return graph.node('Flatten', [graph.node('GlobalAveragePool', [input], `${prefix}/pool`)], outputName, [
        int('axis', 1),
      ]);
    case 'Flatten':
      if (inputShape.length !== 3) return graph.node('Identity', [input], outputName);
      // Back to channels last before flattening: the order the Dense weights after it were trained on.
      return graph.node(
        'Flatten',
        [graph.node('Transpose', [input], `${prefix}/nhwc`, [ints('perm', [0, 2, 3, 1])])],
        outputName,
        [int('axis', 1)],
      );
    case 'Dense': {
      const dense = layer as Dense;
      const weight = graph.floats(`${prefix}/kernel`, [...dense.kernel!.shape], dense.kernel!.dataSync());
      const bias = dense.bias === null ? [] : [graph.floats(`${prefix}/bias`, [dense.units], dense.bias.dataSync())];
      return graph.node('Gemm', [input, weight, ...bias], outputName);
    }
    case 'BatchNormalization': {
      const norm = layer as BatchNormalization;
      const tensors = [norm.gamma!, norm.beta!, norm.movingMean!, norm.movingVariance!].map((tensor, index) =>
        graph.floats(
          `${prefix}/${['gamma', 'beta', 'moving_mean', 'moving_variance'][index]}`,
          [tensor.size],
          tensor.dataSync(),
        ),
      );
      return graph.node('BatchNormalization', [input, ...tensors], outputName, [float('epsilon', norm.epsilon)]);
    }
    case 'ZeroPadding2D': {
      const { padTop, padBottom, padLeft, padRight } = zeroPadParams(
        [1, ...inputShape],
        (layer as ZeroPadding2D).padding,
        prefix,
      );
      const pads = graph.int64s(`${prefix}/pads`, [0, 0, padTop, padLeft, 0, 0, padBottom, padRight]);
      return graph.node('Pad', [input, pads], outputName, []);
    }
    case 'Resize2D': {
      // A size as Concat(Shape(x)[0:2], [outH, outW]) (the batch stays dynamic; onnxruntime then maps
      // coordinates by outH / inH as the layer does); a scale as scales [1, 1, scaleH, scaleW].
      const resize = layer as Resize2D;
      let sizing: string[];
      if (resize.size !== undefined) {
        const shape = graph.node('Shape', [input], `${prefix}/shape`);
        const leading = graph.node(
          'Slice',
          [shape, graph.int64s(`${prefix}/zero`, [0]), graph.int64s(`${prefix}/two`, [2])],
          `${prefix}/batch_channels`,
        );
        sizing = [
          '',
          graph.node('Concat', [leading, graph.int64s(`${prefix}/size`, [...resize.size])], `${prefix}/sizes`, [
            int('axis', 0),
          ]),
        ];
      } else {
        const [scaleH, scaleW] = typeof resize.scale === 'number' ? [resize.scale, resize.scale] : resize.scale!;
        sizing = [graph.floats(`${prefix}/scales`, [4], [1, 1, scaleH, scaleW])];
      }
      return graph.node('Resize', [input, '', ...sizing], outputName, [
        text('mode', resize.mode === 'nearest' ? 'nearest' : 'linear'),
        text('coordinate_transformation_mode', resize.coordinates),
        text('nearest_mode', resize.nearestRounding),
      ]);
    }
    case 'ReLU':
      return graph.node('Relu', [input], outputName);
    case 'Sigmoid':
      return graph.node('Sigmoid', [input], outputName);
    case 'Tanh':
      return graph.node('Tanh', [input], outputName);
    case 'LeakyReLU':
      return graph.node('LeakyRelu', [input], outputName, [float('alpha', (layer as LeakyReLU).alpha)]);
    case 'ELU':
      return graph.node('Elu', [input], outputName, [float('alpha', (layer as ELU).alpha)]);
    case 'GELU': {
      // Opset 13 has no Gelu: x * (1 + erf(x / sqrt 2)) / 2, the exact form the layer computes.
      const scaled = graph.node('Div', [input, graph.floats(`${prefix}/sqrt2`, [], [Math.SQRT2])], `${prefix}/scaled`);
      const erf = graph.node('Erf', [scaled], `${prefix}/erf`);
      const onePlus = graph.node('Add', [erf, graph.floats(`${prefix}/one`, [], [1])], `${prefix}/one_plus`);
      const product = graph.node('Mul', [input, onePlus], `${prefix}/product`);
      return graph.node('Mul', [product, graph.floats(`${prefix}/half`, [], [0.5])], outputName);
    }
    case 'SiLU':
      return graph.node('Mul', [input, graph.node('Sigmoid', [input], `${prefix}/sigmoid`)], outputName);
    case 'Clip': {
      // Opset 11 made the bounds inputs (scalars), not attributes. An infinite bound is left out: an
      // empty input name, or none at the end (as PyTorch exports clamp with one bound).
      const { min, max } = layer as Clip;
      const bounds = [
        Number.isFinite(min) ? graph.floats(`${prefix}/min`, [], [min]) : '',
        Number.isFinite(max) ? graph.floats(`${prefix}/max`, [], [max]) : '',
      ];
      while (bounds.length > 0 && bounds[bounds.length - 1] === '') bounds.pop();
      return graph.node('Clip', [input, ...bounds], outputName);
    }
    case 'HardSigmoid': {
      const { alpha, beta } = layer as HardSigmoid;
      return graph.node('HardSigmoid', [input], outputName, [float('alpha', alpha), float('beta', beta)]);
    }
    case 'HardSwish':
      // Opset 13 has no HardSwish (it came in 14): x * HardSigmoid(x) with alpha 1/6, beta 0.5.
      return graph.node(
        'Mul',
        [input, graph.node('HardSigmoid', [input], `${prefix}/gate`, [float('alpha', 1 / 6), float('beta', 0.5)])],
        outputName,
      );
    case 'ChannelSlice': {
      const { start, end } = layer as ChannelSlice;
      return graph.node(
        'Slice',
        [
          input,
          graph.int64s(`${prefix}/starts`, [start]),
          graph.int64s(`${prefix}/ends`, [end]),
          graph.int64s(`${prefix}/axes`, [1]),
        ],
        outputName,
      );
    }
    case 'ChannelShuffle': {
      // ShuffleNet's own form: [N, groups, C / groups, H, W], swap axes 1 and 2, back to [N, C, H, W].
      const { groups } = layer as ChannelShuffle;
      const [inH, inW, channels] = inputShape as [number, number, number];
      const grouped = graph.node(
        'Reshape',
        [input, graph.int64s(`${prefix}/grouped`, [0, groups, channels / groups, inH, inW])],
        `${prefix}/grouped_maps`,
      );
      const swapped = graph.node('Transpose', [grouped], `${prefix}/swapped`, [ints('perm', [0, 2, 1, 3, 4])]);
      return graph.node('Reshape', [swapped, graph.int64s(`${prefix}/shape`, [0, channels, inH, inW])], outputName);
    }
    case 'LayerNormalization': {
      // Opset 13 has no LayerNormalization (it came in 17): written out over the channels (axis 1 of
      // NCHW maps and of vectors), as PyTorch writes it below opset 17 over the last axis.
      // Known limit: importOnnx fuses only the last-axis form, so this channels-first one does not import back.
      const norm = layer as LayerNormalization;
      const perChannel = inputShape.length === 3 ? [inputShape[2]!, 1, 1] : [inputShape[0]!];
      const mean = graph.node('ReduceMean', [input], `${prefix}/mean`, [ints('axes', [1])]);
      const centred = graph.node('Sub', [input, mean], `${prefix}/centred`);
      const squared = graph.node('Pow', [centred, graph.floats(`${prefix}/two`, [], [2])], `${prefix}/squared`);
      const variance = graph.node('ReduceMean', [squared], `${prefix}/variance`, [ints('axes', [1])]);
      const padded = graph.node(
        'Add',
        [variance, graph.floats(`${prefix}/epsilon`, [], [norm.epsilon])],
        `${prefix}/padded`,
      );
      const normalized = graph.node(
        'Div',
        [centred, graph.node('Sqrt', [padded], `${prefix}/deviation`)],
        `${prefix}/normalized`,
      );
      const scaled = graph.node(
        'Mul',
        [normalized, graph.floats(`${prefix}/gamma`, perChannel, norm.gamma!.dataSync())],
        `${prefix}/scaled`,
      );
      return graph.node('Add', [scaled, graph.floats(`${prefix}/beta`, perChannel, norm.beta!.dataSync())], outputName);
    }
    case 'Subtract':
      return graph.node('Sub', inputs, outputName);
    case 'Divide':
      return graph.node('Div', inputs, outputName);
    case 'Softmax':
      return graph.node('Softmax', [input], outputName, [int('axis', -1)]);
    case 'Dropout':
      return graph.node('Identity', [input], outputName);
    case 'Add':
      return graph.node('Sum', inputs, outputName);
    case 'Power':
      return graph.node(
        'Pow',
        [input, graph.floats(`${prefix}/exponent`, [], [(layer as Power).exponent])],
        outputName,
      );
    case 'Maximum':
    case 'Minimum':
      return graph.node(layer.className === 'Maximum' ? 'Max' : 'Min', inputs, outputName);
    case 'Multiply':
      // Mul takes two inputs (there is no variadic product): a chain, the last step named as the layer.
      return inputs
        .slice(1)
        .reduce(
          (product, factor, index) =>
            graph.node(
              'Mul',
              [product, factor],
              index === inputs.length - 2 ? outputName : `${prefix}/product_${index + 1}`,
            ),
          inputs[0]!,
        );
    case 'Concatenate':
      // Channels are axis 1 both of NCHW maps and of [batch, features] vectors.
      return graph.node('Concat', inputs, outputName, [int('axis', 1)]);
    default:
      throw new ValueError(`exportOnnx: layer '${layer.name}' is a ${layer.className}, which has no ONNX export`);
  }
}

/**
 * The model as ONNX bytes (a ModelProto), input 'input' [batch, C, H, W] (or [batch, features]) and
 * output 'output' [batch, classes], then the model's other outputs (Model.outputNames after the
 * first; maps NCHW) under their names; float32 weights. Throws ValueError when such a name is the
 * name of another value of the graph. The class names (options.classNames, or else
 * model.classNames) go into the model's metadata_props under 'classNames', as a JSON list, and
 * model.preprocessing under 'preprocessing', as a JSON record.
 *
 * @example
 * writeFileSync('model.onnx', exportOnnx(model));
 * // onnxruntime: session.run({ input: new ort.Tensor('float32', nchw, [1, 1, 28, 28]) })
 */
export function exportOnnx(model: Model, options: OnnxExportOptions = {}): Uint8Array {
  const graph = new GraphBuilder();
  const names: string[] = [];
  model.nodes.forEach(({ layer, inputs }, index) => {
    if (index === 0) {
      names.push(ONNX_INPUT_NAME);
      return;
    }
    const isLast = index === model.nodes.length - 1;
    const outputName = isLast ? ONNX_OUTPUT_NAME : layer.name;
    names.push(
      exportLayer(
        graph,
        layer,
        inputs.map((from) => names[from]!),
        model.layerInputShapes[index]!,
        outputName,
      ),
    );
  });
  const inputShape = model.inputShape;
  const inputDims = inputShape.length === 3 ? [inputShape[2]!, inputShape[0]!, inputShape[1]!] : [...inputShape];
  const dims = (extents: number[]) => ({
    dim: [{ dimParam: 'batch' }, ...extents.map((extent) => ({ dimValue: extent }))],
  });
  const channelsFirst = (shape: Shape) => (shape.length === 3 ? [shape[2]!, shape[0]!, shape[1]!] : [...shape]);
  const outputDims = channelsFirst(model.outputShape);
  const floatType = (extents: number[]) => ({
    tensorType: { elemType: onnx().TensorProto.DataType.FLOAT, shape: dims(extents) },
  });
  const outputs = [{ name: ONNX_OUTPUT_NAME, type: floatType(outputDims) }];
  model.outputNodes.slice(1).forEach((node, index) => {
    const name = model.outputNames[index + 1]!;
    if (name !== names[node] && (names.includes(name) || name === ONNX_OUTPUT_NAME)) {
      throw new ValueError(
        `exportOnnx: output name '${name}' is the name of another value of the graph; rename the output ` +
          `(Model outputNames)`,
      );
    }
    if (name !== names[node]) graph.node('Identity', [names[node]!], name);
    outputs.push({ name, type: floatType(channelsFirst(model.layerOutputShapes[node]!)) });
  });
  const classNames = options.classNames ?? model.classNames;
  if (
    classNames !== undefined &&
    (!Array.isArray(classNames) ||
      classNames.length !== model.classes ||
      !classNames.every((name) => typeof name === 'string'))
  ) {
    throw new ValueError(`exportOnnx: classNames must be ${model.classes} strings, one per class`);
  }
  const metadata: { key: string; value: string }[] = [];
  if (classNames !== undefined) metadata.push({ key: ONNX_CLASS_NAMES_KEY, value: JSON.stringify(classNames) });
  // The exported graph takes NCHW: the preprocessing says so for engines that read it.
  if (model.preprocessing !== undefined)
    metadata.push({ key: ONNX_PREPROCESSING_KEY, value: JSON.stringify({ ...model.preprocessing, layout: 'NCHW' }) });
  const proto = onnx().ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    producerName: 'convnet-ts',
    ...(options.description === undefined ? {} : { docString: options.description }),
    ...(metadata.length === 0 ? {} : { metadataProps: metadata }),
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: options.name ?? 'convnet-ts',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [
        {
          name: ONNX_INPUT_NAME,
          type: { tensorType: { elemType: onnx().TensorProto.DataType.FLOAT, shape: dims(inputDims) } },
        },
      ],
      output: outputs,
    },
  });
  return onnx().ModelProto.encode(proto).finish();
}
