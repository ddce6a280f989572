// A throwaway app folder in which 'convnet-ts' resolves to this repository (a node_modules link, as
// an installed package would), and a runner for scripts there, each in a fresh Node process: for the
// tests of what an app sees when it imports or requires the package.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from './helpers.js';

export interface AppFolder {
  /** The folder (set once the suite's `before` hook ran). */
  readonly path: string;
  /** Runs `source` as the file `name` in the folder and returns its last stdout line, parsed as JSON. */
  run(name: string, source: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Makes the folder before the file's tests and removes it after them. */
export function useAppFolder(prefix: string): AppFolder {
  let path: string | undefined;
  before(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
    await mkdir(join(path, 'node_modules'));
    await symlink(repoRoot, join(path, 'node_modules', 'convnet-ts'), 'dir');
  });
  after(async () => {
    if (path !== undefined) await rm(path, { recursive: true, force: true });
  });
  return {
    get path() {
      if (path === undefined) throw new Error('useAppFolder: the folder exists once the before hook ran');
      return path;
    },
    async run(name, source, timeoutMs = 90_000) {
      const file = join(this.path, name);
      await writeFile(file, source);
      // A file, not `node -e`: worker threads inherit the flags of `node -e`.
      const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: this.path, timeout: timeoutMs });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    },
  };
}
