// Yielding to the event loop (src/model/yieldToEventLoop.ts): the promise resolves only after the
// event loop has had a turn, so a callback queued before the yield (setImmediate, a resolved I/O
// callback) has run by then, while microtasks alone do not let it run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { yieldToEventLoop } from '../../src/model/yieldToEventLoop.js';

test('a setImmediate callback queued before the yield has run when it resolves', async () => {
  const events: string[] = [];
  setImmediate(() => events.push('immediate'));
  await Promise.resolve();
  events.push('after a microtask');
  await yieldToEventLoop();
  events.push('after the yield');
  assert.deepEqual(events, ['after a microtask', 'immediate', 'after the yield']);
});

test('successive yields each give the loop a turn: a chain of immediates advances one step per yield', async () => {
  let turns = 0;
  const tick = () => {
    turns++;
    if (turns < 10) setImmediate(tick);
  };
  setImmediate(tick);
  for (let yields = 1; yields <= 3; yields++) {
    await yieldToEventLoop();
    assert.equal(turns, yields, `turns after yield ${yields}`);
  }
});
