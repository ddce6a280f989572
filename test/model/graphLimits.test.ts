// Models of many layers and of huge feature maps (issue 12, classes 1 and 4): building a model,
// its summary and its order are linear in the layer count and walk the graph without recursion; the
// layer count, each feature map and one forward pass's maps are bounded (core/limits.ts) and refused
// by name before anything is allocated; ops refuse an output past the tensor limit; predict keeps a
// batch's maps under its bound. The many-layer model files run the CLI in a child process.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  Add,
  Conv2D,
  conv2d,
  Dense,
  encodeSafetensors,
  GlobalAveragePooling2D,
  Input,
  Layer,
  matMul,
  MaxPool2D,
  maxPool2d,
  Model,
  ReLU,
  Sequential,
  ShapeError,
  Softmax,
  Tensor,
  ValueError,
  ZeroPadding2D,
  zeroPad2d,
  type LayerConfig,
  type SymbolicTensor,
} from '../../src/index.js';
import { MAX_BATCH_ACTIVATION_ELEMENTS, MAX_MODEL_LAYERS } from '../../src/core/limits.js';
import type { Shape } from '../../src/core/shape.js';
import { describeRun, runCliBounded } from '../boundedRun.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

/** Writes a model folder of an Input of [4] and `relus` ReLU layers (a chain: no `inputs` lists). */
function writeReluModel(directory: string, relus: number): void {
  mkdirSync(directory, { recursive: true });
  const layers = [
    { className: 'Input', config: { shape: [4] } },
    ...Array.from({ length: relus }, () => ({ className: 'ReLU', config: {} })),
  ];
  writeFileSync(
    join(directory, 'model.json'),
    JSON.stringify({ format: 'convnet-ts-model', formatVersion: 2, dtype: 'float32', seed: 0, layers, weights: [] }),
  );
  writeFileSync(join(directory, 'weights.safetensors'), encodeSafetensors([]));
}

const LIMITS = { timeoutMs: 60_000, memoryBytes: 1.5 * 2 ** 30 };

describe('class 1: building a model is linear in its layers, and their count is bounded', () => {
  test(
    'a 16 MB model.json of 500,000 ReLU layers is refused by the layer limit before any layer is made ' +
      '(it ran 25 minutes)',
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'convnet-layers-'));
      try {
        writeReluModel(directory, 500_000);
        const result = await runCliBounded(['summary', '--model', directory], LIMITS);
        assert.equal(result.killedFor, null, describeRun(result));
        assert.equal(result.status, 2, describeRun(result));
        assert.equal(
          result.stderr,
          `convnet: error: ${join(directory, 'model.json')}: field 'layers' lists 500,001 layers, more than ` +
            `the 100,000 a model may have\n`,
        );
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );

  test(
    `a model.json of ${MAX_MODEL_LAYERS.toLocaleString('en-US')} layers (the limit) loads and is ` +
      `summarised under the ceiling (quadratic, it took over a minute)`,
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'convnet-layers-'));
      try {
        writeReluModel(directory, MAX_MODEL_LAYERS - 1);
        const result = await runCliBounded(['summary', '--model', directory], LIMITS);
        assert.equal(result.status, 0, describeRun(result));
        const rows = result.stdout.split('\n').filter((line) => / \(ReLU\) /.test(line));
        assert.equal(rows.length, MAX_MODEL_LAYERS - 1);
        assert.match(rows.at(-1)!, /^relu_99999 \(ReLU\) +4 +0 +0$/);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );

  test('a Sequential of one layer more than the limit is refused by count', () => {
    const layers = [new Input({ shape: [4] }), ...Array.from({ length: MAX_MODEL_LAYERS }, () => new ReLU())];
    assertThrowsWith(
      () => new Sequential(layers),
      ValueError,
      'Model: 100,001 layers, more than the 100,000 a model may have',
    );
  });

  test('a graph of 50,000 layers built with apply is ordered without recursion (it overflowed the call stack)', () => {
    const input = new Input({ shape: [4] });
    let tensor = input.output;
    for (let index = 0; index < 50_000; index++) tensor = new ReLU().apply(tensor);
    const model = new Model({ inputs: input.output, outputs: tensor });
    assert.equal(model.layers.length, 50_001);
    assert.deepEqual(model.nodes[50_000]!.inputs, [49_999]);
    assert.deepEqual(Array.from(model.predict(Tensor.fromArray([-1, 2, -3, 4], [1, 4])).dataSync()), [0, 2, 0, 4]);
  });

  test('a shape error deep in a long model shows the last layers, not all of them', () => {
    const layers = [
      new Input({ shape: [4] }),
      ...Array.from({ length: 20_000 }, () => new ReLU()),
      new MaxPoolOfVector(),
    ];
    assert.throws(
      () => new Sequential(layers),
      (error: unknown) => {
        assert.ok(error instanceof ShapeError);
        assert.match(error.message, /Shapes so far: \(19989 layers before\) -> relu_19989 4 -> .* -> relu_20000 4$/);
        assert.ok(error.message.length < 600, `${error.message.length} characters`);
        return true;
      },
    );
  });
});

describe('class 4: feature maps and tensors are bounded before anything is allocated', () => {
  test('a layer whose output map passes the limit is refused, naming it and the figures', () => {
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [8, 8, 1] }), new ZeroPadding2D({ padding: 10_000 })]),
      ShapeError,
      'Model: layer zeropadding2d_1 (ZeroPadding2D) output 20008x20008x1 has 400,320,064 values per ' +
        'example, more than the 67,108,864 a feature map may have',
    );
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [100_000, 100_000, 3] })]),
      ShapeError,
      'Model: layer input_1 (Input) output 100000x100000x3 has 30,000,000,000 values per example',
    );
  });

  test(
    "maps each within the limit but together past one forward pass's bound are refused at the layer " +
      'that passes it',
    () => {
      // 2^24 values a map: the Input and 15 ReLUs make 2^28, the 16th ReLU passes it.
      const layers = [new Input({ shape: [2048, 2048, 4] }), ...Array.from({ length: 20 }, () => new ReLU())];
      assertThrowsWith(
        () => new Sequential(layers),
        ShapeError,
        'Model: layer relu_16 (ReLU) output 2048x2048x4 brings the feature maps to 285,212,672 values per ' +
          'example, more than the 268,435,456 one forward pass may hold',
      );
    },
  );

  test("layers whose work passes one forward pass's bound are refused, pooling windows counted", () => {
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [4096, 4096, 1] }), new MaxPool2D({ poolSize: 4000, strides: 1 })]),
      ShapeError,
      'Model: layer maxpool2d_1 (MaxPool2D) output 97x97x1 takes 150,544,000,000 multiply-adds per example',
    );
    // 1024x1024x4 through 63x63x4x4 filters: 66.6 billion multiply-adds a layer, so the second passes 2^36.
    const convolution = () => new Conv2D({ filters: 4, kernelSize: 63, padding: 'same' });
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [1024, 1024, 4] }), convolution(), convolution()]),
      ShapeError,
      'Model: layer conv2d_2 (Conv2D) output 1024x1024x4 takes 66,588,770,304 multiply-adds per example (a ' +
        "pooling window's values counted as one each), " +
        'bringing the model to 133,177,540,608, more than the 68,719,476,736 one forward pass may take',
    );
  });

  test(
    'ops refuse an output past the tensor limit by name, before allocating (a RangeError, or a 25 GB ' +
      'request to the wasm memory)',
    () => {
      const pixel = Tensor.zeros([1, 1, 1, 1]);
      assertThrowsWith(
        () => zeroPad2d(pixel, 40_000),
        ShapeError,
        'zeroPad2d: an output of 1x80001x80001x1 would hold 6,400,160,001 values, more than the 268,435,456 ' +
          'one tensor may hold',
      );
      assertThrowsWith(
        () => conv2d(pixel, Tensor.zeros([1, 1, 1, 1]), null, { padding: 40_000 }),
        ShapeError,
        'conv2d: an output of 1x80001x80001x1',
      );
      assertThrowsWith(
        () => maxPool2d(pixel, { poolSize: 80_000, strides: 1, padding: 79_999 }),
        ShapeError,
        'maxPool2d: an output of 1x80000x80000x1',
      );
      assertThrowsWith(
        () => matMul(Tensor.zeros([100_000, 1]), Tensor.zeros([1, 100_000])),
        ShapeError,
        'matMul: an output of 100000x100000 would hold 10,000,000,000 values',
      );
    },
  );

  test(
    'predict and evaluate run a batch whose maps would pass their bound in smaller batches, with ' + 'the same results',
    () => {
      // 6 pass-through layers in a chain, all read by one Add, then pooling: the inference plan keeps the
      // 6 maps and the Add's alive at once, 7 maps of 2^21 values an example (and 16 more each for the
      // slots' alignment), so 2^27 / (7 * (2^21 + 16)) = 9 examples a batch. The plan counts only the maps
      // alive at once: a chain without the Add would keep 2 and run the 10 examples as one batch.
      const seen: number[] = [];
      const input = new Input({ shape: [1024, 512, 4] });
      const maps: SymbolicTensor[] = [];
      let map = input.output;
      for (let index = 0; index < 6; index++) {
        map = new BatchSizeSpy(seen).apply(map);
        maps.push(map);
      }
      const scores = new Dense({ units: 2 }).apply(new GlobalAveragePooling2D().apply(new Add().apply(maps)));
      const model = new Model({ inputs: input.output, outputs: new Softmax().apply(scores) }, { seed: 1 });
      const expected = Math.floor(MAX_BATCH_ACTIVATION_ELEMENTS / (7 * (2 ** 21 + 16)));
      assert.equal(expected, 9);
      const x = Tensor.zeros([10, 1024, 512, 4]);
      for (let example = 0; example < 10; example++)
        x.dataSync().fill(example / 10, example * 2 ** 21, (example + 1) * 2 ** 21);
      const probabilities = model.predict(x);
      assert.deepEqual(
        seen.filter((_, index) => index % 6 === 0),
        [9, 1],
      );
      seen.length = 0;
      const one = model.predict(x, { batchSize: 1 });
      assertClose(probabilities.dataSync(), one.dataSync(), { atol: 1e-6 }, 'batches of 9 and of 1');
      seen.length = 0;
      model.evaluate(x, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], { batchSize: 4 });
      assert.deepEqual(
        seen.filter((_, index) => index % 6 === 0),
        [4, 4, 2],
        'a batch size under the bound is kept',
      );
    },
  );
});

/** A pass-through layer that records the batch size of every call. */
class BatchSizeSpy extends Layer {
  readonly className = 'BatchSizeSpy';

  constructor(private readonly seen: number[]) {
    super();
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  call(input: Tensor): Tensor {
    this.seen.push(input.shape[0]!);
    return input;
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}

/** A layer that takes only feature maps, to fail at the end of a chain of vectors. */
class MaxPoolOfVector extends Layer {
  readonly className = 'MaxPoolOfVector';

  // biome-ignore lint/complexity/noUselessConstructor: makes Layer's protected constructor public
  constructor() {
    super();
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3)
      throw new ShapeError(`MaxPoolOfVector: needs feature maps, got ${inputShape.join('x')}`);
    return inputShape;
  }

  call(input: Tensor): Tensor {
    return input;
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}
