// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner. Listing
// the files here keeps the command the same on Node 20 (no glob support in --test) and later.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function findTests(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = findTests('dist/test').sort();
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...process.argv.slice(2), ...files],
  {
    stdio: 'inherit',
  },
);
process.exitCode = result.status ?? 1;
