// Labels files: one class name per line, in label order (as torchvision's and Keras's imagenet_classes.txt
// are written), read bounded (MAX_LABELS_FILE_BYTES) through files.ts. A trailing empty line is allowed;
// an empty line elsewhere is a missing name and refused, as is a count that does not match the model's.

import { FileFormatError } from '../core/errors.js';
import { MAX_LABELS_FILE_BYTES } from '../core/limits.js';
import { readRegularTextFile } from './files.js';

/**
 * The class names in `text` (one per line; "\r\n" or "\n"; a byte-order mark and one final newline
 * ignored; names are trimmed of surrounding spaces). Throws FileFormatError naming `file` for an empty
 * line, or, when `classes` is given, a count other than `classes`.
 *
 * @example
 * const names = parseLabels('cat\ndog\n', 'labels.txt', 2); // ['cat', 'dog']
 */
export function parseLabels(text: string, file: string, classes?: number): string[] {
  const body = text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  const names = body === '' ? [] : body.split(/\r?\n/).map((line) => line.trim());
  const empty = names.indexOf('');
  if (empty >= 0) throw new FileFormatError(file, `line ${empty + 1} is empty; a labels file has one class name on each line`);
  if (classes !== undefined && names.length !== classes) {
    throw new FileFormatError(file, `names ${names.length} classes (one per line) but the model has ${classes}`);
  }
  return names;
}

/**
 * The class names of the labels file at `path` (see parseLabels); FileSystemError where it cannot be
 * read or is not a regular file, FileFormatError past MAX_LABELS_FILE_BYTES.
 *
 * @example
 * model.setClassNames(readLabelsFile('imagenet_classes.txt', model.classes));
 */
export function readLabelsFile(path: string, classes?: number): string[] {
  return parseLabels(readRegularTextFile(path, { maxBytes: MAX_LABELS_FILE_BYTES, what: 'a labels file' }), path, classes);
}
