// What profileInference.ts and profileStep.ts share: their common options, the ImageNet-sized model and input
// they import, and a profiler that wraps each kernel of the active backend to time its calls (wall and process
// CPU time, grouped by kernel id and call shape) and prints the table of where the time goes.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as convnet from 'convnet-ts';
import { CHANNELS, IMAGENET_MODELS, IMAGE_SIZE, ensureOnnxFiles, type ImagenetModelId } from './imagenetModels.js';
import { cpuNow } from './kernelInputs.js';
import { SeededRandom } from './seededRandom.js';
import { median } from './timing.js';

/** The options both profilers take. */
export interface ProfileOptions {
  model: ImagenetModelId;
  threads: number;
  rounds: number;
  top: number;
  onnxFolder: string;
}

/** How a tool reads one option of its own: returns false where `argument` is not one of its options. */
export type ExtraOption = (argument: string, value: string) => boolean;

/**
 * Reads `--name value` pairs into `options`: the shared ones here, the tool's own through `readExtra`. Throws with
 * the usage on a missing value or an unknown or malformed option.
 */
export function parseProfileOptions<T extends ProfileOptions>(
  tool: string,
  usage: string,
  argv: readonly string[],
  options: T,
  readExtra: ExtraOption = () => false,
): T {
  for (let index = 0; index < argv.length; index += 2) {
    const argument = argv[index]!;
    const value = argv[index + 1];
    if (value === undefined) throw new Error(`${tool}: ${argument} needs a value\n${usage}`);
    if (argument === '--model' && IMAGENET_MODELS.includes(value as ImagenetModelId))
      options.model = value as ImagenetModelId;
    else if (argument === '--threads') options.threads = Number(value);
    else if (argument === '--rounds') options.rounds = Number(value);
    else if (argument === '--top') options.top = Number(value);
    else if (argument === '--onnx-folder') options.onnxFolder = path.resolve(value);
    else if (!readExtra(argument, value)) throw new Error(`${tool}: bad argument '${argument} ${value}'\n${usage}`);
  }
  return options;
}

/** The model's ONNX file imported, and a seeded batch of pixels in [-0.5, 0.5) laid out as the model reads it. */
export function importImagenetModel(
  tool: string,
  options: ProfileOptions,
  batch: number,
): { model: convnet.Model; x: convnet.Tensor } {
  const { files, missing } = ensureOnnxFiles([options.model], options.onnxFolder, (line) => console.log(line));
  const file = files.get(options.model);
  if (file === undefined) throw new Error(`${tool}: ${missing.get(options.model) ?? 'no ONNX file'}`);
  const imported = convnet.importOnnx(new Uint8Array(readFileSync(file)), path.basename(file));
  const random = new SeededRandom(batch);
  const pixels = Float32Array.from(
    { length: batch * CHANNELS * IMAGE_SIZE * IMAGE_SIZE },
    () => random.uniform() - 0.5,
  );
  const shape = [batch, CHANNELS, IMAGE_SIZE, IMAGE_SIZE];
  return {
    model: imported.model,
    x: convnet.importedInput(convnet.Tensor.fromArray(pixels, shape), imported.inputLayout),
  };
}

/** The fields of a convolution's params record (src/kernels/params.ts) that the label and operation count read. */
interface ConvolutionShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  /** Absent from a pooling record (Pool2DParams): the channels are kept. */
  outC?: number;
  kH: number;
  kW: number;
  strideH: number;
  groups?: number;
  activation?: { kind: string };
  /** An inverted residual block's 1x1 expansion computed in the same call (Conv2DParams.expansion). */
  expansion?: { inC: number };
  /** A 1x1 projection computed in the same call (Conv2DParams.projection). */
  projection?: { outC: number };
  /** A max pool of the output computed in the same call (Conv2DParams.pool). */
  pool?: { kH: number; strideH: number };
}

function isConvolutionParams(value: unknown): value is ConvolutionShape {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && 'kH' in value;
}

/**
 * `inH x inW x inC -> outC kK sS [dw] [activation] [+res] [*gate]` for a convolution (its forward geometry, also for
 * its gradients; a pool's output channels are its input's; `inH x inW x expandedFrom>inC` where an expansion comes first, `outC>projected` where a projection
 * follows, `+maxpool kK sS` where a pool does), the first array's length otherwise; and the direct form's operations
 * (2 per multiply-add), the expansion's and projection's included.
 */
function shapeOf(args: readonly unknown[]): { shape: string; operations: number } {
  const index = args.findIndex(isConvolutionParams);
  if (index >= 0) {
    const params = args[index] as ConvolutionShape;
    const { batch, inH, inW, inC, outH, outW, kH, kW, strideH } = params;
    const isPool = params.outC === undefined;
    const outC = params.outC ?? inC;
    const groups = params.groups ?? 1;
    const expandedFrom = params.expansion?.inC;
    const expansionOperations = expandedFrom === undefined ? 0 : 2 * batch * inH * inW * expandedFrom * inC;
    const projectedTo = params.projection?.outC;
    const projectionOperations = projectedTo === undefined ? 0 : 2 * batch * outH * outW * outC * projectedTo;
    // A pool has no multiply-adds to count (and no GFLOP/s shown).
    const operations = isPool
      ? 0
      : (2 * batch * outH * outW * kH * kW * inC * outC) / groups + expansionOperations + projectionOperations;
    const kind = groups > 1 ? ' dw' : '';
    const channelsIn = expandedFrom === undefined ? `${inC}` : `${expandedFrom}>${inC}`;
    const channelsOut = projectedTo === undefined ? `${outC}` : `${outC}>${projectedTo}`;
    const activation = params.activation?.kind === undefined ? '' : ` ${params.activation.kind}`;
    const pool = params.pool === undefined ? '' : ` +maxpool k${params.pool.kH} s${params.pool.strideH}`;
    // Conv2D alone takes arguments after its params: the residual and the gate (the gradients end with params).
    const residual = args[index + 1] !== undefined && args[index + 1] !== null ? ' +res' : '';
    const gate = args[index + 2] !== undefined && args[index + 2] !== null ? ' *gate' : '';
    return {
      shape: `${inH}x${inW}x${channelsIn}->${channelsOut} k${kH} s${strideH}${kind}${activation}${residual}${gate}${pool}`,
      operations,
    };
  }
  const array = args.find((value) => ArrayBuffer.isView(value)) as Float32Array | undefined;
  return { shape: array === undefined ? '' : `${array.length} values`, operations: 0 };
}

/** One kernel id at one call shape: its milliseconds per round, on both clocks, and its calls per round. */
interface Entry {
  cpuPerRound: number[];
  wallPerRound: number[];
  cpu: number;
  wall: number;
  calls: number;
  operations: number;
}

/** One line of the table: medians over the rounds. */
export interface ProfileRow {
  key: string;
  cpuMilliseconds: number;
  wallMilliseconds: number;
  calls: number;
  /** Operations of one call of a convolution (2 per multiply-add of the direct form), or 0. */
  operations: number;
}

export { cpuNow };

/**
 * Times every kernel call of the active backend between `startRound` and `endRound`; outside rounds the kernels
 * run untimed. Process CPU time is steadier on a busy machine, but on several threads it also counts the workers'
 * spinning between kernels; wall time is what several threads shorten.
 */
export class KernelProfiler {
  private readonly entries = new Map<string, Entry>();
  private isTiming = false;
  private rounds = 0;

  constructor() {
    const kernels = convnet.getBackend().kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const [id, kernel] of Object.entries(kernels)) {
      kernels[id] = (...args: unknown[]) => {
        if (!this.isTiming) return kernel(...args);
        const wallStarted = performance.now();
        const cpuStarted = cpuNow();
        const result = kernel(...args);
        const cpu = cpuNow() - cpuStarted;
        const wall = performance.now() - wallStarted;
        const { shape, operations } = shapeOf(args);
        const key = `${id} ${shape}`;
        let entry = this.entries.get(key);
        if (entry === undefined) {
          entry = { cpuPerRound: [], wallPerRound: [], cpu: 0, wall: 0, calls: 0, operations };
          this.entries.set(key, entry);
        }
        entry.cpu += cpu;
        entry.wall += wall;
        entry.calls++;
        return result;
      };
    }
  }

  startRound(): void {
    for (const entry of this.entries.values()) {
      entry.cpu = 0;
      entry.wall = 0;
    }
    this.isTiming = true;
  }

  endRound(): void {
    this.isTiming = false;
    this.rounds++;
    for (const entry of this.entries.values()) {
      entry.cpuPerRound.push(entry.cpu);
      entry.wallPerRound.push(entry.wall);
    }
  }

  /** The call shapes, slowest first on the given clock. */
  rows(clock: 'cpu' | 'wall'): ProfileRow[] {
    const rows = [...this.entries.entries()].map(([key, entry]) => ({
      key,
      cpuMilliseconds: median(entry.cpuPerRound),
      wallMilliseconds: median(entry.wallPerRound),
      calls: entry.calls / this.rounds,
      operations: entry.operations,
    }));
    return rows.sort((a, b) => millisecondsOf(b, clock) - millisecondsOf(a, clock));
  }
}

function millisecondsOf(row: ProfileRow, clock: 'cpu' | 'wall'): number {
  return clock === 'cpu' ? row.cpuMilliseconds : row.wallMilliseconds;
}

/**
 * Prints the milliseconds per kernel id, then the `top` slowest call shapes with their calls per round and the
 * convolutions' effective GFLOP/s (direct-form operations over the first clock's time: Winograd passes exceed the
 * GEMM's rate), one column per clock.
 */
export function printProfile(rows: readonly ProfileRow[], clocks: readonly ('cpu' | 'wall')[], top: number): void {
  const header = clocks.map((clock) => (clock === 'cpu' ? '   ms CPU' : '  ms wall')).join('');
  const columns = (row: Pick<ProfileRow, 'cpuMilliseconds' | 'wallMilliseconds'>) =>
    clocks
      .map((clock) =>
        millisecondsOf(row as ProfileRow, clock)
          .toFixed(2)
          .padStart(9),
      )
      .join('');
  const byId = new Map<string, { cpuMilliseconds: number; wallMilliseconds: number }>();
  for (const row of rows) {
    const id = row.key.split(' ')[0]!;
    const sums = byId.get(id) ?? { cpuMilliseconds: 0, wallMilliseconds: 0 };
    sums.cpuMilliseconds += row.cpuMilliseconds;
    sums.wallMilliseconds += row.wallMilliseconds;
    byId.set(id, sums);
  }
  console.log(`${header}  kernel id`);
  const first = clocks[0]!;
  const sortedIds = [...byId.entries()].sort(
    (a, b) => millisecondsOf(b[1] as ProfileRow, first) - millisecondsOf(a[1] as ProfileRow, first),
  );
  for (const [id, sums] of sortedIds) console.log(`${columns(sums)}  ${id}`);
  console.log(`${header}  calls  kernel and shape`);
  for (const row of rows.slice(0, top)) {
    const milliseconds = millisecondsOf(row, first);
    const rate = row.operations > 0 ? `${((row.operations * row.calls) / milliseconds / 1e6).toFixed(1)} GFLOP/s` : '';
    console.log(`${columns(row)} ${String(row.calls).padStart(6)}  ${row.key.padEnd(52)} ${rate}`);
  }
}

/** The sum of a clock's column: the time inside kernels. */
export function kernelMilliseconds(rows: readonly ProfileRow[], clock: 'cpu' | 'wall'): number {
  return rows.reduce((sum, row) => sum + millisecondsOf(row, clock), 0);
}
