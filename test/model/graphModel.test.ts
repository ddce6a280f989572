// Graph models (the functional API): branches joined by Add and Concatenate, trained end to end;
// gradients through a residual network against central differences; the order, fusion and
// errors of graph building; summaries; and model files that keep the connections.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  Add,
  BatchNormalization,
  Concatenate,
  Conv2D,
  concatenate,
  Dense,
  Flatten,
  GlobalAveragePooling2D,
  Input,
  loadModel,
  MaxPool2D,
  Model,
  Random,
  ReLU,
  saveModel,
  Sequential,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  ValueError,
  featureMapPictures,
  getBackend,
  GradientTape,
  gradCam,
  type SymbolicTensor,
} from '../../src/index.js';
import { gradcheck, uniformTensor } from '../gradcheck/gradcheck.js';
import { assertClose } from '../helpers.js';

/**
 * A small residual network: conv stem, one residual block (conv-BN-ReLU-conv-BN + skip), a concat branch, classifier.
 */
function residualNetwork(options: { dtype?: 'float32' | 'float64'; seed?: number; classes?: number } = {}): Model {
  const input = new Input({ shape: [8, 8, 3] });
  const stem = new ReLU().apply(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output));
  let branch: SymbolicTensor = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(stem);
  branch = new ReLU().apply(new BatchNormalization({ momentum: 0.9 }).apply(branch));
  branch = new BatchNormalization({ momentum: 0.9 }).apply(
    new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(branch),
  );
  const block = new ReLU().apply(new Add().apply([branch, stem]));
  const side = new Conv2D({ filters: 2, kernelSize: 1 }).apply(stem);
  const joined = new Concatenate().apply([block, side]);
  const pooled = new GlobalAveragePooling2D().apply(new MaxPool2D().apply(joined));
  const output = new Softmax().apply(new Dense({ units: options.classes ?? 3 }).apply(pooled));
  return new Model(
    { inputs: input.output, outputs: output },
    { seed: options.seed ?? 4, dtype: options.dtype ?? 'float32' },
  );
}

/**
 * Residual blocks as an imported ResNet or MobileNetV2 has them (batch norm folded into the convolutions' biases):
 * conv + Add + ReLU, and a projection conv + Add with no activation; the forward pass fuses both Adds.
 */
function convResidualNetwork(dtype: 'float32' | 'float64', seed: number): Model {
  const input = new Input({ shape: [6, 6, 4] });
  const stem = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
  const branch = new ReLU().apply(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(stem));
  const convolved = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(branch);
  const block = new ReLU().apply(new Add().apply([convolved, stem]));
  const projected = new Add().apply([new Conv2D({ filters: 4, kernelSize: 1, useBias: false }).apply(block), block]);
  const pooled = new GlobalAveragePooling2D().apply(projected);
  const output = new Softmax().apply(new Dense({ units: 3 }).apply(pooled));
  return new Model({ inputs: input.output, outputs: output }, { seed, dtype });
}

/** How many times each kernel ran in `body` (the active backend's table, wrapped while it runs). */
function countKernels(body: () => void): Map<string, number> {
  const kernels = getBackend().kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { ...kernels };
  const counts = new Map<string, number>();
  for (const [id, kernel] of Object.entries(originals)) {
    kernels[id] = (...args: unknown[]) => {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return kernel(...args);
    };
  }
  try {
    body();
  } finally {
    Object.assign(kernels, originals);
  }
  return counts;
}

describe('graph models: Conv2D + Add (+ ReLU) fused in training', () => {
  test('forward runs no Add or ReLU pass of its own, and its loss and gradients equal the unfused ones', () => {
    const model = convResidualNetwork('float32', 5);
    const random = new Random(6);
    for (const { name, tensor } of model.namedWeights())
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.4 * (random.uniform() - 0.5);
    const x = Tensor.fromArray(
      Array.from({ length: 3 * 6 * 6 * 4 }, () => random.uniform() * 2 - 1),
      [3, 6, 6, 4],
    );
    const targets = Tensor.fromArray([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]);
    const trainable = model.namedWeights().filter((weight) => weight.isTrainable);
    const weights = trainable.map((weight) => weight.tensor);
    const run = (isFused: boolean) => {
      const tape = new GradientTape(weights);
      const loss = tape.run(
        () =>
          softmaxCrossEntropy(
            model.forward(x, {
              isTraining: true,
              end: model.logitsEnd(),
              // A layer-by-layer observer turns fusion off.
              ...(isFused ? {} : { onOutput: () => undefined }),
            }),
            targets,
          ).loss,
      );
      return { loss: loss.dataSync()[0]!, gradients: tape.gradient(loss, weights).map((g) => g.dataSync()) };
    };
    let fused = run(true);
    const counts = countKernels(() => {
      fused = run(true);
    });
    // Both Adds run inside the convolutions. Backward, the branches join twice: the ReLU-fused convolution adds the
    // second gradient of `block` in its ClipBiasAddGrad (GradientContext.addendOf); the stem, with no mask, runs an Add.
    assert.equal(counts.get('Add'), 1, 'Add kernels, fused');
    assert.equal(counts.get('Relu') ?? 0, 0, 'Relu kernels');
    assert.equal(counts.get('ReluGrad') ?? 0, 0, 'ReluGrad kernels');
    const unfusedCounts = countKernels(() => run(false));
    assert.equal(unfusedCounts.get('Add'), 4, 'Add kernels, unfused: 2 forward, 2 where branches join backward');
    const unfused = run(false);
    assertClose([fused.loss], [unfused.loss], { atol: 1e-6 }, 'loss');
    fused.gradients.forEach((gradient, index) => {
      assertClose(
        gradient,
        unfused.gradients[index]!,
        { atol: 1e-5, rtol: 1e-5 },
        `${trainable[index]!.name} gradient`,
      );
    });
  });

  test('gradients of every weight through the fused blocks match central differences (float64)', () => {
    const model = convResidualNetwork('float64', 7);
    const random = new Random(8);
    for (const { name, tensor } of model.namedWeights())
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.4 * (random.uniform() - 0.5);
    const x = uniformTensor(random, [2, 6, 6, 4]);
    const targets = Tensor.fromArray([1, 0, 0, 0, 0, 1], [2, 3], 'float64');
    const trainable = model.namedWeights().filter((weight) => weight.isTrainable);
    gradcheck(
      () => softmaxCrossEntropy(model.forward(x, { isTraining: true, end: model.logitsEnd() }), targets).loss,
      trainable.map((weight) => weight.tensor),
      { names: trainable.map((weight) => weight.name), maxRelativeError: 1e-6, label: 'fused residual blocks' },
    );
  });
});

describe('graph models', () => {
  test('layers come in an order where each follows its inputs, the Softmax last', () => {
    const model = residualNetwork();
    model.nodes.forEach((node, index) => {
      node.inputs.forEach((input) => {
        assert.ok(input < index, `${node.layer.name} reads ${input}`);
      });
    });
    assert.equal(model.layers[0]!.className, 'Input');
    assert.equal(model.layers[model.layers.length - 1]!.className, 'Softmax');
    assert.equal(model.isChain, false);
    assert.deepEqual(model.outputShape, [3]);
    const concat = model.layers.findIndex((layer) => layer.className === 'Concatenate');
    assert.deepEqual(model.layerOutputShapes[concat], [8, 8, 6]);
    // The summary names each layer's inputs.
    assert.match(model.summary(), /add_1 \(Add\)\s+8x8x4\s+0\s+256\s+batchnormalization_2, relu_1/);
    assert.match(model.summary(), /Input from/);
    assert.doesNotMatch(new Sequential([new Input({ shape: [4] }), new Dense({ units: 2 })]).summary(), /Input from/);
  });

  test('forward equals the layers run by hand, the skip connection and concatenation included', () => {
    const model = residualNetwork();
    const x = Tensor.fromArray(
      Array.from({ length: 2 * 8 * 8 * 3 }, (_, index) => Math.sin(index * 0.37)),
      [2, 8, 8, 3],
    );
    const byHand: Tensor[] = [];
    model.nodes.forEach(({ layer, inputs }, index) => {
      byHand.push(
        index === 0
          ? x
          : layer.callWith(
              inputs.map((input) => byHand[input]!),
              { isTraining: false },
            ),
      );
    });
    // forward fuses the stem's Conv2D + ReLU (the conv has one reader); results agree to rounding.
    assertClose(model.forward(x).dataSync(), byHand[byHand.length - 1]!.dataSync(), { atol: 1e-6 }, 'probabilities');
    const concat = model.layers.findIndex((layer) => layer.className === 'Concatenate');
    const [blockIndex, sideIndex] = model.nodes[concat]!.inputs as [number, number];
    assertClose(
      byHand[concat]!.dataSync(),
      concatenate([byHand[blockIndex]!, byHand[sideIndex]!]).dataSync(),
      { atol: 0 },
      'concatenation',
    );
  });

  test(
    'gradients of every weight through the residual network match central differences (float64, ' + 'training mode)',
    () => {
      const model = residualNetwork({ dtype: 'float64', seed: 9 });
      const random = new Random(10);
      for (const { name, tensor } of model.namedWeights()) {
        if (name.endsWith('/bias') || name.endsWith('/beta'))
          for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.2 * (random.uniform() - 0.5);
      }
      const x = uniformTensor(random, [3, 8, 8, 3]);
      const targets = Tensor.zeros([3, 3], 'float64');
      for (let row = 0; row < 3; row++) targets.dataSync()[row * 3 + row] = 1;
      const trainable = model.namedWeights().filter((weight) => weight.isTrainable);
      gradcheck(
        () => softmaxCrossEntropy(model.forward(x, { isTraining: true, end: model.logitsEnd() }), targets).loss,
        trainable.map((weight) => weight.tensor),
        {
          names: trainable.map((weight) => weight.name),
          maxRelativeError: 1e-6,
          label: 'residual network',
        },
      );
    },
  );

  test('trains, saves with its connections, and loads to the same predictions', () => {
    const model = residualNetwork({ classes: 2 });
    const random = new Random(3);
    const count = 64;
    // Class 1 images are brighter in their left half: a pattern a few steps can learn.
    const x = Tensor.zeros([count, 8, 8, 3]);
    const labels = Array.from({ length: count }, (_, index) => index % 2);
    for (let example = 0; example < count; example++) {
      for (let pixel = 0; pixel < 64; pixel++) {
        const isLeft = pixel % 8 < 4;
        for (let channel = 0; channel < 3; channel++)
          x.dataSync()[(example * 64 + pixel) * 3 + channel] =
            random.uniform() * 0.5 + (labels[example] === 1 && isLeft ? 0.5 : 0);
      }
    }
    const history = model.fit(x, labels, { epochs: 8, batchSize: 16 });
    assert.ok(
      history.epochs[7]!.loss < history.epochs[0]!.loss,
      `loss ${history.epochs[0]!.loss} -> ${history.epochs[7]!.loss}`,
    );
    assert.ok(model.evaluate(x, labels).accuracy >= 0.9, `accuracy ${model.evaluate(x, labels).accuracy}`);
    const directory = mkdtempSync(join(tmpdir(), 'convnet-graph-'));
    try {
      saveModel(model, directory);
      const { model: loaded, manifest } = loadModel(directory);
      assert.ok(!(loaded instanceof Sequential), 'a graph loads as a graph');
      assert.deepEqual(
        manifest.layers.map((layer) => layer.inputs),
        model.nodes.map((node) => [...node.inputs]),
      );
      assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    // Pictures of a graph: one per layer; Grad-CAM on the last conv layer.
    const one = Tensor.fromArray(x.dataSync().slice(0, 192), [1, 8, 8, 3]);
    assert.equal(featureMapPictures(model, one).length, model.layers.length);
    const cam = gradCam(model, one, {
      width: 8,
      height: 8,
      colorModel: 'rgb',
      data: Float32Array.from(x.dataSync().slice(0, 192)),
    });
    assert.equal(cam.layerName, model.layers.filter((layer) => layer.className === 'Conv2D').pop()!.name);
  });

  test('a chain saved by Sequential loads as a Sequential', () => {
    const model = new Sequential([
      new Input({ shape: [4, 4, 1] }),
      new Conv2D({ filters: 2, kernelSize: 3 }),
      new ReLU(),
      new Flatten(),
      new Dense({ units: 2 }),
      new Softmax(),
    ]);
    const directory = mkdtempSync(join(tmpdir(), 'convnet-chain-'));
    try {
      saveModel(model, directory);
      const { model: loaded, manifest } = loadModel(directory);
      assert.ok(loaded instanceof Sequential);
      assert.ok(
        manifest.layers.every((layer) => layer.inputs === undefined),
        'no inputs written for a chain',
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('mistakes in building a graph are named', () => {
    const input = new Input({ shape: [6, 6, 3] });
    const conv = new Conv2D({ filters: 3, kernelSize: 3 });
    const out = conv.apply(input.output);
    assert.throws(() => conv.apply(input.output), /already applied/);
    assert.throws(() => new Add().apply([out, input.output]), /one shape to be added, got 4x4x3 and 6x6x3/);
    assert.throws(() => new Concatenate().apply([out, input.output]), /agree on every axis but the channels/);
    assert.throws(() => new Add().apply([out]), /at least 2 inputs/);
    const other = new Input({ shape: [6, 6, 3] });
    assert.throws(() => new Model({ inputs: input.output, outputs: new ReLU().apply(other.output) }), ValueError);
    assert.throws(() => new Sequential([new Input({ shape: [4] }), new Add()]), /build a graph Model/);
  });
});
