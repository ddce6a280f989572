// Model on a device backend that reads values back only asynchronously (as WebGPU does), in Node: a
// backend over boxed arrays with every reference kernel and no readSync. fitAsync's progress read with
// `await progress.read()`, predict and predictOutputs kept on the device, classifyAsync, the frozen-feature
// cache computed there, an augmented fitAsync (batches gathered on the host) and checkpointCallback's saves
// give the reference backend's numbers, and the copies they make are counted. The WebGPU kernels themselves run in
// test/browser/webgpuBackend.test.ts.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Adam,
  type Checkpoint,
  checkpointCallback,
  Conv2D,
  loadCheckpoint,
  loadModel,
  saveCheckpoint,
  saveCheckpointAsync,
  saveModel,
  saveModelAsync,
  type FitState,
  Dense,
  Flatten,
  Input,
  KERNEL_IDS,
  randomTranslation,
  recordTrainingCurves,
  ReLU,
  registerBackend,
  resetTransferCounts,
  Sequential,
  setBackend,
  SGD,
  Softmax,
  SyncReadError,
  Tensor,
  transferCounts,
  type Backend,
  type BatchProgress,
  type EpochLogs,
  type FloatArray,
  type Image,
  type TrainingCurves,
} from '../../src/index.js';
import { allocateArray } from '../../src/core/dtype.js';
import { referenceKernels } from '../../src/kernels/js/referenceBackend.js';
import { assertClose, barImages } from '../helpers.js';

/** A device buffer stand-in: no reference kernel can take it, so every op must go through dispatch. */
class Box {
  constructor(readonly values: FloatArray) {}
}

/** Every reference kernel over Box handles, values read back only with `await tensor.data()`. */
function asyncBoxBackend(): Backend<Box> {
  const unbox = (argument: unknown) => (argument instanceof Box ? argument.values : argument);
  const kernels = Object.fromEntries(
    KERNEL_IDS.map((id) => [
      id,
      (...args: unknown[]) => (referenceKernels[id] as (...values: unknown[]) => void)(...args.map(unbox)),
    ]),
  );
  return {
    name: 'boxed-device',
    device: {
      name: 'boxed-device',
      upload: (values) => new Box(values.slice()),
      read: async (box) => box.values.slice(),
    },
    allocate: (dtype, size) => new Box(allocateArray(dtype, size)),
    kernels,
  };
}

const backend = asyncBoxBackend();

/** The toy CNN of these tests: conv, ReLU, flatten, dense, softmax over 8x8 bars of 3 classes. */
function barModel(): Sequential {
  return new Sequential(
    [
      new Input({ shape: [8, 8, 1] }),
      new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }),
      new ReLU(),
      new Flatten(),
      new Dense({ units: 3 }),
      new Softmax(),
    ],
    { seed: 4 },
  );
}

/** What a fitAsync run gives: epoch losses, every batch's figures (read with read()), the weights after. */
interface Run {
  losses: number[];
  batchLosses: number[];
  batchAccuracies: number[];
  weights: number[][];
  cachedFeaturesOf: string | undefined;
}

async function fitRun(
  backend: string,
  options: { freeze?: boolean; augment?: boolean; onDevice?: boolean } = {},
): Promise<Run> {
  setBackend(backend);
  const model = barModel();
  if (options.freeze === true) model.freeze(model.layers[2]!.name);
  const { x, labels } = barImages(12, 3);
  const examples = options.onDevice === true ? onDevice(x) : x;
  const batchLosses: number[] = [];
  const batchAccuracies: number[] = [];
  let cachedFeaturesOf: string | undefined;
  const history = await model.fitAsync(examples, labels, {
    epochs: 2,
    batchSize: 4,
    seed: 2,
    optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }),
    ...(options.augment === true ? { augment: randomTranslation({ maxShift: 1 }) } : {}),
    callbacks: {
      onTrainBegin: (info) => {
        cachedFeaturesOf = info.cachedFeaturesOf;
      },
      onBatchEnd: async (batch: BatchProgress) => {
        const { loss, accuracy } = await batch.read();
        batchLosses.push(loss);
        batchAccuracies.push(accuracy);
        assert.equal(batch.loss, loss, 'read once, the getter gives the same figure');
      },
    },
  });
  const weights: number[][] = [];
  for (const weight of model.trainableWeights()) weights.push(Array.from(await weight.data()));
  return {
    losses: history.epochs.map((epoch) => epoch.loss),
    batchLosses,
    batchAccuracies,
    weights,
    cachedFeaturesOf,
  };
}

/** A copy of x on the device backend. */
function onDevice(x: Tensor): Tensor {
  return Tensor.fromDeviceHandle(new Box(x.dataSync().slice()), x.dtype, x.shape, backend.device!);
}

/**
 * Asserts that two runs took the same steps. The losses agree within float32 rounding: a device backend
 * sums a batch's row losses in float32 on the device, the CPU backends in float64 (ops/softmax.ts).
 */
function assertSameRun(device: Run, reference: Run): void {
  assertClose(device.batchLosses, reference.batchLosses, { rtol: 1e-6 }, 'running losses');
  assertClose(device.losses, reference.losses, { rtol: 1e-6 }, 'epoch losses');
  assert.deepEqual(device.batchAccuracies, reference.batchAccuracies);
  device.weights.forEach((values, index) => {
    assertClose(values, reference.weights[index]!, { atol: 1e-6, rtol: 1e-5 }, `weight ${index}`);
  });
}

describe('Model on a device backend without synchronous reads', () => {
  before(() => registerBackend(backend));
  after(() => setBackend('reference'));

  test("fitAsync: progress.read() gives the reference's figures; the getter throws SyncReadError until read", async () => {
    const reference = await fitRun('reference');
    const device = await fitRun('boxed-device');
    assertSameRun(device, reference);
    setBackend('boxed-device');
    const { x, labels } = barImages(4, 3);
    await barModel().fitAsync(x, labels, {
      batchSize: 4,
      callbacks: {
        onBatchEnd: (batch) =>
          void assert.throws(
            () => batch.loss,
            (error: unknown) => error instanceof SyncReadError && /await progress\.read\(\)/.test(error.message),
          ),
      },
    });
  });

  test('recordTrainingCurves under fitAsync: the curves of fit on the reference, once the epoch is read', async () => {
    const curvesOn = async (name: string, isAsync: boolean) => {
      setBackend(name);
      const { x, labels } = barImages(12, 3);
      const recorder = recordTrainingCurves();
      const options = { epochs: 2, batchSize: 4, seed: 2, optimizer: new SGD({ learningRate: 0.1 }) };
      if (isAsync) await barModel().fitAsync(x, labels, { ...options, callbacks: recorder.callbacks });
      else barModel().fit(x, labels, { ...options, callbacks: recorder.callbacks });
      return recorder.curves;
    };
    const reference = await curvesOn('reference', false);
    const device = await curvesOn('boxed-device', true);
    // 12 examples in batches of 4: 3 points an epoch, at epoch - 1 + batch / 3.
    assert.deepEqual(
      device.batches!.map((point) => point.position),
      [1, 2].flatMap((epoch) => [1, 2, 3].map((batch) => epoch - 1 + batch / 3)),
    );
    assert.deepEqual(
      device.batches!.map((point) => point.position),
      reference.batches!.map((point) => point.position),
    );
    const figures = (curves: TrainingCurves, key: 'loss' | 'accuracy') => curves.batches!.map((point) => point[key]);
    assertClose(figures(device, 'loss'), figures(reference, 'loss'), { rtol: 1e-6 }, 'running losses');
    assert.deepEqual(figures(device, 'accuracy'), figures(reference, 'accuracy'));
    assertClose(
      device.epochs.map((epoch) => epoch.loss),
      reference.epochs.map((epoch) => epoch.loss),
      { rtol: 1e-6 },
      'epoch losses',
    );
  });

  test('saveModelAsync and saveCheckpointAsync save a fit on the device; saveModel throws there', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'convnet-device-save-'));
    try {
      const trained = async (name: string) => {
        setBackend(name);
        const model = barModel();
        const optimizer = new Adam({ learningRate: 0.01 });
        const { x, labels } = barImages(12, 3);
        let fit: FitState | undefined;
        await model.fitAsync(x, labels, {
          batchSize: 4,
          optimizer,
          callbacks: {
            onEpochEnd: (_logs, state) => {
              fit = state;
            },
          },
        });
        return { model, optimizer, fit: fit! };
      };
      const bytesOf = (folder: string) =>
        ['model.json', 'weights.safetensors', 'epoch-0001/optimizer.safetensors', 'epoch-0001/state.json']
          .filter((file) => existsSync(join(folder, file)))
          .map((file) => readFileSync(join(folder, file)));
      // The reference: both forms write the very same files.
      const reference = await trained('reference');
      saveModel(reference.model, join(scratch, 'sync'));
      await saveModelAsync(reference.model, join(scratch, 'async'));
      assert.deepEqual(bytesOf(join(scratch, 'async')), bytesOf(join(scratch, 'sync')));
      saveCheckpoint(join(scratch, 'sync'), reference);
      await saveCheckpointAsync(join(scratch, 'async'), reference);
      assert.deepEqual(bytesOf(join(scratch, 'async')), bytesOf(join(scratch, 'sync')));

      const device = await trained('boxed-device');
      assert.throws(() => saveModel(device.model, join(scratch, 'refused')), SyncReadError);
      await saveModelAsync(device.model, join(scratch, 'device'));
      await saveCheckpointAsync(join(scratch, 'device'), device);
      setBackend('reference');
      const weights = await Promise.all(device.model.namedWeights().map(async (weight) => weight.tensor.data()));
      const loaded = loadModel(join(scratch, 'device')).model.namedWeights();
      loaded.forEach((weight, index) => {
        assert.deepEqual(weight.tensor.dataSync(), weights[index]);
      });
      const checkpoint = loadCheckpoint(join(scratch, 'device'))!;
      assert.deepEqual(checkpoint.fit, device.fit);
      // The optimizer's state read here through getState's `copy`, each buffer with `await data()`.
      const reads: Promise<FloatArray>[] = [];
      const state = device.optimizer.getState(device.model.trainableWeights(), (buffer) => {
        reads.push(buffer.data());
        return new Float32Array(0);
      });
      const values = await Promise.all(reads);
      let read = 0;
      for (const weight of state.weights)
        for (const name of Object.keys(weight!.buffers)) weight!.buffers[name] = values[read++]!;
      assert.deepEqual(checkpoint.optimizerState, state);
      assert.equal(checkpoint.optimizerState.iterations, 3);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('checkpointCallback under fitAsync saves on the device; resumed, the weights of the run not stopped', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'convnet-device-checkpoint-'));
    try {
      const { x, labels } = barImages(12, 3);
      /** fitAsync to `epochs` with checkpointCallback into `directory`; what its onEpochEnd returned, the weights. */
      const run = async (name: string, directory: string, epochs: number, resume?: Checkpoint) => {
        setBackend(name);
        const model = resume?.model ?? barModel();
        const optimizer = resume?.optimizer ?? new Adam({ learningRate: 0.01 });
        const checkpoints = checkpointCallback(directory, optimizer);
        const returned: unknown[] = [];
        await model.fitAsync(x, labels, {
          epochs,
          batchSize: 4,
          seed: 2,
          optimizer,
          ...(resume === undefined ? {} : { resume: resume.fit }),
          callbacks: {
            onTrainBegin: (info) => checkpoints.onTrainBegin!(info),
            onEpochEnd: (logs, state) => {
              const result = checkpoints.onEpochEnd!(logs, state);
              returned.push(result);
              return result;
            },
          },
        });
        const weights: FloatArray[] = [];
        for (const weight of model.trainableWeights()) weights.push(await weight.data());
        return { returned, weights };
      };
      const reference = await run('reference', join(scratch, 'reference'), 2);
      assert.deepEqual(reference.returned, [undefined, undefined], 'CPU: saved at once, as under fit');

      const whole = await run('boxed-device', join(scratch, 'whole'), 2);
      assert.equal(whole.returned.length, 2);
      assert.ok(
        whole.returned.every((result) => result instanceof Promise),
        'device: saveCheckpointAsync, awaited',
      );
      const saved = loadCheckpoint(join(scratch, 'whole'))!;
      assert.equal(saved.fit.epoch, 2);
      saved.model.trainableWeights().forEach((weight, index) => {
        assert.deepEqual(weight.dataSync(), whole.weights[index], `weight ${index} as saved`);
      });
      const savedReference = loadCheckpoint(join(scratch, 'reference'))!;
      assert.deepEqual(saved.fit.order, savedReference.fit.order);
      assert.deepEqual(saved.fit.random, savedReference.fit.random);
      whole.weights.forEach((values, index) => {
        assertClose(values, reference.weights[index]!, { atol: 1e-6, rtol: 1e-5 }, `weight ${index} vs reference`);
      });

      // Stopped after epoch 1, loaded with the device backend active, resumed there: bit for bit the run not stopped.
      await run('boxed-device', join(scratch, 'stopped'), 1);
      const checkpoint = loadCheckpoint(join(scratch, 'stopped'))!;
      assert.equal(checkpoint.fit.epoch, 1);
      const resumed = await run('boxed-device', join(scratch, 'stopped'), 2, checkpoint);
      assert.deepEqual(resumed.weights, whole.weights);
      const { epoch, random, order, history } = loadCheckpoint(join(scratch, 'stopped'))!.fit;
      assert.deepEqual({ epoch, random, order }, { epoch: 2, random: saved.fit.random, order: saved.fit.order });
      const figures = (logs: readonly EpochLogs[]) => logs.map((log) => [log.loss, log.accuracy, log.learningRate]);
      assert.deepEqual(figures(history), figures(saved.fit.history), "the epochs' figures (not their timings)");
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('the frozen-feature cache is computed on the device: the same steps, no extra read', async () => {
    const reference = await fitRun('reference', { freeze: true });
    resetTransferCounts();
    const device = await fitRun('boxed-device', { freeze: true });
    const downloads = transferCounts().downloads;
    assert.equal(reference.cachedFeaturesOf, 'flatten_1');
    assert.equal(device.cachedFeaturesOf, 'flatten_1');
    assertSameRun(device, reference);
    // 2 epochs of 3 steps, each step's loss and probabilities read once; then the 2 trainable weights.
    assert.equal(downloads, 2 * 2 * 3 + 2);
  });

  test('an augmented fitAsync gathers its batches on the host: the reference steps, no batch read back', async () => {
    const reference = await fitRun('reference', { augment: true });
    resetTransferCounts();
    const device = await fitRun('boxed-device', { augment: true });
    const downloads = transferCounts().downloads;
    assertSameRun(device, reference);
    assert.equal(downloads, 2 * 2 * 3 + 4, "the steps' reads and the 4 weights only");
    resetTransferCounts();
    const fromDevice = await fitRun('boxed-device', { augment: true, onDevice: true });
    assertSameRun(fromDevice, reference);
    assert.equal(transferCounts().downloads, 2 * 2 * 3 + 4 + 1, 'examples on the device come down once');
  });

  test('predict and predictOutputs keep their results on the device; classifyAsync reads them', async () => {
    const { x } = barImages(5, 7);
    const images: Image[] = Array.from({ length: 5 }, (_, index) => ({
      width: 8,
      height: 8,
      colorModel: 'gray',
      data: Float32Array.from(x.dataSync().subarray(index * 64, (index + 1) * 64), (value) =>
        Math.min(1, Math.max(0, value)),
      ),
    }));
    setBackend('reference');
    const referenceModel = barModel().setClassNames(['rows', 'columns', 'diagonal']);
    const expected = Array.from(referenceModel.predict(x).dataSync());
    const expectedClasses = referenceModel.classify(images, { topK: 2 });
    setBackend('boxed-device');
    const model = barModel().setClassNames(['rows', 'columns', 'diagonal']);
    const predicted = model.predict(x, { batchSize: 2 });
    assert.throws(() => predicted.dataSync(), SyncReadError);
    assertClose(await predicted.data(), expected, { atol: 1e-6 }, 'predict');
    const { softmax_1: outputs } = model.predictOutputs(x, { batchSize: 3 });
    assertClose(await outputs!.data(), expected, { atol: 1e-6 }, 'predictOutputs');
    assert.throws(() => model.classify(images), SyncReadError);
    const classes = await model.classifyAsync(images, { topK: 2, batchSize: 2 });
    assert.deepEqual(
      classes.map((row) => row.map(({ index, name }) => [index, name])),
      expectedClasses.map((row) => row.map(({ index, name }) => [index, name])),
    );
    assertClose(
      classes.flatMap((row) => row.map((entry) => entry.probability)),
      expectedClasses.flatMap((row) => row.map((entry) => entry.probability)),
      { atol: 1e-6 },
      'classifyAsync probabilities',
    );
    setBackend('reference');
    assert.deepEqual(await referenceModel.classifyAsync(images, { topK: 2 }), expectedClasses, 'CPU: classify itself');
  });
});
