// A pass over JSON text that finds how deep its arrays and objects nest, before JSON.parse builds
// them: a model.json of a million nested brackets (2 MB) took JSON.parse 250-400 ms and as many
// allocations; the scan refuses it in a few milliseconds. Strings are skipped, escapes included.

import { FileFormatError } from '../core/errors.js';
import { MAX_JSON_DEPTH } from '../core/limits.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Throws FileFormatError naming `file` where `text` nests deeper than MAX_JSON_DEPTH; well-formedness is JSON.parse's
 * job.
 */
export function checkJsonDepth(text: string, file: string): void {
  let depth = 0;
  let isInString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (isInString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) isInString = false;
    } else if (code === QUOTE) {
      isInString = true;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > MAX_JSON_DEPTH)
        throw new FileFormatError(file, `nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`);
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth--;
    }
  }
}
