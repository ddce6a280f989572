// PyTorch as a peer, only where Debian's python3-torch is already installed (the bench never installs it):
// runs bench/torchBench.py, which prints its results as JSON on its last line of output.
// Limits: eager mode, float32, torch.set_num_threads(2); no torch.compile.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SuiteRecorder, progress, type BenchResult, type SuiteOutput } from './results.js';
import { BATCH, DATA_SEED, KERNEL_SIZE, LEARNING_RATE, MOMENTUM, POOL_SIZE, WORKLOADS } from './workloads.js';

const LIBRARY = 'PyTorch';
/**
 * Interpreters tried in order: the one on PATH, then Debian's own, to which python3-torch belongs
 * (a PATH with another Python first, such as pyenv's, hides it).
 */
const INTERPRETERS = ['python3', '/usr/bin/python3'];
/** From dist/bench/torchSuite.js back to the source folder, where the script is kept. */
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'torchBench.py');

export async function runTorch(): Promise<SuiteOutput> {
  const recorder = new SuiteRecorder(LIBRARY);
  let found: { interpreter: string; probe: ReturnType<typeof spawnSync> & { stdout: string } } | undefined;
  for (const interpreter of INTERPRETERS) {
    const probe = spawnSync(interpreter, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) {
      found = { interpreter, probe };
      break;
    }
  }
  if (found === undefined) {
    const reason =
      `not found: none of ${INTERPRETERS.join(', ')} can import torch (Debian python3-torch is ` +
      `not installed; the bench does not install it)`;
    recorder.fail(reason);
    progress(`PyTorch was not found (${INTERPRETERS.join(', ')}: "import torch" failed); skipped`);
    return recorder.output;
  }
  const { interpreter, probe } = found;
  progress(`PyTorch ${probe.stdout.trim()} found (${interpreter}); running ${path.relative(process.cwd(), SCRIPT)}`);
  // The script reads the networks from here, so that there is one definition of each workload.
  const config = {
    workloads: WORKLOADS,
    batch: BATCH,
    kernelSize: KERNEL_SIZE,
    poolSize: POOL_SIZE,
    learningRate: LEARNING_RATE,
    momentum: MOMENTUM,
    seed: DATA_SEED,
  };
  const run = spawnSync(interpreter, [SCRIPT, JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const lastLine = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !lastLine.startsWith('{')) {
    recorder.fail(`torchBench.py exited with ${run.status}: ${run.stderr.trim().split('\n').pop() ?? ''}`);
    return recorder.output;
  }
  const parsed = JSON.parse(lastLine) as { results: BenchResult[] };
  for (const result of parsed.results) {
    recorder.output.results.push({ ...result, library: LIBRARY });
    progress(
      `${LIBRARY} ${result.workload} ${result.mode} (${result.threads} threads): ${result.value.toFixed(2)} ` +
        `${result.unit}`,
    );
  }
  return recorder.output;
}
