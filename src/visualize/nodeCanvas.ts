// The canvas charts are drawn on in Node: @napi-rs/canvas (Skia, shipped prebuilt per platform, no
// install script). Loaded on first use, so programs that draw no chart never load the native module.

import { createRequire } from 'node:module';
import type { CanvasFactory } from './charts.js';

let createCanvas: ((width: number, height: number) => { getContext(kind: '2d'): unknown }) | null = null;

export const nodeCanvasFactory: CanvasFactory = (width, height) => {
  createCanvas ??= (createRequire(import.meta.url)('@napi-rs/canvas') as { createCanvas: NonNullable<typeof createCanvas> }).createCanvas;
  return createCanvas(width, height);
};
