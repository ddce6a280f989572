// The figures of `npm run bench:browser` (bench/browserDriver.ts) from the page's per-round samples, and the
// printed table: one row per model and mode; each library's median over rounds, each peer's median per-round
// ratio to its ConvNet.ts counterpart (GPU peers to ConvNet.ts webgpu, the CPU peer to ConvNet.ts wasm) with
// the ratios' range. Pure functions; test/bench/browserBench.test.ts checks them on hand-worked numbers.

import type {
  AdapterDescription,
  BrowserFailure,
  BrowserFigure,
  BrowserLibraryId,
  BrowserMode,
} from './browser/protocol.js';
import { formatValue } from './results.js';
import { roundRatios, spreadOf, type Direction, type Spread } from './rounds.js';

/** Column order of the table, with each library's title. */
export const BROWSER_LIBRARIES: readonly { id: BrowserLibraryId; title: string }[] = [
  { id: 'convnet-webgpu', title: 'ConvNet.ts webgpu' },
  { id: 'convnet-wasm', title: 'ConvNet.ts wasm' },
  { id: 'tfjs-webgpu', title: 'TF.js webgpu' },
  { id: 'ort-webgpu', title: 'ort-web webgpu' },
  { id: 'ort-wasm', title: 'ort-web wasm' },
];

/** The ConvNet.ts backend each peer is compared with: the same kind of hardware. */
export const BASELINE_OF: Readonly<Partial<Record<BrowserLibraryId, BrowserLibraryId>>> = {
  'tfjs-webgpu': 'convnet-webgpu',
  'ort-webgpu': 'convnet-webgpu',
  'ort-wasm': 'convnet-wasm',
};

export interface BrowserSummary extends BrowserFigure {
  /** Median and spread over the rounds; null when no round gave a figure. */
  summary: Spread | null;
}

export interface BrowserRatio {
  model: string;
  mode: BrowserMode;
  peer: BrowserLibraryId;
  baseline: BrowserLibraryId;
  /** ConvNet.ts speed / peer speed per round (latency: peer ms / ConvNet.ts ms): above 1, ConvNet.ts is faster. */
  rounds: number[];
  summary: Spread | null;
}

function directionOf(mode: BrowserMode): Direction {
  return mode === 'latency' ? 'lower-is-better' : 'higher-is-better';
}

export function summarizeFigures(figures: readonly BrowserFigure[]): BrowserSummary[] {
  return figures.map((figure) => ({
    ...figure,
    summary: spreadOf(figure.rounds.filter((value): value is number => value !== null)),
  }));
}

/** Each peer's per-round ratios to its baseline's figure of the same model and mode. */
export function browserRatios(figures: readonly BrowserFigure[]): BrowserRatio[] {
  const ratios: BrowserRatio[] = [];
  for (const peer of figures) {
    const baseline = BASELINE_OF[peer.library];
    if (baseline === undefined) continue;
    const convnet = figures.find(
      (figure) => figure.library === baseline && figure.model === peer.model && figure.mode === peer.mode,
    );
    if (convnet === undefined) continue;
    const rounds = roundRatios(convnet.rounds, peer.rounds, directionOf(peer.mode));
    ratios.push({
      model: peer.model,
      mode: peer.mode,
      peer: peer.library,
      baseline,
      rounds,
      summary: spreadOf(rounds),
    });
  }
  return ratios;
}

/** True where the adapter is software (SwiftShader, or any fallback adapter): its figures say nothing of speed. */
export function isSoftwareAdapter(adapter: AdapterDescription | null): boolean {
  if (adapter === null) return false;
  const text = `${adapter.vendor} ${adapter.architecture} ${adapter.description}`.toLowerCase();
  return adapter.isFallbackAdapter || text.includes('swiftshader') || text.includes('llvmpipe');
}

export function formatAdapter(adapter: AdapterDescription | null, adapterError?: string): string {
  if (adapter === null) return `none (${adapterError ?? 'unknown reason'})`;
  const parts = [
    `vendor '${adapter.vendor}'`,
    `architecture '${adapter.architecture}'`,
    `description '${adapter.description}'`,
  ];
  if (adapter.device !== '') parts.push(`device '${adapter.device}'`);
  if (adapter.isFallbackAdapter) parts.push('fallback adapter');
  return parts.join(', ');
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function missingCell(failures: readonly BrowserFailure[], library: BrowserLibraryId, model: string, mode: string) {
  const failure = failures.find(
    (entry) => entry.library === library && (entry.model ?? model) === model && (entry.mode ?? mode) === mode,
  );
  if (failure === undefined) return '-';
  if (failure.isUnsupported) return 'n/a';
  if (failure.reason.startsWith('wrong result')) return 'wrong';
  return 'failed';
}

/** The table: rows model x mode; a column per library with its median and, for a peer, "ratio [min-max]". */
export function formatBrowserTable(
  figures: readonly BrowserSummary[],
  ratios: readonly BrowserRatio[],
  failures: readonly BrowserFailure[],
  rows: readonly { model: string; mode: BrowserMode; batch: number }[],
): string {
  const table: string[][] = [['model', 'mode', 'batch', 'unit', ...BROWSER_LIBRARIES.map(({ title }) => title)]];
  for (const { model, mode, batch } of rows) {
    const row = [model, mode, String(batch), mode === 'latency' ? 'ms' : 'img/s'];
    for (const { id } of BROWSER_LIBRARIES) {
      const figure = figures.find((each) => each.library === id && each.model === model && each.mode === mode);
      if (figure?.summary === null || figure?.summary === undefined) {
        row.push(missingCell(failures, id, model, mode));
        continue;
      }
      const ratio = ratios.find((each) => each.peer === id && each.model === model && each.mode === mode)?.summary;
      let cell = formatValue(figure.summary.median);
      if (ratio !== null && ratio !== undefined)
        cell +=
          ratio.count > 1
            ? ` ${formatValue(ratio.median)}x [${formatValue(ratio.min)}-${formatValue(ratio.max)}]`
            : ` ${formatValue(ratio.median)}x`;
      row.push(cell);
    }
    table.push(row);
  }
  const legend = [
    'Cells: median over rounds; for a peer, then the median of its per-round ratios ConvNet.ts speed / peer speed',
    '(GPU peers against ConvNet.ts webgpu, ort-web wasm against ConvNet.ts wasm; latency: peer ms / ConvNet.ts ms;',
    'above 1 means ConvNet.ts is faster) and [min-max] of those ratios. n/a: the library cannot do it;',
    "wrong: its output failed the check against the reference, so it was not timed; '-': not run.",
  ].join('\n');
  return `${pad(table)}\n${legend}`;
}
