// Yielding to the event loop between training batches (Model.fitAsync), by the fastest way the host
// offers: setImmediate in Node (runs after pending I/O and due timers), scheduler.yield in browsers
// that have it, otherwise a MessageChannel message. Not setTimeout(0): browsers clamp nested timers
// to 4 ms, which would cost a few percent of the training time at every yield.

interface SchedulerWithYield {
  yield(): Promise<void>;
}

let channel: MessageChannel | undefined;
const waiting: (() => void)[] = [];

/** Resolves after the host's event loop has had a turn (timers, I/O, messages, a page's input). */
export function yieldToEventLoop(): Promise<void> {
  const host = globalThis as {
    setImmediate?: ((callback: () => void) => unknown) | undefined;
    scheduler?: Partial<SchedulerWithYield> | undefined;
  };
  if (typeof host.setImmediate === 'function') {
    const setImmediate = host.setImmediate;
    return new Promise((resolve) => setImmediate(resolve));
  }
  if (typeof host.scheduler?.yield === 'function') return host.scheduler.yield();
  if (typeof MessageChannel === 'function') {
    if (channel === undefined) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    const port = channel.port2;
    return new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
