// Reader of tar archives held in memory, enough to take the CIFAR-10 batches out of the official
// cifar-10-binary.tar.gz without extracting it. Spec: POSIX ustar, pax and GNU tar headers
// (https://www.gnu.org/software/tar/manual/html_node/Standard.html). Input is treated as hostile:
// header checksums are verified, no entry may reach past the end, metadata entries are capped at
// TAR_MAX_METADATA_BYTES, and pax records are read by their length field, so parsing is linear in the
// archive. Limits: regular files only (links, devices and sparse files are skipped); sizes over 8 GiB
// (base-256 size fields, pax `size` records) are refused or ignored.

import { FileFormatError } from '../core/errors.js';
import { TAR_MAX_METADATA_BYTES } from '../core/limits.js';

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

const SPACE = 0x20;
const NEWLINE = 0x0a;
const EQUALS = 0x3d;
const DIGIT_ZERO = 0x30;

/**
 * The `path` record of a pax extended header, or null. `data` is the header's body, which starts at
 * byte `dataStart` of the archive. Each record is "<length> <key>=<value>\n" with a decimal length
 * counting the whole record, so the value may hold any byte, newlines and '=' included (POSIX pax,
 * "pax Extended Header"). Records are walked by that length: each byte is looked at once or twice,
 * never rescanned (a pattern search for '=' from every offset was quadratic on a record without one).
 * Trailing NUL padding after the last record is tolerated. Throws FileFormatError naming `file` and
 * the record's byte offset for a length that is missing, too short, past the header's end, or for a
 * record that does not end in a newline or has no '='.
 */
function paxPath(data: Uint8Array, file: string, dataStart: number): string | null {
  const decoder = new TextDecoder();
  let path: string | null = null;
  let start = 0;
  while (start < data.length && data[start] !== 0) {
    const fail = (detail: string): never => {
      throw new FileFormatError(file, `malformed pax record at byte ${dataStart + start}: ${detail}`);
    };
    let cursor = start;
    let length = 0;
    while (cursor < data.length && data[cursor]! >= DIGIT_ZERO && data[cursor]! <= DIGIT_ZERO + 9) {
      length = length * 10 + (data[cursor]! - DIGIT_ZERO);
      cursor++;
      // Stop at once: a longer run of digits could only name a length that does not fit either.
      if (start + length > data.length)
        fail(`its length ${length}... runs past the end of the pax header (${data.length - start} bytes left)`);
    }
    if (cursor === start || data[cursor] !== SPACE) fail('it does not start with "<length> "');
    const end = start + length;
    if (length <= cursor - start + 1) fail(`its length ${length} is shorter than its own length field`);
    if (data[end - 1] !== NEWLINE) fail(`it does not end in a newline where its length ${length} says it ends`);
    const record = data.subarray(cursor + 1, end - 1);
    const equals = record.indexOf(EQUALS);
    if (equals === -1) fail("it has no '=' between its key and its value");
    if (decoder.decode(record.subarray(0, equals)) === 'path') path = decoder.decode(record.subarray(equals + 1));
    start = end;
  }
  return path;
}

/** What a metadata entry type is, in words, for messages. */
const METADATA_KINDS: Record<string, string> = {
  L: 'GNU long name',
  K: 'GNU long link name',
  x: 'pax extended header',
  g: 'pax global header',
};

/**
 * Lists the regular files of a tar archive held in `bytes` (uncompressed), in time linear in its
 * length. Entry data are views into `bytes`. GNU long names ('L') and pax `path` records ('x') are
 * applied to the next entry. Throws FileFormatError naming `file` and the byte offset for a header
 * whose checksum is wrong, a size field that is not octal, an entry whose data run past the end of
 * the archive, a metadata entry over TAR_MAX_METADATA_BYTES (1 MiB) or a malformed pax record.
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
    const metadataKind = METADATA_KINDS[type];
    if (metadataKind !== undefined && size > TAR_MAX_METADATA_BYTES) {
      throw new FileFormatError(
        file,
        `the ${metadataKind} at byte ${offset} is ${size} bytes, more than the ${TAR_MAX_METADATA_BYTES} ` +
          `bytes a tar metadata entry may have`,
      );
    }
    if (type === 'L') {
      pendingName = fieldText(data, 0, data.length);
    } else if (type === 'x') {
      pendingName = paxPath(data, file, dataStart) ?? pendingName;
    } else if (type === 'g') {
      paxPath(data, file, dataStart); // checked, but a global path names no one entry
    } else if (type !== 'K') {
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
