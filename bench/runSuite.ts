// Child-process entry: `node dist/bench/runSuite.js <suite id> <output file>` runs one suite from
// bench/suites.ts and writes its SuiteOutput as JSON. bench/run.ts starts it; run it alone to debug one peer.
// The file is also rewritten after every figure, so a suite killed by its timeout keeps what it measured.
// Limits: exits explicitly, because some peers (worker pools) would otherwise keep the process alive.

import { writeFileSync } from 'node:fs';
import { checkpointTo, errorMessage, type SuiteOutput } from './results.js';
import { SUITES } from './suites.js';

const [suiteId, outputFile] = process.argv.slice(2);
const suite = SUITES.find((candidate) => candidate.id === suiteId);
if (suite === undefined || outputFile === undefined) {
  process.stderr.write(
    `usage: node dist/bench/runSuite.js <${SUITES.map((each) => each.id).join('|')}> <output.json>\n`,
  );
  process.exit(2);
}

checkpointTo(outputFile);
let output: SuiteOutput;
try {
  output = await suite.run();
} catch (error) {
  output = { results: [], failures: [{ library: suite.library, reason: errorMessage(error) }] };
}
writeFileSync(outputFile, JSON.stringify(output));
process.exit(0);
