// The figures of `npm run bench:imagenet` from its per-round samples, and the printed table: one row
// per model, mode and thread count; ConvNet.ts's median over rounds, then each peer's median and its
// median per-round ratio with the ratios' range. Pure functions over the collected samples.
// Ratio = ConvNet.ts speed / peer speed (latency: peer ms / ConvNet.ts ms): above 1, ConvNet.ts is faster.

import type { ImagenetMode, ImagenetModelId } from './imagenetModels.js';
import type { MemoryReport } from './imagenetProtocol.js';
import { formatValue } from './results.js';
import { roundRatios, spreadOf, type Direction, type Spread } from './rounds.js';

export const CONVNET = 'ConvNet.ts';

/** One library's figures for one model, mode and thread count: one per round (null where a round failed). */
export interface ImagenetFigure {
  model: ImagenetModelId;
  mode: ImagenetMode;
  library: string;
  threads: number;
  batch: number;
  unit: 'ms' | 'img/s';
  rounds: (number | null)[];
  /** Median and spread over the rounds; null when no round gave a figure. */
  summary: Spread | null;
}

/** A peer against ConvNet.ts with the same thread count (or ConvNet.ts's nearest below it), round by round. */
export interface ImagenetRatio {
  model: ImagenetModelId;
  mode: ImagenetMode;
  peer: string;
  threads: number;
  convnetThreads: number;
  rounds: number[];
  summary: Spread | null;
}

export interface ImagenetFailure {
  library: string;
  threads?: number;
  model?: ImagenetModelId;
  mode?: ImagenetMode;
  reason: string;
  /** The library cannot do this at all ("n/a" in the table) rather than failing at it. */
  isUnsupported: boolean;
}

export interface MemoryFigure extends MemoryReport {
  library: string;
  model: ImagenetModelId;
  batch: number;
  threads: number;
}

export function directionOf(mode: ImagenetMode): Direction {
  return mode === 'latency' ? 'lower-is-better' : 'higher-is-better';
}

export function summarize(figure: Omit<ImagenetFigure, 'summary'>): ImagenetFigure {
  return { ...figure, summary: spreadOf(figure.rounds.filter((value): value is number => value !== null)) };
}

/**
 * Each peer figure against ConvNet.ts's figure of the same model and mode, at its thread count or the nearest below.
 */
export function ratiosOf(figures: readonly ImagenetFigure[]): ImagenetRatio[] {
  const ratios: ImagenetRatio[] = [];
  for (const peer of figures) {
    if (peer.library === CONVNET) continue;
    const candidates = figures
      .filter(
        (figure) =>
          figure.library === CONVNET &&
          figure.model === peer.model &&
          figure.mode === peer.mode &&
          figure.threads <= peer.threads,
      )
      .sort((left, right) => right.threads - left.threads);
    const convnet = candidates[0];
    if (convnet === undefined) continue;
    const rounds = roundRatios(convnet.rounds, peer.rounds, directionOf(peer.mode));
    ratios.push({
      model: peer.model,
      mode: peer.mode,
      peer: peer.library,
      threads: peer.threads,
      convnetThreads: convnet.threads,
      rounds,
      summary: spreadOf(rounds),
    });
  }
  return ratios;
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

function ratioCell(ratio: ImagenetRatio | undefined): string {
  if (ratio?.summary === null || ratio?.summary === undefined) return '';
  const { median, min, max, count } = ratio.summary;
  return count > 1 ? ` ${formatValue(median)}x [${formatValue(min)}-${formatValue(max)}]` : ` ${formatValue(median)}x`;
}

function missingCell(
  failures: readonly ImagenetFailure[],
  library: string,
  threads: number,
  model: ImagenetModelId,
  mode: ImagenetMode,
): string {
  const failure = failures.find(
    (entry) =>
      entry.library === library &&
      (entry.threads ?? threads) === threads &&
      (entry.model ?? model) === model &&
      (entry.mode ?? mode) === mode,
  );
  if (failure === undefined) return '-';
  if (failure.isUnsupported) return 'n/a';
  if (failure.reason.startsWith('skipped') || failure.reason.startsWith('not found'))
    return failure.reason.split(':')[0]!;
  return 'failed';
}

/**
 * The table: rows model x mode x threads; a ConvNet.ts column and one per peer with its median and
 * "ratio [min-max of the per-round ratios]". `peers` is the column order; `threadCounts` the rows per mode.
 */
export function formatImagenetTable(
  figures: readonly ImagenetFigure[],
  ratios: readonly ImagenetRatio[],
  failures: readonly ImagenetFailure[],
  options: { models: readonly ImagenetModelId[]; modes: readonly ImagenetMode[]; peers: readonly string[] },
): string {
  const header = ['model', 'mode', 'batch', 'threads', 'unit', CONVNET, ...options.peers];
  const rows: string[][] = [header];
  for (const model of options.models) {
    for (const mode of options.modes) {
      const threadCounts = [
        ...new Set(
          figures.filter((figure) => figure.model === model && figure.mode === mode).map((figure) => figure.threads),
        ),
      ].sort();
      for (const threads of threadCounts) {
        const at = (library: string): ImagenetFigure | undefined =>
          figures.find(
            (figure) =>
              figure.model === model &&
              figure.mode === mode &&
              figure.library === library &&
              figure.threads === threads,
          );
        const convnet = at(CONVNET);
        const batch =
          convnet?.batch ?? figures.find((figure) => figure.model === model && figure.mode === mode)?.batch ?? 0;
        const row = [model, mode, String(batch), String(threads), mode === 'latency' ? 'ms' : 'img/s'];
        row.push(
          convnet?.summary ? formatValue(convnet.summary.median) : missingCell(failures, CONVNET, threads, model, mode),
        );
        for (const peer of options.peers) {
          const figure = at(peer);
          if (figure?.summary) {
            const ratio = ratios.find(
              (entry) =>
                entry.model === model && entry.mode === mode && entry.peer === peer && entry.threads === threads,
            );
            row.push(`${formatValue(figure.summary.median)}${ratioCell(ratio)}`);
          } else {
            row.push(missingCell(failures, peer, threads, model, mode));
          }
        }
        rows.push(row);
      }
    }
  }
  const legend = [
    'Cells: median over rounds; for a peer, then the median of the per-round ratios ConvNet.ts speed / peer speed',
    '(latency: peer ms / ConvNet.ts ms; above 1 means ConvNet.ts is faster) and [min-max] of those ratios.',
    "n/a: the library cannot do it (no training API, network not written in it); '-': not asked for.",
  ].join('\n');
  return `${pad(rows)}\n${legend}`;
}

function megabytes(bytes: number | null): string {
  return bytes === null ? '-' : (bytes / 2 ** 20).toFixed(0);
}

/** The memory figures as a table with its legend; `runs`: the predicts each process ran before its figures. */
export function formatMemoryTable(memory: readonly MemoryFigure[], runs: number): string {
  const rows = [
    [
      'library',
      'model',
      'batch',
      'threads',
      'wasm memory MB',
      'wasm peak in use MB',
      'JS heap+buffers growth MB',
      'RSS growth MB',
      'peak RSS growth MB',
    ],
  ];
  for (const entry of memory) {
    rows.push([
      entry.library,
      entry.model,
      String(entry.batch),
      String(entry.threads),
      megabytes(entry.wasmMemoryBytes),
      megabytes(entry.wasmPeakInUseBytes),
      megabytes(entry.javascriptGrowthBytes),
      megabytes(entry.residentGrowthBytes),
      megabytes(entry.peakResidentGrowthBytes),
    ]);
  }
  return `${pad(rows)}\n${memoryLegend(runs)}`;
}

/** What each column of formatMemoryTable measures (bench/imagenetWorker.ts takes the figures). */
function memoryLegend(runs: number): string {
  return [
    'Each library in a fresh Node process (started with --expose-gc): the ONNX file read and loaded, then predict',
    `run ${runs} times on the batch; the figures after a garbage collection, as growth over the process once the`,
    'library had started, before the model was loaded. MB: 2^20 bytes.',
    'wasm memory: the size of every WebAssembly.Memory the library made; a wasm memory grows and never shrinks, so',
    'this is its high-water mark (weights, prepared filter forms, activations, scratch). wasm peak in use: the',
    "library's own count of its highest use ('-': it keeps none). JS heap+buffers: V8's heap in use plus ArrayBuffers",
    'outside the wasm memory. RSS: resident memory at the end; peak RSS: the highest resident memory of the process',
    "(getrusage maxrss), which also holds whatever garbage of the load (the file's bytes, decoded copies) the collector",
    'had not freed yet when the wasm memory grew: it varies from run to run by up to the file size and more.',
  ].join('\n');
}
