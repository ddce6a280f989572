// `convnet visualize`: pictures of a saved model at work on one image, written as PNG files: each conv
// layer's kernels, the output of every layer, a Grad-CAM heat map of the predicted class over the
// image, and the softmax output as a bar chart; index.json lists every file with the shape it shows.

import { dirname, join } from 'node:path';
import {
  checkOutputFile,
  Conv2D,
  convertImage,
  createFolders,
  eachFeatureMapPicture,
  encodePng,
  gradCam,
  imagesToInput,
  resizeForInput,
  kernelPicture,
  largestPictureScale,
  MAX_PICTURE_PIXELS,
  probabilityChart,
  readImageFile,
  resizeImage,
  withScope,
  writeFileAtomic,
  type Image,
  type LayerPicture,
  type Model,
} from '../../src/index.js';
import { prepareOutput } from '../outputFolders.js';
import { decodeSizeFor, imageInputOf, loadCliModel, softmaxRow, type ModelOverrides } from '../loadCliModel.js';
import { jsonLine, terminalText } from '../terminalText.js';
import { UsageError } from '../usageError.js';

export interface VisualizeOptions extends ModelOverrides {
  model: string;
  out: string;
  class?: number;
  scale?: number;
  json: boolean;
}

/** What one written file shows. */
interface PictureFile {
  file: string;
  kind: 'input' | 'kernels' | 'feature-map' | 'grad-cam' | 'grad-cam-heat' | 'probabilities';
  width: number;
  height: number;
  layer?: string;
  className?: string;
  shape?: number[];
  scale?: number;
  columns?: number;
  range?: number;
}

/** Pictures of the whole input are enlarged to about this many pixels on their longer side. */
const DISPLAY_PIXELS = 224;

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function kernelsFile(index: number, name: string): string {
  return `kernels/${String(index).padStart(2, '0')}-${safeName(name)}.png`;
}

function featureMapFile(index: number, name: string): string {
  return `feature-maps/${String(index).padStart(2, '0')}-${safeName(name)}.png`;
}

/** Every file the command writes for `model`, relative to --out. */
function plannedFiles(model: Model): string[] {
  const kernels = model.layers.flatMap((layer, index) =>
    layer instanceof Conv2D ? [kernelsFile(index, layer.name)] : [],
  );
  const featureMaps = model.layers.map((layer, index) => featureMapFile(index, layer.name));
  return [
    'input.png',
    ...kernels,
    ...featureMaps,
    'grad-cam.png',
    'grad-cam-heat.png',
    'probabilities.png',
    'index.json',
  ];
}

/** Refuses a --scale that would make a picture larger than MAX_PICTURE_PIXELS, naming the largest that fits. */
function checkScale(model: Model, modelPath: string, scale: number | undefined): void {
  const largest = largestPictureScale(model);
  if (largest === 0) {
    throw new UsageError(
      `model ${modelPath}: a layer's picture is larger than ${MAX_PICTURE_PIXELS} pixels ` +
        `(MAX_PICTURE_PIXELS) even at scale 1`,
    );
  }
  if (scale !== undefined && scale > largest) {
    throw new UsageError(
      `--scale ${scale}: the pictures of model ${modelPath} would pass ${MAX_PICTURE_PIXELS} pixels ` +
        `(MAX_PICTURE_PIXELS); the largest scale that fits is ${largest}`,
    );
  }
}

export function visualize(imagePath: string, options: VisualizeOptions): void {
  const { model, classNames } = loadCliModel(options.model, options);
  const input = imageInputOf(model, options.model);
  if (options.class !== undefined && options.class >= model.classes) {
    throw new UsageError(`--class ${options.class}: the model has ${model.classes} classes (0-${model.classes - 1})`);
  }
  checkScale(model, options.model, options.scale);
  // Before any work: --out is (or becomes) a writable folder, and no file the command writes there is the image or
  // anything but a regular file.
  prepareOutput(options.out, { flag: '--out' });
  for (const relative of plannedFiles(model)) {
    const path = join(options.out, relative);
    createFolders(dirname(path));
    checkOutputFile(path, { inputs: [imagePath], flag: '--out' });
  }
  const [height, width] = input.shape as [number, number, number];
  // Fitted to the model's input (or, with a 'crop' preprocessing, to the size its center is cut from) as it
  // is decoded; a FIFO or device named as the image is refused by name. `image` is what the model sees
  // (cropped, before normalization), drawn under Grad-CAM.
  const fit = decodeSizeFor(imagePath, model, width, height);
  const decoded = readImageFile(imagePath, fit === undefined ? {} : { fit }).image;
  const image = convertImage(resizeForInput(decoded, width, height, model.preprocessing), input.colorModel!);
  const written: PictureFile[] = [];
  const write = (relative: string, picture: Image, details: Omit<PictureFile, 'file' | 'width' | 'height'>): void => {
    const path = join(options.out, relative);
    createFolders(dirname(path));
    writeFileAtomic(path, encodePng(picture));
    written.push({ file: relative, width: picture.width, height: picture.height, ...details });
  };
  const describe = (picture: LayerPicture) => ({
    layer: picture.layerName,
    className: picture.className,
    shape: [...picture.shape],
    scale: picture.layout.scale,
    columns: picture.layout.columns,
    range: picture.range,
  });
  const pictureOptions = options.scale === undefined ? {} : { scale: options.scale };
  const enlarge = Math.max(1, Math.ceil(DISPLAY_PIXELS / Math.max(width, height)));
  const display = resizeImage(image, width * enlarge, height * enlarge, 'bilinear');

  write('input.png', display, { kind: 'input', shape: [...input.shape], scale: enlarge });
  model.layers.forEach((layer, index) => {
    if (!(layer instanceof Conv2D)) return;
    const picture = kernelPicture(model, index, pictureOptions);
    write(kernelsFile(index, layer.name), picture.picture, { kind: 'kernels', ...describe(picture) });
  });
  const x = imagesToInput(model, [decoded]);
  // One picture at a time, each written as soon as it is drawn: memory for one, however deep the model.
  eachFeatureMapPicture(
    model,
    x,
    (picture) => {
      write(featureMapFile(picture.layerIndex, picture.layerName), picture.picture, {
        kind: 'feature-map',
        ...describe(picture),
      });
    },
    pictureOptions,
  );
  // A logits model (an imported classifier ending in Gemm): probabilities are their softmax.
  const outputs = withScope(() => Array.from(model.predict(x).dataSync()));
  const probabilities = model.output === 'logits' ? softmaxRow(outputs) : outputs;
  const cam = gradCam(model, x, display, options.class === undefined ? {} : { classIndex: options.class });
  write('grad-cam.png', cam.overlay, { kind: 'grad-cam', layer: cam.layerName, scale: enlarge });
  const heatScale = Math.max(1, Math.ceil(DISPLAY_PIXELS / Math.max(cam.heat.width, cam.heat.height)));
  write(
    'grad-cam-heat.png',
    resizeImage(cam.heat, cam.heat.width * heatScale, cam.heat.height * heatScale, 'bilinear'),
    {
      kind: 'grad-cam-heat',
      layer: cam.layerName,
      shape: [cam.heat.height, cam.heat.width],
      scale: heatScale,
    },
  );
  write('probabilities.png', probabilityChart(probabilities, classNames), { kind: 'probabilities' });

  const predicted = probabilities.indexOf(Math.max(...probabilities));
  const summary = {
    model: options.model,
    image: imagePath,
    predicted: { class: predicted, name: classNames[predicted], probability: probabilities[predicted] },
    gradCam: { class: cam.classIndex, name: classNames[cam.classIndex], layer: cam.layerName },
    files: written,
  };
  writeFileAtomic(join(options.out, 'index.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (options.json) {
    process.stdout.write(jsonLine(summary));
    return;
  }
  const predictedName = terminalText(classNames[predicted]!);
  const camName = terminalText(classNames[cam.classIndex]!);
  process.stdout.write(
    `${terminalText(imagePath)}: ${predictedName} ${(probabilities[predicted]! * 100).toFixed(1)}%; ` +
      `Grad-CAM of '${camName}' on layer ${terminalText(cam.layerName)}\n`,
  );
  for (const file of written) {
    const what =
      file.layer === undefined
        ? ''
        : ` (${terminalText(file.layer)}${file.shape === undefined ? '' : ` ${file.shape.join('x')}`})`;
    process.stdout.write(`  ${terminalText(join(options.out, file.file))}  ${file.width}x${file.height}${what}\n`);
  }
  process.stdout.write(`  ${terminalText(join(options.out, 'index.json'))}\n`);
}
