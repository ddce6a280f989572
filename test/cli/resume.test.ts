// Checkpoints: `convnet train --out DIR` saves one after every epoch; a run killed with SIGKILL in the
// middle of an epoch and continued with --resume ends with the same model, bit for bit, as a run that
// was never interrupted (same seed, settings and thread count). A tampered state.json ends --resume
// with exit 2 and one line naming the field (issue 12, class 14), never a stack trace.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastJson, repoRoot } from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into parsed JSON at any depth to tamper with it
type TamperedJson = Record<string, any>;

const scratch = mkdtempSync(join(tmpdir(), 'convnet-resume-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const CLI = join(repoRoot, 'bin', 'convnet.js');
// Augmentation and Adam both carry state from epoch to epoch: both must be restored.
const SETTINGS = ['--epochs', '3', '--augment', 'shift', '--seed', '7', '--threads', '2'];

function latestEpoch(out: string): number {
  const path = join(out, 'checkpoint', 'latest.json');
  if (!existsSync(path)) return 0;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { epoch: number }).epoch;
  } catch {
    return 0;
  }
}

const whole = join(scratch, 'whole');
let uninterrupted: { status: number | null; stdout: string; stderr: string } | undefined;
/**
 * The uninterrupted run of SETTINGS into `whole`, trained by whichever test asks first: the resumed run is compared
 * with it, and its last checkpoint is the one the tampering test copies (three epochs of training, once).
 */
function trainUninterrupted(): { status: number | null; stdout: string; stderr: string } {
  uninterrupted ??= spawnSync(process.execPath, [CLI, 'train', ...SETTINGS, '--out', whole, '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return uninterrupted;
}

test('a run killed mid-epoch and resumed ends with the same model as an uninterrupted run', async () => {
  const uninterrupted = trainUninterrupted();
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
  assert.equal(latestEpoch(whole), 3, 'a checkpoint after every epoch');

  const broken = join(scratch, 'broken');
  const child = spawn(process.execPath, [CLI, 'train', ...SETTINGS, '--out', broken], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Wait for the first checkpoint, then a little into the second epoch, and kill without warning.
  const deadline = Date.now() + 120_000;
  while (latestEpoch(broken) < 1 && Date.now() < deadline) await sleep(20);
  await sleep(300);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const reached = latestEpoch(broken);
  assert.ok(reached >= 1 && reached < 3, `killed after the checkpoint of epoch ${reached}, before the end`);

  const resumed = spawnSync(process.execPath, [CLI, 'train', '--out', broken, '--resume', '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`Resuming from the checkpoint after epoch ${reached} of 3`));
  const a = lastJson(uninterrupted.stdout);
  const b = lastJson(resumed.stdout);
  assert.equal(b.testAccuracy, a.testAccuracy);
  assert.equal(b.testLoss, a.testLoss);
  assert.equal(b.epochs, 3);
  assert.deepEqual(
    readFileSync(join(broken, 'weights.safetensors')),
    readFileSync(join(whole, 'weights.safetensors')),
    'identical weights',
  );

  const conflicting = spawnSync(process.execPath, [CLI, 'train', '--out', broken, '--resume', '--epochs', '5'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(conflicting.status, 2);
  assert.match(
    conflicting.stderr,
    /--resume continues with the checkpoint's settings; these differ: epochs 5 \(checkpoint: 3\)/,
  );
  const missing = spawnSync(process.execPath, [CLI, 'train', '--out', join(scratch, 'nothing'), '--resume'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--resume: no checkpoint in/);
});

test('a tampered state.json ends --resume with exit 2 and one line naming the field', () => {
  const first = trainUninterrupted();
  assert.equal(first.status, 0, first.stderr);
  const out = join(scratch, 'tampered');
  cpSync(whole, out, { recursive: true });
  const statePath = join(out, 'checkpoint', 'epoch-0003', 'state.json');
  const original = readFileSync(statePath, 'utf8');
  const cases: [string, (state: TamperedJson) => void, string][] = [
    // The four tamperings of the issue, then what the CLI itself reads.
    [
      'a null generator state',
      (state) => {
        state.fit.random.shuffle = null;
      },
      "field 'fit.random.shuffle' must be a generator state",
    ],
    [
      'a shuffle order that is not an array',
      (state) => {
        state.fit.order = 12;
      },
      "field 'fit.order' must be an array of example indices, got 12",
    ],
    [
      'a string history',
      (state) => {
        state.fit.history = 'lost';
      },
      'field \'fit.history\' must be an array of the logs of the 3 finished epochs, got "lost"',
    ],
    [
      'settings without a dataset',
      (state) => {
        delete state.settings.dataset;
      },
      "field 'settings.dataset' must be a non-empty string, got nothing",
    ],
    [
      'an unknown preset',
      (state) => {
        state.settings.model = 'toString';
      },
      "field 'settings.model' must be one of",
    ],
    [
      'fewer epochs than finished',
      (state) => {
        state.settings.epochs = 1;
      },
      "field 'settings.epochs' must be a whole number >= 3 (the epochs the checkpoint has finished), got 1",
    ],
    [
      'a learning rate that is not a number',
      (state) => {
        state.settings.lr = 'fast';
      },
      'field \'settings.lr\' must be a positive number, got "fast"',
    ],
    [
      'another optimizer',
      (state) => {
        state.settings.optimizer = 'sgd';
        state.settings.lr = 0.05;
      },
      "field 'optimizer.className' is Adam but the saved settings' optimizer sgd is SGD",
    ],
    [
      'an optimizer setting out of range',
      (state) => {
        state.optimizer.config.beta1 = 1;
      },
      "field 'optimizer.config.beta1' is refused: Adam beta1 must be in [0, 1), got 1",
    ],
    [
      'an optimizer setting of another optimizer',
      (state) => {
        state.optimizer.config.momentum = 0.9;
      },
      "field 'optimizer.config.momentum' is not an option of Adam",
    ],
    [
      'an order of another dataset',
      (state) => {
        state.fit.order = [2, 0, 1];
      },
      "field 'fit.order' orders 3 examples but mnist-sample has 10000 training examples",
    ],
  ];
  for (const [label, tamper, message] of cases) {
    const state = JSON.parse(original) as TamperedJson;
    tamper(state);
    writeFileSync(statePath, JSON.stringify(state));
    const resumed = spawnSync(process.execPath, [CLI, 'train', '--out', out, '--resume'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(resumed.status, 2, `${label}: ${resumed.stderr}`);
    const lines = resumed.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${label}: one line, no stack trace: ${resumed.stderr}`);
    assert.ok(lines[0]!.startsWith(`convnet: error: ${statePath}: ${message}`), `${label}: ${lines[0]}`);
  }
});
