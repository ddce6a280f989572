// Labels files (Node): one class name per line (see labels.ts), read bounded by MAX_LABELS_FILE_BYTES
// through files.ts, so a huge file, a FIFO or a device named labels.txt is refused before it is read.

import { MAX_LABELS_FILE_BYTES } from '../core/limits.js';
import { readRegularTextFile } from './files.js';
import { parseLabels } from './labels.js';

/**
 * The class names of the labels file at `path` (see parseLabels); FileSystemError where it cannot be
 * read or is not a regular file, FileFormatError past MAX_LABELS_FILE_BYTES.
 *
 * @example
 * model.setClassNames(readLabelsFile('imagenet_classes.txt', model.classes));
 */
export function readLabelsFile(path: string, classes?: number): string[] {
  return parseLabels(
    readRegularTextFile(path, { maxBytes: MAX_LABELS_FILE_BYTES, what: 'a labels file' }),
    path,
    classes,
  );
}
