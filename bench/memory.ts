// Memory over a long training run: trains W1 (the MNIST CNN of the benchmark, batch 64, SGD with
// momentum) on the WebAssembly backend and records resident memory, the JavaScript heap and the
// backend's arena peak at step 100 and at the last step (default 10,000). Flat figures mean the hot
// loop allocates nothing that piles up: each step's tensors live in one arena scope.
// Run: npm run bench:memory [-- --steps N] (it runs Node with --expose-gc to sample live memory)

import * as convnet from 'convnet-ts';

const stepsArgument = process.argv.indexOf('--steps');
const steps = stepsArgument > 0 ? Number(process.argv[stepsArgument + 1]) : 10_000;
const BATCH = 64;
const POOL_BATCHES = 50;

interface Sample {
  step: number;
  residentMegabytes: number;
  heapMegabytes: number;
  arenaPeakMegabytes: number;
}

function megabytes(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

const info = await convnet.initWasmBackend();
const model = new convnet.Sequential(
  [
    new convnet.Input({ shape: [28, 28, 1] }),
    new convnet.Conv2D({ filters: 32, kernelSize: 3, padding: 'same' }),
    new convnet.ReLU(),
    new convnet.MaxPool2D({ poolSize: 2 }),
    new convnet.Conv2D({ filters: 64, kernelSize: 3, padding: 'same' }),
    new convnet.ReLU(),
    new convnet.MaxPool2D({ poolSize: 2 }),
    new convnet.Flatten(),
    new convnet.Dense({ units: 128 }),
    new convnet.ReLU(),
    new convnet.Dense({ units: 10 }),
    new convnet.Softmax(),
  ],
  { seed: 1 },
);
const random = new convnet.Random(7);
const examples = BATCH * POOL_BATCHES;
const images = convnet.Tensor.zeros([examples, 28, 28, 1]);
for (let index = 0; index < images.size; index++) images.dataSync()[index] = random.uniform();
const labels = Array.from({ length: examples }, () => random.integer(10));
const optimizer = new convnet.SGD({ learningRate: 0.01, momentum: 0.9 });

const samples: Sample[] = [];
let step = 0;
const started = performance.now();
// With --expose-gc, collect first: then the figures are live memory, not garbage awaiting a collection.
const collectGarbage = (globalThis as { gc?: () => void }).gc;
const sample = () => {
  collectGarbage?.();
  const usage = process.memoryUsage();
  samples.push({
    step,
    residentMegabytes: megabytes(usage.rss),
    heapMegabytes: megabytes(usage.heapUsed),
    arenaPeakMegabytes: megabytes(convnet.backendInfo().wasmArenaPeakBytes ?? 0),
  });
};
const epochs = Math.ceil(steps / POOL_BATCHES);
model.fit(images, labels, {
  epochs,
  batchSize: BATCH,
  optimizer,
  callbacks: {
    onBatchEnd() {
      step++;
      if (step === 100 || step === steps || step % 1000 === 0) sample();
    },
    onEpochEnd() {
      return step < steps;
    },
  },
});
const seconds = (performance.now() - started) / 1000;
console.log(
  `W1 training, batch ${BATCH}, ${step} steps in ${seconds.toFixed(0)} s on ${info.build} with ` +
    `${info.threads} threads${collectGarbage === undefined ? '' : ', garbage collected before each sample'}`,
);
console.log('step    resident MB  JS heap MB  arena peak MB');
for (const entry of samples) {
  console.log(
    `${String(entry.step).padStart(6)}  ${String(entry.residentMegabytes).padStart(11)}  ` +
      `${String(entry.heapMegabytes).padStart(10)}  ${String(entry.arenaPeakMegabytes).padStart(13)}`,
  );
}
