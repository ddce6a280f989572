// Transfer learning's speed: one epoch of training a classifier head on cifarCnn's frozen
// convolutions, with the backbone's features cached (computed once per image, FitOptions.
// cacheFrozenFeatures) against every step running the whole forward and backward pass (the
// network unfrozen), and the frozen backbone without the cache (its forward pass every step, no
// backward through it). Seeded random pictures; rounds rotate the three, and medians are printed.
// Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/transfer.js [--images 512] [--rounds 5]

import { addClassifierHead, backendInfo, cifarCnn, SGD, Tensor, type Model } from 'convnet-ts';
import { describeMachine, formatMachine } from './machine.js';
import { median } from './timing.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const IMAGES = option('images', 512);
const ROUNDS = option('rounds', 5);
const BATCH = 64;
const CLASSES = 4;

/** Seeded uniform pictures (a linear congruential generator: the values do not matter, only the work). */
function pictures(count: number): { x: Tensor; labels: number[] } {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const values = new Float32Array(count * 32 * 32 * 3);
  for (let index = 0; index < values.length; index++) values[index] = next();
  return {
    x: new Tensor(values, [count, 32, 32, 3]),
    labels: Array.from({ length: count }, (_, index) => index % CLASSES),
  };
}

/** cifarCnn cut after its convolutions (the last MaxPool2D's map), with a new head of CLASSES. */
function headedModel(isFrozen: boolean): Model {
  const backbone = cifarCnn({ seed: 1 });
  const pool = backbone.layers.filter((layer) => layer.className === 'MaxPool2D').at(-1)!;
  return addClassifierHead(backbone.featureExtractor(pool.name), {
    classes: CLASSES,
    pooling: 'flatten',
    freezeBackbone: isFrozen,
    seed: 2,
  });
}

/** Images per second of one epoch (the epoch's own time), and the whole fit's wall time (with the cache's one pass). */
type Mode = 'cached' | 'frozen' | 'full';
const MODES: readonly Mode[] = ['cached', 'frozen', 'full'];

function epochSpeed(
  mode: Mode,
  data: { x: Tensor; labels: number[] },
): { epochImagesPerSecond: number; fitSeconds: number } {
  const model = headedModel(mode !== 'full');
  const started = performance.now();
  const optimizer = new SGD({ learningRate: 0.01, momentum: 0.9 });
  const history = model.fit(data.x, data.labels, {
    epochs: 1,
    batchSize: BATCH,
    optimizer,
    cacheFrozenFeatures: mode === 'cached',
  });
  return { epochImagesPerSecond: history.epochs[0]!.imagesPerSecond, fitSeconds: (performance.now() - started) / 1000 };
}

const data = pictures(IMAGES);
console.log(formatMachine(await describeMachine()));
epochSpeed('cached', data);
// After a first fit: the WebAssembly backend starts on first use.
console.log(
  `transfer bench: cifarCnn backbone, ${IMAGES} images 32x32x3, batch ${BATCH}, ${ROUNDS} rounds; backend ` +
    `${backendInfo().active}`,
);
const results = new Map<Mode, { epochImagesPerSecond: number; fitSeconds: number }[]>(MODES.map((mode) => [mode, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotate which goes first, so a busy machine slows all alike.
  for (let turn = 0; turn < MODES.length; turn++) {
    const mode = MODES[(round + turn) % MODES.length]!;
    results.get(mode)!.push(epochSpeed(mode, data));
  }
}
const LABELS: Record<Mode, string> = {
  cached: 'frozen backbone, cached features',
  frozen: 'frozen backbone, no cache       ',
  full: 'whole network trained           ',
};
const epochMedian = (mode: Mode) => median(results.get(mode)!.map((result) => result.epochImagesPerSecond));
for (const mode of MODES) {
  const fit = median(results.get(mode)!.map((result) => result.fitSeconds));
  console.log(
    `${LABELS[mode]}: epoch ${epochMedian(mode).toFixed(0).padStart(6)} img/s; one-epoch fit ` +
      `${fit.toFixed(2)} s (medians)`,
  );
}
console.log(
  `epoch ratio, cached / full: ${(epochMedian('cached') / epochMedian('full')).toFixed(1)}x; cached / ` +
    `frozen without cache: ${(epochMedian('cached') / epochMedian('frozen')).toFixed(1)}x`,
);
