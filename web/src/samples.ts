// The built-in input images of the Convolution and Pooling pages, and the reading of the user's own:
// four MNIST test digits and ImageMagick's rose as files (made by tools/makeExplorerSamples.ts), two
// shapes drawn here, and PNG or JPEG files decoded by the library. Inputs are shrunk to MAX_SIDE so
// that every pixel stays visible as a cell of the animation.

import { convertImage, decodeImage, resizeImage, type Image } from 'convnet-ts';
import digit0 from './assets/convolution/digit-0.png';
import digit3 from './assets/convolution/digit-3.png';
import digit5 from './assets/convolution/digit-5.png';
import digit7 from './assets/convolution/digit-7.png';
import rose from './assets/convolution/rose.png';
import { acceptDroppedFiles, element, errorMessage } from './ui.js';

/** Longest side of an input image; larger ones are shrunk (area averaging), keeping their aspect ratio. */
const MAX_SIDE = 72;

export interface Sample {
  id: string;
  text: string;
  load(): Promise<Image>;
}

/** The MNIST test digits, as 28x28 gray images. */
export const DIGIT_SAMPLES: readonly Sample[] = [
  { id: 'digit-3', text: 'MNIST digit 3 (28\u00d728)', load: () => fetchImage(digit3, 'digit-3.png') },
  { id: 'digit-7', text: 'MNIST digit 7 (28\u00d728)', load: () => fetchImage(digit7, 'digit-7.png') },
  { id: 'digit-5', text: 'MNIST digit 5 (28\u00d728)', load: () => fetchImage(digit5, 'digit-5.png') },
  { id: 'digit-0', text: 'MNIST digit 0 (28\u00d728)', load: () => fetchImage(digit0, 'digit-0.png') },
];

/** Every built-in input of the Convolution page. */
export const SAMPLES: readonly Sample[] = [
  ...DIGIT_SAMPLES,
  { id: 'shapes', text: 'Shapes (24\u00d724)', load: async () => shapesImage() },
  { id: 'tiny', text: 'Tiny square (8\u00d78, numbers visible)', load: async () => tinySquareImage() },
  { id: 'rose', text: 'Photo: rose (46\u00d770, color)', load: () => fetchImage(rose, 'rose.png') },
];

async function fetchImage(url: string, name: string): Promise<Image> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${name}: the server answered ${response.status} ${response.statusText}`);
  return decodeImage(new Uint8Array(await response.arrayBuffer()), name);
}

/** The fraction of a pixel inside `isInside`, sampled 4x4 times, so the shapes have soft edges like a photo's. */
function coverage(x: number, y: number, isInside: (x: number, y: number) => boolean): number {
  let count = 0;
  for (let sampleY = 0; sampleY < 4; sampleY++) {
    for (let sampleX = 0; sampleX < 4; sampleX++)
      if (isInside(x + (sampleX + 0.5) / 4, y + (sampleY + 0.5) / 4)) count++;
  }
  return count / 16;
}

/** A gray image from a function of the pixel position. */
function drawnImage(width: number, height: number, value: (x: number, y: number) => number): Image {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return { width, height, colorModel: 'gray', data };
}

/** A square, a disc and a diagonal bar on black: straight, round and slanted edges for the edge kernels. */
function shapesImage(): Image {
  return drawnImage(24, 24, (x, y) => {
    const square = coverage(x, y, (px, py) => px >= 2 && px < 10 && py >= 2 && py < 10);
    const disc = coverage(x, y, (px, py) => (px - 16.5) ** 2 + (py - 15.5) ** 2 <= 5.2 ** 2);
    const bar = coverage(x, y, (px, py) => Math.abs(px - (24 - py)) < 1.1 && py < 11 && px > 13);
    return Math.min(1, square + disc + bar);
  });
}

/** An 8x8 image small enough to read every number: a bright square off-centre on a dark ground. */
function tinySquareImage(): Image {
  return drawnImage(8, 8, (x, y) => (x >= 3 && x < 7 && y >= 2 && y < 6 ? 0.9 : 0.1));
}

/** `image` shrunk to at most MAX_SIDE on its longest side, and RGBA composited over white (RGB). */
export function prepareImage(image: Image): { image: Image; note: string } {
  const notes: string[] = [];
  let result = image;
  if (result.colorModel === 'rgba') {
    result = convertImage(result, 'rgb');
    notes.push('transparency composited over white');
  } else if (result.colorModel !== 'gray' && result.colorModel !== 'rgb') {
    result = convertImage(result, 'rgb');
  }
  const scale = MAX_SIDE / Math.max(result.width, result.height);
  if (scale < 1) {
    const width = Math.max(1, Math.round(result.width * scale));
    const height = Math.max(1, Math.round(result.height * scale));
    notes.push(`shrunk from ${result.height}\u00d7${result.width} so that every pixel stays visible`);
    result = resizeImage(result, width, height, 'area');
  }
  return { image: result, note: notes.join('; ') };
}

/**
 * A drop zone with a file input for PNG and JPEG images. `onImage` gets the decoded image and the file
 * name; decoding errors go to `onError` (shown in the page, not the console).
 */
export function imageDropZone(
  id: string,
  onImage: (image: Image, name: string) => void,
  onError: (message: string) => void,
): HTMLElement {
  const fileInput = element('input', {
    type: 'file',
    accept: 'image/png,image/jpeg',
    id: `${id}-file`,
    'aria-label': 'Your own image (PNG or JPEG)',
  });
  const zone = element(
    'div',
    { class: 'drop-zone', id: `${id}-drop` },
    'Your own image: drop a PNG or JPEG here, or ',
    fileInput,
  );
  async function read(file: File): Promise<void> {
    try {
      onImage(decodeImage(new Uint8Array(await file.arrayBuffer()), file.name), file.name);
    } catch (error) {
      onError(errorMessage(error));
    }
  }
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file !== undefined) void read(file);
    fileInput.value = '';
  });
  acceptDroppedFiles(zone, (files) => {
    if (files[0] !== undefined) void read(files[0]);
  });
  return zone;
}
