// The picture a worker of the Model or Teach page was sent (protocol.ts PictureSource), as the library's Image:
// a file's bytes decoded (PNG or JPEG), or pixels taken as they are.

import { decodeImage, imageFromImageData, type Image } from 'convnet-ts';
import type { PictureSource } from './protocol.js';

/** The Image of `picture`; throws the library's FileFormatError for a file it cannot decode. */
export function pictureImage(picture: PictureSource): Image {
  if (picture.kind === 'file') return decodeImage(picture.bytes, picture.name);
  return imageFromImageData({ width: picture.width, height: picture.height, data: picture.rgba });
}
