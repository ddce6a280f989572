// `convnet download <name>`: fetches a dataset's official files into the cache folder, verifying their
// SHA-256 and resuming interrupted transfers; a progress bar on a terminal, one line per file otherwise.

import cliProgress from 'cli-progress';
import { DATASET_SOURCES, defaultCacheDirectory, downloadDataset, type DownloadableDataset } from '../../src/index.js';
import { prepareOutput } from '../outputFolders.js';
import { terminalText } from '../terminalText.js';

export interface DownloadOptions {
  cacheDir?: string;
  mirror?: string;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export async function download(name: DownloadableDataset, options: DownloadOptions): Promise<void> {
  const cacheDirectory = options.cacheDir ?? defaultCacheDirectory();
  // Before any connection: the cache folder is (or becomes) a folder that takes new files.
  prepareOutput(cacheDirectory, { flag: '--cache-dir' });
  const isInteractive = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  // On failure the bar is stopped first, so the error line starts on a line of its own.
  const directory = await downloadDataset(name, {
    cacheDirectory,
    ...(options.mirror === undefined ? {} : { mirror: options.mirror }),
    onFile(file, result) {
      if (result === null) {
        if (!isInteractive) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${file.name} [{bar}] {percentage}% | {done} of {size} | ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.legacy,
        );
        bar.start(file.bytes, 0, { done: megabytes(0), size: megabytes(file.bytes) });
        return;
      }
      bar?.stop();
      bar = null;
      const what = result.status === 'present' ? 'already there' : `${result.status} from ${result.url}`;
      process.stdout.write(`${file.name}: ${what} (${megabytes(file.bytes)}, SHA-256 verified)\n`);
    },
    onProgress(progress) {
      bar?.update(progress.received, { done: megabytes(progress.received) });
    },
  }).finally(() => bar?.stop());
  process.stdout.write(`${name} is in ${terminalText(directory)}\n${DATASET_SOURCES[name].credit}\n`);
  const cacheFlag = options.cacheDir === undefined ? '' : ` --cache-dir ${terminalText(options.cacheDir)}`;
  process.stdout.write(`Train on it: convnet train --dataset ${name}${cacheFlag}\n`);
}
