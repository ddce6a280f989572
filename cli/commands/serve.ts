// `convnet serve`: serves the visual explorer (the Vite build in dist/web) over HTTP. Local by
// default (127.0.0.1). With cross-origin isolation (COOP + COEP headers) the page gets
// SharedArrayBuffer and the WebAssembly backend runs on all cores; --no-isolation serves without
// them, and the page runs on one thread. Only regular files inside the served folder are sent: a
// path that climbs out of it, or a symbolic link that points out of it, is answered 404.

import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../usageError.js';

/** dist/web, built by `npm run build` beside this file's dist/cli. */
export const EXPLORER_DIRECTORY = fileURLToPath(new URL('../../web/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
  '.map': 'application/json',
};

export interface ExplorerServerOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Send the cross-origin isolation headers; default true. */
  isolation?: boolean;
  /** Folder to serve; default the built explorer. */
  directory?: string;
}

export interface ExplorerServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Whether `path` is `directory` or lies below it. */
function isInside(directory: string, path: string): boolean {
  return path === directory || path.startsWith(directory.endsWith(sep) ? directory : directory + sep);
}

/**
 * The file under `directory` that a request's target names, or null for a path that leaves it or a
 * target that is no URL (`GET http://[ HTTP/1.1` must not throw in the handler: that would end the process).
 */
function resolveFile(directory: string, requestTarget: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(new URL(requestTarget, 'http://localhost').pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^[/\\]+/, '');
  const file = join(directory, relative);
  return isInside(directory, file) ? file : null;
}

/**
 * The real path of the regular file `file` names, or null where it is missing or, links followed, not inside
 * `realDirectory`.
 */
async function servableFile(realDirectory: string, file: string | null): Promise<string | null> {
  if (file === null) return null;
  try {
    const real = await realpath(file);
    return isInside(realDirectory, real) && (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

/** Starts serving; resolves once listening. Throws UsageError if the explorer is not built or the port is taken. */
export async function startExplorerServer(options: ExplorerServerOptions = {}): Promise<ExplorerServer> {
  const directory = options.directory ?? EXPLORER_DIRECTORY;
  const host = options.host ?? '127.0.0.1';
  const isolation = options.isolation ?? true;
  let realDirectory: string;
  try {
    await stat(join(directory, 'index.html'));
    realDirectory = await realpath(directory);
  } catch {
    throw new UsageError(`the explorer is not built (no index.html in ${directory}); run npm run build`);
  }
  const server = createServer(async (request, response) => {
    const headers: Record<string, string> = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
    if (isolation) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
      return;
    }
    const file = await servableFile(realDirectory, resolveFile(directory, request.url ?? '/'));
    try {
      if (file === null) throw new Error('not a file');
      const body = await readFile(file);
      response.writeHead(200, {
        ...headers,
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': String(body.length),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UsageError(`port ${options.port} on ${host} is in use; choose another with --port`)
          : error.code === 'EADDRNOTAVAIL'
            ? new UsageError(`cannot listen on ${host}: no such address here`)
            : error,
      );
    });
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The CLI command: serves until interrupted (Ctrl+C). */
export async function serve(options: { port: number; host: string; isolation: boolean }): Promise<void> {
  const explorer = await startExplorerServer(options);
  console.log(`ConvNet.ts explorer: ${explorer.url}`);
  console.log(
    options.isolation
      ? 'cross-origin isolated: the WebAssembly backend runs on all cores'
      : 'served without cross-origin isolation: the WebAssembly backend runs on one thread',
  );
  if (options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1')
    console.log(`listening on ${options.host}: other machines can reach it`);
  console.log('Ctrl+C stops it');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void explorer.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
