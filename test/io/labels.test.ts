// Labels text (src/io/labels.ts): one name per line, CRLF or LF, a final newline and a byte-order mark
// ignored; ImageNet's 1,000 names ship in torchvision's order.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FileFormatError, IMAGENET_CLASS_NAMES, parseLabels } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

describe('labels files', () => {
  test('one name per line, CRLF or LF, a final newline and a byte-order mark ignored', () => {
    assert.deepEqual(parseLabels('\uFEFFcat\r\ndog \nbird\n', 'labels.txt', 3), ['cat', 'dog', 'bird']);
    assertThrowsWith(() => parseLabels('cat\n\ndog\n', 'labels.txt'), FileFormatError, 'labels.txt: line 2 is empty');
    assertThrowsWith(
      () => parseLabels('cat\ndog\n', 'labels.txt', 3),
      FileFormatError,
      'names 2 classes (one per line) but the model has 3',
    );
  });

  test("ImageNet's names ship: 1,000, in torchvision's order", () => {
    assert.equal(IMAGENET_CLASS_NAMES.length, 1000);
    // ImageNet's synsets name two pairs alike (crane, maillot); torchvision's list tells them apart.
    assert.equal(new Set(IMAGENET_CLASS_NAMES).size, 1000);
    assert.deepEqual(
      [IMAGENET_CLASS_NAMES[0], IMAGENET_CLASS_NAMES[281], IMAGENET_CLASS_NAMES[999]],
      ['tench', 'tabby', 'toilet tissue'],
    );
  });
});
