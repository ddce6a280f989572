// The output folders a command creates before its work starts (src/io/files.ts prepareOutputFolder),
// removed again while still empty when the command fails: a usage error found after the check (a
// missing --data-dir, a bad --mirror) leaves nothing behind.

import { rmdirSync } from 'node:fs';
import { prepareOutputFolder, type OutputCheck } from '../src/index.js';

const created: string[] = [];

/** prepareOutputFolder, remembering the folders it made. */
export function prepareOutput(path: string, check: OutputCheck = {}): void {
  created.push(...prepareOutputFolder(path, check));
}

/** After a failure: removes the folders made by prepareOutput that are still empty, innermost first. */
export function removeUnusedOutputFolders(): void {
  for (const folder of created.splice(0).reverse()) {
    try {
      rmdirSync(folder);
    } catch {
      // Not empty (the command wrote there) or already gone: kept as it is.
    }
  }
}

/** Before a command: forgets the folders of an earlier one (main() may run several in one process). */
export function forgetOutputFolders(): void {
  created.length = 0;
}
