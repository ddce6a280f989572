// Grad-CAM (Selvaraju et al., 2017): where in the image the evidence for a class lies. The gradient
// of the class score (the logit, before softmax) with respect to a conv layer's feature maps, averaged
// over each map, weighs that map; the weighted sum, with negatives cut (ReLU), is the heat map.

import { GradientTape } from '../autograd/tape.js';
import { ValueError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { convertImage, type Image } from '../image/image.js';
import { resizeImage } from '../image/preprocess.js';
import { withScope } from '../kernels/registry.js';
import { Conv2D } from '../layers/conv2d.js';
import type { Model } from '../model/model.js';
import { heatMap } from './colorMaps.js';

const ACTIVATIONS = new Set(['ReLU', 'Sigmoid', 'Tanh', 'LeakyReLU', 'ELU', 'GELU', 'SiLU', 'Clip']);

/** Options of gradCam. */
export interface GradCamOptions {
  /** The class to explain; default the predicted one. */
  classIndex?: number | undefined;
  /**
   * The layer whose feature maps are weighed, one of gradCamLayers(model); default the last Conv2D
   * (after its activation, if one reads it next), or the last of gradCamLayers for a model without one.
   */
  layerName?: string | undefined;
  /** How much of the heat map covers the image in `overlay`, 0-1 (default 0.5). */
  opacity?: number | undefined;
}

/** What gradCam returns: the class and layer explained, and the heat map. */
export interface GradCamResult {
  /** The class explained: the one asked for, or the most probable. */
  classIndex: number;
  /** The layer whose feature maps were weighed. */
  layerName: string;
  /** The heat map at the layer's resolution, in [0, 1] (1 = the strongest evidence). */
  heat: Image;
  /** The heat map resized to the input (bilinear), colored black-red-yellow-white, over the image. */
  overlay: Image;
}

/** A layer Grad-CAM can weigh (see gradCamLayers). */
export interface GradCamLayer {
  /** The layer's index in model.layers. */
  layerIndex: number;
  /** The layer's name (what gradCam's `layerName` option takes). */
  layerName: string;
  /** The layer's class name, e.g. 'Conv2D' or 'Add'. */
  className: string;
  /** Its feature maps: [height, width, channels], height x width > 1. */
  shape: Shape;
}

/**
 * The layers whose feature maps Grad-CAM can weigh, in model order: every layer but the Input that
 * outputs maps of more than one position and that the logits depend on (any branch of a graph:
 * a residual Add's inputs and output, a Concatenate's branches). The last is where the maps end
 * (before global pooling or Flatten).
 *
 * @example
 * const choices = gradCamLayers(model).map((layer) => layer.layerName);
 */
export function gradCamLayers(model: Model): GradCamLayer[] {
  // The layers the logits node reads, directly or through others: walk the edges backwards.
  const logits = model.logitsEnd() - 1;
  const isUpstream = new Uint8Array(model.layers.length);
  isUpstream[logits] = 1;
  for (let index = logits; index > 0; index--) {
    if (isUpstream[index] === 1) for (const input of model.nodes[index]!.inputs) isUpstream[input] = 1;
  }
  const layers: GradCamLayer[] = [];
  for (let index = 1; index < logits; index++) {
    const shape = model.layerOutputShapes[index]!;
    if (isUpstream[index] === 1 && shape.length === 3 && shape[0]! * shape[1]! > 1) {
      layers.push({
        layerIndex: index,
        layerName: model.layers[index]!.name,
        className: model.layers[index]!.className,
        shape,
      });
    }
  }
  return layers;
}

function targetLayer(model: Model, layerName: string | undefined): number {
  const usable = gradCamLayers(model);
  if (layerName !== undefined) {
    const index = model.layers.findIndex((layer) => layer.name === layerName);
    if (index < 0) throw new ValueError(`gradCam: the model has no layer named '${layerName}'`);
    if (model.layerOutputShapes[index]!.length !== 3)
      throw new ValueError(`gradCam: layer '${layerName}' outputs vectors, not feature maps`);
    if (!usable.some((layer) => layer.layerIndex === index)) {
      throw new ValueError(
        `gradCam: layer '${layerName}' cannot be weighed: its maps are 1x1, it is the input, or the logits ` +
          `do not depend on it (gradCamLayers lists those that can)`,
      );
    }
    return index;
  }
  let lastConv = -1;
  for (const { layerIndex } of usable) if (model.layers[layerIndex] instanceof Conv2D) lastConv = layerIndex;
  if (lastConv < 0) {
    if (usable.length === 0)
      throw new ValueError('gradCam: the model has no feature maps larger than 1x1 before its logits');
    return usable[usable.length - 1]!.layerIndex;
  }
  const next = model.layers[lastConv + 1];
  return next !== undefined && ACTIVATIONS.has(next.className) && model.nodes[lastConv + 1]!.inputs[0] === lastConv
    ? lastConv + 1
    : lastConv;
}

/**
 * Grad-CAM for one image: `input` is [1, ...inputShape] (see imagesToInput) and `image` the picture
 * it came from, at the model's input size, for the overlay. Works on any graph (residual Adds,
 * Concatenates; imported ONNX and TF.js models) and any class. Throws ValueError for a batch, a class
 * index outside the classes, or a layer not in gradCamLayers(model).
 *
 * @example
 * const { classIndex, overlay } = gradCam(model, imagesToInput(model, [digit]), digit);
 */
export function gradCam(model: Model, input: Tensor, image: Image, options: GradCamOptions = {}): GradCamResult {
  if (input.shape[0] !== 1) throw new ValueError(`gradCam: takes one example, got a batch of ${input.shape[0]}`);
  const target = targetLayer(model, options.layerName);
  const logitsEnd = model.logitsEnd();
  const classes = model.classes;
  if (
    options.classIndex !== undefined &&
    !(Number.isInteger(options.classIndex) && options.classIndex >= 0 && options.classIndex < classes)
  ) {
    throw new ValueError(`gradCam: classIndex must be an integer in [0, ${classes - 1}], got ${options.classIndex}`);
  }
  const [height, width, channels] = model.layerOutputShapes[target] as [number, number, number];
  const { classIndex, heat } = withScope(() => {
    // The tape starts watching at the target layer's output: only what follows it is recorded.
    const tape = new GradientTape();
    let features: Tensor | null = null;
    const logits = tape.run(() =>
      model.forward(input, {
        end: logitsEnd,
        onOutput(layerIndex, output) {
          if (layerIndex !== target) return;
          features = output;
          tape.watch(output);
        },
      }),
    );
    if (features === null) throw new ValueError(`gradCam: layer ${target} does not run before the logits`);
    const watched: Tensor = features;
    const scores = Array.from(logits.dataSync());
    const chosen = options.classIndex ?? scores.indexOf(Math.max(...scores));
    const seed = new Array<number>(classes).fill(0);
    seed[chosen] = 1;
    const [dFeatures] = tape.gradient(logits, [watched], Tensor.fromArray(seed, logits.shape, logits.dtype));
    // Each map's weight: its gradient averaged over the positions.
    const weights = new Float64Array(channels);
    for (let position = 0; position < height * width; position++) {
      for (let channel = 0; channel < channels; channel++)
        weights[channel]! += dFeatures!.dataSync()[position * channels + channel]!;
    }
    const cam = new Float32Array(height * width);
    for (let position = 0; position < height * width; position++) {
      let sum = 0;
      for (let channel = 0; channel < channels; channel++)
        sum += (weights[channel]! / (height * width)) * watched.dataSync()[position * channels + channel]!;
      cam[position] = Math.max(sum, 0);
    }
    const peak = cam.reduce((largest, value) => Math.max(largest, value), 0);
    if (peak > 0) for (let position = 0; position < cam.length; position++) cam[position]! /= peak;
    return { classIndex: chosen, heat: { width, height, colorModel: 'gray' as const, data: cam } };
  });
  return {
    classIndex,
    layerName: model.layers[target]!.name,
    heat,
    overlay: overlayHeat(image, heat, options.opacity ?? 0.5),
  };
}

/** The heat map, resized to the image and colored, blended over the image (in RGB). */
export function overlayHeat(image: Image, heat: Image, opacity = 0.5): Image {
  if (!(opacity >= 0 && opacity <= 1)) throw new ValueError(`overlayHeat: opacity must be in [0, 1], got ${opacity}`);
  const resized = resizeImage(heat, image.width, image.height, 'bilinear');
  const base = image.colorModel === 'rgb' ? image.data : convertImage(image, 'rgb').data;
  const data = new Float32Array(image.width * image.height * 3);
  const rgb = new Float32Array(3);
  for (let pixel = 0; pixel < image.width * image.height; pixel++) {
    heatMap(resized.data[pixel]!, rgb, 0);
    for (let channel = 0; channel < 3; channel++) {
      data[pixel * 3 + channel] = (1 - opacity) * base[pixel * 3 + channel]! + opacity * rgb[channel]!;
    }
  }
  return { width: image.width, height: image.height, colorModel: 'rgb', data };
}
