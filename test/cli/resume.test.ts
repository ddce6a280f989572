// Checkpoints: `convnet train --out DIR` saves one after every epoch; a run killed with SIGKILL in the
// middle of an epoch and continued with --resume ends with the same model, bit for bit, as a run that
// was never interrupted (same seed, settings and thread count).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastJson, repoRoot } from '../helpers.js';

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

test('a run killed mid-epoch and resumed ends with the same model as an uninterrupted run', async () => {
  const whole = join(scratch, 'whole');
  const uninterrupted = spawnSync(process.execPath, [CLI, 'train', ...SETTINGS, '--out', whole, '--json'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
  assert.equal(latestEpoch(whole), 3, 'a checkpoint after every epoch');

  const broken = join(scratch, 'broken');
  const child = spawn(process.execPath, [CLI, 'train', ...SETTINGS, '--out', broken], { cwd: repoRoot, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Wait for the first checkpoint, then a little into the second epoch, and kill without warning.
  const deadline = Date.now() + 120_000;
  while (latestEpoch(broken) < 1 && Date.now() < deadline) await sleep(20);
  await sleep(300);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const reached = latestEpoch(broken);
  assert.ok(reached >= 1 && reached < 3, `killed after the checkpoint of epoch ${reached}, before the end`);

  const resumed = spawnSync(process.execPath, [CLI, 'train', '--out', broken, '--resume', '--json'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`Resuming from the checkpoint after epoch ${reached} of 3`));
  const a = lastJson(uninterrupted.stdout);
  const b = lastJson(resumed.stdout);
  assert.equal(b['testAccuracy'], a['testAccuracy']);
  assert.equal(b['testLoss'], a['testLoss']);
  assert.equal(b['epochs'], 3);
  assert.deepEqual(readFileSync(join(broken, 'weights.safetensors')), readFileSync(join(whole, 'weights.safetensors')), 'identical weights');

  const conflicting = spawnSync(process.execPath, [CLI, 'train', '--out', broken, '--resume', '--epochs', '5'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(conflicting.status, 2);
  assert.match(conflicting.stderr, /--resume continues with the checkpoint's settings; these differ: epochs 5 \(checkpoint: 3\)/);
  const missing = spawnSync(process.execPath, [CLI, 'train', '--out', join(scratch, 'nothing'), '--resume'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--resume: no checkpoint in/);
});
