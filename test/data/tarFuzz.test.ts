// Fuzzing the tar reader: seeded mutations of small archives made here (POSIX ustar with a prefix,
// GNU long names, pax extended and global headers), through parseTar and through the gzip path of
// loadCifar10. Every case must succeed or raise a typed ConvNetError quickly, within the shared
// memory bounds (test/fuzzing.ts): never a TypeError, a RangeError or a hang.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Random } from '../../src/index.js';
import { loadCifar10 } from '../../src/data/cifar10.js';
import { parseTar } from '../../src/data/tar.js';
import { check, mutateBytes } from '../fuzzing.js';
import { fixChecksum, gnuLongNameEntries, paxEntries, paxRecord, tarArchive, tarEntry } from './tarArchives.js';

const BLOCK_BYTES = 512;

/** An archive and the byte offsets of its header blocks, for mutations aimed at the headers. */
interface Sample {
  archive: Uint8Array;
  headers: number[];
}

function sampleOf(entries: Uint8Array[]): Sample {
  const headers: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    headers.push(offset);
    offset += entry.length;
  }
  return { archive: tarArchive(entries), headers };
}

/** Every kind of entry, with data of a few bytes so that most of the archive is headers. */
function smallSample(): Sample {
  const bytes = (count: number): Uint8Array => Uint8Array.from({ length: count }, (_, index) => index * 37);
  return sampleOf([
    tarEntry('pax_global_header', new TextEncoder().encode(paxRecord('comment', 'fuzz')), { type: 'g' }),
    ...paxEntries(
      paxRecord('mtime', '1700000000.25') + paxRecord('path', `deep/${'p'.repeat(120)}/a.bin`),
      'a.bin',
      bytes(3),
    ),
    ...gnuLongNameEntries(`long/${'l'.repeat(140)}/b.bin`, bytes(9)),
    tarEntry('c.bin', bytes(1), { prefix: `prefix/${'q'.repeat(90)}` }),
    tarEntry('folder/', new Uint8Array(0), { type: '5' }),
    tarEntry('d.bin', bytes(600)),
  ]);
}

/** The six CIFAR-10 batches of one record each, named in each of the ways a tar can name them. */
function cifarSample(): Sample {
  const record = (label: number): Uint8Array =>
    Uint8Array.from({ length: 3073 }, (_, index) => (index === 0 ? label : (index * 13) & 255));
  const folder = 'cifar-10-batches-bin';
  return sampleOf([
    ...paxEntries(paxRecord('path', `${folder}/data_batch_1.bin`), 'x1', record(1)),
    ...gnuLongNameEntries(`${folder}/${'n'.repeat(110)}/data_batch_2.bin`, record(2)),
    tarEntry('data_batch_3.bin', record(3), { prefix: folder }),
    tarEntry(`${folder}/data_batch_4.bin`, record(4)),
    tarEntry(`${folder}/data_batch_5.bin`, record(5), { magic: 'gnu' }),
    tarEntry(`${folder}/test_batch.bin`, record(9)),
  ]);
}

/**
 * Damage aimed at the tar structure: bytes of one header (or of the pax or long-name data after it)
 * overwritten, and half the time the header's checksum fixed, so the damage reaches past the checksum test.
 */
function mutateTar(sample: Sample, random: Random): Uint8Array {
  if (random.integer(3) === 0) return mutateBytes(sample.archive, random);
  const copy = sample.archive.slice();
  const header = sample.headers[random.integer(sample.headers.length)]!;
  const span = random.integer(2) === 0 ? BLOCK_BYTES : 2 * BLOCK_BYTES;
  for (let changes = 1 + random.integer(6); changes > 0; changes--) {
    const at = header + random.integer(span);
    if (at < copy.length)
      copy[at] = [0, 0x20, 0x30 + random.integer(10), 0x3d, 0x0a, 0xff, random.integer(256)][random.integer(7)]!;
  }
  if (random.integer(2) === 0) fixChecksum(copy.subarray(header, header + BLOCK_BYTES));
  return copy;
}

describe('fuzzed tar archives raise typed errors, never crash, hang or allocate without bound', () => {
  const directory = mkdtempSync(join(tmpdir(), 'convnet-tar-fuzz-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('the samples parse', () => {
    assert.equal(parseTar(smallSample().archive, 'small.tar').length, 4);
    const path = join(directory, 'cifar-10-binary.tar.gz');
    writeFileSync(path, gzipSync(cifarSample().archive));
    const { train, test: testSplit } = loadCifar10(path);
    assert.deepEqual([Array.from(train.labels), Array.from(testSplit.labels)], [[1, 2, 3, 4, 5], [9]]);
  });

  test('1,500 mutations of a small archive through parseTar', () => {
    const random = new Random(701);
    const sample = smallSample();
    for (let index = 0; index < 1500; index++) {
      const damaged = mutateTar(sample, random);
      check(`tar case ${index}`, () => parseTar(damaged, 'fuzz.tar'));
    }
  });

  test('500 mutations of a CIFAR-10 .tar.gz (of the tar, or of the gzip stream) through loadCifar10', () => {
    const random = new Random(702);
    const sample = cifarSample();
    const path = join(directory, 'fuzz.tar.gz');
    for (let index = 0; index < 500; index++) {
      const damaged =
        random.integer(4) === 0 ? mutateBytes(gzipSync(sample.archive), random) : gzipSync(mutateTar(sample, random));
      writeFileSync(path, damaged);
      check(`tar.gz case ${index}`, () => loadCifar10(path, { maxBytes: 1024 * 1024 }));
    }
  });
});
