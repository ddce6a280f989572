// Downloads of the official dataset files (MNIST, Fashion-MNIST, CIFAR-10) into a cache folder (Node):
// SHA-256 verified, resumed from a .part file with an HTTP Range request after an interrupted transfer,
// and renamed into place only once verified, so a final file is always complete and correct.
// Checksums: see DATASET_SOURCES. Limit: one process per cache folder at a time (two writers of
// the same .part file would mix bytes; the checksum would then reject the file).

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ConvNetError, FileSystemError, ValueError } from '../core/errors.js';
import { createFolders, fileSystemError, requireRegularFile } from '../io/files.js';

/** The datasets `convnet download` and downloadDataset can fetch. */
export const DOWNLOADABLE_DATASETS = ['mnist', 'fashion-mnist', 'cifar10'] as const;
/** The name of a dataset downloadDataset can fetch. */
export type DownloadableDataset = (typeof DOWNLOADABLE_DATASETS)[number];

/** One file of a dataset: its name on the server and in the cache, its size and SHA-256. */
export interface DatasetFile {
  /** The file's name, on the server and in the cache folder. */
  readonly name: string;
  /** The file's size in bytes. */
  readonly bytes: number;
  /** The file's SHA-256, lowercase hex. */
  readonly sha256: string;
}

/** Where a dataset's files come from: base URLs (tried in order, each ending in '/') and the files. */
export interface DatasetSource {
  /** Base URLs, tried in order, each ending in '/'. */
  readonly urls: readonly string[];
  /** Every file of the dataset. */
  readonly files: readonly DatasetFile[];
  /** Who made the data, and its license, for the user to cite. */
  readonly credit: string;
}

/**
 * The official files. MNIST is fetched from PyTorch's and TensorFlow's copies before
 * yann.lecun.com, which has refused plain downloads at times; the checksums make every copy equal.
 * Where the checksums come from: MNIST, the shared datasets README (files byte-identical to the
 * official ones by MD5); Fashion-MNIST, the upstream gzip files rebuilt from Debian's copies (same
 * deflate streams, upstream headers put back), which reproduce Zalando's published MD5s exactly;
 * CIFAR-10, the SHA-256 that several independent projects pin for the archive whose MD5
 * (c32a1d4ab5d03f1284b67883e8d87530) the CIFAR page publishes.
 */
export const DATASET_SOURCES: Readonly<Record<DownloadableDataset, DatasetSource>> = Object.freeze({
  mnist: {
    urls: [
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
      'http://yann.lecun.com/exdb/mnist/',
    ],
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        bytes: 9912422,
        sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        bytes: 28881,
        sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        bytes: 1648877,
        sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        bytes: 4542,
        sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      },
    ],
    credit: 'MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges (CC BY-SA 3.0)',
  },
  'fashion-mnist': {
    urls: [
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    ],
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        bytes: 26421880,
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        bytes: 29515,
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        bytes: 4422102,
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        bytes: 5148,
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      },
    ],
    credit: 'Fashion-MNIST: Zalando Research (MIT license)',
  },
  cifar10: {
    urls: ['https://www.cs.toronto.edu/~kriz/'],
    files: [
      {
        name: 'cifar-10-binary.tar.gz',
        bytes: 170052171,
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      },
    ],
    credit:
      'CIFAR-10: Alex Krizhevsky, Vinod Nair and Geoffrey Hinton; cite "Learning Multiple Layers of ' +
      'Features from Tiny Images", A. Krizhevsky, 2009',
  },
});

/** Why a download failed: an HTTP error status, a network failure, a transfer cut short, or wrong bytes. */
export type DownloadFailure = 'http' | 'network' | 'truncated' | 'checksum';

/** A download that failed. The message names the URL; `reason` says what kind of failure it was. */
export class DownloadError extends ConvNetError {
  /** The error's class name: 'DownloadError'. */
  override name = 'DownloadError';
  constructor(
    /** The URL that failed. */
    readonly url: string,
    /** What kind of failure: 'http', 'network', 'truncated' or 'checksum'. */
    readonly reason: DownloadFailure,
    detail: string,
  ) {
    super(`${url}: ${detail}`);
  }
}

/**
 * The folder downloads go to by default: $CONVNET_CACHE_DIR if set, else $XDG_CACHE_HOME/convnet-ts,
 * else the platform's cache folder (~/.cache/convnet-ts on Linux, ~/Library/Caches/convnet-ts on
 * macOS, %LOCALAPPDATA%\convnet-ts\Cache on Windows).
 *
 * @example
 * defaultCacheDirectory(); // '/home/ada/.cache/convnet-ts'
 */
export function defaultCacheDirectory(
  environment: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const explicit = environment.CONVNET_CACHE_DIR;
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = environment.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'convnet-ts');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'convnet-ts');
  const localAppData = environment.LOCALAPPDATA;
  if (platform === 'win32' && localAppData !== undefined && localAppData !== '')
    return join(localAppData, 'convnet-ts', 'Cache');
  return join(homedir(), '.cache', 'convnet-ts');
}

/** The folder of one dataset in a cache folder: `<cacheDirectory>/<name>`. */
export function datasetCacheDirectory(
  name: DownloadableDataset,
  cacheDirectory: string = defaultCacheDirectory(),
): string {
  return join(cacheDirectory, name);
}

/**
 * The cache folder of a dataset if every one of its files has been downloaded (and so verified,
 * since a file only gets its final name after its checksum matched), else null.
 */
export function findDownloadedDataset(
  name: DownloadableDataset,
  cacheDirectory: string = defaultCacheDirectory(),
): string | null {
  const directory = datasetCacheDirectory(name, cacheDirectory);
  return DATASET_SOURCES[name].files.every((file) => existsSync(join(directory, file.name))) ? directory : null;
}

/** SHA-256 of a file, read in chunks, as lowercase hex. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw fileSystemError(error, path, 'read');
  }
  return hash.digest('hex');
}

/** Progress of one file: bytes on disk so far (resumed ones included) and the full size if known. */
export interface DownloadProgress {
  /** The file's name (the destination's last path segment). */
  file: string;
  /** The URL the bytes come from. */
  url: string;
  /** Bytes on disk so far, a resumed .part file's included. */
  received: number;
  /** The full size in bytes, or null when the server does not say it. */
  total: number | null;
}

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** Expected SHA-256, lowercase hex. */
  sha256: string;
  /** Expected size in bytes: a server announcing another size is refused, and no more than this is written. */
  bytes?: number | undefined;
  /** Called as bytes arrive. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** A transfer that receives nothing for this long is abandoned (the .part file is kept). Default 60,000 ms. */
  idleTimeoutMs?: number | undefined;
}

/** What {@link downloadFile} did: found the file already there, downloaded it, or finished an earlier .part. */
export interface DownloadResult {
  /** The downloaded (or found) file's path. */
  path: string;
  /** 'present': it was already there; 'downloaded': fetched whole; 'resumed': an earlier .part finished. */
  status: 'present' | 'downloaded' | 'resumed';
  /** The URL the bytes came from (null when the file was already there). */
  url: string | null;
}

/** Start, end and full length of a `Content-Range: bytes start-end/length` header (length may be '*'). */
function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (match === null) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

/** Size of the regular file at `path`, 0 if there is none; FileSystemError for a folder, FIFO or device there. */
function sizeOfFile(path: string): number {
  return existsSync(path) ? requireRegularFile(path).size : 0;
}

/** Runs a file-system step, turning a system error into a one-line FileSystemError naming `path`. */
function onFileSystem<T>(path: string, action: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw fileSystemError(error, path, action);
  }
}

/**
 * Fetches `url` into `part`, from byte size(part) on (an HTTP Range request) when it already exists.
 * Returns whether earlier bytes were kept. Leaves `part` holding a prefix of the file on any failure.
 */
async function fetchInto(url: string, part: string, options: DownloadFileOptions, file: string): Promise<boolean> {
  const existing = sizeOfFile(part);
  if (options.bytes !== undefined && existing > options.bytes) onFileSystem(part, 'remove', () => rmSync(part));
  const start = options.bytes !== undefined && existing > options.bytes ? 0 : existing;
  const controller = new AbortController();
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const restartTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  try {
    let response: Response;
    try {
      // NOTE: identity encoding, or fetch would undo a server's gzip Content-Encoding of a .gz file and
      // byte ranges would count compressed bytes.
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (start > 0) headers.range = `bytes=${start}-`;
      response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      const reason = controller.signal.aborted ? `no response for ${idleTimeoutMs / 1000} s` : describeError(error);
      throw new DownloadError(url, 'network', `cannot connect: ${reason}`);
    }
    if (response.status === 416 && start > 0) {
      // The range starts at or past the end: the .part file already holds every byte.
      await response.body?.cancel();
      return true;
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new DownloadError(url, 'http', `HTTP ${response.status} ${response.statusText}`.trim());
    }
    const contentLength =
      response.headers.get('content-length') === null ? null : Number(response.headers.get('content-length'));
    let isAppending = false;
    let total = contentLength;
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range === null || range.start !== start) {
        await response.body.cancel();
        throw new DownloadError(
          url,
          'http',
          `asked for bytes from ${start} on, got Content-Range '${response.headers.get('content-range')}'`,
        );
      }
      isAppending = true;
      total = range.total ?? (contentLength === null ? null : start + contentLength);
    }
    if (options.bytes !== undefined && total !== null && total !== options.bytes) {
      await response.body.cancel();
      throw new DownloadError(url, 'http', `the server sends a file of ${total} bytes; ${file} has ${options.bytes}`);
    }
    let received = isAppending ? start : 0;
    const handle = await open(part, isAppending ? 'a' : 'w').catch((error: unknown) => {
      throw fileSystemError(error, part, 'write');
    });
    try {
      options.onProgress?.({ file, url, received, total });
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        restartTimer();
        if (options.bytes !== undefined && received + chunk.length > options.bytes) {
          throw new DownloadError(url, 'http', `the server sent more than the ${options.bytes} bytes of ${file}`);
        }
        await handle.write(chunk).catch((error: unknown) => {
          throw fileSystemError(error, part, 'write');
        });
        received += chunk.length;
        options.onProgress?.({ file, url, received, total });
      }
    } catch (error) {
      // A full disk is not a broken transfer: no other source would do better.
      if (error instanceof DownloadError || error instanceof FileSystemError) throw error;
      const reason = controller.signal.aborted ? `no data for ${idleTimeoutMs / 1000} s` : describeError(error);
      throw new DownloadError(
        url,
        'truncated',
        `transfer broke off after ${received}${total === null ? '' : ` of ${total}`} bytes (${reason}); run ` +
          `again to resume from ${part}`,
      );
    } finally {
      await handle.close();
    }
    const expected = options.bytes ?? total;
    if (expected !== null && received < expected) {
      throw new DownloadError(
        url,
        'truncated',
        `transfer ended after ${received} of ${expected} bytes; run again to resume from ${part}`,
      );
    }
    return isAppending;
  } finally {
    clearTimeout(timer);
  }
}

/** An error's message with its cause (fetch hides the socket error there). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * Downloads one file to `destination` (creating its folder), verifying its SHA-256. Bytes go to
 * `destination + '.part'`, which is resumed with an HTTP Range request if an earlier run left it, and
 * renamed to `destination` only when the checksum matches. A destination that already exists with
 * the right checksum is kept (status 'present'); with a wrong one it is deleted and downloaded again.
 * `urls` are tried in order until one succeeds (HTTP errors, network errors and broken transfers
 * move on to the next; a wrong checksum stops).
 * Throws DownloadError (with `reason`): 'http' for an error status or a wrong size, 'network' when no
 * connection can be made, 'truncated' when the transfer breaks off (the .part file is kept for the
 * next run), 'checksum' when the bytes are wrong (the .part file is deleted). No final file is
 * written in any of these cases. Throws FileSystemError (one line: the path and the reason) when the
 * folder cannot be made, the disk is full, or a folder, FIFO or device stands where a file goes.
 *
 * @example
 * await downloadFile('https://example.org/data.bin', 'cache/data.bin', { sha256: 'ab12...' });
 */
export async function downloadFile(
  urls: string | readonly string[],
  destination: string,
  options: DownloadFileOptions,
): Promise<DownloadResult> {
  const candidates = typeof urls === 'string' ? [urls] : urls;
  if (candidates.length === 0) throw new ValueError('downloadFile: no URL given');
  if (!/^[0-9a-f]{64}$/.test(options.sha256))
    throw new ValueError(`downloadFile: sha256 must be 64 lowercase hex digits, got '${options.sha256}'`);
  if (existsSync(destination)) {
    requireRegularFile(destination);
    if ((await sha256OfFile(destination)) === options.sha256)
      return { path: destination, status: 'present', url: null };
    onFileSystem(destination, 'remove', () => rmSync(destination));
  }
  createFolders(dirname(destination));
  const part = `${destination}.part`;
  const file = basename(destination);
  const failures: DownloadError[] = [];
  for (const url of candidates) {
    let isResumed: boolean;
    try {
      isResumed = await fetchInto(url, part, options, file);
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      failures.push(error);
      continue;
    }
    const actual = await sha256OfFile(part);
    if (actual !== options.sha256) {
      onFileSystem(part, 'remove', () => rmSync(part, { force: true }));
      throw new DownloadError(
        url,
        'checksum',
        `SHA-256 of the downloaded ${file} is ${actual}, expected ${options.sha256}; the file was deleted`,
      );
    }
    onFileSystem(destination, 'write', () => renameSync(part, destination));
    return { path: destination, status: isResumed ? 'resumed' : 'downloaded', url };
  }
  if (failures.length === 1) throw failures[0]!;
  const last = failures[failures.length - 1]!;
  throw new DownloadError(
    last.url,
    last.reason,
    `every source failed: ${failures.map((failure) => failure.message).join('; ')}`,
  );
}

/** Options of {@link downloadDataset}. */
export interface DownloadDatasetOptions {
  /** Cache folder; the dataset goes to `<cacheDirectory>/<name>/`. Default {@link defaultCacheDirectory}. */
  cacheDirectory?: string | undefined;
  /**
   * Base URL that replaces the official ones: files are fetched from `<mirror>/<name>/<file>`.
   * Default: $CONVNET_DATASETS_MIRROR if set, else the official URLs.
   */
  mirror?: string | undefined;
  /** Called before each file, with its result after. */
  onFile?: ((file: DatasetFile, result: DownloadResult | null) => void) | undefined;
  /** Called as bytes arrive, for each file. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** A transfer that receives nothing for this long is abandoned (the .part file is kept). Default 60,000 ms. */
  idleTimeoutMs?: number | undefined;
}

/**
 * Downloads every file of a dataset into `<cacheDirectory>/<name>/` with {@link downloadFile}
 * (checksums verified, interrupted transfers resumed, files already there kept).
 * Returns the folder, which loadMnist (mnist, fashion-mnist) or loadCifar10 (cifar10) reads as it is.
 * Throws ValueError for an unknown name or a mirror that is not an http(s) URL; DownloadError and
 * FileSystemError as downloadFile.
 *
 * @example
 * const directory = await downloadDataset('fashion-mnist');
 * const { train } = loadMnist(directory, FASHION_MNIST_CLASS_NAMES);
 */
export async function downloadDataset(
  name: DownloadableDataset,
  options: DownloadDatasetOptions = {},
): Promise<string> {
  const source = DATASET_SOURCES[name];
  if (source === undefined)
    throw new ValueError(`downloadDataset: unknown dataset '${name}'; use one of ${DOWNLOADABLE_DATASETS.join(', ')}`);
  const mirror = options.mirror ?? (process.env.CONVNET_DATASETS_MIRROR || undefined);
  if (mirror !== undefined && !/^https?:\/\/[^/]/.test(mirror)) {
    throw new ValueError(`downloadDataset: mirror must be an http:// or https:// URL, got '${mirror}'`);
  }
  const baseUrls = mirror === undefined ? source.urls : [`${mirror.replace(/\/+$/, '')}/${name}/`];
  const directory = datasetCacheDirectory(name, options.cacheDirectory ?? defaultCacheDirectory());
  createFolders(directory);
  for (const file of source.files) {
    options.onFile?.(file, null);
    const result = await downloadFile(
      baseUrls.map((base) => `${base}${file.name}`),
      join(directory, file.name),
      {
        sha256: file.sha256,
        bytes: file.bytes,
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      },
    );
    options.onFile?.(file, result);
  }
  return directory;
}
