// Layout reasoning of the ONNX importer. ONNX's Conv and pooling are channels first (NCHW); every
// feature map here is stored channels last (NHWC), and the importer only tracks which layout the ONNX
// graph sees each value in: maps (NCHW, or NHWC after a Transpose [0, 2, 3, 1] or for a Keras input as
// tf2onnx writes it), vectors (and the channels-first order of a vector flattened from NCHW maps, which
// a Gemm's weights are reordered for), and constants. Transposes between the two layouts cost nothing.

import { FileFormatError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { toChannelsLast } from '../../image/preprocess.js';
import type { Conv2D } from '../../layers/conv2d.js';
import type { Dense } from '../../layers/dense.js';
import type { SymbolicTensor } from '../../layers/layer.js';
import { attributesOf, intsOf } from './attributes.js';
import type { GraphReaders } from './graphReaders.js';

/** How the ONNX graph lays out a batch of feature maps. */
export type OnnxLayout = 'NCHW' | 'NHWC';

/** The layout of an ONNX model's input: 'NCHW' (PyTorch), 'NHWC' (Keras through tf2onnx), or 'features' for vectors. */
export type OnnxInputLayout = OnnxLayout | 'features';

/** A value of the ONNX graph as the importer tracks it. */
export interface Value {
  tensor: SymbolicTensor;
  /** 'maps': our [h, w, c] (ONNX's [c, h, w] or [h, w, c], see layout); 'vector': [features]. */
  kind: 'maps' | 'vector';
  /** For a vector flattened from maps in ONNX's channels-first order: the maps' [c, h, w]. */
  flattenedFrom?: [number, number, number] | undefined;
  /**
   * For maps: the layout the ONNX graph sees them in. 'NHWC' after a Transpose [0, 2, 3, 1] (or for a
   * channels-last graph input): the same order as ours, so a Flatten keeps it.
   */
  layout?: OnnxLayout | undefined;
  /**
   * For the output of a Gemm or MatMul (and of constant Adds and Muls folded into it): its Dense, for a
   * constant Add or Mul after it (a MatMul + Add is how Keras's Dense arrives through tf2onnx).
   */
  dense?: DenseFold | undefined;
}

/**
 * A Dense (or the 1x1 Conv2D of a MatMul over the channels of NHWC maps, whose kernel has the same
 * [inC, outC] order) whose output is y * scale + shift per unit, scale and shift gathered from the
 * constant Muls and Adds after it and multiplied into its weights once the graph is read. `output` is
 * the ONNX value it computes now: a fold applies only to that value, not to one that aliases it (an Identity's).
 */
export interface DenseFold {
  layer: Dense | Conv2D;
  output: string;
  scale: Float64Array;
  shift: Float64Array;
}

/** The layout of maps as the ONNX graph sees them (NCHW unless a transpose said otherwise). */
export function mapsLayout(value: Value): OnnxLayout {
  return value.layout ?? 'NCHW';
}

/** The ONNX shape of a value, without the batch: [c, h, w] or [h, w, c] for maps, [features] for vectors. */
export function onnxShapeOf(value: Value): number[] {
  if (value.kind === 'vector') return [...value.tensor.shape];
  const [h, w, c] = value.tensor.shape as [number, number, number];
  return mapsLayout(value) === 'NCHW' ? [c, h, w] : [h, w, c];
}

/** How a value is laid out, for the check that elementwise operators join values laid out alike. */
export function layoutOf(value: Value): string {
  if (value.kind === 'maps') return mapsLayout(value);
  return value.flattenedFrom === undefined ? 'vector' : 'vector flattened from NCHW';
}

/**
 * Whether a 4-D graph input is channels last: what tf2onnx writes for a Keras model, whose input is
 * transposed to NCHW ([0, 3, 1, 2]) before any channels-first operator, possibly after elementwise
 * ones (the Mul of a Rescaling layer). Followed through the operators that keep the layout
 * (`keepsLayout`, from the operator table); any other reader (Conv, pooling, a transpose to NHWC) means
 * NCHW, PyTorch's layout, as does a graph with none.
 */
export function isChannelsLastInput(
  name: string,
  readers: GraphReaders,
  keepsLayout: (op: string) => boolean,
): boolean {
  let isTransposedToNchw = false;
  const pending = [name];
  const seen = new Set(pending);
  while (pending.length > 0) {
    for (const node of readers.nodesOf(pending.pop()!)) {
      const op = node.opType ?? '';
      if (op === 'Transpose' && intsOf(attributesOf(node), 'perm', []).join() === '0,3,1,2') {
        isTransposedToNchw = true;
      } else if (keepsLayout(op)) {
        const output = (node.output ?? [])[0] ?? '';
        if (!seen.has(output)) pending.push(output);
        seen.add(output);
      } else if (op !== 'Flatten' && op !== 'Reshape' && op !== 'Shape') {
        // A flatten reads our order for NHWC and reorders for NCHW, so either layout imports it right.
        return false;
      }
    }
  }
  return isTransposedToNchw;
}

/**
 * The values of a constant Mul or Add operand, one per channel of `from`: a scalar (of any shape of
 * ones), or one value per channel laid out to broadcast over the channels ([c, 1, 1] for NCHW maps, [c]
 * for NHWC maps and vectors). A constant of higher rank than `from` would add axes, so it is refused.
 */
export function perChannelConstant(
  operand: { dims: number[]; values: Float64Array | Float32Array },
  from: Value,
  label: string,
  file: string,
): Float64Array {
  const { dims, values } = operand;
  const rank = from.kind === 'maps' ? 4 : 2;
  const channels = from.tensor.shape.at(-1)!;
  const significant = dims.filter((extent) => extent !== 1);
  const isPerChannel =
    values.length === channels &&
    significant.length <= 1 &&
    (from.kind === 'maps' && (from.layout ?? 'NCHW') === 'NCHW'
      ? dims.length >= 3 && dims.slice(-2).every((extent) => extent === 1) && dims.at(-3) === channels
      : dims.at(-1) === channels);
  if (dims.length > rank || !(values.length === 1 || isPerChannel)) {
    throw new FileFormatError(
      file,
      `${label}: a constant of dims [${dims.join(', ')}] is not a scalar or one value per channel ` +
        `(${channels}) of a rank-${rank} value`,
    );
  }
  return Float64Array.from({ length: channels }, (_, index) => values[values.length === 1 ? 0 : index]!);
}

/**
 * A batch laid out as the ONNX model's input (ImportedOnnx.inputLayout) as the NHWC batch the
 * imported model takes: an NCHW batch is transposed; NHWC batches and vectors pass through.
 */
export function importedInput(batch: Tensor, layout: OnnxInputLayout = 'NCHW'): Tensor {
  if (batch.rank !== 4 || layout !== 'NCHW') return batch;
  const [n, c, h, w] = batch.shape as [number, number, number, number];
  const data = batch.dataSync();
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return new Tensor(toChannelsLast(values, h, w, c), [n, h, w, c]);
}
