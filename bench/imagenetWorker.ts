// One long-lived library process of `npm run bench:imagenet`: `node dist/bench/imagenetWorker.js <library>
// <threads>` starts the library, prints a hello line, then answers bench/imagenetProtocol.ts requests on stdin.
// Memory: every WebAssembly.Memory the library makes is recorded (the constructor and instance exports are
// watched from before the library loads); the process's own figures before any model are the base.
// Limits: stdout carries the protocol only; the libraries' own console output is sent to stderr.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ImagenetMode } from './imagenetModels.js';
import { batchOf, readInputBytes } from './imagenetModels.js';
import {
  WORKER_LIBRARIES,
  type MemoryReport,
  type WorkerHello,
  type WorkerLibrary,
  type WorkerReply,
  type WorkerRequest,
} from './imagenetProtocol.js';
import { UnsupportedError, type ImagenetRunner, type InputBatches } from './imagenetRunners.js';

const memories = new Set<WebAssembly.Memory>();

/** Records every wasm memory made in this thread: constructed in JS, or made and exported by a module. */
function watchWasmMemories(): void {
  const OriginalMemory = WebAssembly.Memory;
  const RecordingMemory = function (this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    const memory = new OriginalMemory(descriptor);
    memories.add(memory);
    return memory;
  } as unknown as typeof WebAssembly.Memory;
  RecordingMemory.prototype = OriginalMemory.prototype;
  WebAssembly.Memory = RecordingMemory;
  const recordExports = (instance: WebAssembly.Instance): void => {
    for (const value of Object.values(instance.exports)) if (value instanceof OriginalMemory) memories.add(value);
  };
  const originalInstantiate = WebAssembly.instantiate.bind(WebAssembly) as (...parts: unknown[]) => Promise<unknown>;
  WebAssembly.instantiate = (async (...parts: unknown[]) => {
    const result = await originalInstantiate(...parts);
    const instance =
      result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
    recordExports(instance);
    return result;
  }) as typeof WebAssembly.instantiate;
  const originalInstantiateStreaming = WebAssembly.instantiateStreaming?.bind(WebAssembly);
  if (originalInstantiateStreaming !== undefined) {
    WebAssembly.instantiateStreaming = (async (...parts: Parameters<typeof WebAssembly.instantiateStreaming>) => {
      const result = await originalInstantiateStreaming(...parts);
      recordExports(result.instance);
      return result;
    }) as typeof WebAssembly.instantiateStreaming;
  }
}

function wasmMemoryBytes(): number | null {
  if (memories.size === 0) return null;
  let total = 0;
  for (const memory of memories) total += memory.buffer.byteLength;
  return total;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface ProcessMemory {
  javascript: number;
  resident: number;
}

function processMemory(): ProcessMemory {
  collectGarbage();
  const usage = process.memoryUsage();
  return { javascript: usage.heapUsed + usage.arrayBuffers, resident: usage.rss };
}

async function createRunner(library: WorkerLibrary, threads: number): Promise<ImagenetRunner> {
  switch (library) {
    case 'convnet':
      return (await import('./imagenetRunners.js')).createConvnetRunner(threads);
    case 'onnxruntime-web':
      return (await import('./imagenetRunners.js')).createOnnxruntimeWebRunner(threads);
    case 'onnxruntime-node':
      return (await import('./imagenetRunners.js')).createOnnxruntimeNodeRunner(threads);
    case 'tfjs-wasm':
      return (await import('./tfjsImagenet.js')).createTfjsWasmRunner(threads);
  }
}

function inputBatches(file: string): InputBatches {
  const bytes = readFileSync(file);
  const cache = new Map<ImagenetMode, { pixels: Float32Array; labels: Int32Array }>();
  const read = (mode: ImagenetMode): { pixels: Float32Array; labels: Int32Array } => {
    let entry = cache.get(mode);
    if (entry === undefined) {
      entry = readInputBytes(bytes, batchOf(mode));
      cache.set(mode, entry);
    }
    return entry;
  };
  return { pixels: (mode) => read(mode).pixels, labels: (mode) => read(mode).labels };
}

async function answer(runner: ImagenetRunner, request: WorkerRequest, base: ProcessMemory): Promise<WorkerReply> {
  switch (request.command) {
    case 'load':
      await runner.load(request.model, readFileSync(request.onnxFile), inputBatches(request.inputFile));
      return { id: request.id, ok: true, note: runner.note };
    case 'measure': {
      for (let index = 0; index < request.warmup; index++) await runner.run(request.model, request.mode);
      const milliseconds: number[] = [];
      for (let index = 0; index < request.repetitions; index++) {
        const started = performance.now();
        await runner.run(request.model, request.mode);
        milliseconds.push(performance.now() - started);
      }
      return { id: request.id, ok: true, milliseconds };
    }
    case 'unload':
      await runner.unload(request.model);
      return { id: request.id, ok: true };
    case 'memory': {
      const now = processMemory();
      const memory: MemoryReport = {
        wasmMemoryBytes: wasmMemoryBytes(),
        wasmPeakInUseBytes: runner.wasmPeakInUseBytes(),
        javascriptGrowthBytes: now.javascript - base.javascript,
        residentGrowthBytes: now.resident - base.resident,
        peakResidentGrowthBytes: process.resourceUsage().maxRSS * 1024 - base.resident,
      };
      return { id: request.id, ok: true, memory };
    }
    case 'exit':
      return { id: request.id, ok: true };
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

async function main(): Promise<void> {
  const [library, threadsArgument] = process.argv.slice(2);
  const threads = Number(threadsArgument);
  if (!WORKER_LIBRARIES.includes(library as WorkerLibrary) || !(threads >= 1)) {
    process.stderr.write(`usage: node dist/bench/imagenetWorker.js <${WORKER_LIBRARIES.join('|')}> <threads>\n`);
    process.exit(2);
  }
  // The protocol owns stdout: whatever the libraries print goes to stderr.
  const writeReply = process.stdout.write.bind(process.stdout);
  console.log = (...parts: unknown[]) => console.error(...parts);
  console.info = console.log;
  watchWasmMemories();
  const runner = await createRunner(library as WorkerLibrary, threads);
  const base = processMemory();
  const hello: WorkerHello = { hello: true, library: runner.library, threads: runner.threads, note: runner.note };
  writeReply(`${JSON.stringify(hello)}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as WorkerRequest;
    let reply: WorkerReply;
    try {
      reply = await answer(runner, request, base);
    } catch (error) {
      reply = {
        id: request.id,
        ok: false,
        error: errorText(error),
        ...(error instanceof UnsupportedError ? { isUnsupported: true } : {}),
      };
    }
    writeReply(`${JSON.stringify(reply)}\n`);
    if (request.command === 'exit') break;
  }
  // Worker pools of some libraries would keep the process alive.
  process.exit(0);
}

await main();
