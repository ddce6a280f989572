// Loading model files safely (issue 12, class 16 and the model readers' share of classes 8 and 13):
// NaN or infinite weights and batch-normalization statistics are refused at load, naming the weight
// and the count, in model folders and ONNX files; model.json, weights.safetensors and .onnx files are
// read only when they are regular files (a FIFO would block the read forever, /dev/zero never end),
// and every such failure is one line from the CLI. Those cases run the CLI in a child process under a
// time limit and a memory ceiling.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import {
  BatchNormalization,
  Dense,
  encodeNpy,
  exportOnnx,
  FileFormatError,
  FileSystemError,
  importOnnx,
  Input,
  loadModel,
  parseModel,
  saveModel,
  Sequential,
  serializeModel,
  Softmax,
} from '../../src/index.js';
import { describeRun, runCliBounded, type BoundedRunResult } from '../boundedRun.js';
import { assertThrowsWith } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-loading-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Input [4] -> BatchNormalization -> Dense(3) -> Softmax, seeded. */
function smallModel(): Sequential {
  return new Sequential([new Input({ shape: [4] }), new BatchNormalization(), new Dense({ units: 3 }), new Softmax()], {
    seed: 2,
  });
}

const LIMITS = { timeoutMs: 20_000, memoryBytes: 2 ** 30 };

/** Asserts the CLI ended by itself with exit 2 and exactly `line` on stderr. */
function assertOneLine(result: BoundedRunResult, line: string | RegExp): void {
  assert.equal(result.killedFor, null, describeRun(result));
  assert.equal(result.status, 2, describeRun(result));
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr.slice(0, 800)}`);
  if (typeof line === 'string') assert.equal(lines[0], line);
  else assert.match(lines[0]!, line);
}

function mkfifo(path: string): void {
  const result = spawnSync('mkfifo', [path]);
  assert.equal(result.status, 0, `mkfifo ${path}: ${result.stderr}`);
}

describe('class 16: non-finite weights are refused at load', () => {
  test(
    'a NaN in a kernel and an infinity in a moving variance are named with their count (they ' + 'predicted "NaN%")',
    () => {
      const model = smallModel();
      const dense = model.layers[2] as Dense;
      dense.kernel!.dataSync()[5] = Number.NaN;
      dense.kernel!.dataSync()[7] = Number.NaN;
      const { manifest, weights } = serializeModel(model);
      assertThrowsWith(
        () => parseModel(manifest, weights),
        FileFormatError,
        "weights.safetensors: weight 'dense_1/kernel' holds 2 non-finite values (NaN or infinite) of 12, the " +
          'first NaN at index 5; a model with them predicts NaN',
      );
      const normalized = smallModel();
      (normalized.layers[1] as BatchNormalization).movingVariance!.dataSync()[3] = Number.POSITIVE_INFINITY;
      const files = serializeModel(normalized);
      assertThrowsWith(
        () => parseModel(files.manifest, files.weights),
        FileFormatError,
        "weight 'batchnormalization_1/moving_variance' holds 1 non-finite value (NaN or infinite) of 4, the " +
          'first Infinity at index 3',
      );
    },
  );

  test('an ONNX file with a NaN weight is refused, naming the weight', () => {
    const bytes = exportOnnx(smallModel());
    const proto = onnxProto.onnx.ModelProto.decode(bytes);
    const kernel = proto.graph!.initializer!.find((tensor) => (tensor.dims ?? []).length === 2)!;
    const raw = kernel.rawData!;
    new DataView(raw.buffer, raw.byteOffset, raw.byteLength).setFloat32(0, Number.NEGATIVE_INFINITY, true);
    const damaged = onnxProto.onnx.ModelProto.encode(proto).finish();
    assert.throws(
      () => importOnnx(damaged, 'nan.onnx'),
      (error: unknown) => {
        assert.ok(error instanceof FileFormatError, String(error));
        assert.match(
          error.message,
          /^nan\.onnx: weight '[^']+\/kernel' holds 1 non-finite value \(NaN or infinite\) of 12, the first -Infinity at index \d+/,
        );
        return true;
      },
    );
  });

  test(
    'convnet summary and predict on a model saved with NaN weights end with exit 2 and one line ' + 'naming the weight',
    async () => {
      const model = smallModel();
      (model.layers[2] as Dense).bias!.dataSync().fill(Number.NaN);
      const directory = join(scratch, 'nan-model');
      saveModel(model, directory);
      const expected =
        `convnet: error: ${join(directory, 'weights.safetensors')}: weight 'dense_1/bias' ` +
        `holds 3 non-finite values (NaN or infinite) of 3, the first NaN at index 0; a model with them predicts NaN`;
      assertOneLine(await runCliBounded(['summary', '--model', directory], LIMITS), expected);
      const input = join(scratch, 'x.npy');
      writeFileSync(input, encodeNpy({ shape: [2, 4], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) }));
      assertOneLine(
        await runCliBounded(
          ['predict', '--model', directory, '--input', input, '--output', join(scratch, 'y.npy')],
          LIMITS,
        ),
        expected,
      );
    },
  );
});

describe('model files are read only when they are regular files', () => {
  test(
    'a FIFO named model.json, weights.safetensors or x.onnx, or a link to a device, is refused by name, ' +
      'not read (they hung)',
    async () => {
      const directory = join(scratch, 'fifo-model');
      saveModel(smallModel(), directory);
      rmSync(join(directory, 'model.json'));
      mkfifo(join(directory, 'model.json'));
      assertOneLine(
        await runCliBounded(['summary', '--model', directory], LIMITS),
        `convnet: error: ${join(directory, 'model.json')}: is a FIFO (named pipe), not a regular file`,
      );
      const weights = join(scratch, 'fifo-weights');
      saveModel(smallModel(), weights);
      rmSync(join(weights, 'weights.safetensors'));
      mkfifo(join(weights, 'weights.safetensors'));
      assertOneLine(
        await runCliBounded(['summary', '--model', weights], LIMITS),
        `convnet: error: ${join(weights, 'weights.safetensors')}: is a FIFO (named pipe), not a regular file`,
      );
      // A link to a device: the size check sees 0, and reading /dev/zero never ends.
      const device = join(scratch, 'device-weights');
      saveModel(smallModel(), device);
      rmSync(join(device, 'weights.safetensors'));
      symlinkSync('/dev/zero', join(device, 'weights.safetensors'));
      assertOneLine(
        await runCliBounded(['summary', '--model', device], LIMITS),
        `convnet: error: ${join(device, 'weights.safetensors')}: is a character device, not a regular file`,
      );
      const onnxFile = join(scratch, 'x.onnx');
      mkfifo(onnxFile);
      assertOneLine(
        await runCliBounded(['summary', '--model', onnxFile], LIMITS),
        `convnet: error: ${onnxFile}: is a FIFO (named pipe), not a regular file`,
      );
    },
  );

  test('a folder named model.json, and a missing .onnx file, are one line (the first was a stack trace)', async () => {
    const directory = join(scratch, 'folder-manifest');
    saveModel(smallModel(), directory);
    rmSync(join(directory, 'model.json'));
    mkdirSync(join(directory, 'model.json'));
    assertThrowsWith(
      () => loadModel(directory),
      FileSystemError,
      `${join(directory, 'model.json')}: is a folder, not a regular file`,
    );
    assertOneLine(
      await runCliBounded(['summary', '--model', directory], LIMITS),
      `convnet: error: ${join(directory, 'model.json')}: is a folder, not a regular file`,
    );
    const missing = join(scratch, 'missing.onnx');
    assertOneLine(
      await runCliBounded(['summary', '--model', missing], LIMITS),
      `convnet: error: ${missing}: cannot read: no such file or folder (ENOENT)`,
    );
  });

  test('a model folder that loads still loads', () => {
    const directory = join(scratch, 'plain');
    saveModel(smallModel(), directory);
    const { model } = loadModel(directory);
    assert.equal(model.layers.length, 4);
    assert.equal(readFileSync(join(directory, 'model.json'), 'utf8').includes('"BatchNormalization"'), true);
  });
});
