// The canvas charts are drawn on in Node: @napi-rs/canvas (Skia, shipped prebuilt per platform, no
// install script). An optional peer dependency (35 MB installed), so only programs that draw charts in
// Node install it; loaded on first use, and missing, a MissingPackageError says how to install it.

import { createRequire } from 'node:module';
import { MissingPackageError } from '../core/errors.js';
import type { CanvasFactory } from './charts.js';

type CreateCanvas = (width: number, height: number) => { getContext(kind: '2d'): unknown };

/** A canvas factory from a package exporting `createCanvas`, loaded on the first canvas (tests name a missing one). */
export function canvasFactoryFromPackage(packageName: string): CanvasFactory {
  let createCanvas: CreateCanvas | null = null;
  return (width, height) => {
    if (createCanvas === null) {
      try {
        createCanvas = (createRequire(import.meta.url)(packageName) as { createCanvas: CreateCanvas }).createCanvas;
      } catch (error) {
        const code = (error as { code?: string | undefined }).code;
        if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
        throw new MissingPackageError(
          packageName,
          `charts in Node draw on ${packageName}, which is not installed: npm install ${packageName}`,
        );
      }
    }
    return createCanvas(width, height);
  };
}

/** Node's canvas for charts: @napi-rs/canvas. */
export const nodeCanvasFactory: CanvasFactory = canvasFactoryFromPackage('@napi-rs/canvas');
