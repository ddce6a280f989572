// The WebAssembly backend's thread count is bounded (issue 12, class 10): 1000 threads once started
// 1000 workers and took 8 GB. A count outside 1 to MAX_WASM_THREADS is refused before anything
// starts, and the running backend keeps working. Shares of a job go to whichever thread claims them
// first (threadPool.ts): many jobs in a row on more threads than cores give one thread's results, and
// so do jobs whose shares the caller runs because a worker has stopped claiming them. A thread that loses its core
// while it spins spins briefly for a while (spinIterations). Each share runs exactly once across the claim's 24-bit
// and the int32 generation's wrap-around, and after the worker has slept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backendInfo,
  ready,
  initWasmBackend,
  MAX_WASM_THREADS,
  Random,
  Tensor,
  ValueError,
  withScope,
} from '../../../src/index.js';
import { windowParams, type Conv2DParams } from '../../../src/kernels/params.js';
import { cpuKernels, type KernelTable } from '../../../src/kernels/registry.js';
import { wasmPlatform, setWasmPlatform, type StartedWorker } from '../../../src/kernels/wasm/platform.js';
import {
  CONTENDED_SPIN_ITERATIONS,
  CONTROL_GENERATION,
  SPIN_ITERATIONS,
  ThreadPool,
  spinIterations,
} from '../../../src/kernels/wasm/threadPool.js';
import { createWasmBackend, type WasmBackend } from '../../../src/kernels/wasm/wasmBackend.js';
import { relu } from '../../../src/ops/activations.js';

// Importing starts nothing: the default WebAssembly backend starts here, as an app would start it.
await ready();

test('initWasmBackend refuses threads outside 1 to MAX_WASM_THREADS and leaves the running backend as it was', {
  skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false,
}, async () => {
  assert.equal(MAX_WASM_THREADS, 64);
  const before = backendInfo().wasm!;
  for (const threads of [1000, MAX_WASM_THREADS + 1, 0, -1, 1.5, Number.NaN]) {
    await assert.rejects(initWasmBackend({ threads }), (error: unknown) => {
      assert.ok(error instanceof ValueError, String(error));
      assert.equal(
        error.message,
        `wasm backend: threads must be a whole number from 1 to 64 (MAX_WASM_THREADS), got ${threads}`,
      );
      return true;
    });
    await assert.rejects(createWasmBackend({ threads }), ValueError);
  }
  assert.deepEqual(backendInfo().wasm, before);
  assert.equal(backendInfo().active, 'wasm');
  const values = withScope(() => Array.from(relu(new Tensor(new Float32Array([-1, 2]), [2])).dataSync()));
  assert.deepEqual(values, [0, 2], 'the backend still computes');
});

test('shares claimed by any thread: 200 jobs in a row on 4 threads match one thread bit for bit', {
  skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false,
}, async () => {
  const random = new Random(7);
  // Two prepared 1x1 convolutions above the threading threshold (1M multiply-adds), one split over
  // output pixels, one over output channels (49 pixels).
  const shapes = [
    [28, 96, 160],
    [7, 320, 1280],
  ].map(([size, inC, outC]) => {
    const params: Conv2DParams = {
      ...windowParams('case', 1, size!, size!, inC!, { kH: 1, kW: 1, strideH: 1, strideW: 1, padding: 'valid' }),
      outC: outC!,
      isConstantFilter: true,
    };
    const values = (count: number) => Float32Array.from({ length: count }, () => random.uniform() - 0.5);
    return {
      params,
      input: values(size! * size! * inC!),
      filter: values(inC! * outC!),
      bias: values(outC!),
      outputSize: size! * size! * outC!,
    };
  });
  const runAll = (): Float32Array[] =>
    Array.from({ length: 200 }, (_, index) => {
      const shape = shapes[index % 2]!;
      const output = new Float32Array(shape.outputSize);
      cpuKernels().Conv2D(shape.input, shape.filter, shape.bias, output, shape.params, null);
      return output;
    });
  await initWasmBackend({ threads: 1 });
  const single = runAll();
  await initWasmBackend({ threads: 4 });
  runAll();
  assert.equal(backendInfo().wasm!.threads, 4, 'all 4 threads up');
  const many = runAll();
  await initWasmBackend();
  many.forEach((output, index) => {
    assert.deepEqual(output, single[index], `job ${index}`);
  });
});

test("shares no worker claims run on the caller: workers stopped mid-life leave one thread's results bit for bit", {
  skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false,
}, async () => {
  // The platform's workers are recorded so that the test can stop some of them: a stopped worker never
  // claims again, so the caller must run its shares (ThreadPool.run), as it does for a worker the system
  // has not scheduled.
  const workers: StartedWorker[] = [];
  const platform = wasmPlatform();
  setWasmPlatform({
    ...platform,
    startWorker: (setup, url) => {
      const worker = platform.startWorker(setup, url);
      workers.push(worker);
      return worker;
    },
  });
  let single: WasmBackend | null = null;
  let many: WasmBackend | null = null;
  try {
    single = await createWasmBackend({ threads: 1 });
    many = await createWasmBackend({ threads: 3 });
  } finally {
    setWasmPlatform(platform);
  }
  try {
    assert.equal(workers.length, 2, 'a 3-thread pool starts 2 workers');
    const jobs = trainingJobs(new Random(11));
    const expected = jobs.map((job) => job(single.kernels));
    const compare = (what: string) =>
      jobs.forEach((job, index) => {
        const outputs = job(many.kernels);
        outputs.forEach((output, position) => {
          assert.deepEqual(output, expected[index]![position], `${what}: job ${index}, output ${position}`);
        });
      });
    compare('3 threads');
    // Worker 2 stopped: each job's 3 shares go to the caller and worker 1, whichever claims first.
    await workers[1]!.terminate();
    assert.equal(many.activeThreads(), 3, 'the pool still splits jobs in 3 shares');
    compare('one worker stopped');
    // Both stopped: the caller runs every share of every job.
    await workers[0]!.terminate();
    compare('both workers stopped');
  } finally {
    single.dispose();
    many.dispose();
  }
});

/**
 * Kernels of a training step above the threading threshold, each returning its outputs: the Winograd
 * forward (filter transformed per call), input and filter gradients, an im2col stride-2 convolution
 * with its input gradient, and bias gradients.
 */
function trainingJobs(random: Random): ((kernels: KernelTable) => Float32Array[])[] {
  const values = (count: number) => Float32Array.from({ length: count }, () => random.uniform() - 0.5);
  const convolution = (batch: number, size: number, inC: number, outC: number, stride: number) => {
    const params: Conv2DParams = {
      ...windowParams('case', batch, size, size, inC, { kH: 3, kW: 3, strideH: stride, strideW: stride, padding: 1 }),
      outC,
    };
    const input = values(batch * size * size * inC);
    const filter = values(9 * inC * outC);
    const bias = values(outC);
    const dOut = values(batch * params.outH * params.outW * outC);
    return (kernels: KernelTable) => {
      const output = new Float32Array(dOut.length);
      kernels.Conv2D(input, filter, bias, output, params, null);
      const dInput = new Float32Array(input.length);
      kernels.Conv2DBackpropInput(dOut, filter, dInput, params);
      const dFilter = new Float32Array(filter.length);
      kernels.Conv2DBackpropFilter(input, dOut, dFilter, params);
      const dBias = new Float32Array(outC);
      kernels.BiasAddGrad(dOut, dBias, { rows: dOut.length / outC, columns: outC });
      return [output, dInput, dFilter, dBias];
    };
  };
  return [convolution(4, 16, 64, 64, 1), convolution(3, 14, 36, 52, 2), convolution(2, 12, 96, 100, 1)];
}

test('a spinning thread that lost its core spins briefly for a second, then as long as before', () => {
  // Times far past any spin of this process, whose pool shares the state.
  const start = performance.now() + 1e9;
  assert.equal(spinIterations(start, start), SPIN_ITERATIONS);
  // Looks at the clock a few microseconds apart, or under a millisecond: the thread kept its core.
  assert.equal(spinIterations(start + 0.004, start), SPIN_ITERATIONS);
  assert.equal(spinIterations(start + 0.9, start), SPIN_ITERATIONS);
  // 3 ms between two looks: it lost its core.
  assert.equal(spinIterations(start + 103, start + 100), CONTENDED_SPIN_ITERATIONS);
  assert.equal(spinIterations(start + 600, start + 600), CONTENDED_SPIN_ITERATIONS);
  assert.equal(spinIterations(start + 1102.9, start + 1102.8), CONTENDED_SPIN_ITERATIONS);
  assert.equal(spinIterations(start + 1103, start + 1103), SPIN_ITERATIONS);
  assert.ok(CONTENDED_SPIN_ITERATIONS < SPIN_ITERATIONS);
});

/**
 * A module over a shared memory of one page whose export `countShare(job, share, shares)` adds 1 to the 32-bit
 * counter at byte `job + 4 * share` (atomically): each share's counter says how often it ran.
 */
function countingModule(): WebAssembly.Module {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // Types: (i32, i32, i32) -> ().
    0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00,
    // Imports: env.memory, shared, 1 page at least and at most.
    0x02, 0x10, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x01, 0x01,
    // Functions: one, of type 0; exports: that function, as countShare.
    0x03, 0x02, 0x01, 0x00, 0x07, 0x0e, 0x01, 0x0a, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x53, 0x68, 0x61, 0x72, 0x65, 0x00,
    0x00,
    // Body: i32.atomic.rmw.add(job + (share << 2), 1), the old value dropped.
    0x0a, 0x13, 0x01, 0x11, 0x00, 0x20, 0x00, 0x20, 0x01, 0x41, 0x02, 0x74, 0x6a, 0x41, 0x01, 0xfe, 0x1e, 0x02, 0x00,
    0x1a, 0x0b,
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}

// NOTE: a claim that fails for every thread hangs this test instead: the caller waits for a share nobody runs.
test('each share runs once across the generation wrap-arounds, and after the worker has slept', {
  skip: typeof SharedArrayBuffer === 'undefined' ? 'no SharedArrayBuffer here' : false,
}, async () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const counters = new Int32Array(memory.buffer);
  const pool = await ThreadPool.start(3, countingModule(), memory, ['countShare']);
  const { control } = pool as unknown as { control: Int32Array };
  // The caller runs a share as a worker does: the counter of (job, share).
  const jobAt = (index: number) => 64 * index;
  const runJob = (index: number, shares: number) =>
    pool.run(0, jobAt(index), shares, (share) => Atomics.add(counters, jobAt(index) / 4 + share, 1));
  const sharesOf = (index: number) => 2 + (index % 2);
  try {
    // A generation set by hand is a job with nothing to claim (the claim field belongs to the generation before).
    Atomics.store(control, CONTROL_GENERATION, 2 ** 31 - 4);
    for (let index = 0; index < 8; index++) runJob(index, sharesOf(index));
    Atomics.store(control, CONTROL_GENERATION, 2 ** 24 - 4);
    for (let index = 8; index < 16; index++) runJob(index, sharesOf(index));
    // Idle for longer than any spin: the workers sleep, and the next jobs wake them.
    for (let index = 16; index < 20; index++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      runJob(index, sharesOf(index));
    }
    for (let index = 0; index < 20; index++) {
      const expected = [1, 1, sharesOf(index) === 3 ? 1 : 0, 0];
      assert.deepEqual(Array.from(counters.subarray(jobAt(index) / 4, jobAt(index) / 4 + 4)), expected, `job ${index}`);
    }
    assert.equal(
      counters.subarray(jobAt(20) / 4).some((value) => value !== 0),
      false,
      'no share ran outside its job',
    );
  } finally {
    pool.stop();
  }
});
