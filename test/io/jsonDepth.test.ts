// JSON nesting is bounded before JSON.parse runs: a million nested brackets in a model.json, a TF.js
// model.json or a checkpoint's state is a FileFormatError naming the file, at once; legitimate
// nesting and brackets inside strings (escaped quotes included) pass.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileFormatError, MAX_JSON_DEPTH, parseModel, parseTfjsModel } from '../../src/index.js';
import { checkJsonDepth } from '../../src/io/jsonDepth.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const isDepthError = (file: string) => (error: unknown) =>
  error instanceof FileFormatError &&
  error.message.includes(file) &&
  error.message.includes(`nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`);

test('nesting up to MAX_JSON_DEPTH passes, one level more is refused naming the file', () => {
  checkJsonDepth(nested(MAX_JSON_DEPTH), 'a.json');
  checkJsonDepth(`{"a":${nested(MAX_JSON_DEPTH - 1)}}`, 'a.json');
  assert.throws(() => checkJsonDepth(nested(MAX_JSON_DEPTH + 1), 'a.json'), isDepthError('a.json'));
  assert.throws(() => checkJsonDepth(`{"a":${nested(MAX_JSON_DEPTH)}}`, 'a.json'), isDepthError('a.json'));
});

test('brackets inside strings do not count, escaped quotes included', () => {
  const inString = JSON.stringify({ name: `${'['.repeat(10_000)}"\\${'{'.repeat(10_000)}` });
  checkJsonDepth(inString, 'a.json');
  assert.deepEqual(Object.keys(JSON.parse(inString)), ['name']);
});

test('a million levels are refused by the model readers before JSON.parse', () => {
  const deep = nested(1_000_000);
  assert.throws(
    () =>
      parseTfjsModel(`{"format":"layers-model","modelTopology":${deep},"weightsManifest":[]}`, [], 'tfjs/model.json'),
    isDepthError('tfjs/model.json'),
  );
  assert.throws(() => parseModel(`{"format":${deep}}`, new Uint8Array(0)), isDepthError('model.json'));
});
