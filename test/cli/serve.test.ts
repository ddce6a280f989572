// `convnet serve`: listens on 127.0.0.1 by default, prints its URL, serves the explorer with the
// cross-origin isolation headers (or without, with --no-isolation), and stops cleanly on SIGTERM.
// The server sends only regular files inside its folder (no way out by .., %2e%2e or a symbolic
// link) and survives a request target that is no URL.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startExplorerServer } from '../../cli/commands/serve.js';
import { repoRoot } from '../helpers.js';

const CLI = join(repoRoot, 'bin', 'convnet.js');

/** Starts `convnet serve ...args` and resolves with the URL it prints and the process. */
function startServe(...args: string[]): Promise<{ url: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: repoRoot });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /explorer: (http:\/\/\S+)/.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({
          url,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

describe('convnet serve', () => {
  test('serves the explorer on 127.0.0.1 with the isolation headers, and stops on SIGTERM', async () => {
    const server = await startServe();
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
      const html = await page.text();
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script !== undefined, 'the page loads a built script');
      const asset = await fetch(new URL(script, server.url));
      assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
      const port = new URL(server.url).port;
      const taken = spawnSync(process.execPath, [CLI, 'serve', '--port', port], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(taken.status, 2);
      assert.match(taken.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use; choose another with --port`));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('--no-isolation leaves the headers out', async () => {
    const server = await startServe('--no-isolation');
    try {
      const page = await fetch(server.url);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cross-origin-opener-policy'), null);
      assert.equal(page.headers.get('cross-origin-embedder-policy'), null);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test(
    'only regular files inside the folder are served: links and paths out of it are 404, a bad target ' +
      'does not stop it',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'convnet-serve-'));
      const site = join(root, 'site');
      mkdirSync(join(site, 'assets'), { recursive: true });
      writeFileSync(join(site, 'index.html'), '<!doctype html><title>explorer</title>');
      writeFileSync(join(site, 'assets', 'app.js'), 'export {};');
      writeFileSync(join(root, 'secret.txt'), 'outside the served folder');
      symlinkSync(join(root, 'secret.txt'), join(site, 'secret.txt'));
      symlinkSync(root, join(site, 'parent'));
      symlinkSync(join(site, 'assets', 'app.js'), join(site, 'alias.js'));
      const server = await startExplorerServer({ port: 0, directory: site });
      try {
        assert.equal((await fetch(server.url)).status, 200);
        // A link that stays inside the folder is served like its target.
        assert.equal(await (await fetch(new URL('alias.js', server.url))).text(), 'export {};');
        for (const path of [
          '/secret.txt',
          '/parent/secret.txt',
          '/../secret.txt',
          '/%2e%2e/secret.txt',
          '/assets/../../secret.txt',
          '/assets',
          '/assets/',
        ]) {
          assert.equal((await fetch(new URL(path, server.url))).status, 404, path);
        }
        // A request target that is no URL: answered, and the server goes on.
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () =>
            socket.write('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
          );
          let text = '';
          socket.on('data', (chunk) => (text += chunk.toString()));
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        assert.match(reply, /^HTTP\/1\.1 404 /);
        assert.equal((await fetch(server.url)).status, 200);
      } finally {
        await server.close();
        rmSync(root, { recursive: true, force: true });
      }
    },
  );

  test('a bad port is a usage error', () => {
    const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '70000'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /must be a port number from 0 to 65535/);
  });
});
