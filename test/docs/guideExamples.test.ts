// Keeps the guides true: their relative links lead to files and headings that exist, every TypeScript
// and JavaScript block in docs/*.md, CONTRIBUTING.md and README.md must parse, and every block marked
// `<!-- example: runs ... -->` runs against the built package ('convnet-ts' resolves to this checkout)
// and exits cleanly; where the guide says "It prints:" with a text block after it, the output must be
// exactly that. The other blocks are fragments of a larger program (they use a `model` or `x` defined
// elsewhere), so only their syntax is checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { transformSync } from 'esbuild';
import { repoRoot } from '../helpers.js';

const RUNS_MARKER = '<!-- example: runs';
const EXAMPLE_TIMEOUT_MS = 180_000;

interface CodeBlock {
  file: string;
  line: number;
  language: string;
  code: string;
  isRunnable: boolean;
  expectedOutput: string | undefined;
}

/** The fenced blocks of a Markdown file, with the marker and the expected output of runnable ones. */
function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(repoRoot, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(\w*)/.exec(lines[index] ?? '');
    if (fence === null) continue;
    const start = index;
    const end = lines.indexOf('```', start + 1);
    assert.ok(end > start, `${file}:${start + 1}: a code block is never closed`);
    const isRunnable = (lines[start - 1] ?? '').startsWith(RUNS_MARKER);
    blocks.push({
      file,
      line: start + 1,
      language: fence[1] ?? '',
      code: lines.slice(start + 1, end).join('\n'),
      isRunnable,
      expectedOutput: undefined,
    });
    index = end;
  }
  // "It prints:" after a runnable block introduces the text block that follows it as its output.
  for (const [position, block] of blocks.entries()) {
    const next = blocks[position + 1];
    if (!block.isRunnable || next === undefined || next.language !== 'text') continue;
    const between = lines
      .slice(block.line + block.code.split('\n').length + 1, next.line - 1)
      .join('\n')
      .trim();
    if (between === 'It prints:') block.expectedOutput = next.code;
  }
  return blocks;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces made hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The relative links of a Markdown file that lead nowhere: a missing file, or a missing heading. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const broken: string[] = [];
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const linked = path === '' ? file : join(dirname(file), path);
    if (!existsSync(join(repoRoot, linked))) {
      broken.push(`${file}: ${target} (no such file)`);
    } else if (anchor !== undefined && linked.endsWith('.md')) {
      const headings = readFileSync(join(repoRoot, linked), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('#'));
      if (!headings.some((line) => headingAnchor(line.replace(/^#+/, '')) === anchor))
        broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  return broken;
}

const guides = readdirSync(join(repoRoot, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const blocks = [...guides, 'CONTRIBUTING.md', 'README.md'].flatMap(codeBlocks);
const scripts = blocks.filter((block) => ['ts', 'js'].includes(block.language));

describe('guides: links and code examples', () => {
  test('the guides exist and hold runnable examples', () => {
    assert.ok(guides.length >= 8, `docs/ holds ${guides.length} guides`);
    assert.ok(scripts.filter((block) => block.isRunnable).length >= 4, 'fewer than 4 runnable examples');
  });

  test('relative links lead to files and headings that exist', () => {
    assert.deepEqual([...guides, 'CONTRIBUTING.md', 'README.md'].flatMap(brokenLinks), []);
  });

  test('every TypeScript and JavaScript block parses', () => {
    for (const block of scripts) {
      assert.doesNotThrow(
        () => transformSync(block.code, { loader: block.language === 'ts' ? 'ts' : 'js', format: 'esm' }),
        `${block.file}:${block.line} does not parse`,
      );
    }
  });

  const examplesFolder = join(repoRoot, 'dist', 'test', 'docs', 'examples');
  // A block whose code another runnable block already ran is checked against that run: the examples are seeded, so
  // a second run prints the same (README.md's training example is getting-started.md's: 2.7 to 7 s a run here).
  const runs = new Map<string, { status: number | null; stdout: string; stderr: string; where: string }>();
  for (const block of scripts.filter((candidate) => candidate.isRunnable)) {
    test(`${block.file}:${block.line} runs`, (context) => {
      let result = runs.get(block.code);
      if (result === undefined) {
        mkdirSync(examplesFolder, { recursive: true });
        const script = join(examplesFolder, `${block.file.replace(/[/.]/g, '-')}-${block.line}.mjs`);
        writeFileSync(script, transformSync(block.code, { loader: 'ts', format: 'esm' }).code);
        const run = spawnSync(process.execPath, [script], {
          cwd: repoRoot,
          encoding: 'utf8',
          timeout: EXAMPLE_TIMEOUT_MS,
        });
        result = { status: run.status, stdout: run.stdout, stderr: run.stderr, where: `${block.file}:${block.line}` };
        runs.set(block.code, result);
      } else {
        context.diagnostic(`the same code as ${result.where}: its run is checked`);
      }
      assert.equal(result.status, 0, `${block.file}:${block.line} failed:\n${result.stderr}`);
      if (block.expectedOutput !== undefined) assert.equal(result.stdout.trim(), block.expectedOutput.trim());
    });
  }
});
