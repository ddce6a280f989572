// jpeg-js in a bundle (the "browser" condition of '#dependency/jpegJs'): a static import a bundler
// keeps only in apps that decode or encode JPEG. Node requires it on first use instead.

import jpeg from 'jpeg-js';

export function jpegJs(): typeof jpeg {
  return jpeg;
}
