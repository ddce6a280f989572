// The formatter and linter (Biome, configured in biome.jsonc) over the whole tree, as `npm test` runs them.
// `node tools/style.mjs` checks and fails on any difference; `--write` applies the formatting and safe fixes.
// AssemblyScript's `@inline` function decorators are not TypeScript, so Biome cannot parse assembly/: its
// files are formatted through stdin with each `@inline` line masked as a comment, and not linted (the rules
// assume TypeScript's semantics, e.g. `==` on values, which AssemblyScript means; its compiler checks it).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const write = process.argv.includes('--write');
const biome = join('node_modules', '@biomejs', 'biome', 'bin', 'biome');
const INLINE = /^(\s*)@inline$/gm;
const MASKED = /^(\s*)\/\/ @inline-decorator$/gm;

const tree = spawnSync(process.execPath, [biome, write ? 'check' : 'ci', ...(write ? ['--write'] : []), '.'], {
  stdio: 'inherit',
});
let failed = tree.status !== 0;

const assemblyFiles = readdirSync('assembly').filter((name) => name.endsWith('.ts'));
const misformatted = [];
for (const name of assemblyFiles) {
  const path = join('assembly', name);
  const source = readFileSync(path, 'utf8');
  const formatted = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=assembly-${name}`], {
    input: source.replace(INLINE, '$1// @inline-decorator'),
    encoding: 'utf8',
  });
  if (formatted.status !== 0) {
    console.error(`${path}: Biome could not format it\n${formatted.stderr}`);
    failed = true;
    continue;
  }
  const unmasked = formatted.stdout.replace(MASKED, '$1@inline');
  if (unmasked === source) continue;
  if (write) writeFileSync(path, unmasked);
  else misformatted.push(path);
}
if (misformatted.length > 0) {
  console.error(`Not formatted (run \`npm run format\`):\n  ${misformatted.join('\n  ')}`);
  failed = true;
}
if (!failed) console.log(`style: Biome's formatter and linter pass (and ${assemblyFiles.length} AssemblyScript files)`);
process.exitCode = failed ? 1 : 0;
