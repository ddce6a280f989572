// Builds the visual explorer into dist/web, which `convnet serve` serves. The page uses the library
// as a user's app would: 'convnet-ts' is the compiled browser entry (dist/src/browser.js), whose
// WebAssembly files and kernel worker Vite finds through their `new URL(..., import.meta.url)`.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    alias: [{ find: 'convnet-ts', replacement: fileURLToPath(new URL('../dist/src/browser.js', import.meta.url)) }],
  },
  // The page awaits ready() (the library's backend start) at its top level.
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    assetsInlineLimit: 0,
  },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
