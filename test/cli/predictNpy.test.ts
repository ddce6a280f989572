// `convnet predict --input x.npy --output y.npy` on large and careless inputs (issue 12, class 9):
// the batch is streamed from the file in fixed memory (a 160 MB uint8 batch under a memory ceiling
// far below what reading it whole took), the output is the input or a FIFO is refused before any
// work, and probabilities that are not finite end in one error line naming how many rows.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  decodeNpy,
  Dense,
  encodeNpy,
  encodeNpyHeader,
  GlobalAveragePooling2D,
  Input,
  Model,
  saveModel,
  Softmax,
  Tensor,
} from '../../src/index.js';
import { describeRun, runCliBounded } from '../boundedRun.js';
import { assertClose, lastJson, repoRoot } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-predict-npy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const [HEIGHT, WIDTH, CHANNELS] = [32, 32, 3];
const ROW_BYTES = HEIGHT * WIDTH * CHANNELS;
/** 52,084 rows of 3,072 bytes: 160 MB, a little more than the 157 MB batch that aborted the old reader. */
const ROWS = Math.ceil(160_000_000 / ROW_BYTES);
/**
 * Reading the batch whole took over 1.5 GB (heap out of memory at 157 MB); streamed it stays near the CLI's own
 * footprint.
 */
const MEMORY_CEILING = 400 * 1024 * 1024;

function network(): Model {
  const input = new Input({ shape: [HEIGHT, WIDTH, CHANNELS] });
  const head = new Dense({ units: 10 }).apply(new GlobalAveragePooling2D().apply(input.output));
  return new Model({ inputs: input.output, outputs: new Softmax().apply(head) }, { seed: 4 });
}

const model = network();
const modelDirectory = join(scratch, 'model');
saveModel(model, modelDirectory);

/** The pixels of rows [start, start + count): a fixed pattern that differs from row to row. */
function pixels(start: number, count: number): Uint8Array {
  const bytes = new Uint8Array(count * ROW_BYTES);
  for (let row = 0; row < count; row++) {
    const example = start + row;
    for (let index = 0; index < ROW_BYTES; index++)
      bytes[row * ROW_BYTES + index] = (example * 31 + index * 7 + (example >> 4) * index) & 255;
  }
  return bytes;
}

function predictCli(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(
    process.execPath,
    [join(repoRoot, 'bin', 'convnet.js'), 'predict', '--model', modelDirectory, ...args],
    { encoding: 'utf8' },
  );
}

describe('convnet predict --input streams the batch', () => {
  test(
    'a 160 MB uint8 batch predicts under a 400 MiB memory ceiling, equal to predicting its rows ' + 'through the API',
    async () => {
      const input = join(scratch, 'large.npy');
      const output = join(scratch, 'large-probabilities.npy');
      // Written in pieces of 1,024 rows: the test never holds the batch either.
      const descriptor = openSync(input, 'w');
      try {
        writeSync(descriptor, encodeNpyHeader('uint8', [ROWS, HEIGHT, WIDTH, CHANNELS]));
        for (let start = 0; start < ROWS; start += 1024)
          writeSync(descriptor, pixels(start, Math.min(1024, ROWS - start)));
      } finally {
        closeSync(descriptor);
      }
      const result = await runCliBounded(
        ['predict', '--model', modelDirectory, '--input', input, '--output', output, '--json'],
        { timeoutMs: 60_000, memoryBytes: MEMORY_CEILING },
      );
      assert.equal(result.killedFor, null, describeRun(result));
      assert.equal(result.status, 0, describeRun(result));
      assert.deepEqual(lastJson(result.stdout), { model: modelDirectory, input, output, examples: ROWS, classes: 10 });
      const written = decodeNpy(readFileSync(output), output);
      assert.deepEqual(written.shape, [ROWS, 10]);
      rmSync(input);
      for (let start = 0; start < ROWS; start += 4096) {
        const count = Math.min(4096, ROWS - start);
        const expected = model.predict(
          new Tensor(
            Float32Array.from(pixels(start, count), (value) => value / 255),
            [count, HEIGHT, WIDTH, CHANNELS],
          ),
        );
        assertClose(
          (written.data as Float32Array).subarray(start * 10, (start + count) * 10),
          expected.dataSync(),
          { atol: 1e-6, rtol: 1e-5 },
          `rows ${start} to ${start + count}`,
        );
      }
    },
  );

  test('--output equal to --input, or a FIFO as --input, is refused before any work with one line', async () => {
    const input = join(scratch, 'small.npy');
    const original = encodeNpy({ shape: [2, HEIGHT, WIDTH, CHANNELS], data: pixels(0, 2) });
    writeFileSync(input, original);
    const same = predictCli('--input', input, '--output', input);
    assert.equal(same.status, 2, String(same.stderr));
    assert.equal(
      same.stderr,
      `convnet: error: ${input}: --output is the input ${input}; writing it would replace the input\n`,
    );
    assert.deepEqual(readFileSync(input), Buffer.from(original), 'the input is untouched');

    const fifo = join(scratch, 'pipe.npy');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo: the FIFO case stands aside
    const result = await runCliBounded(
      ['predict', '--model', modelDirectory, '--input', fifo, '--output', join(scratch, 'fifo-out.npy')],
      { timeoutMs: 20_000, memoryBytes: MEMORY_CEILING },
    );
    assert.equal(result.killedFor, null, describeRun(result));
    assert.equal(result.status, 2, describeRun(result));
    assert.equal(result.stderr, `convnet: error: ${fifo}: is a FIFO (named pipe), not a regular file\n`);
  });

  test('probabilities that are not finite end in exit 2 and one line naming how many rows; nothing is written', () => {
    const values = Float32Array.from(pixels(0, 10), (value) => value / 255);
    for (const row of [2, 5, 9]) values[row * ROW_BYTES + 17] = Number.NaN;
    const input = join(scratch, 'nan.npy');
    const output = join(scratch, 'nan-probabilities.npy');
    writeFileSync(input, encodeNpy({ shape: [10, HEIGHT, WIDTH, CHANNELS], data: values }));
    const result = predictCli('--input', input, '--output', output);
    assert.equal(result.status, 2, String(result.stderr));
    assert.equal(
      result.stderr,
      `convnet: error: model ${modelDirectory} gave probabilities that are not finite (NaN or infinite) for ` +
        `3 of 10 rows of ${input} (the first: row 2);` +
        ` 3 of those rows hold NaN or infinite inputs; the input or the model's weights hold NaN or ` +
        `infinite values. Nothing was written to ${output}\n`,
    );
    assert.equal(existsSync(output), false);
    assert.deepEqual(
      readdirSync(scratch).filter((name) => name.includes('.tmp-')),
      [],
      'no temporary file is left',
    );
  });
});
