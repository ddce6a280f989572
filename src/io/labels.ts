// Labels text: one class name per line, in label order (as torchvision's and Keras's imagenet_classes.txt
// are written), without files so the browser has it (labelsFile.ts reads one, bounded). A trailing empty
// line is allowed; an empty line elsewhere is a missing name and refused, as is a count that does not
// match the model's.

import { FileFormatError } from '../core/errors.js';

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
  if (empty >= 0)
    throw new FileFormatError(file, `line ${empty + 1} is empty; a labels file has one class name on each line`);
  if (classes !== undefined && names.length !== classes) {
    throw new FileFormatError(file, `names ${names.length} classes (one per line) but the model has ${classes}`);
  }
  return names;
}
