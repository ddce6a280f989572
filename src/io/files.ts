// The file-system policy of every reader and writer (Node): only regular files are read, with a
// size bound checked before reading; an output replaces nothing but a regular file, is checked before
// any work starts, and is never one of the inputs; every failure is one FileSystemError line naming
// the path and the reason, never a stack trace.

import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FileFormatError, FileSystemError } from '../core/errors.js';

/** Reasons in words for the system's error codes a user meets; others are named by their code. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EBUSY: 'busy',
  EXDEV: 'on another file system',
  EINVAL: 'invalid argument',
  ENXIO: 'no such device',
};

/** A FileSystemError for a failed system call on `path`, or the error itself if it is not one. */
export function fileSystemError(error: unknown, path: string, action = ''): Error {
  if (error instanceof FileSystemError || error instanceof FileFormatError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return error as Error;
  const reason = REASONS[code] ?? code.toLowerCase();
  return new FileSystemError(path, `${action === '' ? '' : `cannot ${action}: `}${reason} (${code})`, code);
}

/** What a path is, in words: 'regular file', 'folder', 'FIFO', 'character device', ... */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return 'regular file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isFIFO()) return 'FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isSocket()) return 'socket';
  if (stats.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

function statOf(path: string, action: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    throw fileSystemError(error, path, action);
  }
}

/** Throws unless `path` (its symbolic links followed) is a regular file. */
export function requireRegularFile(path: string): Stats {
  const stats = statOf(path, 'read');
  if (!stats.isFile()) throw new FileSystemError(path, `is a ${fileKind(stats)}, not a regular file`);
  return stats;
}

/** Options of readRegularFile and readRegularTextFile. */
export interface ReadOptions {
  /** The most bytes the file may have; a larger one is refused before it is read. */
  maxBytes: number;
  /** What the file is, for the size error ("a model manifest"). */
  what?: string | undefined;
}

/**
 * Opens the regular file at `path` for reading: FIFOs, devices, sockets and folders are refused by
 * name (reading one could block forever or never end). The file is opened without blocking and
 * checked again once open. The caller closes the descriptor.
 */
export function openRegularFile(path: string): { descriptor: number; stats: Stats } {
  requireRegularFile(path);
  let descriptor: number;
  try {
    // O_NONBLOCK: were the path swapped for a FIFO after the check, open would otherwise wait for a writer.
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fileSystemError(error, path, 'read');
  }
  try {
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) throw new FileSystemError(path, `is a ${fileKind(stats)}, not a regular file`);
    return { descriptor, stats };
  } catch (error) {
    closeSync(descriptor);
    throw fileSystemError(error, path, 'read');
  }
}

/** Reads into `bytes` from `position` of an open file until it is full or the file ends; returns the count read. */
function readAt(descriptor: number, bytes: Uint8Array, position: number, path: string): number {
  let read = 0;
  try {
    while (read < bytes.length) {
      const count = readSync(descriptor, bytes, read, bytes.length - read, position + read);
      if (count === 0) break;
      read += count;
    }
  } catch (error) {
    throw fileSystemError(error, path, 'read');
  }
  return read;
}

/**
 * The bytes of the regular file at `path` (see openRegularFile), refused before anything is read
 * when it is larger than `maxBytes`.
 */
export function readRegularFile(path: string, options: ReadOptions): Uint8Array {
  const { descriptor, stats } = openRegularFile(path);
  try {
    if (stats.size > options.maxBytes) {
      throw new FileFormatError(
        path,
        `is ${stats.size} bytes, more than the ${options.maxBytes} ${options.what ?? 'this file'} may have`,
      );
    }
    const bytes = new Uint8Array(stats.size);
    const read = readAt(descriptor, bytes, 0, path);
    return read === bytes.length ? bytes : bytes.subarray(0, read); // shrunk while reading: what is there
  } finally {
    closeSync(descriptor);
  }
}

/** The first `length` bytes of the regular file at `path` (fewer where it is shorter): a header or magic number. */
export function readRegularFileStart(path: string, length: number): Uint8Array {
  const { descriptor } = openRegularFile(path);
  try {
    const bytes = new Uint8Array(length);
    return bytes.subarray(0, readAt(descriptor, bytes, 0, path));
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Fills `bytes` from `position` of an open file; FileFormatError naming `path` if the file ends
 * first (it changed or shrank since its size was checked).
 */
export function readExactly(descriptor: number, bytes: Uint8Array, position: number, path: string): void {
  const read = readAt(descriptor, bytes, position, path);
  if (read < bytes.length)
    throw new FileFormatError(path, `ended at byte ${position + read} while being read: it changed or shrank`);
}

/** The text of a regular UTF-8 file, as readRegularFile. */
export function readRegularTextFile(path: string, options: ReadOptions): string {
  return new TextDecoder().decode(readRegularFile(path, options));
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function existingStats(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fileSystemError(error, path, 'write');
  }
}

/** Throws if `path` names the same file as one of `inputs` (by device and inode, so through links too). */
function refuseInputs(path: string, stats: Stats, inputs: readonly string[], flag: string): void {
  for (const input of inputs) {
    const inputStats = existingStats(input);
    if (inputStats !== null && sameFile(stats, inputStats)) {
      throw new FileSystemError(
        path,
        `${flag === '' ? 'the output' : flag} is the input ${input}; writing it would replace the input`,
      );
    }
  }
}

/** Creates and removes a small file in `folder`: the only sure test that it takes new files. */
function probeWritable(folder: string): void {
  const probe = resolve(folder, `.convnet-write-test-${process.pid}-${Date.now()}`);
  try {
    const descriptor = openSync(
      probe,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NONBLOCK,
      0o600,
    );
    try {
      writeSync(descriptor, new Uint8Array(1));
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    throw fileSystemError(error, folder, 'write in this folder');
  } finally {
    rmSync(probe, { force: true });
  }
}

/** What checkOutputFile compares an output path against. */
export interface OutputCheck {
  /** The paths the command reads: the output may be none of them. */
  inputs?: readonly string[] | undefined;
  /** The flag that named the output ("--out"), for the message. */
  flag?: string | undefined;
}

/**
 * Checks, before any work starts, that a file can be written at `path`: its folder exists and takes
 * new files, and whatever is there now is a regular file that is not one of the inputs.
 */
export function checkOutputFile(path: string, check: OutputCheck = {}): void {
  const stats = existingStats(path);
  if (stats !== null) {
    if (!stats.isFile())
      throw new FileSystemError(path, `is a ${fileKind(stats)}; only a regular file is replaced by an output`);
    refuseInputs(path, stats, check.inputs ?? [], check.flag ?? '');
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      throw fileSystemError(error, path, 'write');
    }
  }
  const folder = dirname(resolve(path));
  const folderStats = existingStats(folder);
  if (folderStats === null)
    throw new FileSystemError(path, `cannot write: the folder ${dirname(path)} does not exist`, 'ENOENT');
  if (!folderStats.isDirectory())
    throw new FileSystemError(
      path,
      `cannot write: ${dirname(path)} is a ${fileKind(folderStats)}, not a folder`,
      'ENOTDIR',
    );
  probeWritable(folder);
}

/**
 * Creates the folder `path` and any missing parents, one at a time. Throws FileSystemError naming the
 * path if a part of it is not a folder or a folder cannot be made there. Returns the folders it made, outermost first.
 * NOTE: not mkdirSync(path, { recursive: true }): under /proc (Node 20) that retries forever, since
 * mkdir says ENOENT for a folder whose parent exists.
 */
export function createFolders(path: string): string[] {
  const missing: string[] = [];
  let folder = resolve(path);
  let stats = existingStats(folder);
  while (stats === null && dirname(folder) !== folder) {
    missing.push(folder);
    folder = dirname(folder);
    stats = existingStats(folder);
  }
  if (stats !== null && !stats.isDirectory())
    throw new FileSystemError(
      path,
      `cannot create the folder: ${folder} is a ${fileKind(stats)}, not a folder`,
      'ENOTDIR',
    );
  const created: string[] = [];
  for (const part of missing.reverse()) {
    try {
      mkdirSync(part);
      created.push(part);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && existingStats(part)?.isDirectory() === true) continue; // made meanwhile
      // The parent exists, so ENOENT here means a file system that takes no new folders (/proc).
      if (code === 'ENOENT')
        throw new FileSystemError(
          path,
          `cannot create the folder ${part}: the file system there takes no new folders (ENOENT)`,
          code,
        );
      throw fileSystemError(error, path, 'create the folder');
    }
  }
  return created;
}

/**
 * Checks, before any work starts, that `path` is or can become a folder that takes new files, and is
 * none of the inputs. Creates it (and its parents) so the check is real, and returns the folders it
 * created, outermost first, so that a command that then fails can remove them while still empty.
 */
export function prepareOutputFolder(path: string, check: OutputCheck = {}): string[] {
  const stats = existingStats(path);
  let created: string[] = [];
  if (stats !== null) {
    if (!stats.isDirectory()) throw new FileSystemError(path, `is a ${fileKind(stats)}, not a folder`, 'ENOTDIR');
    refuseInputs(path, stats, check.inputs ?? [], check.flag ?? '');
  } else {
    created = createFolders(path);
  }
  probeWritable(path);
  return created;
}
