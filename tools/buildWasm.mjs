// Compiles the AssemblyScript kernels (assembly/) to the four WebAssembly builds the backend picks
// from at load time: plain or relaxed SIMD (fused multiply-add), each with unshared memory or with
// shared memory for threads. Output: dist/wasm/convnet-{simd,relaxed}[-threads].wasm. First writes
// assembly/jobFields.ts, the job records' field numbers, and src/kernels/wasm/jobShapes.ts from
// src/kernels/wasm/jobLayout.ts.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { generateJobFiles } from './generateJobFields.mjs';

await generateJobFiles();

mkdirSync('dist/wasm', { recursive: true });
const builds = [
  { name: 'convnet-simd', features: ['simd'], isShared: false },
  { name: 'convnet-relaxed', features: ['simd', 'relaxed-simd'], isShared: false },
  { name: 'convnet-simd-threads', features: ['simd', 'threads'], isShared: true },
  { name: 'convnet-relaxed-threads', features: ['simd', 'relaxed-simd', 'threads'], isShared: true },
];
for (const build of builds) {
  const { error, stderr } = await asc.main([
    'assembly/index.ts',
    '--outFile',
    `dist/wasm/${build.name}.wasm`,
    '--enable',
    build.features.join(','),
    '--runtime',
    'stub',
    '-O3',
    '--noAssert',
    '--importMemory',
    ...(build.isShared ? ['--sharedMemory'] : []),
    '--initialMemory',
    '2',
    '--maximumMemory',
    '65536',
  ]);
  if (error) {
    console.error(stderr.toString());
    throw error;
  }
}
console.log(`built ${builds.length} WebAssembly kernel builds in dist/wasm`);
