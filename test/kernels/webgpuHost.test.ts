// The host side of the WebGPU kernels, in Node on a recording fake device (no WebGPU here): the
// adapter probe and its typed error, the buffer pool's size classes and reuse, the params uniform's
// bytes and WGSL struct from one field list, the workgroup grid, the pipeline cache, and the
// KernelEncoder's one submit per batch. The kernels themselves run in test/browser/webgpuKernels.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KERNEL_IDS } from '../../src/kernels/ids.js';
import { BufferPool, sizeClass } from '../../src/kernels/webgpu/bufferPool.js';
import { createWebGpuContext, WebGpuUnavailableError } from '../../src/kernels/webgpu/device.js';
import type { Gpu, GpuBuffer, GpuDevice } from '../../src/kernels/webgpu/gpuTypes.js';
import {
  KernelEncoder,
  pipelineFor,
  uniformBytes,
  uniformDeclaration,
  workgroupGrid,
} from '../../src/kernels/webgpu/kernelEncoder.js';
import { WEBGPU_KERNELS } from '../../src/kernels/webgpu/webgpuKernels.js';

/** A device that records what it is asked to do and does nothing. */
function fakeDevice() {
  const log = { buffers: [] as { size: number; usage: number }[], shaders: 0, submits: 0, writes: 0 };
  const limits = {
    maxStorageBufferBindingSize: 1 << 27,
    maxBufferSize: 1 << 28,
    maxComputeWorkgroupsPerDimension: 65535,
    maxComputeWorkgroupStorageSize: 16384,
  };
  const device = {
    limits,
    lost: new Promise(() => {}),
    queue: {
      submit: () => void log.submits++,
      writeBuffer: () => void log.writes++,
      onSubmittedWorkDone: async () => {},
    },
    createBuffer: (descriptor: { size: number; usage: number }) => {
      log.buffers.push(descriptor);
      return { ...descriptor, destroy: () => {} } as unknown as GpuBuffer;
    },
    createShaderModule: () => {
      log.shaders++;
      return {};
    },
    createComputePipeline: () => ({ getBindGroupLayout: () => ({}) }),
    createBindGroup: () => ({}),
    createCommandEncoder: () => ({ finish: () => ({}) }),
    pushErrorScope: () => {},
    popErrorScope: async () => null,
    destroy: () => {},
  } as unknown as GpuDevice;
  return { device, log, limits };
}

describe('WebGPU host side', () => {
  test('createWebGpuContext: WebGpuUnavailableError without navigator.gpu (Node) and without an adapter', async () => {
    await assert.rejects(createWebGpuContext(), (error: unknown) => {
      assert.ok(error instanceof WebGpuUnavailableError);
      assert.equal(error.name, 'WebGpuUnavailableError');
      assert.match(error.message, /navigator\.gpu is missing/);
      return true;
    });
    const noAdapter: Gpu = { requestAdapter: async () => null };
    await assert.rejects(createWebGpuContext({ gpu: noAdapter }), /found no adapter.*--use-webgpu-adapter=swiftshader/);
  });

  test('createWebGpuContext names the adapter and asks for its storage limits', async () => {
    const { device, limits } = fakeDevice();
    let requested: Record<string, number> | undefined;
    const gpu: Gpu = {
      requestAdapter: async () => ({
        info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '' },
        limits,
        requestDevice: async (descriptor) => {
          requested = descriptor?.requiredLimits;
          return device;
        },
      }),
    };
    const context = await createWebGpuContext({ gpu });
    assert.equal(context.adapterName, 'google swiftshader');
    assert.deepEqual(requested, { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 1 << 28 });
  });

  test('sizeClass: the next power of two, at least 256 bytes', () => {
    assert.deepEqual([0, 1, 256, 257, 1000, 1024, 1025].map(sizeClass), [256, 256, 256, 512, 1024, 1024, 2048]);
  });

  test('BufferPool reuses a released buffer of the same kind and size class, never one of another', () => {
    const { device, log } = fakeDevice();
    const pool = new BufferPool(device);
    const first = pool.acquire(1000);
    assert.equal(first.size, 1024);
    pool.release(first);
    assert.equal(pool.acquire(700), first, 'same class (1024) reused');
    pool.release(first);
    assert.notEqual(pool.acquire(1000, 'uniform'), first, 'another kind is another buffer');
    assert.notEqual(pool.acquire(2000), first, 'another class is another buffer');
    assert.deepEqual(pool.counts, { created: 3, reused: 1 });
    assert.deepEqual(
      log.buffers.map((buffer) => buffer.usage),
      [0x80 | 0x04 | 0x08, 0x40 | 0x08, 0x80 | 0x04 | 0x08],
    );
  });

  test('uniformBytes and uniformDeclaration come from one field list: 4 bytes a field, padded to 16', () => {
    const fields = [
      ['rows', 'u32', 3],
      ['offset', 'i32', -2],
      ['scale', 'f32', 0.5],
      ['high', 'f32', Infinity],
      ['count', 'u32', 7],
    ] as const;
    const bytes = uniformBytes(fields);
    assert.equal(bytes.byteLength, 32);
    const view = new DataView(bytes);
    assert.deepEqual(
      [view.getUint32(0, true), view.getInt32(4, true), view.getFloat32(8, true), view.getFloat32(12, true)],
      [3, -2, 0.5, Infinity],
    );
    assert.equal(view.getUint32(16, true), 7);
    assert.equal(
      uniformDeclaration(fields),
      'struct Params {\n  rows: u32,\n  offset: i32,\n  scale: f32,\n  high: f32,\n  count: u32,\n}\n' +
        '@group(0) @binding(0) var<uniform> params: Params;\n',
    );
  });

  test('workgroupGrid: one axis up to 65,535 workgroups, then a second', () => {
    assert.deepEqual(workgroupGrid(0), [1, 1]);
    assert.deepEqual(workgroupGrid(65535), [65535, 1]);
    assert.deepEqual(workgroupGrid(65536), [65535, 2]);
    assert.deepEqual(workgroupGrid(200000), [65535, 4]);
  });

  test('pipelineFor compiles a variant once; KernelEncoder submits once and then returns its uniforms', async () => {
    const { device, log, limits } = fakeDevice();
    const gpu: Gpu = { requestAdapter: async () => ({ limits, requestDevice: async () => device }) };
    const context = await createWebGpuContext({ gpu });
    assert.equal(context.adapterName, 'unknown adapter');
    const source = () => 'fn main() {}';
    const pipeline = pipelineFor(context, 'Relu', source);
    assert.equal(pipelineFor(context, 'Relu', source), pipeline);
    pipelineFor(context, 'Sigmoid', source);
    assert.equal(log.shaders, 2);
    const encoder = new KernelEncoder(context);
    const uniform = encoder.uniform(new ArrayBuffer(16));
    encoder.uniform(new ArrayBuffer(16));
    assert.equal(log.submits, 0);
    encoder.submit();
    assert.equal(log.submits, 1);
    assert.throws(() => encoder.submit(), /submitted twice/);
    const reused = context.pool.acquire(16, 'uniform');
    assert.ok(reused === uniform || context.pool.counts.reused === 1, 'a uniform of the submitted batch is reused');
  });

  test('WEBGPU_KERNELS has one kernel for every kernel id, and nothing else', () => {
    assert.deepEqual(Object.keys(WEBGPU_KERNELS).sort(), [...KERNEL_IDS].sort());
  });
});
