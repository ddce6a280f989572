// The resource policy of ConvNet.ts in one place: every bound on the time and memory that a file, a
// flag or an argument can make the library spend. Readers check a size a file declares against these
// before allocating for it, so a hostile or careless input ends in a typed error naming the limit,
// not in a hang or an exhausted machine. The README's "Limits" section lists them for users.

// Images

/**
 * The most pixels a decoded picture may have: 100 megapixels. Checked on the size a PNG or JPEG
 * header declares, before anything is allocated. Within it, MAX_DECODE_BYTES decides.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * The most bytes one decode may allocate, estimated from the header (and, for PNG, from the size its
 * compressed data inflates to) before anything is decoded: 1 GiB. Pixels alone do not bound memory:
 * a 100-megapixel 16-bit gray + alpha PNG peaked at about 3 GB and a 25-megapixel JPEG at 1.1 GB,
 * because the decoders keep their own buffers (jpeg-js one 64-value block object per 8x8 block,
 * about 670 bytes each; fast-png the inflated rows and the unfiltered samples) beside the float32
 * picture. 1 GiB lets a full decode of an 8-bit RGB PNG reach about 44 megapixels and of a 4:2:0
 * JPEG about 30, and a decode fitted to a model's input (predict, image folders) about twice that,
 * while a command stays well inside a 2 GiB machine or a browser tab.
 */
export const MAX_DECODE_BYTES = 1024 * 1024 * 1024;

/**
 * Image files larger than this are refused before they are read: 256 MiB. A picture within
 * MAX_DECODE_BYTES compresses to far less (a 44-megapixel RGB PNG of noise is 132 MB); the bytes of
 * the file count in the decode's budget too.
 */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The most scans (start-of-scan markers) a JPEG may have: 100. jpeg-js decodes every scan over
 * every block, so a 568 KB progressive JPEG of 4,000 scans took 58 s. A progressive JPEG from libjpeg
 * or mozjpeg has about 10; libjpeg-turbo's tools take a -maxscans limit for the same reason, and
 * nvImageCodec refuses more than 256 by default.
 */
export const MAX_JPEG_SCANS = 100;

/**
 * The most 8x8 blocks jpeg-js may decode over all of a JPEG's scans: 16 million, about 10 s of
 * decoding. A scan costs time for every block it covers even when it holds no data, so scans times
 * blocks is the work a small file can declare; a 12-megapixel 4:2:0 photo (280,000 blocks) may have
 * up to 57 scans, a 30-megapixel one up to 22 (a progressive photo has about 10).
 */
export const MAX_JPEG_SCAN_BLOCKS = 16_000_000;

/**
 * The default size of an image folder's pictures is the most common size among its files, shrunk
 * (aspect kept) to at most this many pixels: 512 x 512. It bounds what one huge or unusual file can
 * make every other picture grow to; a larger size is asked for with the size option.
 */
export const MAX_FOLDER_IMAGE_PIXELS = 512 * 512;

// Model graphs and ONNX

// Archives, arrays and checkpoints

// Command line
