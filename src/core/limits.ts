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
 * The most bytes one decode may allocate, estimated from the header before anything is decoded:
 * 1 GiB. Pixels alone do not bound memory: within 100 megapixels, a 16-bit gray + alpha PNG peaked
 * over 1.5 GiB (3 GB reported) and a 618-byte JPEG declaring 10000x10000 over 1.5 GiB, for the
 * decoders' own buffers (jpeg-js keeps a 64-value block object per 8x8 block, about 660 bytes each)
 * beside the float32 picture. The estimate counts the file, the decoder's buffers and the output,
 * and measured peaks stayed within it (up to 10% above for JPEG, from garbage not yet collected).
 * Whole, 1 GiB admits PNGs of 54 (16-bit gray + alpha) to 72 (8-bit RGB) megapixels and JPEGs of
 * 19 (4:4:4), 28 (4:2:0) and 51 (gray); fitted to a model's input (predict, image folders), PNGs up
 * to MAX_IMAGE_PIXELS and JPEGs of 24, 41 and 62 megapixels: a phone photo, with room to spare in a
 * 2 GiB machine or a browser tab.
 */
export const MAX_DECODE_BYTES = 1024 * 1024 * 1024;

/**
 * Image files larger than this are refused before they are read: 256 MiB (was 1 GiB). A picture
 * within MAX_DECODE_BYTES compresses to less (72 megapixels of 8-bit RGB noise is 216 MB), and the
 * file's bytes count in the decode's budget too (jpeg-js copies them).
 */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The most scans (start-of-scan markers, counted as FF DA byte pairs anywhere in the file) a JPEG may
 * have: 100. jpeg-js decodes every scan over every block, so a 568 KB progressive JPEG of 4,000
 * scans took 58 s. A progressive JPEG from libjpeg or mozjpeg has about 10; libjpeg-turbo's tools
 * take a -maxscans limit for the same reason, and nvImageCodec refuses more than 256 by default.
 */
export const MAX_JPEG_SCANS = 100;

/**
 * The most 8x8 blocks jpeg-js may decode over all of a JPEG's scans (scans times the frame's blocks):
 * 16 million. A scan costs time for every block it covers even when it holds no data, so this is the
 * work a small file can declare; at the bound, a 24-megapixel progressive 4:2:0 JPEG (562,000
 * blocks) with 28 scans decoded in 2.1 s here. A 12-megapixel 4:2:0 photo may have up to 57 scans,
 * a 28-megapixel one 24 (a progressive photo has about 10).
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
