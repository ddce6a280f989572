// A JPEG's structure read before it is decoded: the frame header (size, components, sampling), the
// markers that decide its colors (JFIF, Adobe), and its scans, counted so that work a small file can
// declare (a progressive JPEG of thousands of scans, each decoded over every block) is refused first.
// Reference: ITU-T T.81 (JPEG), annex B; libjpeg's color rules (jdapimin.c); jpeg-js 0.4.4's allocation.

import { FileFormatError } from '../core/errors.js';

export interface JpegComponent {
  id: number;
  /** Horizontal and vertical sampling factors, 1 to 4. */
  h: number;
  v: number;
}

export interface JpegStructure {
  width: number;
  height: number;
  components: JpegComponent[];
  isProgressive: boolean;
  /**
   * Start-of-scan markers, counted as FF DA byte pairs anywhere in the file: every scan jpeg-js can
   * be made to decode starts at one (valid compressed data never holds one), so this bounds the
   * scans however a hostile file is laid out. An EXIF thumbnail adds its own.
   */
  scans: number;
  /** Whether three components hold R, G, B rather than Y, Cb, Cr (libjpeg's rule). */
  isRgbCoded: boolean;
}

/** Start-of-frame markers jpeg-js decodes: baseline, extended and progressive Huffman DCT. */
const DECODED_FRAMES = new Set([0xc0, 0xc1, 0xc2]);

function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** FF DA byte pairs in `bytes`. */
function countScanMarkers(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(0xff); at !== -1 && at + 1 < bytes.length; at = bytes.indexOf(0xff, at + 1)) {
    if (bytes[at + 1] === 0xda) count++;
  }
  return count;
}

/**
 * Reads the markers before a JPEG's first scan and counts its scans. Throws FileFormatError naming
 * `file` when no frame header precedes the first scan, the frame is of a kind jpeg-js does not decode
 * (lossless, hierarchical, arithmetic-coded), or it has other than 1 to 4 components or sampling
 * factors outside 1 to 4.
 */
export function readJpegStructure(bytes: Uint8Array, file: string): JpegStructure {
  let frame: Omit<JpegStructure, 'scans' | 'isRgbCoded'> | null = null;
  let hasJfif = false;
  let adobeTransform: number | null = null;
  let offset = 2;
  let isAtScan = false;
  while (offset + 3 < bytes.length) {
    if (bytes[offset] !== 0xff) {
      offset++; // bytes between segments, which libjpeg skips with a warning
      continue;
    }
    const marker = bytes[offset + 1]!;
    if (marker === 0xff || marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += marker === 0xff ? 1 : 2; // fill bytes and markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) {
      isAtScan = true;
      break;
    }
    const length = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    const data = bytes.subarray(offset + 4, offset + 2 + length);
    const tag = String.fromCharCode(...data.subarray(0, 5));
    if (marker === 0xe0 && tag === 'JFIF\0') hasJfif = true;
    if (marker === 0xee && tag === 'Adobe' && data.length >= 12) adobeTransform = data[11]!;
    if (isFrameMarker(marker) && frame === null) {
      if (!DECODED_FRAMES.has(marker)) {
        throw new FileFormatError(
          file,
          `is a JPEG of frame type SOF${marker - 0xc0} (lossless, hierarchical or arithmetic-coded), which ` +
            `this decoder does not support`,
        );
      }
      // Precision (1), height (2), width (2), component count (1), then id, sampling, table per component.
      if (data.length < 6) throw new FileFormatError(file, `is truncated: its frame header has ${data.length} bytes`);
      const count = data[5]!;
      if (count < 1 || count > 4)
        throw new FileFormatError(file, `has ${count} color components; this decoder takes 1 to 4`);
      if (data.length < 6 + 3 * count)
        throw new FileFormatError(
          file,
          `is truncated: its frame header has ${data.length} bytes for ${count} components`,
        );
      const components = Array.from({ length: count }, (_, index) => ({
        id: data[6 + 3 * index]!,
        h: data[7 + 3 * index]! >> 4,
        v: data[7 + 3 * index]! & 15,
      }));
      for (const { id, h, v } of components) {
        if (h < 1 || h > 4 || v < 1 || v > 4)
          throw new FileFormatError(file, `has sampling factors ${h}x${v} on component ${id}; JPEG allows 1 to 4`);
      }
      frame = {
        width: (data[3]! << 8) | data[4]!,
        height: (data[1]! << 8) | data[2]!,
        components,
        isProgressive: marker === 0xc2,
      };
    }
    offset += 2 + length;
  }
  if (frame === null && !isAtScan)
    throw new FileFormatError(
      file,
      `cannot be decoded as JPEG: it is truncated (${bytes.length} bytes, before its frame header)`,
    );
  if (frame === null) throw new FileFormatError(file, 'has no frame header (SOF marker) before its first scan');
  // A JFIF marker means YCbCr; otherwise an Adobe marker with transform 0 means RGB; otherwise ids 'R', 'G', 'B' do.
  const ids = frame.components.map((component) => component.id);
  const hasRgbIds = ids.length === 3 && ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42;
  const isRgbCoded = ids.length === 3 && !hasJfif && (adobeTransform !== null ? adobeTransform === 0 : hasRgbIds);
  return { ...frame, scans: countScanMarkers(bytes), isRgbCoded };
}

/** How jpeg-js lays out a frame's 8x8 blocks (its prepareComponents), per component. */
export function jpegBlocks(
  structure: Pick<JpegStructure, 'width' | 'height' | 'components'>,
): { allocated: number; perLine: number; perColumn: number }[] {
  const maxH = Math.max(...structure.components.map((component) => component.h));
  const maxV = Math.max(...structure.components.map((component) => component.v));
  const mcusPerLine = Math.ceil(structure.width / 8 / maxH);
  const mcusPerColumn = Math.ceil(structure.height / 8 / maxV);
  return structure.components.map(({ h, v }) => ({
    allocated: mcusPerLine * h * mcusPerColumn * v,
    perLine: Math.ceil((Math.ceil(structure.width / 8) * h) / maxH),
    perColumn: Math.ceil((Math.ceil(structure.height / 8) * v) / maxV),
  }));
}
