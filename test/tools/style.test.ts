// tools/style.mjs, the formatter and linter check of `npm test`, on a scratch tree with this repository's
// Biome configuration: a clean tree passes, and a mis-formatted TypeScript or AssemblyScript file, or a
// lint error, fails it with the file named.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const repository = resolve('.');
const scratch = mkdtempSync(join(tmpdir(), 'convnet-style-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const CLEAN_TS = 'export function double(value: number): number {\n  return value * 2;\n}\n';
const CLEAN_AS = '@inline\nexport function double(value: i32): i32 {\n  return value << 1;\n}\n';

/** A scratch tree of src/double.ts and assembly/double.ts (the given texts), styled by tools/style.mjs. */
function runStyle(name: string, files: { ts?: string; as?: string }): { status: number | null; output: string } {
  const root = join(scratch, name);
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'assembly'));
  copyFileSync(join(repository, 'biome.jsonc'), join(root, 'biome.jsonc'));
  writeFileSync(join(root, '.gitignore'), 'node_modules\n');
  symlinkSync(join(repository, 'node_modules'), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'src', 'double.ts'), files.ts ?? CLEAN_TS);
  writeFileSync(join(root, 'assembly', 'double.ts'), files.as ?? CLEAN_AS);
  spawnSync('git', ['init', '-q'], { cwd: root });
  const result = spawnSync(process.execPath, [join(repository, 'tools', 'style.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('tools/style.mjs', () => {
  test('a formatted, lint-free tree passes', () => {
    const { status, output } = runStyle('clean', {});
    assert.equal(status, 0, output);
    assert.match(output, /formatter and linter pass \(and 1 AssemblyScript files\)/);
  });

  test('a mis-formatted TypeScript file fails, named', () => {
    const { status, output } = runStyle('typescript', {
      ts: 'export function double(value:number):number{return value*2}\n',
    });
    assert.equal(status, 1);
    assert.match(output, /src\/double\.ts/);
  });

  test('a mis-formatted AssemblyScript file fails, named, though its @inline decorator is not TypeScript', () => {
    const { status, output } = runStyle('assembly', {
      as: '@inline\nexport function double(value: i32): i32 { return value<<1; }\n',
    });
    assert.equal(status, 1);
    assert.match(output, /Not formatted[\s\S]*assembly\/double\.ts/);
  });

  test('a lint error fails', () => {
    const { status, output } = runStyle('lint', {
      ts: 'export function isSame(a: number, b: number): boolean {\n  return a == b;\n}\n',
    });
    assert.equal(status, 1);
    assert.match(output, /noDoubleEquals/);
  });
});
