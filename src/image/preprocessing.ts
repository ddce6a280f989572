// How a model's input is made from a picture: resize policy, value scale, channel order and per-channel
// normalization. Kept on a Model (model.preprocessing), written to model.json and to ONNX metadata, and
// applied by imagesToInput / classify. The 'imagenet' preset is torchvision's evaluation transform
// (Resize(256), CenterCrop(224), ToTensor, Normalize(mean, std)), scaled to the model's input size.
// Known limit: resizing is this library's (area averaging / bilinear), not PIL's, so values differ from
// torchvision's by resampling noise (a few hundredths of a pixel value at edges).

import { ValueError } from '../core/errors.js';
import { channelsOf, type ColorModel } from './colorModels.js';
import type { Image } from './image.js';
import { centerCrop, fitImage } from './preprocess.js';

/** How a model's input is made from an image (see PREPROCESSING_PRESETS). */
export interface Preprocessing {
  /**
   * 'stretch': the whole picture resized to the input size (the aspect ratio is not kept);
   * 'crop': the shorter side resized to inputSide / cropFraction (the aspect ratio kept), then the
   * central part of the input's size cut out (torchvision's Resize(256) + CenterCrop(224): 0.875).
   */
  resize: 'stretch' | 'crop';
  /** With 'crop': the input's side over the resized shorter side, in (0, 1]; default 0.875. */
  cropFraction?: number | undefined;
  /** The range pixel values are scaled to before mean and std apply: 1 (0..1) or 255 (0..255). */
  scale: 1 | 255;
  /** Per-channel mean subtracted, in the scaled range; one per input channel (in channelOrder). */
  mean: readonly number[];
  /** Per-channel standard deviation divided by, in the scaled range; positive. */
  std: readonly number[];
  /** The order of the color channels the model takes: 'rgb', or 'bgr' (Caffe-trained models). Default 'rgb'. */
  channelOrder?: 'rgb' | 'bgr' | undefined;
  /** The layout the original model took its batch in (informational: this library runs NHWC). */
  layout?: 'NCHW' | 'NHWC' | undefined;
}

/** torchvision's ImageNet mean and standard deviation (0..1 RGB). */
export const IMAGENET_MEAN: readonly number[] = Object.freeze([0.485, 0.456, 0.406]);
/** torchvision's ImageNet standard deviation per channel (0..1 RGB). */
export const IMAGENET_STD: readonly number[] = Object.freeze([0.229, 0.224, 0.225]);

/**
 * Named preprocessings: 'imagenet' (torchvision: shorter side to 256, center crop 224, scaled to the
 * model's input size; 0..1 RGB; ImageNet mean and std), 'inception' (the same crop, values to -1..1, as
 * Keras's Inception and MobileNet take them) and 'none' (stretched, 0..1, no normalization: undefined).
 */
export const PREPROCESSING_PRESETS: Readonly<Record<'imagenet' | 'inception' | 'none', Preprocessing | undefined>> =
  Object.freeze({
    imagenet: {
      resize: 'crop',
      cropFraction: 0.875,
      scale: 1,
      mean: [...IMAGENET_MEAN],
      std: [...IMAGENET_STD],
      channelOrder: 'rgb',
    },
    inception: {
      resize: 'crop',
      cropFraction: 0.875,
      scale: 1,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      channelOrder: 'rgb',
    },
    none: undefined,
  });

/** The name of a preprocessing preset (see PREPROCESSING_PRESETS). */
export type PreprocessingPreset = keyof typeof PREPROCESSING_PRESETS;

/** The preset named `name`, or ValueError listing the names. */
export function preprocessingPreset(name: string): Preprocessing | undefined {
  if (!Object.hasOwn(PREPROCESSING_PRESETS, name))
    throw new ValueError(
      `preprocessing: unknown preset '${name}'; the presets are ${Object.keys(PREPROCESSING_PRESETS).join(', ')}`,
    );
  const preset = PREPROCESSING_PRESETS[name as PreprocessingPreset];
  return preset === undefined ? undefined : { ...preset, mean: [...preset.mean], std: [...preset.std] };
}

/**
 * `value` checked to be a Preprocessing for an input of `channels` channels (mean and std one per
 * channel), returned as a fresh plain record; ValueError naming the field otherwise.
 */
export function checkPreprocessing(value: unknown, channels: number): Preprocessing {
  const what = 'preprocessing';
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValueError(`${what} must be an object {resize, scale, mean, std, ...}`);
  const record = value as Record<string, unknown>;
  const known = new Set(['resize', 'cropFraction', 'scale', 'mean', 'std', 'channelOrder', 'layout']);
  const unknown = Object.keys(record).find((key) => !known.has(key));
  if (unknown !== undefined) throw new ValueError(`${what}: unknown field '${unknown.slice(0, 100)}'`);
  if (record.resize !== 'stretch' && record.resize !== 'crop')
    throw new ValueError(`${what}.resize must be 'stretch' or 'crop'`);
  const cropFraction = record.cropFraction ?? 0.875;
  if (typeof cropFraction !== 'number' || !(cropFraction > 0 && cropFraction <= 1))
    throw new ValueError(`${what}.cropFraction must be a number in (0, 1]`);
  if (record.scale !== 1 && record.scale !== 255) throw new ValueError(`${what}.scale must be 1 or 255`);
  const isNumbers = (list: unknown): list is number[] =>
    Array.isArray(list) &&
    list.length === channels &&
    list.every((item) => typeof item === 'number' && Number.isFinite(item));
  if (!isNumbers(record.mean))
    throw new ValueError(`${what}.mean must be ${channels} finite numbers, one per input channel`);
  if (!isNumbers(record.std) || !record.std.every((deviation) => deviation > 0))
    throw new ValueError(`${what}.std must be ${channels} positive numbers, one per input channel`);
  const channelOrder = record.channelOrder ?? 'rgb';
  if (channelOrder !== 'rgb' && channelOrder !== 'bgr')
    throw new ValueError(`${what}.channelOrder must be 'rgb' or 'bgr'`);
  if (channelOrder === 'bgr' && channels !== 3)
    throw new ValueError(`${what}.channelOrder 'bgr' needs 3 input channels, the input has ${channels}`);
  if (record.layout !== undefined && record.layout !== 'NCHW' && record.layout !== 'NHWC')
    throw new ValueError(`${what}.layout must be 'NCHW' or 'NHWC'`);
  return {
    resize: record.resize,
    ...(record.resize === 'crop' ? { cropFraction } : {}),
    scale: record.scale,
    mean: [...record.mean],
    std: [...record.std],
    channelOrder,
    ...(record.layout === undefined ? {} : { layout: record.layout }),
  };
}

/**
 * The size a `sourceWidth` x `sourceHeight` picture is resized to before the crop to `width` x `height`:
 * the input size itself for 'stretch' (or no preprocessing); for 'crop', the shorter side becomes
 * round(side / cropFraction) of the input's shorter side, the other keeping the aspect ratio
 * (torchvision's Resize(int) truncates the long side likewise).
 */
export function resizedSize(
  sourceWidth: number,
  sourceHeight: number,
  width: number,
  height: number,
  preprocessing: Preprocessing | undefined,
): { width: number; height: number } {
  if (preprocessing === undefined || preprocessing.resize === 'stretch') return { width, height };
  const fraction = preprocessing.cropFraction ?? 0.875;
  const shorter = Math.max(width, height, Math.round(Math.min(width, height) / fraction));
  if (sourceWidth <= sourceHeight) {
    return {
      width: Math.max(width, shorter),
      height: Math.max(height, Math.floor((shorter * sourceHeight) / sourceWidth)),
    };
  }
  return {
    width: Math.max(width, Math.floor((shorter * sourceWidth) / sourceHeight)),
    height: Math.max(height, shorter),
  };
}

/** `image` resized (and, with 'crop', center-cropped) to `width` x `height` as `preprocessing` says. */
export function resizeForInput(
  image: Image,
  width: number,
  height: number,
  preprocessing: Preprocessing | undefined,
): Image {
  const size = resizedSize(image.width, image.height, width, height, preprocessing);
  const resized = fitImage(image, size.width, size.height);
  return resized.width === width && resized.height === height ? resized : centerCrop(resized, width, height);
}

/**
 * The values of an image already at the input's size and color model, as the model takes them:
 * channels reordered (bgr), scaled, then (value - mean) / std per channel. A new array.
 */
export function normalizeForInput(
  data: Float32Array,
  colorModel: ColorModel,
  preprocessing: Preprocessing,
): Float32Array {
  const channels = channelsOf(colorModel);
  const { scale, mean, std } = preprocessing;
  const isBgr = preprocessing.channelOrder === 'bgr';
  const result = new Float32Array(data.length);
  for (let pixel = 0; pixel < data.length; pixel += channels) {
    for (let channel = 0; channel < channels; channel++) {
      const source = isBgr ? channels - 1 - channel : channel;
      result[pixel + channel] = (data[pixel + source]! * scale - mean[channel]!) / std[channel]!;
    }
  }
  return result;
}
