// Data augmentation for image batches: random crops of a zero-padded image, horizontal flips and
// small random translations, applied in place to an NHWC batch with a seeded Random, so a training
// run repeats exactly for a given seed. Platform-neutral (no file system).
// Reference: the padding-4 crop and flip of CIFAR-10 training (He et al., "Deep Residual Learning
// for Image Recognition", 2015, section 4.2). Limit: integer shifts only (no rotation, no scaling).

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Random } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import type { FloatArray } from '../core/dtype.js';

/**
 * A function that changes a batch of images in place, drawing what it needs from `random`.
 * `batch` is NHWC `[batch, height, width, channels]`. This is the type of `FitOptions.augment`.
 */
export type Augmentation = (batch: Tensor, random: Random) => void;

/** What fills the pixels that a shift uncovers: zeros, or the nearest edge pixel of the image. */
export type ShiftFill = 'zero' | 'edge';

/** The sizes of an NHWC batch; ShapeError naming `what` unless it is rank 4. */
function batchDimensions(batch: Tensor, what: string): [number, number, number, number] {
  if (batch.rank !== 4) {
    throw new ShapeError(
      `${what}: expected an NHWC batch [batch, height, width, channels], got shape ${formatShape(batch.shape)}`,
    );
  }
  return batch.shape as unknown as [number, number, number, number];
}

/**
 * Moves one image of `data` (starting at `start`) by `shiftY` rows down and `shiftX` columns right:
 * output(y, x) = input(y - shiftY, x - shiftX), and where that lies outside the image, 0 ('zero')
 * or the input at the nearest row and column inside ('edge'). `scratch` holds one image.
 */
function shiftImage(
  data: FloatArray,
  start: number,
  inH: number,
  inW: number,
  inC: number,
  shiftY: number,
  shiftX: number,
  fill: ShiftFill,
  scratch: FloatArray,
): void {
  if (shiftY === 0 && shiftX === 0) return;
  const imageSize = inH * inW * inC;
  scratch.set(data.subarray(start, start + imageSize));
  for (let y = 0; y < inH; y++) {
    const sourceY = y - shiftY;
    const isRowInside = sourceY >= 0 && sourceY < inH;
    const clampedY = Math.min(Math.max(sourceY, 0), inH - 1);
    for (let x = 0; x < inW; x++) {
      const sourceX = x - shiftX;
      const target = start + (y * inW + x) * inC;
      if (fill === 'zero' && (!isRowInside || sourceX < 0 || sourceX >= inW)) {
        data.fill(0, target, target + inC);
        continue;
      }
      const clampedX = Math.min(Math.max(sourceX, 0), inW - 1);
      const source = (clampedY * inW + clampedX) * inC;
      for (let channel = 0; channel < inC; channel++) data[target + channel] = scratch[source + channel]!;
    }
  }
}

/**
 * One image's worth of scratch for an augmentation, kept between batches (a training run calls it
 * every step) and made again only when the image size or the batch's float type changes.
 */
function imageScratch(): (batch: Tensor, size: number) => FloatArray {
  let scratch: FloatArray | null = null;
  return (batch, size) => {
    if (scratch === null || scratch.length !== size || scratch.constructor !== batch.dataSync().constructor) {
      scratch = new (batch.dataSync().constructor as Float32ArrayConstructor)(size);
    }
    return scratch;
  };
}

function checkNonNegativeInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0)
    throw new ValueError(`${what} must be a non-negative integer, got ${value}`);
}

/**
 * Random crop with zero padding: each image is padded with `padding` zero pixels on every side and
 * a crop of its original size is cut at a random offset (0 to 2 * padding, rows drawn first, then
 * columns, each with `random.integer(2 * padding + 1)`). The same as a shift of padding - offset.
 * Throws ValueError unless `padding` is a non-negative integer; the returned function throws
 * ShapeError for a batch that is not rank 4.
 *
 * @example
 * const augment = randomCrop({ padding: 4 }); // the usual CIFAR-10 crop
 * augment(batch, new Random(1));              // batch [n, 32, 32, 3] changed in place
 */
export function randomCrop(options: { padding: number }): Augmentation {
  const { padding } = options;
  checkNonNegativeInteger(padding, 'randomCrop: padding');
  const scratch = imageScratch();
  return (batch, random) => {
    const [batchSize, inH, inW, inC] = batchDimensions(batch, 'randomCrop');
    const image = scratch(batch, inH * inW * inC);
    for (let example = 0; example < batchSize; example++) {
      const offsetY = random.integer(2 * padding + 1);
      const offsetX = random.integer(2 * padding + 1);
      shiftImage(
        batch.dataSync(),
        example * inH * inW * inC,
        inH,
        inW,
        inC,
        padding - offsetY,
        padding - offsetX,
        'zero',
        image,
      );
    }
  };
}

/**
 * Random translation: each image moves by a whole number of pixels, up to `maxShift` rows and
 * columns each way (`[rows, columns]` to give the two apart), drawn uniformly (rows first, each with
 * `random.integer(2 * max + 1) - max`). Uncovered pixels are filled with zeros (default), which
 * suits dark backgrounds such as MNIST, or with the nearest edge pixel ('edge').
 * Throws ValueError unless the shifts are non-negative integers and fill is 'zero' or 'edge'.
 *
 * @example
 * const augment = randomTranslation({ maxShift: 2 });            // up to 2 pixels each way
 * augment(batch, new Random(1));
 * randomTranslation({ maxShift: [0, 3], fill: 'edge' });        // horizontal only, edge fill
 */
export function randomTranslation(options: {
  maxShift: number | readonly [number, number];
  fill?: ShiftFill | undefined;
}): Augmentation {
  const [maxShiftY, maxShiftX] =
    typeof options.maxShift === 'number' ? [options.maxShift, options.maxShift] : options.maxShift;
  checkNonNegativeInteger(maxShiftY, 'randomTranslation: maxShift (rows)');
  checkNonNegativeInteger(maxShiftX, 'randomTranslation: maxShift (columns)');
  const fill = options.fill ?? 'zero';
  if (fill !== 'zero' && fill !== 'edge')
    throw new ValueError(`randomTranslation: fill must be 'zero' or 'edge', got '${String(fill)}'`);
  const scratch = imageScratch();
  return (batch, random) => {
    const [batchSize, inH, inW, inC] = batchDimensions(batch, 'randomTranslation');
    const image = scratch(batch, inH * inW * inC);
    for (let example = 0; example < batchSize; example++) {
      const shiftY = random.integer(2 * maxShiftY + 1) - maxShiftY;
      const shiftX = random.integer(2 * maxShiftX + 1) - maxShiftX;
      shiftImage(batch.dataSync(), example * inH * inW * inC, inH, inW, inC, shiftY, shiftX, fill, image);
    }
  };
}

/**
 * Random horizontal flip: each image is mirrored left to right when `random.uniform()` is below
 * `probability` (default 0.5); one draw per image. Channels stay in order.
 * Throws ValueError unless probability is in [0, 1].
 *
 * @example
 * const augment = horizontalFlip();    // p = 0.5
 * augment(batch, new Random(1));
 */
export function horizontalFlip(options: { probability?: number | undefined } = {}): Augmentation {
  const probability = options.probability ?? 0.5;
  if (!(probability >= 0 && probability <= 1))
    throw new ValueError(`horizontalFlip: probability must be in [0, 1], got ${probability}`);
  return (batch, random) => {
    const [batchSize, inH, inW, inC] = batchDimensions(batch, 'horizontalFlip');
    const data = batch.dataSync();
    for (let example = 0; example < batchSize; example++) {
      if (!(random.uniform() < probability)) continue;
      for (let y = 0; y < inH; y++) {
        const rowStart = (example * inH + y) * inW * inC;
        for (let left = 0, right = inW - 1; left < right; left++, right--) {
          for (let channel = 0; channel < inC; channel++) {
            const leftIndex = rowStart + left * inC + channel;
            const rightIndex = rowStart + right * inC + channel;
            const kept = data[leftIndex]!;
            data[leftIndex] = data[rightIndex]!;
            data[rightIndex] = kept;
          }
        }
      }
    }
  };
}

/**
 * One augmentation that applies the given ones in order, all drawing from the same Random.
 *
 * @example
 * const augment = composeAugmentations(randomCrop({ padding: 4 }), horizontalFlip());
 * model.fit(images, labels, { epochs: 10, augment });
 */
export function composeAugmentations(...augmentations: readonly Augmentation[]): Augmentation {
  return (batch, random) => {
    for (const augmentation of augmentations) augmentation(batch, random);
  };
}
