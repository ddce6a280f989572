// TF.js weights: the model.json's weightsManifest (groups of weights, each stored in one or more
// .bin shards, concatenated in order) read into float32 arrays by weight name. float32 weights and
// the converter's quantized ones (uint8 / uint16 with scale and min, float16) are read. Everything a
// manifest declares is checked before anything is allocated: names of shards (plain file names),
// element counts, the total size; then the shards' bytes must be exactly what the weights take.
// Reference: tfjs-core io/types.ts (WeightsManifestConfig) and io/io_utils.ts (decodeWeights).

import { FileFormatError } from '../../core/errors.js';
import { MAX_TENSOR_ELEMENTS, MAX_TFJS_SHARDS, MAX_TFJS_WEIGHTS, MAX_WEIGHTS_FILE_BYTES } from '../../core/limits.js';
import { isObject, preview } from './tfjsJson.js';

/** A weight as the manifest lists it. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  /** How it is stored: 'float32', or the quantized 'uint8', 'uint16', 'float16'. */
  storedAs: 'float32' | 'uint8' | 'uint16' | 'float16';
  /** For uint8 / uint16: value = min + scale * stored. */
  scale: number;
  min: number;
  /** Values (the product of the shape) and bytes in the shard data. */
  size: number;
  bytes: number;
}

/** One entry of weightsManifest: its shard file names, in order, and the weights they hold. */
export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
  /** The bytes the weights take: what the shards must hold together. */
  bytes: number;
}

/** A decoded weight. */
export interface TfjsWeight {
  shape: number[];
  values: Float32Array;
}

/**
 * The shards: in manifest order (every group's paths, one after another), or a function that reads
 * one by its path, told the most bytes it may hold (what its group's weights take, less the shards
 * before it in the group); it should refuse a larger file before reading it.
 */
export type TfjsShards = readonly Uint8Array[] | ((path: string, maxBytes: number) => Uint8Array);

const BYTES_PER_VALUE = { float32: 4, uint8: 1, uint16: 2, float16: 2 } as const;

/**
 * A shard path is a plain file name beside the model.json (TF.js writes 'group1-shard1of2.bin'): no
 * folders, no '..', nothing absolute, so a manifest cannot make the reader open files elsewhere.
 */
export function checkShardPath(path: unknown, file: string): string {
  const name = typeof path === 'string' && path.startsWith('./') ? path.slice(2) : path;
  if (
    typeof name !== 'string' ||
    name === '' ||
    name === '.' ||
    name === '..' ||
    name.length > 255 ||
    /[/\\\0:]/.test(name)
  ) {
    throw new FileFormatError(
      file,
      `weight shard path ${preview(path, 300)} must be a plain file name in the model's folder`,
    );
  }
  return name;
}

/** The manifest read and checked (structure, shard names, counts, sizes); nothing is allocated. */
export function readWeightsManifest(manifest: unknown, file: string): TfjsWeightGroup[] {
  if (!Array.isArray(manifest))
    throw new FileFormatError(file, 'weightsManifest must be a list of {paths, weights} groups');
  let shardCount = 0;
  let weightCount = 0;
  let totalBytes = 0;
  const names = new Set<string>();
  return manifest.map((group, groupIndex) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new FileFormatError(file, `weightsManifest[${groupIndex}] must be {paths: [...], weights: [...]}`);
    }
    shardCount += group.paths.length;
    weightCount += group.weights.length;
    if (shardCount > MAX_TFJS_SHARDS)
      throw new FileFormatError(file, `weightsManifest names more than the ${MAX_TFJS_SHARDS} shards a model may have`);
    if (weightCount > MAX_TFJS_WEIGHTS)
      throw new FileFormatError(
        file,
        `weightsManifest lists more than the ${MAX_TFJS_WEIGHTS.toLocaleString('en-US')} weights a model may have`,
      );
    const paths = group.paths.map((path) => checkShardPath(path, file));
    let bytes = 0;
    const weights = group.weights.map((spec): TfjsWeightSpec => {
      const weight = readWeightSpec(spec, file, groupIndex);
      if (names.has(weight.name))
        throw new FileFormatError(file, `weight '${weight.name}' is listed twice in weightsManifest`);
      names.add(weight.name);
      bytes += weight.bytes;
      totalBytes += weight.bytes;
      if (totalBytes > MAX_WEIGHTS_FILE_BYTES) {
        throw new FileFormatError(
          file,
          `weightsManifest declares more than the ${MAX_WEIGHTS_FILE_BYTES.toLocaleString('en-US')} bytes ` +
            `of weights a model may have (at '${weight.name}')`,
        );
      }
      return weight;
    });
    if (paths.length === 0 && bytes > 0)
      throw new FileFormatError(file, `weightsManifest[${groupIndex}] lists weights but no shard files`);
    return { paths, weights, bytes };
  });
}

function readWeightSpec(spec: unknown, file: string, groupIndex: number): TfjsWeightSpec {
  if (!isObject(spec) || typeof spec.name !== 'string' || !Array.isArray(spec.shape)) {
    throw new FileFormatError(
      file,
      `weightsManifest[${groupIndex}] has a weight that is not {name, shape, dtype}: ${preview(spec)}`,
    );
  }
  const name = spec.name.slice(0, 500);
  const shape = spec.shape as unknown[];
  if (shape.length > 8 || !shape.every((size): size is number => Number.isSafeInteger(size) && (size as number) >= 0)) {
    throw new FileFormatError(
      file,
      `weight '${name}' has shape ${preview(shape)}; sizes must be non-negative integers`,
    );
  }
  const size = shape.reduce((product: number, dimension: number) => product * dimension, 1);
  if (size > MAX_TENSOR_ELEMENTS) {
    throw new FileFormatError(
      file,
      `weight '${name}' of shape [${shape.join(', ')}] has ${size.toLocaleString('en-US')} values, more ` +
        `than the ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} a tensor may have`,
    );
  }
  let storedAs: TfjsWeightSpec['storedAs'] = 'float32';
  let scale = 1;
  let min = 0;
  if (spec.quantization !== undefined && spec.quantization !== null) {
    const quantization = spec.quantization;
    const dtype = isObject(quantization) ? quantization.dtype : undefined;
    if (dtype !== 'uint8' && dtype !== 'uint16' && dtype !== 'float16') {
      throw new FileFormatError(
        file,
        `weight '${name}' is quantized as ${preview(dtype)}; uint8, uint16 and float16 are read`,
      );
    }
    storedAs = dtype;
    if (dtype !== 'float16') {
      const { scale: quantScale, min: quantMin } = quantization as { scale?: unknown; min?: unknown };
      if (
        typeof quantScale !== 'number' ||
        !Number.isFinite(quantScale) ||
        typeof quantMin !== 'number' ||
        !Number.isFinite(quantMin)
      ) {
        throw new FileFormatError(file, `weight '${name}' is quantized as ${dtype} without a finite scale and min`);
      }
      scale = quantScale;
      min = quantMin;
    }
    if (spec.dtype !== 'float32' && spec.dtype !== undefined)
      throw new FileFormatError(
        file,
        `weight '${name}' is a quantized ${preview(spec.dtype)}; only float32 weights are read`,
      );
  } else if (spec.dtype !== 'float32') {
    throw new FileFormatError(
      file,
      `weight '${name}' has dtype ${preview(spec.dtype)}; only float32 weights (and quantized uint8, ` +
        `uint16, float16 ones) are read`,
    );
  }
  return { name, shape: shape as number[], storedAs, scale, min, size, bytes: size * BYTES_PER_VALUE[storedAs] };
}

/**
 * Every group's shards joined and its weights decoded, by weight name. Throws FileFormatError naming
 * the shards when their bytes are not exactly what the group's weights take.
 */
export function decodeWeights(
  groups: readonly TfjsWeightGroup[],
  shards: TfjsShards,
  file: string,
): Map<string, TfjsWeight> {
  const shardCount = groups.reduce((count, group) => count + group.paths.length, 0);
  if (Array.isArray(shards) && shards.length !== shardCount) {
    throw new FileFormatError(
      file,
      `weightsManifest names ${shardCount} shard file(s) but ${shards.length} were given`,
    );
  }
  const weights = new Map<string, TfjsWeight>();
  let shardIndex = 0;
  for (const group of groups) {
    // A shard is read with what its group still lacks as its bound: a manifest that names one large
    // file 4,096 times reads it once, not 4,096 times over.
    let held = 0;
    const parts = group.paths.map((path) => {
      const part =
        typeof shards === 'function'
          ? shards(path, Math.max(0, group.bytes - held))
          : (shards as readonly Uint8Array[])[shardIndex]!;
      shardIndex++;
      if (!(part instanceof Uint8Array)) throw new FileFormatError(file, `shard '${path}' is not bytes (a Uint8Array)`);
      held += part.length;
      return part;
    });
    if (held !== group.bytes) {
      const listed = group.paths.map((path, index) => `'${path}' (${parts[index]!.length} bytes)`).join(', ');
      throw new FileFormatError(
        file,
        `shard${parts.length === 1 ? '' : 's'} ${listed} hold${parts.length === 1 ? 's' : ''} ${held} bytes, ` +
          `but the manifest's weights ${group.weights
            .map((weight) => `'${weight.name}'`)
            .slice(0, 5)
            .join(
              ', ',
            )}${group.weights.length > 5 ? ', ...' : ''} take ${group.bytes}: ${held < group.bytes ? 'a shard is short' : 'a shard is too long'}`,
      );
    }
    const data = parts.length === 1 ? parts[0]! : concatenate(parts, held);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let offset = 0;
    for (const spec of group.weights) {
      weights.set(spec.name, { shape: spec.shape, values: decodeWeight(spec, view, offset) });
      offset += spec.bytes;
    }
  }
  return weights;
}

function concatenate(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const joined = new Uint8Array(bytes);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function decodeWeight(spec: TfjsWeightSpec, view: DataView, offset: number): Float32Array {
  const values = new Float32Array(spec.size);
  for (let index = 0; index < spec.size; index++) {
    switch (spec.storedAs) {
      case 'float32':
        values[index] = view.getFloat32(offset + index * 4, true);
        break;
      case 'uint8':
        values[index] = spec.min + spec.scale * view.getUint8(offset + index);
        break;
      case 'uint16':
        values[index] = spec.min + spec.scale * view.getUint16(offset + index * 2, true);
        break;
      case 'float16':
        values[index] = halfToFloat(view.getUint16(offset + index * 2, true));
        break;
    }
  }
  return values;
}

/** An IEEE 754 half-precision value (1 sign, 5 exponent, 10 fraction bits) as a number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
