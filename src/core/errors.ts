// Typed errors of ConvNet.ts. Every error the library throws on purpose is a ConvNetError, so callers
// (and the CLI) can tell a user mistake or a bad file from a bug.

/** Base class of every error ConvNet.ts throws on purpose. */
export class ConvNetError extends Error {
  constructor(message: string) {
    super(message);
    // A subclass outside the library is named by its class; the library's own set theirs below as
    // literals, since a minifying bundler renames classes (new.target.name would read 'c').
    this.name = new.target === ConvNetError ? 'ConvNetError' : new.target.name;
  }
}

/** A tensor or layer received a shape it cannot take. The message names the layer and both shapes. */
export class ShapeError extends ConvNetError {
  /** The error's class name: 'ShapeError'. */
  override name = 'ShapeError';
}

/** An argument or configuration value is out of range or of the wrong kind. */
export class ValueError extends ConvNetError {
  /** The error's class name: 'ValueError' (or a subclass's). */
  override name = 'ValueError';
}

/**
 * A tensor's values were read synchronously (`dataSync()`, or a kernel the backend lacks, which runs
 * on the reference kernels) on a backend that can only read them back asynchronously (a device
 * backend): read them with `await tensor.data()`. The message names the backend.
 */
export class SyncReadError extends ValueError {
  /** The error's class name: 'SyncReadError'. */
  override name = 'SyncReadError';
}

/**
 * Training stopped because the loss became NaN or infinite. A ValueError, since the usual cause is
 * a learning rate too high for the model or NaN / infinite values in the examples.
 */
export class NonFiniteLossError extends ValueError {
  /** The error's class name: 'NonFiniteLossError'. */
  override name = 'NonFiniteLossError';
  constructor(
    /** 1-based epoch and batch where it happened. */
    readonly epoch: number,
    /** The 1-based batch, within the epoch, whose loss was not finite. */
    readonly batch: number,
    /** The loss: NaN, Infinity or -Infinity. */
    readonly loss: number,
    message: string,
  ) {
    super(message);
  }
}

/** A file (dataset, model, weights) is missing, truncated, corrupt or hostile. The message names the file. */
export class FileFormatError extends ConvNetError {
  /** The error's class name: 'FileFormatError' (or a subclass's). */
  override name = 'FileFormatError';
  constructor(
    /** The file at fault, as given (a path or a name). */
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/**
 * A path could not be read or written: it does not exist, is not a regular file (a folder, FIFO,
 * device or socket), is not writable, or the disk is full. The message is one line naming the path
 * and the reason; `code` is the system's error code where there is one (ENOENT, EACCES, ENOSPC, ...).
 */
export class FileSystemError extends ConvNetError {
  /** The error's class name: 'FileSystemError'. */
  override name = 'FileSystemError';
  constructor(
    /** The path that could not be read or written. */
    readonly path: string,
    reason: string,
    /** The system's error code (ENOENT, EACCES, ENOSPC, ...), where there is one. */
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/**
 * The WebAssembly backend could not start: its `.wasm` build or its worker script could not be
 * fetched, read, compiled or started. `url` is the address it tried; the message names it and the
 * reason (HTTP status, system error, compile error) and says which option points elsewhere.
 */
export class BackendError extends ConvNetError {
  /** The error's class name: 'BackendError'. */
  override name = 'BackendError';
  constructor(
    /** The address of the build or worker script it tried. */
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An optional package that a feature needs is not installed (e.g. @napi-rs/canvas, which draws charts
 * in Node). `packageName` is the package; the message says what needs it and how to install it.
 */
export class MissingPackageError extends ConvNetError {
  /** The error's class name: 'MissingPackageError'. */
  override name = 'MissingPackageError';
  constructor(
    /** The package to install, e.g. '@napi-rs/canvas'. */
    readonly packageName: string,
    message: string,
  ) {
    super(message);
  }
}
