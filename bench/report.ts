// Turns the merged results into the printed summary: one row per (workload, mode) with ConvNet.ts's best
// figure, each peer's best figure and the speed ratio, then every individual result and every failure.
// Ratio = ConvNet.ts speed / peer speed (for latency: peer ms / ConvNet.ts ms), so above 1 always means faster.

import { formatValue, type BenchResult, type Failure, type Mode } from './results.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const CONVNET_PREFIX = 'ConvNet.ts';
const MODES: readonly Mode[] = ['train', 'infer', 'latency'];

/** Table columns: each peer and the library names whose best figure fills it. */
export const PEER_COLUMNS: readonly { title: string; libraries: readonly string[]; isInferenceOnly: boolean }[] = [
  { title: 'TF.js cpu', libraries: ['TF.js (cpu)'], isInferenceOnly: false },
  { title: 'TF.js wasm', libraries: ['TF.js (wasm)', 'TF.js (wasm, Node worker shim)'], isInferenceOnly: false },
  { title: 'ort-web wasm', libraries: ['onnxruntime-web (wasm)'], isInferenceOnly: true },
  { title: 'ort-node cpu', libraries: ['onnxruntime-node (cpu)'], isInferenceOnly: true },
  { title: 'PyTorch', libraries: ['PyTorch'], isInferenceOnly: false },
];

const isBetter = (mode: Mode, candidate: number, current: number): boolean =>
  mode === 'latency' ? candidate < current : candidate > current;

function best(
  results: readonly BenchResult[],
  workload: WorkloadId,
  mode: Mode,
  accepts: (library: string) => boolean,
): BenchResult | null {
  let found: BenchResult | null = null;
  for (const result of results) {
    if (result.workload !== workload || result.mode !== mode || !accepts(result.library)) continue;
    if (found === null || isBetter(mode, result.value, found.value)) found = result;
  }
  return found;
}

export function speedRatio(convnet: BenchResult, peer: BenchResult): number {
  return convnet.mode === 'latency' ? peer.value / convnet.value : convnet.value / peer.value;
}

function failureFor(
  failures: readonly Failure[],
  libraries: readonly string[],
  workload: WorkloadId,
  mode: Mode,
): Failure | null {
  const matches = failures.filter(
    (failure) =>
      libraries.includes(failure.library) &&
      (failure.workload ?? workload) === workload &&
      (failure.mode ?? mode) === mode,
  );
  return matches[0] ?? null;
}

/** A short table cell for a missing figure; the full reason is listed under the table. */
function missingCell(failure: Failure | null): string {
  if (failure === null) return '-';
  const reason = failure.reason;
  if (
    reason.startsWith('skipped') ||
    reason.startsWith('not found') ||
    reason.startsWith('not built') ||
    reason.startsWith('cannot train')
  ) {
    return reason.split(':')[0]!;
  }
  return `failed: ${reason.length > 24 ? `${reason.slice(0, 23)}~` : reason}`;
}

function convnetCell(result: BenchResult): string {
  const backend = result.library.slice(CONVNET_PREFIX.length).replace(/[()]/g, '').trim();
  return `${formatValue(result.value)} (${backend}, ${result.threads}t)`;
}

function peerCell(result: BenchResult, convnet: BenchResult | null): string {
  const ratio = convnet === null ? '' : ` ${formatValue(speedRatio(convnet, result))}x`;
  return `${formatValue(result.value)} ${result.threads}t${ratio}`;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatTable(results: readonly BenchResult[], failures: readonly Failure[]): string {
  const header = ['workload', 'mode', 'unit', 'ConvNet.ts (best)', ...PEER_COLUMNS.map((column) => column.title)];
  const rows: string[][] = [header];
  for (const workload of WORKLOADS) {
    for (const mode of MODES) {
      const convnet = best(results, workload.id, mode, (library) => library.startsWith(CONVNET_PREFIX));
      const convnetLibraries = [
        ...new Set(failures.map((failure) => failure.library).filter((library) => library.startsWith(CONVNET_PREFIX))),
      ];
      const row = [
        `${workload.id} ${workload.name}`,
        mode,
        mode === 'latency' ? 'ms' : 'img/s',
        convnet === null
          ? missingCell(failureFor(failures, convnetLibraries, workload.id, mode))
          : convnetCell(convnet),
      ];
      for (const column of PEER_COLUMNS) {
        const peer = best(results, workload.id, mode, (library) => column.libraries.includes(library));
        if (peer !== null) row.push(peerCell(peer, convnet));
        else if (column.isInferenceOnly && mode === 'train') row.push('n/a');
        else row.push(missingCell(failureFor(failures, column.libraries, workload.id, mode)));
      }
      rows.push(row);
    }
  }
  const legend =
    'Cells: value, threads (t), ratio = ConvNet.ts speed / peer speed (latency: peer ms / ConvNet.ts ms; ' +
    'above 1 means ConvNet.ts is faster).';
  return `${pad(rows)}\n${legend}`;
}

export function formatResultList(results: readonly BenchResult[]): string {
  const rows = [['library', 'workload', 'mode', 'threads', 'value', 'note']];
  for (const result of results) {
    rows.push([
      result.library,
      result.workload,
      result.mode,
      String(result.threads),
      `${formatValue(result.value)} ${result.unit}`,
      result.note ?? '',
    ]);
  }
  return pad(rows);
}

export function formatFailures(failures: readonly Failure[]): string {
  return failures
    .map((failure) => {
      const scope = [failure.workload, failure.mode].filter((part) => part !== undefined).join(' ');
      return `- ${failure.library}${scope === '' ? '' : ` ${scope}`}: ${failure.reason}`;
    })
    .join('\n');
}
