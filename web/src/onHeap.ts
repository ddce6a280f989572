// Model building with the reference backend active, so that the weights it makes are ordinary
// arrays on the JavaScript heap that go with the model. The WebAssembly backend keeps weights in
// its own memory until the garbage collector happens to collect their small views, which may be
// long after a page replaced the model; pages that make model after model (a re-run, a model per
// test evaluation) make them here, and their memory stays flat. Forward and backward passes still
// run on the active backend, which copies heap weights in for each call, inside the call's scope.

import { getBackend, setBackend } from 'convnet-ts';

/** `body`'s result, every weight it made living on the JavaScript heap. */
export function onHeap<T>(body: () => T): T {
  const active = getBackend().name;
  setBackend('reference');
  try {
    return body();
  } finally {
    setBackend(active);
  }
}
