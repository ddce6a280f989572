// The CLI against careless and hostile paths, flags and names (issue 12, classes 8, 10-13 and 15):
// outputs checked before any work (never a device, a folder or an input), FIFOs refused by name
// instead of read forever, --threads and --scale bounded, file-system errors as one line, and names
// from files escaped before they reach the terminal. Every run is a child process under a time
// limit and a memory ceiling, so a regression fails the test instead of hanging or exhausting the machine.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  digitsCnn,
  encodeNpy,
  encodePng,
  exportOnnx,
  FileSystemError,
  imageFromPixels,
  saveModel,
} from '../../src/index.js';
import { fileSystemError } from '../../src/io/files.js';
import { jsonLine, terminalText } from '../../cli/terminalText.js';
import { describeRun, runBounded, runCliBounded, type BoundedRunResult } from '../boundedRun.js';
import { repoRoot } from '../helpers.js';

/** Generous hang guards and ceilings: no run here needs more than a few seconds or a few hundred MiB. */
const LIMITS = { timeoutMs: 60_000, memoryBytes: 1.5 * 2 ** 30 };

let scratch = '';
let model = '';
let digit = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'convnet-file-safety-'));
  model = join(scratch, 'model');
  saveModel(digitsCnn(), model, {
    classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  });
  digit = join(scratch, 'digit.png');
  writeFileSync(digit, encodePng(imageFromPixels(new Uint8Array(784).fill(128), 28, 28, 'gray')));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh folder under the scratch folder. */
function folder(name: string): string {
  const path = join(scratch, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

function convnet(args: string[]): Promise<BoundedRunResult> {
  return runCliBounded(args, { ...LIMITS, env: { ...process.env, CONVNET_CACHE_DIR: join(scratch, 'empty-cache') } });
}

/** A usage error: exit code 2, one line on stderr matching `pattern`, no stack trace, nothing killed. */
function assertOneLineError(result: BoundedRunResult, pattern: RegExp): void {
  assert.equal(result.killedFor, null, describeRun(result));
  assert.equal(result.status, 2, describeRun(result));
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line of error: ${result.stderr}`);
  assert.match(lines[0]!, /^convnet: error: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\s+at\s/, 'no stack trace');
}

/** An image folder of two classes of 8x8 gray pictures (4 each): a dataset that trains in moments. */
function tinyImageFolder(name: string): string {
  const root = folder(name);
  for (const className of ['dark', 'light']) {
    mkdirSync(join(root, className));
    for (let index = 0; index < 4; index++) {
      const pixels = new Uint8Array(64).fill(className === 'dark' ? 20 + index : 230 - index);
      writeFileSync(join(root, className, `${index}.png`), encodePng(imageFromPixels(pixels, 8, 8, 'gray')));
    }
  }
  return root;
}

describe('class 10: threads and picture sizes are bounded', () => {
  test('--threads 1000 runs on the cores the machine has, saying so on stderr', async () => {
    const input = join(folder('threads'), 'x.npy');
    writeFileSync(input, encodeNpy({ shape: [1, 28, 28, 1], data: new Float32Array(784) }));
    // Runs the CLI in a child and reports how many threads the backend then has.
    const script = `
      const { main } = await import(${JSON.stringify(join(repoRoot, 'dist', 'cli', 'main.js'))});
      const { backendInfo } = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))});
      const code = await main(['node', 'convnet', 'predict', '--model', ${JSON.stringify(model)}, '--input', ${JSON.stringify(input)},
        '--output', ${JSON.stringify(`${input}.out.npy`)}, '--threads', '1000']);
      process.stdout.write(JSON.stringify({ code, threads: backendInfo().wasm?.threads ?? null }) + '\\n');
      process.exit(0);`;
    // A script file, not `node -e`: worker threads inherit the flags of `-e` and fail to start.
    const scriptPath = join(scratch, 'threads', 'run.mjs');
    writeFileSync(scriptPath, script);
    const result = await runBounded(process.execPath, [scriptPath], LIMITS);
    assert.equal(result.killedFor, null, describeRun(result));
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as { code: number; threads: number | null };
    assert.equal(report.code, 0, result.stderr);
    if (report.threads !== null) {
      const cores = availableParallelism();
      assert.equal(report.threads, cores, 'the wasm backend runs on every core, no more');
      assert.equal(
        result.stderr,
        `convnet: --threads 1000 is more than the ${cores} cores of this machine; using ${cores}\n`,
      );
    }
  });

  test('visualize --scale 150 is refused before any picture is drawn, naming the largest scale that fits', async () => {
    const out = join(scratch, 'scale-150');
    const result = await convnet(['visualize', digit, '--model', model, '--out', out, '--scale', '150']);
    // digitsCnn's largest picture at scale s is conv2d_1's 16 maps of 28x28 in 4 columns:
    // (4 * 28 * s + 5) pixels a side, which is within 4096 (16,777,216 pixels) for s <= 36.
    assertOneLineError(result, /--scale 150: .*the largest scale that fits is 36\b/);
    assert.ok(result.peakRssBytes < 1024 * 2 ** 20, describeRun(result));
    assert.equal(existsSync(out), false, 'nothing written, not even the --out folder');
  });

  test('visualize --scale 36 (the largest that fits) draws every picture within the limit', async () => {
    const out = join(scratch, 'scale-36');
    const result = await convnet(['visualize', digit, '--model', model, '--out', out, '--scale', '36', '--json']);
    assert.equal(result.status, 0, describeRun(result));
    const index = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      files: { file: string; width: number; height: number }[];
    };
    const largest = Math.max(...index.files.map((file) => file.width * file.height));
    assert.equal(largest, 4037 * 4037, 'conv2d_1 feature maps: 4 * 28 * 36 + 5 = 4037 pixels a side');
    // One picture held at a time: 192 MiB as float32 RGB at the limit, then its PNG encoding (590 MiB measured).
    assert.ok(result.peakRssBytes < 1024 * 2 ** 20, describeRun(result));
  });
});

describe('class 11: outputs never replace a device, a folder or an input', () => {
  test('export --out onto a FIFO is refused and the FIFO stays a FIFO', async () => {
    const fifo = join(folder('export-fifo'), 'model.onnx');
    mkfifo(fifo);
    const result = await convnet(['export', '--model', model, '--out', fifo]);
    assertOneLineError(result, /model\.onnx: is a FIFO \(named pipe\); only a regular file is replaced by an output/);
    assert.ok(lstatSync(fifo).isFIFO());
  });

  test('export --out the --model file itself is refused, also through a link or another spelling', async () => {
    const directory = folder('export-self');
    const onnx = join(directory, 'model.onnx');
    const bytes = exportOnnx(digitsCnn());
    writeFileSync(onnx, bytes);
    symlinkSync(onnx, join(directory, 'link.onnx'));
    for (const out of [onnx, join(directory, '..', 'export-self', 'model.onnx'), join(directory, 'link.onnx')]) {
      const result = await convnet(['export', '--model', onnx, '--out', out]);
      assertOneLineError(result, /--out is the input .*model\.onnx; writing it would replace the input/);
    }
    // A model folder's own files are its inputs too.
    const result = await convnet(['export', '--model', model, '--out', join(model, 'model.json')]);
    assertOneLineError(result, /model\.json: --out is the input/);
    assert.deepEqual(readFileSync(onnx), Buffer.from(bytes), 'the model file is unchanged');
    assert.equal(JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).format, 'convnet-ts-model');
  });

  test(
    'predict --output the --input file is refused before any work, also through a link or ' + 'another spelling',
    async () => {
      const directory = folder('predict-self');
      const input = join(directory, 'x.npy');
      const bytes = encodeNpy({ shape: [1, 28, 28, 1], data: new Float32Array(784) });
      writeFileSync(input, bytes);
      symlinkSync(input, join(directory, 'link.npy'));
      for (const output of [input, join(directory, '.', 'x.npy'), join(directory, 'link.npy')]) {
        const result = await convnet(['predict', '--model', model, '--input', input, '--output', output]);
        assertOneLineError(result, /--output is the input .*x\.npy; writing it would replace the input/);
        assert.equal(result.stdout, '');
      }
      assert.deepEqual(readFileSync(input), Buffer.from(bytes), 'the input is unchanged');
    },
  );
});

describe('class 12: train checks --out and --plot before the first epoch', () => {
  let data = '';
  before(() => {
    data = tinyImageFolder('train-data');
  });
  const cases: [string, () => string[], RegExp][] = [
    [
      '--out an existing file',
      () => {
        writeFileSync(join(scratch, 'out-file'), 'x');
        return ['--out', join(scratch, 'out-file')];
      },
      /out-file: is a regular file, not a folder/,
    ],
    [
      '--out under a file',
      () => {
        writeFileSync(join(scratch, 'parent-file'), 'x');
        return ['--out', join(scratch, 'parent-file', 'run')];
      },
      /parent-file.*a part of the path is not a folder|parent-file.*is a regular file, not a folder/,
    ],
    [
      '--out under /proc (never writable)',
      () => ['--out', `/proc/convnet-test-${process.pid}/run`],
      /\/proc\/convnet-test-\d+/,
    ],
    [
      '--out under /sys (never writable)',
      () => ['--out', `/sys/convnet-test-${process.pid}`],
      /\/sys\/convnet-test-\d+: cannot/,
    ],
    ['--out the dataset folder itself', () => ['--out', data], /--out is the input/],
    [
      '--cache-dir (for the decoded image folder) under a file',
      () => {
        writeFileSync(join(scratch, 'cache-parent-file'), 'x');
        return ['--out', join(scratch, 'run-cache'), '--cache-dir', join(scratch, 'cache-parent-file', 'cache')];
      },
      /cache-parent-file.*a part of the path is not a folder/,
    ],
    [
      '--plot onto a folder',
      () => ['--out', join(scratch, 'run-plot-folder'), '--plot', folder('plot-folder')],
      /plot-folder: is a folder; only a regular file is replaced/,
    ],
    [
      '--plot into a missing folder',
      () => ['--out', join(scratch, 'run-plot-missing'), '--plot', join(scratch, 'no-such-folder', 'curves.png')],
      /curves\.png: cannot write: the folder .*no-such-folder does not exist/,
    ],
  ];
  for (const [title, flags, pattern] of cases) {
    test(`${title}: one line, exit code 2, no epoch run`, async () => {
      const result = await convnet(['train', '--dataset', data, '--epochs', '1', ...flags()]);
      assertOneLineError(result, pattern);
      assert.doesNotMatch(result.stdout + result.stderr, /epoch|Dataset|Image folder/, 'nothing was read or trained');
    });
  }
});

describe('class 13: file-system errors are one line naming the path and the reason', () => {
  test('predict --output into a missing folder and onto a folder', async () => {
    const directory = folder('predict-output');
    const input = join(directory, 'x.npy');
    writeFileSync(input, encodeNpy({ shape: [1, 28, 28, 1], data: new Float32Array(784) }));
    const missing = await convnet([
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--output',
      join(directory, 'nowhere', 'y.npy'),
    ]);
    assertOneLineError(missing, /y\.npy: cannot write: the folder .*nowhere does not exist/);
    const onFolder = await convnet(['predict', '--model', model, '--input', input, '--output', directory]);
    assertOneLineError(onFolder, /predict-output: is a folder; only a regular file is replaced by an output/);
  });

  test('export --out onto a folder', async () => {
    const result = await convnet(['export', '--model', model, '--out', folder('export-folder')]);
    assertOneLineError(result, /export-folder: is a folder; only a regular file is replaced by an output/);
  });

  test('visualize --out onto a file, and a picture path taken by a FIFO', async () => {
    const file = join(scratch, 'visualize-file');
    writeFileSync(file, 'x');
    assertOneLineError(
      await convnet(['visualize', digit, '--model', model, '--out', file]),
      /visualize-file: is a regular file, not a folder/,
    );
    const out = folder('visualize-fifo');
    mkfifo(join(out, 'input.png'));
    assertOneLineError(
      await convnet(['visualize', digit, '--model', model, '--out', out]),
      /input\.png: is a FIFO \(named pipe\); only a regular file is replaced/,
    );
  });

  test('download --cache-dir onto a file', async () => {
    const file = join(scratch, 'cache-file');
    writeFileSync(file, 'x');
    // The check comes before any connection; the mirror is a closed local port in case it did not.
    const result = await convnet(['download', 'mnist', '--cache-dir', file, '--mirror', 'http://127.0.0.1:9']);
    assertOneLineError(result, /cache-file: is a regular file, not a folder/);
  });

  test('a model.json that cannot be read (a folder)', async () => {
    const broken = folder('broken-model');
    mkdirSync(join(broken, 'model.json'));
    writeFileSync(join(broken, 'weights.safetensors'), '');
    const result = await convnet(['summary', '--model', broken]);
    assertOneLineError(result, /model\.json: is a folder, not a regular file/);
  });

  test('a full disk (ENOSPC) reads as one line naming the path', () => {
    const error = fileSystemError(
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      '/data/y.npy',
      'write',
    );
    assert.ok(error instanceof FileSystemError);
    assert.equal(error.message, '/data/y.npy: cannot write: no space left on the device (ENOSPC)');
    assert.equal(error.code, 'ENOSPC');
  });
});

describe('class 8: FIFOs among the inputs are refused by name, not read forever', () => {
  test('train --dataset mnist --data-dir DIR with a FIFO for the training images', async () => {
    const directory = folder('mnist-fifo');
    mkfifo(join(directory, 'train-images-idx3-ubyte.gz'));
    for (const name of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
      writeFileSync(join(directory, name), '');
    const result = await convnet([
      'train',
      '--dataset',
      'mnist',
      '--data-dir',
      directory,
      '--out',
      join(scratch, 'run-mnist-fifo'),
    ]);
    assertOneLineError(result, /train-images-idx3-ubyte\.gz: is a FIFO \(named pipe\), not a regular file/);
  });

  test('train --dataset cifar10 --data-dir DIR with a FIFO for a batch', async () => {
    const directory = folder('cifar-fifo');
    for (const name of [
      'data_batch_1.bin',
      'data_batch_2.bin',
      'data_batch_3.bin',
      'data_batch_4.bin',
      'data_batch_5.bin',
      'test_batch.bin',
    ]) {
      writeFileSync(join(directory, name), new Uint8Array(3073));
    }
    rmSync(join(directory, 'data_batch_3.bin'));
    mkfifo(join(directory, 'data_batch_3.bin'));
    const result = await convnet([
      'train',
      '--dataset',
      'cifar10',
      '--data-dir',
      directory,
      '--out',
      join(scratch, 'run-cifar-fifo'),
    ]);
    assertOneLineError(result, /data_batch_3\.bin: is a FIFO \(named pipe\), not a regular file/);
  });

  test('visualize x.png where x.png is a FIFO', async () => {
    const fifo = join(folder('image-fifo'), 'x.png');
    mkfifo(fifo);
    const result = await convnet(['visualize', fifo, '--model', model, '--out', join(scratch, 'fifo-pictures')]);
    assertOneLineError(result, /x\.png: is a FIFO/);
  });

  test('summary --model DIR where model.json is a FIFO', async () => {
    const directory = folder('model-fifo');
    mkfifo(join(directory, 'model.json'));
    writeFileSync(join(directory, 'weights.safetensors'), '');
    assertOneLineError(await convnet(['summary', '--model', directory]), /model\.json: is a FIFO/);
  });
});

describe('class 15: names from files are escaped on the terminal', () => {
  const HOSTILE_NAMES = [
    '\x1b[2J',
    'one\nconvnet: forged line',
    'carriage\rreturn',
    'tab\there',
    'del\x7f',
    'csi\u009b31m',
    'bidi\u202eevil',
    'seven',
    'eight',
    'nine',
  ];
  let hostileModel = '';
  before(() => {
    hostileModel = join(scratch, 'hostile-model');
    saveModel(digitsCnn(), hostileModel, { classNames: HOSTILE_NAMES });
    const manifestPath = join(hostileModel, 'model.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      layers: { className: string; config: { name: string } }[];
    };
    // relu_1 has no weights, so it can be renamed without touching weights.safetensors.
    const relu = manifest.layers.find((layer) => layer.config.name === 'relu_1')!;
    relu.config.name = 'relu\x1b]0;title\x07\nTotal params: 0';
    writeFileSync(manifestPath, JSON.stringify(manifest));
  });

  test('terminalText escapes C0, DEL, C1, separators and bidirectional controls; jsonLine stays JSON', () => {
    assert.equal(
      terminalText('a\x1b[2Jb\nc\rd\te\x7ff\u009bg\u2028h\u202ei\u2066j'),
      'a\\x1b[2Jb\\nc\\rd\\te\\x7ff\\x9bg\\u2028h\\u202ei\\u2066j',
    );
    assert.equal(terminalText('plain ASCII, accents é, CJK 猫'), 'plain ASCII, accents é, CJK 猫');
    const line = jsonLine({ name: 'x\x1b\u009b\u202ey' });
    assert.equal(line, '{"name":"x\\u001b\\u009b\\u202ey"}\n');
    assert.deepEqual(JSON.parse(line), { name: 'x\x1b\u009b\u202ey' });
  });

  test('summary prints layer names escaped, one line each', async () => {
    const result = await convnet(['summary', '--model', hostileModel]);
    assert.equal(result.status, 0, describeRun(result));
    assert.doesNotMatch(result.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no control character but the line ends');
    assert.match(result.stdout, /relu\\x1b\]0;title\\x07\\nTotal params: 0 \(ReLU\)/);
    assert.equal(result.stdout.match(/^Total params/gm)?.length, 1, 'the forged line is not a line');
  });

  test('evaluate prints class names escaped, and its JSON keeps them exactly', async () => {
    const result = await convnet(['evaluate', '--model', hostileModel]);
    assert.equal(result.status, 0, describeRun(result));
    assert.doesNotMatch(result.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    assert.doesNotMatch(result.stdout, /^convnet: forged line/m);
    // The table: title, blank, header, 10 classes, macro, blank, matrix title, its header, 10 rows.
    assert.equal(result.stdout.trim().split('\n').length, 27);
    const json = await convnet(['evaluate', '--model', hostileModel, '--json']);
    assert.equal(json.status, 0, describeRun(json));
    assert.doesNotMatch(json.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    const report = JSON.parse(json.stdout.trim().split('\n').pop()!) as { classes: { name: string }[] };
    assert.deepEqual(
      report.classes.map((entry) => entry.name),
      HOSTILE_NAMES,
    );
  });

  test('visualize prints class and layer names escaped, one line per picture', async () => {
    const out = join(scratch, 'hostile-pictures');
    const result = await convnet(['visualize', digit, '--model', hostileModel, '--out', out]);
    assert.equal(result.status, 0, describeRun(result));
    assert.doesNotMatch(result.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { files: unknown[] };
    // A summary line, a line per picture, and index.json.
    assert.equal(result.stdout.trim().split('\n').length, 1 + index.files.length + 1);
  });

  test('predict prints one line per image with no escape byte', async () => {
    const images = folder('hostile-predict');
    for (const name of ['a.png', 'b.png']) writeFileSync(join(images, name), readFileSync(digit));
    const result = await convnet(['predict', '--model', hostileModel, '--top', '10', images]);
    assert.equal(result.status, 0, describeRun(result));
    assert.equal(result.stdout.trim().split('\n').length, 2);
    assert.doesNotMatch(result.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  });

  test('an error line escapes what it quotes', async () => {
    const result = await convnet(['summary', '--model', join(scratch, 'no\x1b[2Jsuch')]);
    assertOneLineError(result, /no\\x1b\[2Jsuch/);
    assert.doesNotMatch(result.stderr, /\x1b/);
  });
});

test('a command that fails after its output check removes the folders it created, and only those', async () => {
  const cwd = folder('failing-commands');
  const existing = folder('failing-commands/existing-out');
  const env = { ...process.env, CONVNET_CACHE_DIR: join(scratch, 'empty-cache') };
  const failing = [
    // The default --out (runs/mnist) is made before the dataset is looked for.
    ['train', '--dataset', 'mnist'],
    ['train', '--dataset', 'mnist', '--data-dir', 'no/such/folder', '--out', 'a/b/c'],
    ['download', 'mnist', '--mirror', 'ftp://x', '--cache-dir', 'no/such/cache'],
    ['train', '--dataset', 'mnist', '--out', existing],
  ];
  for (const args of failing) {
    const result = await runCliBounded(args, { ...LIMITS, cwd, env });
    assert.equal(result.status, 2, describeRun(result));
  }
  assert.deepEqual(
    readdirSync(cwd),
    ['existing-out'],
    'folders made by the failed commands are gone; the one that was there stays',
  );
});
