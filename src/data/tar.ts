// Reader of tar archives held in memory, enough to take the CIFAR-10 batches out of the official
// cifar-10-binary.tar.gz without extracting it. Spec: POSIX ustar, pax and GNU tar headers
// (https://www.gnu.org/software/tar/manual/html_node/Standard.html). Input is treated as hostile:
// header checksums are verified and no entry may reach past the end. Limits: regular files only
// (links, devices and sparse files are skipped); sizes over 8 GiB (base-256 size fields) are refused.

import { FileFormatError } from '../core/errors.js';

/** One regular file of an archive: its path inside the archive and a view of its bytes (no copy). */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK_BYTES = 512;

/** Text of a NUL-terminated header field. */
function fieldText(header: Uint8Array, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

/** An octal number field (digits, possibly padded with spaces or NULs); null if it holds anything else. */
function octalField(header: Uint8Array, start: number, length: number): number | null {
  const text = fieldText(header, start, length).trim();
  if (!/^[0-7]+$/.test(text)) return null;
  return Number.parseInt(text, 8);
}

/** The header checksum: the sum of its 512 bytes with the checksum field itself read as spaces. */
function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let index = 0; index < BLOCK_BYTES; index++) {
    sum += index >= 148 && index < 156 ? 0x20 : header[index]!;
  }
  return sum;
}

/** The `path` record of a pax extended header ("<length> path=<value>\n" records), or null. */
function paxPath(data: Uint8Array): string | null {
  const text = new TextDecoder().decode(data);
  for (const match of text.matchAll(/(\d+) ([^=\n]+)=([^\n]*)\n/g)) {
    if (match[2] === 'path') return match[3]!;
  }
  return null;
}

/**
 * Lists the regular files of a tar archive held in `bytes` (uncompressed). Entry data are views
 * into `bytes`. GNU long names ('L') and pax `path` records ('x') are applied to the next entry.
 * Throws FileFormatError naming `file` for a header whose checksum is wrong, a size field that is
 * not octal, or an entry whose data run past the end of the archive.
 *
 * @example
 * const entries = parseTar(gunzipSync(readFileSync('cifar-10-binary.tar.gz')), 'cifar-10-binary.tar.gz');
 * entries.map((entry) => entry.name); // ['cifar-10-batches-bin/data_batch_1.bin', ...]
 */
export function parseTar(bytes: Uint8Array, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pendingName: string | null = null;
  while (offset + BLOCK_BYTES <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK_BYTES);
    if (header.every((value) => value === 0)) break; // the end-of-archive marker
    const storedChecksum = octalField(header, 148, 8);
    if (storedChecksum === null || storedChecksum !== headerChecksum(header)) {
      throw new FileFormatError(file, `not a tar archive or corrupt: bad header checksum at byte ${offset}`);
    }
    const size = octalField(header, 124, 12);
    if (size === null) {
      throw new FileFormatError(file, `tar header at byte ${offset} has a size field that is not octal (over 8 GiB?)`);
    }
    const dataStart = offset + BLOCK_BYTES;
    if (dataStart + size > bytes.length) {
      throw new FileFormatError(
        file,
        `truncated: the tar entry at byte ${offset} declares ${size} bytes but only ${bytes.length - dataStart} follow`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    const type = String.fromCharCode(header[156]!);
    if (type === 'L') {
      pendingName = fieldText(data, 0, data.length);
    } else if (type === 'x') {
      pendingName = paxPath(data) ?? pendingName;
    } else {
      // POSIX ustar splits long paths into prefix (bytes 345-500) and name; GNU headers use that area for other fields.
      const isPosixUstar = fieldText(header, 257, 6) === 'ustar' && header[262] === 0;
      const prefix = isPosixUstar ? fieldText(header, 345, 155) : '';
      const headerName = prefix === '' ? fieldText(header, 0, 100) : `${prefix}/${fieldText(header, 0, 100)}`;
      if (type === '0' || type === '\0') entries.push({ name: pendingName ?? headerName, data });
      pendingName = null;
    }
    offset = dataStart + Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES;
  }
  return entries;
}
