// Hand-built .npy bytes for the tests of src/io/npy.ts and src/io/npyFile.ts: a header of any text and
// format version, and data appended to it, so hostile and unusual files can be written byte by byte.

/** The magic, version `version` (1: 2-byte header length, else 4) and `text` as the header. */
export function header(text: string, version = 1): Uint8Array {
  const body = new TextEncoder().encode(text);
  const lengthBytes = version === 1 ? 2 : 4;
  const bytes = new Uint8Array(8 + lengthBytes + body.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(bytes.buffer);
  if (version === 1) view.setUint16(8, body.length, true);
  else view.setUint32(8, body.length, true);
  bytes.set(body, 8 + lengthBytes);
  return bytes;
}

/** `head` followed by `data`. */
export function withData(head: Uint8Array, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(head.length + data.length);
  bytes.set(head);
  bytes.set(data, head.length);
  return bytes;
}
