// Builders of small tar archives for the tar tests and the tar fuzzing: ustar and GNU headers with
// correct checksums, GNU long names ('L'), pax extended headers ('x') and records, made in memory.

const BLOCK_BYTES = 512;

/** The header block's checksum field, recomputed in place (the field read as spaces while summing). */
export function fixChecksum(header: Uint8Array): void {
  header.fill(0x20, 148, 156);
  const sum = header.reduce((total, value) => total + value, 0);
  header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
}

export interface EntryOptions {
  /** The type flag: '0' a file, 'L' a GNU long name, 'x' a pax header, '5' a folder, ... */
  type?: string;
  /** 'posix' writes "ustar\0" "00" (with a prefix field), 'gnu' writes "ustar  \0". */
  magic?: 'posix' | 'gnu';
  /** The size written in the header, when it must lie about the data. */
  declaredSize?: number;
  /** A POSIX ustar prefix (bytes 345-500): the entry's path is prefix/name. */
  prefix?: string;
}

/** One entry: its header block, then its data padded to whole blocks. */
export function tarEntry(name: string, data: Uint8Array, options: EntryOptions = {}): Uint8Array {
  const header = new Uint8Array(BLOCK_BYTES);
  const put = (text: string, offset: number): void => header.set(new TextEncoder().encode(text), offset);
  put(name.slice(0, 100), 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${(options.declaredSize ?? data.length).toString(8).padStart(11, '0')}\0`, 124);
  put('14500000000\0', 136);
  put(options.type ?? '0', 156);
  put(options.magic === 'gnu' ? 'ustar  \0' : 'ustar\x0000', 257);
  if (options.prefix !== undefined) put(options.prefix.slice(0, 155), 345);
  fixChecksum(header);
  const entry = new Uint8Array(BLOCK_BYTES + Math.ceil(data.length / BLOCK_BYTES) * BLOCK_BYTES);
  entry.set(header);
  entry.set(data, BLOCK_BYTES);
  return entry;
}

/** The entries one after another, then the two zero blocks that end an archive. */
export function tarArchive(entries: readonly Uint8Array[]): Uint8Array {
  const total = entries.reduce((sum, entry) => sum + entry.length, 0) + 2 * BLOCK_BYTES;
  const archive = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    archive.set(entry, offset);
    offset += entry.length;
  }
  return archive;
}

/** One pax record "<length> <key>=<value>\n", its length counting the whole record in bytes. */
export function paxRecord(key: string, value: string): string {
  const body = new TextEncoder().encode(` ${key}=${value}\n`).length;
  let length = body + 1;
  while (String(length).length + body !== length) length = String(length).length + body;
  return `${length} ${key}=${value}\n`;
}

/** A GNU long name entry followed by the file it names. */
export function gnuLongNameEntries(name: string, data: Uint8Array): Uint8Array[] {
  return [
    tarEntry('././@LongLink', new TextEncoder().encode(`${name}\0`), { type: 'L', magic: 'gnu' }),
    tarEntry(name.slice(0, 99), data, { magic: 'gnu' }),
  ];
}

/** A pax extended header holding `records` followed by the file it describes. */
export function paxEntries(records: string, name: string, data: Uint8Array): Uint8Array[] {
  return [
    tarEntry(`PaxHeaders/${name.slice(0, 80)}`, new TextEncoder().encode(records), { type: 'x' }),
    tarEntry(name.slice(0, 99), data),
  ];
}
