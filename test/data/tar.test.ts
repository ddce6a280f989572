// The tar reader against hostile archives (issue 12, class 7): pax records are read by their length
// field, linearly; a malformed record is a FileFormatError naming the archive and the byte offset;
// metadata entries are capped by their declared size before anything is decoded. The hostile
// .tar.gz (a 1 MiB record without '=' in about a kilobyte) runs in a child process under a hang guard.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TAR_MAX_METADATA_BYTES } from '../../src/core/limits.js';
import { FileFormatError } from '../../src/core/errors.js';
import { parseTar } from '../../src/data/tar.js';
import { describeRun, runBounded } from '../boundedRun.js';
import { assertThrowsWith, repoRoot } from '../helpers.js';
import { gnuLongNameEntries, paxEntries, paxRecord, tarArchive, tarEntry } from './tarArchives.js';

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A pax header of one record "<length> 1 1 1 ... 1\n" of `length` bytes: no '=' anywhere. */
function recordWithoutEquals(length: number): string {
  const digits = String(length).length;
  const body = length - digits - 2; // the space after the length and the final newline
  return `${length} ${'1 '.repeat(Math.floor(body / 2))}${body % 2 === 1 ? '1' : ''}\n`;
}

describe('tar: pax records and long names', () => {
  test('pax path records (any bytes in the value), GNU long names and global headers name the entries', () => {
    const longName = `cifar-10-batches-bin/${'x'.repeat(150)}/data_batch_1.bin`;
    const paxName = 'données/a=b\nc/test_batch.bin';
    const archive = tarArchive([
      tarEntry('pax_global_header', bytesOf(paxRecord('comment', 'made by a test')), { type: 'g' }),
      ...paxEntries(paxRecord('mtime', '1700000000.5') + paxRecord('path', paxName), 'short.bin', Uint8Array.of(1, 2)),
      ...gnuLongNameEntries(longName, Uint8Array.of(3)),
      tarEntry('plain.bin', Uint8Array.of(4, 5, 6)),
    ]);
    const entries = parseTar(archive, 'names.tar');
    assert.deepEqual(
      entries.map((entry) => [entry.name, Array.from(entry.data)]),
      [
        [paxName, [1, 2]],
        [longName, [3]],
        ['plain.bin', [4, 5, 6]],
      ],
    );
    // The length counts bytes, not characters: 'é' is two.
    assert.equal(paxRecord('path', 'é'), '11 path=é\n');
  });

  test('malformed pax records are FileFormatErrors naming the archive and the byte offset', () => {
    const good = paxRecord('mtime', '1');
    const cases: [string, string, string][] = [
      ['no "="', '12 abcdefgh\n', `malformed pax record at byte 512: it has no '='`],
      [
        'no "=" after a good record',
        `${good}12 abcdefgh\n`,
        `malformed pax record at byte ${512 + good.length}: it has no '='`,
      ],
      [
        'a length shorter than its field',
        '1 path=a\n',
        'at byte 512: its length 1 is shorter than its own length field',
      ],
      [
        'a length past the header',
        '99 path=a\n',
        'at byte 512: its length 99... runs past the end of the pax header (10 bytes left)',
      ],
      ['a huge length', '99999999999999999999 path=a\n', 'at byte 512: its length 99... runs past the end'],
      [
        'no newline where the record ends',
        '10 path=ab\n',
        'at byte 512: it does not end in a newline where its length 10 says it ends',
      ],
      ['no length', 'path=a\n', 'at byte 512: it does not start with "<length> "'],
      ['no space after the length', '10path=ab\n', 'at byte 512: it does not start with "<length> "'],
    ];
    for (const [label, records, message] of cases) {
      const archive = tarArchive(paxEntries(records, 'a.bin', Uint8Array.of(1)));
      assert.throws(
        () => parseTar(archive, 'bad.tar'),
        (error: unknown) => {
          assert.ok(error instanceof FileFormatError, `${label}: expected FileFormatError, got ${String(error)}`);
          assert.equal(error.file, 'bad.tar', label);
          assert.ok(error.message.includes(message), `${label}: ${error.message}`);
          return true;
        },
      );
    }
    // NUL padding after the last record is not a record.
    const padded = tarArchive(paxEntries(`${paxRecord('path', 'kept.bin')}\0\0\0`, 'a.bin', Uint8Array.of(1)));
    assert.equal(parseTar(padded, 'padded.tar')[0]!.name, 'kept.bin');
  });

  test('metadata entries over 1 MiB are refused by their declared size, before they are decoded', () => {
    assert.equal(TAR_MAX_METADATA_BYTES, 1024 * 1024);
    const tenMegabytes = tarArchive(
      paxEntries(`10000000 comment=${'c'.repeat(10_000_000 - 18)}\n`, 'a.bin', Uint8Array.of(1)),
    );
    assertThrowsWith(
      () => parseTar(tenMegabytes, 'big.tar'),
      FileFormatError,
      'big.tar: the pax extended header at byte 0 is 10000000 bytes, more than the 1048576 bytes a tar ' +
        'metadata entry may have',
    );
    const longName = tarArchive(gnuLongNameEntries('n'.repeat(2 * 1024 * 1024), Uint8Array.of(1)));
    assertThrowsWith(
      () => parseTar(longName, 'long.tar'),
      FileFormatError,
      'long.tar: the GNU long name at byte 0 is 2097153 bytes, more than the 1048576',
    );
    // At the limit, a header of many small records is read.
    const records =
      paxRecord('comment', 'c'.repeat(100)).repeat(Math.floor(TAR_MAX_METADATA_BYTES / 113) - 1) +
      paxRecord('path', 'last.bin');
    assert.ok(records.length <= TAR_MAX_METADATA_BYTES);
    assert.equal(parseTar(tarArchive(paxEntries(records, 'a.bin', Uint8Array.of(1))), 'many.tar')[0]!.name, 'last.bin');
  });

  test(
    'a .tar.gz of about 1 KB with a 1 MiB pax record without "=" ends in a FileFormatError at once ' +
      '(child process, hang guard)',
    async () => {
      const length = TAR_MAX_METADATA_BYTES - 1;
      const archive = gzipSync(
        tarArchive(paxEntries(recordWithoutEquals(length), 'data_batch_1.bin', Uint8Array.of(1))),
        { level: 9 },
      );
      assert.ok(archive.length < 2048, `the hostile archive is ${archive.length} bytes`);
      const directory = mkdtempSync(join(tmpdir(), 'convnet-tar-'));
      try {
        const path = join(directory, 'cifar-10-binary.tar.gz');
        writeFileSync(path, archive);
        const cifar10 = pathToFileURL(join(repoRoot, 'dist', 'src', 'data', 'cifar10.js')).href;
        const script = `import { loadCifar10 } from '${cifar10}';
        try { loadCifar10(process.argv[1]); console.log('loaded'); } catch (error) { console.log(error.constructor.name + ': ' + error.message); }`;
        // The old pattern search took hours on this record: 30 s only guards against a hang.
        const result = await runBounded(process.execPath, ['--input-type=module', '-e', script, path], {
          timeoutMs: 30_000,
          memoryBytes: 1024 * 1024 * 1024,
        });
        assert.equal(result.killedFor, null, describeRun(result));
        assert.equal(result.status, 0, describeRun(result));
        assert.equal(
          result.stdout.trim(),
          `FileFormatError: ${path}: malformed pax record at byte 512: it has no '=' between its key and its value`,
        );
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );
});
