// Transfer learning in the library: frozen layers (Layer.trainable, Model.freeze / unfreeze) keep
// their weights and batch normalization statistics byte-identical through fit, record nothing on the
// gradient tape and are skipped by the optimizer (weight decay included); featureExtractor cuts native,
// ONNX-imported and TF.js-imported models, sharing weights; addClassifierHead makes a model that saves,
// loads and exports to ONNX as one; fit on cached features of a frozen prefix equals fit without the cache.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Adam,
  Add,
  addClassifierHead,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  exportOnnx,
  Flatten,
  GlobalAveragePooling2D,
  GradientTape,
  importedInput,
  importOnnx,
  Input,
  MaxPool2D,
  Model,
  parseModel,
  parseTfjsModel,
  ReLU,
  Sequential,
  serializeModel,
  SGD,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  ShapeError,
  ValueError,
  withScope,
} from '../../src/index.js';
import { assertClose, assertThrowsWith, barImages } from '../helpers.js';
import { randomizeWeights, saveTfjs, tf } from '../io/tfjs/tfjsModels.js';

/** conv -> bn -> relu -> pool -> conv -> relu -> GAP -> dense -> softmax on 8x8x1 bars; names fixed for freeze(). */
function backboneModel(seed = 3): Sequential {
  return new Sequential(
    [
      new Input({ shape: [8, 8, 1] }),
      new Conv2D({ name: 'conv_a', filters: 4, kernelSize: 3, padding: 'same' }),
      new BatchNormalization({ name: 'bn_a' }),
      new ReLU({ name: 'relu_a' }),
      new MaxPool2D({ name: 'pool_a' }),
      new Conv2D({ name: 'conv_b', filters: 6, kernelSize: 3, padding: 'same' }),
      new ReLU({ name: 'relu_b' }),
      new GlobalAveragePooling2D({ name: 'gap' }),
      new Dense({ name: 'dense', units: 3 }),
      new Softmax({ name: 'softmax' }),
    ],
    { seed },
  );
}

const TRAIN = barImages(64, 5);
/** The bars as an exported ONNX graph takes them (NCHW; one channel, so the same values). */
const NCHW_X = new Tensor(TRAIN.x.dataSync(), [64, 1, 8, 8]);

/** Every weight's bytes, by name. */
function snapshot(model: Model): Map<string, Float32Array> {
  return new Map(model.namedWeights().map((weight) => [weight.name, Float32Array.from(weight.tensor.dataSync())]));
}

/** A backbone trained a little, so that its batch normalization statistics are not the initial ones. */
function trainedBackbone(): Sequential {
  const model = backboneModel();
  model.fit(TRAIN.x, TRAIN.labels, { epochs: 1, batchSize: 16, optimizer: new SGD({ learningRate: 0.05 }) });
  return model;
}

describe('frozen layers', () => {
  test(
    'freeze(upTo) keeps weights and batch normalization statistics byte-identical through fit; ' + 'the rest trains',
    () => {
      const model = trainedBackbone().freeze('relu_b');
      const before = snapshot(model);
      model.fit(TRAIN.x, TRAIN.labels, {
        epochs: 2,
        batchSize: 16,
        optimizer: new SGD({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 }),
        cacheFrozenFeatures: false,
      });
      for (const [name, values] of snapshot(model)) {
        if (name.startsWith('dense/')) assert.notDeepEqual(values, before.get(name), `${name} trained`);
        else assert.deepEqual(values, before.get(name), `${name} is byte-identical`);
      }
      assert.deepEqual(
        model.layers.map((layer) => layer.trainable),
        [false, false, false, false, false, false, false, true, true, true],
      );
    },
  );

  test('a frozen BatchNormalization normalizes with its moving statistics in training', () => {
    const model = trainedBackbone();
    const bn = model.layers[2] as BatchNormalization;
    bn.trainable = false;
    const batch = withScope(() => model.forward(TRAIN.x, { end: 3 }).dataSync().slice());
    const trainingBatch = withScope(() => model.forward(TRAIN.x, { end: 3, isTraining: true }).dataSync().slice());
    assert.deepEqual(trainingBatch, batch, 'training-mode output equals inference output');
  });

  test('the tape records nothing for a frozen prefix (counted)', () => {
    const model = trainedBackbone();
    const record = () =>
      withScope(() => {
        const tape = new GradientTape(model.trainableWeights());
        tape.run(() =>
          softmaxCrossEntropy(
            model.forward(TRAIN.x, { isTraining: true, end: model.logitsEnd() }),
            Tensor.fromArray(new Array<number>(64 * 3).fill(1 / 3), [64, 3]),
          ),
        );
        return tape.recordedOperations();
      });
    const all = record();
    model.freeze('gap');
    const head = record();
    // Dense is MatMul + BiasAdd; the loss is one op: nothing of the 7 layers before.
    assert.deepEqual(head, ['MatMul', 'BiasAdd', 'SoftmaxCrossEntropy']);
    assert.ok(all.length > head.length + 6, `unfrozen records ${all.length} ops: ${all.join(', ')}`);
    model.unfreeze('conv_b');
    const top = record();
    assert.equal(top[0], 'Conv2D', `after unfreeze('conv_b') the tape starts at conv_b: ${top.join(', ')}`);
  });

  test('the optimizer skips a frozen layer in the middle (weight decay too); gradients still flow through it', () => {
    const model = trainedBackbone();
    model.layers[5]!.trainable = false; // conv_b
    const before = snapshot(model);
    assert.equal(model.trainableWeights().length, 2 + 2 + 2, 'conv_a, bn_a gamma/beta, dense');
    const optimizer = new Adam({ learningRate: 0.01 });
    model.fit(TRAIN.x, TRAIN.labels, { epochs: 1, batchSize: 16, optimizer });
    const after = snapshot(model);
    assert.deepEqual(after.get('conv_b/kernel'), before.get('conv_b/kernel'));
    assert.deepEqual(after.get('conv_b/bias'), before.get('conv_b/bias'));
    assert.notDeepEqual(
      after.get('conv_a/kernel'),
      before.get('conv_a/kernel'),
      'conv_a trains through the frozen conv_b',
    );
    assert.equal(optimizer.getState(model.trainableWeights()).weights.length, 6);
    const decayed = new SGD({ learningRate: 0.1, weightDecay: 0.5 });
    model.freeze();
    const frozen = snapshot(model);
    model.fit(TRAIN.x, TRAIN.labels, { epochs: 1, batchSize: 16, optimizer: decayed });
    assert.deepEqual(snapshot(model), frozen, 'a fully frozen model is untouched by weight decay');
  });

  test('summary counts frozen weights as non-trainable; freeze and unfreeze refuse unknown names', () => {
    const model = backboneModel().freeze('conv_b');
    const summary = model.summaryData();
    const total = summary.totalParameters;
    assert.equal(total - summary.nonTrainableParameters, 6 * 3 + 3, 'only the dense layer trains');
    assert.match(model.summary(), /conv_a \(Conv2D\) \(frozen\)/);
    assert.match(model.summary(), /Trainable params: 21\n/);
    assertThrowsWith(() => model.freeze('nope'), ValueError, "freeze: the model has no layer named 'nope'", 'conv_a');
    assertThrowsWith(() => model.unfreeze('nope'), ValueError, "unfreeze: the model has no layer named 'nope'");
  });

  test(
    'model.json keeps the flags (version 4); a model with none frozen is written as version 3 and ' +
      'loads all trainable',
    () => {
      const model = trainedBackbone().freeze('pool_a');
      const { manifest, weights } = serializeModel(model);
      const parsed = JSON.parse(manifest) as { formatVersion: number; layers: { trainable?: boolean }[] };
      assert.equal(parsed.formatVersion, 4);
      assert.deepEqual(
        parsed.layers.map((layer) => layer.trainable),
        [false, false, false, false, false, undefined, undefined, undefined, undefined, undefined],
      );
      const loaded = parseModel(manifest, weights).model;
      assert.deepEqual(
        loaded.layers.map((layer) => layer.trainable),
        model.layers.map((layer) => layer.trainable),
      );
      assert.deepEqual(snapshot(loaded), snapshot(model));
      const older = {
        ...parsed,
        formatVersion: 3,
        layers: parsed.layers.map(({ trainable: _trainable, ...rest }) => rest),
      };
      assert.ok(parseModel(JSON.stringify(older), weights).model.layers.every((layer) => layer.trainable));
      assert.equal(
        (JSON.parse(serializeModel(model.unfreeze()).manifest) as { formatVersion: number }).formatVersion,
        3,
      );
      const hostile = {
        ...parsed,
        layers: parsed.layers.map((layer, index) => (index === 1 ? { ...layer, trainable: 'no' } : layer)),
      };
      assert.throws(
        () => parseModel(JSON.stringify(hostile), weights),
        /layers\[1\]\.trainable' must be false or absent/,
      );
    },
  );
});

describe('featureExtractor and addClassifierHead', () => {
  test('featureExtractor shares the layers and weights and gives the inner output', () => {
    const model = trainedBackbone();
    const cut = model.featureExtractor('gap');
    assert.deepEqual(cut.outputShape, [6]);
    assert.equal(cut.layers.length, 8);
    assert.ok(cut.layers.every((layer, index) => layer === model.layers[index]));
    const expected = withScope(() => model.forward(TRAIN.x, { end: 8 }).dataSync().slice());
    assertClose(cut.predict(TRAIN.x).dataSync(), expected, { atol: 1e-5, rtol: 1e-5 }, 'cut output');
    // Shared: a change through one model shows in the other.
    (model.layers[5] as Conv2D).kernel!.dataSync().fill(0);
    (model.layers[5] as Conv2D).bias!.dataSync().fill(0);
    model.markWeightsChanged();
    assertClose(
      cut.predict(TRAIN.x).dataSync(),
      new Float32Array(64 * 6).fill(0),
      { atol: 1e-6 },
      'a zeroed conv_b gives zeros',
    );
    assertThrowsWith(
      () => model.featureExtractor('missing'),
      ValueError,
      "featureExtractor: the model has no layer named 'missing'",
    );
  });

  test('featureExtractor on a graph keeps only what the cut depends on', () => {
    const input = new Input({ shape: [4, 4, 3] });
    const left = new Conv2D({ name: 'left', filters: 2, kernelSize: 1 }).apply(input.output);
    const right = new Conv2D({ name: 'right', filters: 2, kernelSize: 3, padding: 'same' }).apply(input.output);
    const joined = new GlobalAveragePooling2D({ name: 'gap' }).apply(new ReLU({ name: 'relu' }).apply(right));
    const leftPooled = new GlobalAveragePooling2D({ name: 'gap_left' }).apply(left);
    const output = new Softmax().apply(new Dense({ units: 2 }).apply(new Flatten().apply(joined)));
    const model = new Model({ inputs: input.output, outputs: [output, leftPooled] }, { seed: 2 });
    const cut = model.featureExtractor('gap');
    assert.deepEqual(
      cut.layers.map((layer) => layer.name),
      ['input_1', 'right', 'relu', 'gap'],
    );
  });

  test(
    'a Model built from an inner symbolic output shares the weights; a built layer refuses other ' +
      'shapes and dtypes',
    () => {
      const input = new Input({ shape: [8, 8, 1] });
      const conv = new Conv2D({ name: 'conv', filters: 2, kernelSize: 3, padding: 'same' });
      const features = new GlobalAveragePooling2D({ name: 'gap' }).apply(
        new ReLU({ name: 'relu' }).apply(conv.apply(input.output)),
      );
      const output = new Softmax().apply(new Dense({ name: 'dense', units: 3 }).apply(features));
      const model = new Model({ inputs: input.output, outputs: output }, { seed: 1 });
      const kernel = conv.kernel!;
      const values = Float32Array.from(kernel.dataSync());
      const inner = new Model({ inputs: input.output, outputs: features }, { seed: 99 });
      assert.equal(conv.kernel, kernel, 'the same tensor');
      assert.deepEqual(conv.kernel.dataSync(), values, 'not initialised again from the other seed');
      assertClose(
        inner.predict(TRAIN.x).dataSync(),
        withScope(() => model.forward(TRAIN.x, { end: 4 }).dataSync().slice()),
        { atol: 1e-6 },
        'inner output',
      );
      assertThrowsWith(
        () => new Sequential([new Input({ shape: [6, 6, 1] }), conv]),
        ShapeError,
        "Conv2D 'conv' was built for 8x8x1 and keeps its weights; it cannot take 6x6x1",
      );
      assertThrowsWith(
        () => new Sequential([new Input({ shape: [8, 8, 1] }), conv], { dtype: 'float64' }),
        ValueError,
        "Conv2D 'conv' holds float32 weights; it cannot join a float64 model",
      );
    },
  );

  test('addClassifierHead: a frozen backbone, a new head; saves, loads and exports to ONNX as one model', () => {
    const base = trainedBackbone();
    const backboneWeights = snapshot(base);
    const model = addClassifierHead(base.featureExtractor('relu_b'), { classes: 2, classNames: ['a', 'b'], seed: 9 });
    assert.deepEqual(
      model.layers.slice(-3).map((layer) => layer.className),
      ['GlobalAveragePooling2D', 'Dense', 'Softmax'],
    );
    assert.deepEqual(model.outputShape, [2]);
    assert.ok(model.layers.slice(0, 7).every((layer, index) => layer === base.layers[index] && !layer.trainable));
    const labels = TRAIN.labels.map((label) => (label === 0 ? 0 : 1));
    model.fit(TRAIN.x, labels, { epochs: 2, batchSize: 16 });
    for (const [name, values] of snapshot(base)) {
      if (!name.startsWith('dense/')) assert.deepEqual(values, backboneWeights.get(name), `${name} unchanged`);
    }
    const { manifest, weights } = serializeModel(model);
    const loaded = parseModel(manifest, weights).model;
    assert.deepEqual(loaded.classNames, ['a', 'b']);
    assertClose(loaded.predict(TRAIN.x).dataSync(), model.predict(TRAIN.x).dataSync(), { atol: 1e-6 }, 'loaded');
    const imported = importOnnx(exportOnnx(model));
    assertClose(
      imported.model.predict(importedInput(NCHW_X, imported.inputLayout)).dataSync(),
      model.predict(TRAIN.x).dataSync(),
      { atol: 1e-5 },
      'ONNX round trip',
    );
    assertThrowsWith(() => addClassifierHead(base, { classes: 0 }), ValueError, 'classes must be a positive integer');
  });

  test('two stages: the head on cached features, then the top block unfrozen with a lower learning rate', () => {
    const base = trainedBackbone();
    const model = addClassifierHead(base.featureExtractor('relu_b'), { classes: 3, seed: 4 });
    const first = model.fit(TRAIN.x, TRAIN.labels, {
      epochs: 4,
      batchSize: 16,
      optimizer: new Adam({ learningRate: 0.02 }),
    });
    const convA = Float32Array.from((model.layers[1] as Conv2D).kernel!.dataSync());
    const convB = Float32Array.from((model.layers[5] as Conv2D).kernel!.dataSync());
    model.unfreeze('conv_b');
    const second = model.fit(TRAIN.x, TRAIN.labels, {
      epochs: 2,
      batchSize: 16,
      optimizer: new Adam({ learningRate: 0.002 }),
    });
    assert.deepEqual((model.layers[1] as Conv2D).kernel!.dataSync(), convA, 'conv_a stays frozen');
    assert.notDeepEqual((model.layers[5] as Conv2D).kernel!.dataSync(), convB, 'conv_b fine-tunes');
    assert.ok(
      second.epochs.at(-1)!.loss < first.epochs[0]!.loss,
      `loss ${first.epochs[0]!.loss} -> ${second.epochs.at(-1)!.loss}`,
    );
  });
});

describe('fit on cached features of a frozen prefix', () => {
  for (const withValidation of [false, true]) {
    test(`equals fit without the cache (same seed, a few steps${withValidation ? ', validationSplit' : ''})`, () => {
      const run = (cache: boolean) => {
        const model = trainedBackbone().freeze('relu_b');
        let cachedFeaturesOf: string | undefined;
        const history = model.fit(TRAIN.x, TRAIN.labels, {
          epochs: 2,
          batchSize: 8,
          seed: 11,
          optimizer: new Adam({ learningRate: 0.01 }),
          cacheFrozenFeatures: cache,
          callbacks: { onTrainBegin: (info) => (cachedFeaturesOf = info.cachedFeaturesOf) },
          ...(withValidation ? { validationSplit: 0.25 } : {}),
        });
        assert.equal(
          cachedFeaturesOf,
          cache ? 'gap' : undefined,
          'the cache starts after the last frozen layer without weights',
        );
        return { weights: snapshot(model), history };
      };
      const cached = run(true);
      const full = run(false);
      for (const [name, values] of full.weights)
        assertClose(cached.weights.get(name)!, values, { atol: 1e-6, rtol: 1e-5 }, name);
      cached.history.epochs.forEach((epoch, index) => {
        assert.ok(Math.abs(epoch.loss - full.history.epochs[index]!.loss) < 1e-5, `epoch ${index + 1} loss`);
        assert.equal(epoch.accuracy, full.history.epochs[index]!.accuracy);
      });
    });
  }
});

describe('when fit does not cache', () => {
  const cachedLayer = (
    model: Model,
    options: { augment?: (batch: Tensor) => void; cacheFrozenFeatures?: boolean } = {},
  ) => {
    let name: string | undefined;
    model.fit(TRAIN.x, TRAIN.labels, {
      epochs: 1,
      batchSize: 32,
      ...options,
      callbacks: { onTrainBegin: (info) => (name = info.cachedFeaturesOf) },
    });
    return name;
  };

  test('with augmentation, when asked not to, or with nothing frozen', () => {
    assert.equal(cachedLayer(backboneModel().freeze('gap'), { augment: () => {} }), undefined);
    assert.equal(cachedLayer(backboneModel().freeze('gap'), { cacheFrozenFeatures: false }), undefined);
    assert.equal(cachedLayer(backboneModel()), undefined, 'conv_a trains: no prefix');
    assert.equal(cachedLayer(backboneModel().freeze('pool_a')), 'pool_a');
  });

  test('not past a Dropout (it draws numbers in training) nor where a later layer reads before the cut', () => {
    const model = new Sequential(
      [
        new Input({ shape: [8, 8, 1] }),
        new Conv2D({ name: 'conv', filters: 2, kernelSize: 3, padding: 'same' }),
        new Dropout({ name: 'drop', rate: 0.5 }),
        new Flatten({ name: 'flat' }),
        new Dense({ name: 'dense', units: 3 }),
        new Softmax(),
      ],
      { seed: 1 },
    ).freeze('flat');
    assert.equal(cachedLayer(model), 'conv');
    const input = new Input({ shape: [8, 8, 1] });
    const conv = new Conv2D({ name: 'conv', filters: 1, kernelSize: 3, padding: 'same' }).apply(input.output);
    const relu = new ReLU({ name: 'relu' }).apply(conv);
    const joined = new Add({ name: 'add' }).apply([relu, conv]);
    const output = new Softmax().apply(
      new Dense({ name: 'dense', units: 3 }).apply(new Flatten({ name: 'flat' }).apply(joined)),
    );
    const graph = new Model({ inputs: input.output, outputs: output }, { seed: 1 }).freeze('add');
    assert.deepEqual(
      graph.layers.map((layer) => layer.name),
      ['input_1', 'conv', 'relu', 'add', 'flat', 'dense', 'softmax_1'],
    );
    assert.equal(cachedLayer(graph), 'flat', 'add reads conv, so the cut cannot be at relu; after add it can');
  });
});

describe('featureExtractor on imported models', () => {
  test("ONNX: a cut of the imported graph gives the native cut's features", () => {
    const model = trainedBackbone();
    const imported = importOnnx(exportOnnx(model));
    const name = imported.model.layers.find(
      (layer, index) =>
        layer.className === 'GlobalAveragePooling2D' || imported.model.layerOutputShapes[index]!.length === 1,
    )!.name;
    const cut = imported.model.featureExtractor(name);
    assert.ok(cut.layers.every((layer, index) => layer === imported.model.layers[index]));
    assertClose(
      cut.predict(importedInput(NCHW_X, imported.inputLayout)).dataSync(),
      model.featureExtractor('gap').predict(TRAIN.x).dataSync(),
      { atol: 1e-5 },
      'ONNX cut',
    );
  });

  test('TF.js: a cut of the imported model, with a new head, trains the head only', async () => {
    const tfModel = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: 'tconv',
        }),
        tf.layers.globalAveragePooling2d({ name: 'tgap' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'tdense' }),
      ],
    });
    randomizeWeights(tfModel, 7);
    const saved = await saveTfjs(tfModel);
    const model = parseTfjsModel(JSON.stringify(saved.modelJson), saved.shards);
    const gap = model.layers.find((layer) => layer.className === 'GlobalAveragePooling2D')!;
    const cut = model.featureExtractor(gap.name);
    const expected = tf.tidy(() =>
      Array.from(
        (
          tf
            .model({ inputs: tfModel.inputs, outputs: tfModel.getLayer('tgap').output as tf.SymbolicTensor })
            .predict(tf.tensor(TRAIN.x.dataSync(), [64, 8, 8, 1])) as tf.Tensor
        ).dataSync(),
      ),
    );
    assertClose(cut.predict(TRAIN.x).dataSync(), expected, { atol: 1e-5, rtol: 1e-4 }, 'TF.js cut');
    const headed = addClassifierHead(cut, { classes: 2 });
    const before = snapshot(cut);
    headed.fit(
      TRAIN.x,
      TRAIN.labels.map((label) => label % 2),
      { epochs: 1, batchSize: 16 },
    );
    assert.deepEqual(snapshot(cut), before);
  });
});
