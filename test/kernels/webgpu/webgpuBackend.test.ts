// The WebGPU backend's bookkeeping, in Node on a recording fake device (no WebGPU here): scopes free
// their buffers, a kept tensor's buffer survives its scope, a buffer freed while a batch is recorded
// goes back to the pool only after the submit, a write during a batch is copied in by the batch, the
// argmax stand-in maps to a GPU buffer, and dataSync() throws SyncReadError. The kernels and a whole
// training run are checked on a real adapter in test/browser/webgpuBackend.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SyncReadError } from '../../../src/core/errors.js';
import { Tensor, transferCounts } from '../../../src/core/tensor.js';
import { registerBackend, setBackend, withScope } from '../../../src/kernels/registry.js';
import { BufferPool } from '../../../src/kernels/webgpu/bufferPool.js';
import type { WebGpuContext } from '../../../src/kernels/webgpu/device.js';
import type { GpuBuffer, GpuDevice } from '../../../src/kernels/webgpu/gpuTypes.js';
import { createWebGpuBackend, GpuHandle } from '../../../src/kernels/webgpu/webgpuBackend.js';
import { Dense } from '../../../src/layers/dense.js';
import { Input } from '../../../src/layers/input.js';
import { Softmax } from '../../../src/layers/softmax.js';
import { Sequential } from '../../../src/model/sequential.js';
import { relu } from '../../../src/ops/activations.js';

/** A device that records writes, copies, bound buffers and submits, and computes nothing. */
function fakeContext() {
  const log = {
    submits: 0,
    writes: [] as GpuBuffer[],
    copies: [] as { source: GpuBuffer; destination: GpuBuffer }[],
    bound: [] as GpuBuffer[],
  };
  const device = {
    limits: {
      maxStorageBufferBindingSize: 1 << 27,
      maxBufferSize: 1 << 28,
      maxComputeWorkgroupsPerDimension: 65535,
      maxComputeWorkgroupStorageSize: 16384,
    },
    lost: new Promise(() => {}),
    queue: {
      submit: () => void log.submits++,
      writeBuffer: (buffer: GpuBuffer) => void log.writes.push(buffer),
      onSubmittedWorkDone: async () => {},
    },
    createBuffer: (descriptor: { size: number; usage: number }) => ({ ...descriptor, destroy: () => {} }),
    createShaderModule: () => ({}),
    createComputePipeline: () => ({ getBindGroupLayout: () => ({}) }),
    createBindGroup: (descriptor: { entries: { resource: { buffer: GpuBuffer } }[] }) => {
      for (const entry of descriptor.entries) log.bound.push(entry.resource.buffer);
      return {};
    },
    createCommandEncoder: () => ({
      beginComputePass: () => ({ setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {}, end() {} }),
      copyBufferToBuffer: (source: GpuBuffer, _sourceOffset: number, destination: GpuBuffer) =>
        void log.copies.push({ source, destination }),
      finish: () => ({}),
    }),
    pushErrorScope: () => {},
    popErrorScope: async () => null,
    destroy: () => {},
  } as unknown as GpuDevice;
  const context: WebGpuContext = {
    device,
    adapterName: 'fake',
    pool: new BufferPool(device),
    pipelines: new Map(),
  };
  return { context, log };
}

describe('WebGPU backend bookkeeping (fake device)', () => {
  test('a scope frees its buffers when it closes; a kept handle survives it', () => {
    const { context } = fakeContext();
    const backend = createWebGpuBackend(context);
    const mark = backend.openScope!();
    const temporary = backend.allocate('float32', 16);
    const kept = backend.allocate('float32', 16);
    assert.equal(backend.isScopeTemporary!(temporary, mark), true);
    backend.keep!(kept);
    assert.equal(backend.isScopeTemporary!(kept, mark), false);
    backend.closeScope!(mark);
    // The freed buffer is handed out again; the kept one is not.
    const next = backend.allocate('float32', 16);
    assert.equal(next.buffer, temporary.buffer);
    assert.notEqual(next.buffer, kept.buffer);
    assert.equal(backend.allocate('float32', 16).buffer === kept.buffer, false);
  });

  test('a buffer freed while a batch is recorded goes back to the pool after its submit', () => {
    const { context, log } = fakeContext();
    const backend = createWebGpuBackend(context);
    const input = backend.allocate('float32', 64);
    const output = backend.allocate('float32', 64);
    backend.kernels.Relu!(input, output, { size: 64 });
    assert.ok(log.bound.includes(input.buffer) && log.bound.includes(output.buffer));
    backend.device!.free!(input);
    assert.notEqual(backend.allocate('float32', 64).buffer, input.buffer, 'not reused inside the batch');
    backend.flush();
    assert.equal(log.submits, 1);
    assert.equal(backend.allocate('float32', 64).buffer, input.buffer, 'reused after the submit');
    assert.deepEqual(backend.counts, { kernels: 1, submits: 1, reads: 0 });
  });

  test('a write during a batch is copied in by the batch; outside one it is a queued write', () => {
    const { context, log } = fakeContext();
    const backend = createWebGpuBackend(context);
    const weights = backend.allocate('float32', 4);
    const output = backend.allocate('float32', 4);
    backend.device!.write!(weights, new Float32Array([1, 2, 3, 4]));
    assert.deepEqual(log.writes, [weights.buffer]);
    backend.kernels.Relu!(weights, output, { size: 4 });
    backend.device!.write!(weights, new Float32Array([5, 6, 7, 8]));
    assert.equal(log.copies.length, 1);
    assert.equal(log.copies[0]!.destination, weights.buffer);
    assert.equal(log.writes.includes(log.copies[0]!.source), true, 'the values went to a staging buffer');
    assert.equal(log.writes.filter((buffer) => buffer === weights.buffer).length, 1);
  });

  test("max-pool's argmax: an empty Int32Array that stands for a GPU buffer", () => {
    const { context, log } = fakeContext();
    const backend = createWebGpuBackend(context);
    const argmax = backend.allocateIndices!(8);
    assert.equal(argmax.length, 0);
    const input = backend.allocate('float32', 32);
    const output = backend.allocate('float32', 8);
    const params = {
      batch: 1,
      inH: 4,
      inW: 4,
      inC: 2,
      outH: 2,
      outW: 2,
      kH: 2,
      kW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
      padBottom: 0,
      padRight: 0,
    };
    backend.kernels.MaxPool2D!(input, output, argmax, params as never);
    const bound = new Set(log.bound);
    assert.equal(bound.size, 4, 'the params uniform, input, output and an index buffer');
    assert.throws(() => backend.kernels.MaxPool2D!(input, output, new Int32Array(8), params as never), /index buffer/);
  });

  test('on the seam: ops dispatch to it, dataSync() throws SyncReadError, float64 is refused, fit and evaluate say to await', () => {
    const { context } = fakeContext();
    const backend = createWebGpuBackend(context);
    registerBackend(backend);
    setBackend('webgpu');
    const x = Tensor.fromArray([-1, 2, -3, 4], [4]);
    const y = withScope(() => relu(relu(x)));
    assert.equal(transferCounts().uploads, 1, 'x uploaded once');
    assert.throws(() => y.dataSync(), SyncReadError);
    assert.ok(backend.counts.kernels === 2 && backend.counts.submits === 1, JSON.stringify(backend.counts));
    assert.ok((y as unknown as { storage: { handle: unknown } }).storage.handle instanceof GpuHandle);
    assert.throws(() => relu(Tensor.fromArray([1], [1], 'float64')), /float32 only/);
    // What needs a synchronous read says which asynchronous form to use.
    const model = new Sequential([new Input({ shape: [2] }), new Dense({ units: 2 }), new Softmax()], { seed: 1 });
    const examples = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
    assert.throws(
      () => model.fit(examples, [0, 1]),
      /backend 'webgpu' reads values back only asynchronously.*fitAsync/,
    );
    assert.throws(() => model.evaluate(examples, [0, 1]), /evaluateAsync/);
  });
});
