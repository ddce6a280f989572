// The inference plan (model/inferencePlan.ts) against the layer-by-layer forward pass: which layers
// fuse (batch normalization folded, residual Adds, every fused activation, x * sigmoid(x) and
// x * hardSigmoid(x), a pre-activation's normalization and ReLU) and which
// must not (a convolution or Add read twice), predict / evaluate / predictOutputs equal to forward
// within float32 rounding on the reference and WebAssembly backends, the plan rebuilt whenever the
// weights change (fit, an optimizer step, early stopping's restore, a replaced tensor,
// markWeightsChanged after an in-place edit), and a deep chain's peak memory well under what a
// forward pass holding every layer's output needs.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  Add,
  backendInfo,
  BatchNormalization,
  Clip,
  Conv2D,
  Dense,
  earlyStopping,
  Flatten,
  GlobalAveragePooling2D,
  GradientTape,
  HardSigmoid,
  HardSwish,
  initWasmBackend,
  Input,
  LeakyReLU,
  MaxPool2D,
  Model,
  Multiply,
  parseModel,
  Random,
  ReLU,
  serializeModel,
  setBackend,
  SGD,
  Sigmoid,
  SiLU,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  withScope,
  type Layer,
  type SymbolicTensor,
} from '../../src/index.js';
import { InferencePlan } from '../../src/model/inferencePlan.js';
import { wasmSkip } from '../parity/harness.js';
import { assertClose } from '../helpers.js';

const TOLERANCE = { atol: 2e-6, rtol: 1e-4 };
/** The polyphase F(5x5, 4x4) stem's rounding (see the stem test). */
const STEM_TOLERANCE = { atol: 2e-5, rtol: 1e-4 };
const CLASSES = 6;

/** Gives every BatchNormalization statistics and scales far from the identity, and every Conv2D and Dense a bias. */
function randomizeState(model: Model, seed: number): void {
  const random = new Random(seed);
  const fill = (tensor: Tensor | null, low: number, high: number) => {
    if (tensor === null) return;
    for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = low + random.uniform() * (high - low);
  };
  for (const layer of model.layers) {
    if (layer instanceof BatchNormalization) {
      fill(layer.gamma, 0.5, 1.5);
      fill(layer.beta, -0.5, 0.5);
      fill(layer.movingMean, -0.5, 0.5);
      fill(layer.movingVariance, 0.5, 1.5);
    }
    if (layer instanceof Conv2D || layer instanceof Dense) fill(layer.bias, -0.2, 0.2);
  }
  model.markWeightsChanged();
}

/**
 * A network with every pattern the plan fuses and the ones it must leave alone. The comment after
 * each line is the plan step it should become.
 */
function patternNetwork(seed = 3): Model {
  const on = (layer: Layer, from: SymbolicTensor | SymbolicTensor[]) => layer.apply(from);
  const conv = (filters: number, options: { kernelSize?: number; strides?: number; groups?: number } = {}) =>
    new Conv2D({
      filters,
      kernelSize: options.kernelSize ?? 3,
      strides: options.strides ?? 1,
      groups: options.groups ?? 1,
      padding: 'same',
    });
  const input = new Input({ shape: [9, 10, 3] });
  const a = on(new ReLU(), on(new BatchNormalization(), on(conv(8), input.output))); // Conv2D+BatchNormalization+ReLU
  const b = on(new ReLU(), on(new Add(), [on(new BatchNormalization(), on(conv(8), a)), a])); // Conv2D+BatchNormalization+Add+ReLU
  const c = on(new Clip({ min: 0, max: 6 }), on(conv(8, { kernelSize: 1 }), b)); // Conv2D+Clip
  const d = on(new LeakyReLU({ alpha: 0.1 }), on(new BatchNormalization(), on(conv(8, { strides: 2 }), c))); // Conv2D+BatchNormalization+LeakyReLU
  const e = on(new HardSwish(), on(new BatchNormalization(), on(conv(8, { groups: 8 }), d))); // Conv2D+BatchNormalization+HardSwish
  const f = on(new HardSigmoid({ alpha: 1 / 6 }), on(conv(8, { kernelSize: 1 }), e)); // Conv2D+HardSigmoid
  const g = on(new Sigmoid(), on(conv(8), f)); // Conv2D+Sigmoid
  const bounded = on(new Clip({ min: -1 }), on(conv(8, { kernelSize: 1 }), g)); // Conv2D+Clip (no upper bound)
  const h = on(new SiLU(), on(conv(8), bounded)); // Conv2D+SiLU
  const iConv = on(new BatchNormalization(), on(conv(8), h));
  const i = on(new Multiply(), [iConv, on(new Sigmoid(), iConv)]); // Conv2D+BatchNormalization+Sigmoid+Multiply
  const jConv = on(conv(8), i);
  const j = on(new Multiply(), [on(new HardSigmoid({ alpha: 0.25, beta: 0.4 }), jConv), jConv]); // Conv2D+HardSigmoid+Multiply (as HardSwish)
  const k = on(new Add(), [on(conv(8), j), on(conv(8, { kernelSize: 1 }), j)]); // Conv2D, then Conv2D+Add (both inputs convolutions)
  const n = on(new Add(), [on(conv(8), k), k]); // Conv2D+Add: the Add read twice takes no activation
  const q = on(new Add(), [n, on(new ReLU(), n)]); // ReLU, Add
  const r = on(conv(8), q); // Conv2D: read twice, so nothing fuses into it
  const t = on(new Add(), [r, on(new ReLU(), r)]); // ReLU, Add
  const preActivated = on(new ReLU(), on(new BatchNormalization(), t)); // BatchNormalization+ReLU (as a 1x1 depthwise convolution)
  const u = on(new MaxPool2D({ poolSize: 2 }), preActivated); // MaxPool2D
  const normalizedPool = on(new BatchNormalization(), u); // BatchNormalization (as a 1x1 depthwise convolution, read twice)
  const v = on(new Multiply(), [on(new Sigmoid(), normalizedPool), normalizedPool]); // Sigmoid+Multiply (SiLU of a non-convolution)
  const w = on(new Multiply(), [v, on(new HardSigmoid({ alpha: 1 / 6 }), v)]); // HardSigmoid+Multiply (HardSwish of a non-convolution)
  const notSwish = on(new Multiply(), [w, on(new HardSigmoid(), w)]); // HardSigmoid, Multiply: not HardSwish's slope, and no convolution to fuse into
  const pooled = on(new GlobalAveragePooling2D(), notSwish); // GlobalAveragePooling2D
  const hidden = on(new ReLU(), on(new BatchNormalization(), on(new Dense({ units: 16 }), pooled))); // Dense+BatchNormalization+ReLU
  const output = on(new Softmax(), on(new Dense({ units: CLASSES }), hidden)); // Dense, Softmax
  const model = new Model({ inputs: input.output, outputs: output }, { seed });
  randomizeState(model, seed + 100);
  return model;
}

/**
 * A classifier head as W1 and W2 end: Conv2D, ReLU, MaxPool2D, Flatten, a wide Dense and ReLU (past
 * the threading threshold at batch 1), Dense, Softmax; the wide Dense's ReLU a second output if asked.
 */
function classifierNetwork(seed = 7, isHiddenOutput = false): Model {
  const input = new Input({ shape: [16, 16, 3] });
  const pooled = new MaxPool2D({ poolSize: 2 }).apply(
    new ReLU().apply(new Conv2D({ filters: 64, kernelSize: 3, padding: 'same' }).apply(input.output)),
  );
  const hidden = new ReLU().apply(new Dense({ units: 1000 }).apply(new Flatten().apply(pooled)));
  const probabilities = new Softmax().apply(new Dense({ units: CLASSES }).apply(hidden));
  const model = new Model(
    { inputs: input.output, outputs: isHiddenOutput ? [probabilities, hidden] : probabilities },
    { seed },
  );
  randomizeState(model, seed + 100);
  return model;
}

/**
 * Squeeze-and-excitation blocks as EfficientNet's: Conv2D+SiLU, the squeeze (global average pooling
 * kept 1x1), two 1x1 convolutions, the gate Multiply of the map by the [1, 1, C] gate (broadcast), a
 * 1x1 projection that takes the gate in (and a residual Add); a second gate with its operands the
 * other way round, read by a 3x3 convolution (not taken in); then a Multiply of two maps of one shape
 * and a classifier. 7x5 pixels a map: the GEMM's 4-row tiles span two images from batch 2 on.
 */
function excitationNetwork(seed = 11): Model {
  const input = new Input({ shape: [7, 5, 3] });
  const gateOf = (map: SymbolicTensor, channels: number) => {
    const squeezed = new GlobalAveragePooling2D({ keepDims: true }).apply(map);
    const reduced = new ReLU().apply(new Conv2D({ filters: 3, kernelSize: 1 }).apply(squeezed));
    return new Sigmoid().apply(new Conv2D({ filters: channels, kernelSize: 1 }).apply(reduced));
  };
  const map = new SiLU().apply(new Conv2D({ filters: 13, kernelSize: 3, padding: 'same' }).apply(input.output));
  const projected = new Conv2D({ filters: 6, kernelSize: 1 }).apply(new Multiply().apply([map, gateOf(map, 13)]));
  const shortcut = new Conv2D({ filters: 6, kernelSize: 1 }).apply(input.output);
  const block = new Add().apply([projected, shortcut]);
  const spread = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(
    new Multiply().apply([gateOf(block, 6), block]),
  );
  const product = new Multiply().apply([spread, new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output)]);
  const output = new Dense({ units: CLASSES }).apply(new GlobalAveragePooling2D().apply(product));
  const model = new Model({ inputs: input.output, outputs: output }, { seed });
  randomizeState(model, seed + 100);
  return model;
}

/**
 * Inverted residual blocks as MobileNetV2's and EfficientNet's: a 1x1 expansion (with a normalization and ReLU6, or
 * SiLU) read by a depthwise convolution alone (the plan fuses the two: Conv2DParams.expansion), a projection and a
 * residual Add; then a block whose expanded map a second layer reads too, one whose expansion is strided and one on a
 * map under 28x28 pixels (none fuses). `size` x `size` - 2 pixels the first map.
 */
function invertedResidualNetwork(size: number, seed = 17): Model {
  const on = (layer: Layer, from: SymbolicTensor | SymbolicTensor[]) => layer.apply(from);
  const conv = (filters: number, kernelSize: number, options: { strides?: number; groups?: number } = {}) =>
    new Conv2D({ filters, kernelSize, padding: 'same', ...options });
  const relu6 = () => new Clip({ min: 0, max: 6 });
  const input = new Input({ shape: [size, size - 2, 3] });
  const stem = on(relu6(), on(new BatchNormalization(), on(conv(16, 3), input.output))); // Conv2D+BatchNormalization+Clip
  // A block without an expansion: Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization
  const direct = on(relu6(), on(new BatchNormalization(), on(conv(16, 3, { groups: 16 }), stem)));
  const projected = on(new BatchNormalization(), on(conv(16, 1), direct));
  const expanded = on(relu6(), on(new BatchNormalization(), on(conv(96, 1), projected)));
  const filtered = on(relu6(), on(new BatchNormalization(), on(conv(96, 3, { groups: 96 }), expanded)));
  // Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization+Add
  const a = on(new Add(), [on(new BatchNormalization(), on(conv(16, 1), filtered)), projected]);
  const swished = on(new SiLU(), on(conv(40, 1), a));
  const b = on(new ReLU(), on(conv(40, 5, { strides: 2, groups: 40 }), swished));
  const shared = on(new ReLU(), on(conv(24, 1), b)); // Conv2D+SiLU+Conv2D+ReLU+Conv2D+ReLU: its output read twice
  const c = on(new Add(), [on(conv(24, 3, { groups: 24 }), shared), shared]); // Conv2D+Add
  const strided = on(relu6(), on(conv(24, 1, { strides: 2 }), c)); // Conv2D+Clip: not a 1x1 stride-1 expansion
  const d = on(conv(24, 3, { groups: 24 }), strided); // Conv2D
  const small = on(new ReLU(), on(conv(48, 1), d)); // Conv2D+ReLU: a map of fewer than 28x28 pixels
  const e = on(conv(48, 3, { groups: 48 }), small); // Conv2D
  const output = on(new Dense({ units: CLASSES }), on(new GlobalAveragePooling2D(), e)); // GlobalAveragePooling2D, Dense
  const model = new Model({ inputs: input.output, outputs: output }, { seed });
  randomizeState(model, seed + 100);
  return model;
}

function batchOf(model: Model, batch: number, seed: number): Tensor {
  const random = new Random(seed);
  const shape = [batch, ...model.inputShape];
  const values = Float32Array.from(
    { length: shape.reduce((product, extent) => product * extent, 1) },
    () => random.uniform() * 2 - 1,
  );
  return Tensor.fromArray(values, shape);
}

/** The layer-by-layer forward pass (no plan), copied out of its scope. */
function unplanned(model: Model, x: Tensor, end?: number): Float32Array {
  return withScope(() => Float32Array.from(model.forward(x, end === undefined ? {} : { end }).dataSync()));
}

/**
 * The mean cross-entropy of the layer-by-layer pass's logits: evaluate's loss, unplanned (it shows a change of the
 * logits that saturated probabilities hide).
 */
function unplannedLoss(model: Model, x: Tensor, labels: readonly number[]): number {
  const targets = Tensor.fromArray(
    labels.flatMap((label) => Array.from({ length: CLASSES }, (_, index) => (index === label ? 1 : 0))),
    [labels.length, CLASSES],
  );
  return withScope(
    () => softmaxCrossEntropy(model.forward(x, { end: model.logitsEnd() }), targets).loss.dataSync()[0]!,
  );
}

/**
 * ResNet's stem on odd sizes: a 7x7 stride-2 Conv2D (padding 3), BatchNormalization, ReLU, then a 3x3 stride-2
 * MaxPool2D padded by 1 (nodes 1 to 4), a 3x3 Conv2D+ReLU and a classifier. Where isReLUReadTwice, a global average
 * of the ReLU's output is added to the classifier's input as well; where isPoolAnOutput, the pooled map is the
 * second output.
 */
function stemNetwork(seed = 5, isReLUReadTwice = false, isPoolAnOutput = false): Model {
  const input = new Input({ shape: [29, 35, 3] });
  const stem = new ReLU().apply(
    new BatchNormalization().apply(
      new Conv2D({ filters: 16, kernelSize: 7, strides: 2, padding: 3, useBias: false }).apply(input.output),
    ),
  );
  const pooled = new MaxPool2D({ poolSize: 3, strides: 2, padding: 1 }).apply(stem);
  const features = new GlobalAveragePooling2D().apply(
    new ReLU().apply(new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(pooled)),
  );
  const head = isReLUReadTwice ? new Add().apply([features, new GlobalAveragePooling2D().apply(stem)]) : features;
  const logits = new Dense({ units: CLASSES }).apply(head);
  const model = new Model({ inputs: input.output, outputs: isPoolAnOutput ? [logits, pooled] : logits }, { seed });
  randomizeState(model, seed + 100);
  return model;
}

function planLabels(model: Model): string[] {
  return new InferencePlan(model, [model.layers.length - 1]).steps.map((step) => step.label);
}

describe('inference plan: which layers fuse', () => {
  test('a MaxPool2D that alone reads a convolution group fuses into its step, not where another layer reads it', () => {
    assert.deepEqual(planLabels(stemNetwork()).slice(0, 2), [
      'Conv2D+BatchNormalization+ReLU+MaxPool2D',
      'Conv2D+ReLU',
    ]);
    assert.deepEqual(planLabels(stemNetwork(5, true)).slice(0, 3), [
      'Conv2D+BatchNormalization+ReLU',
      'MaxPool2D',
      'Conv2D+ReLU',
    ]);
    // The ReLU (node 3) an output: the pool is a step of its own.
    const model = stemNetwork();
    assert.deepEqual(
      new InferencePlan(model, [model.layers.length - 1, 3]).steps.slice(0, 2).map((step) => [step.node, step.label]),
      [
        [3, 'Conv2D+BatchNormalization+ReLU'],
        [4, 'MaxPool2D'],
      ],
    );
  });

  test('every fusable pattern fuses, a convolution or Add read twice does not take its reader', () => {
    assert.deepEqual(planLabels(patternNetwork()), [
      'Conv2D+BatchNormalization+ReLU',
      'Conv2D+BatchNormalization+Add+ReLU',
      'Conv2D+Clip',
      'Conv2D+BatchNormalization+LeakyReLU',
      'Conv2D+BatchNormalization+HardSwish',
      'Conv2D+HardSigmoid',
      'Conv2D+Sigmoid',
      'Conv2D+Clip',
      'Conv2D+SiLU',
      'Conv2D+BatchNormalization+Sigmoid+Multiply',
      'Conv2D+HardSigmoid+Multiply',
      'Conv2D',
      'Conv2D+Add',
      'Conv2D+Add',
      'ReLU',
      'Add',
      'Conv2D',
      'ReLU',
      'Add',
      'BatchNormalization+ReLU',
      'MaxPool2D',
      'BatchNormalization',
      'Sigmoid+Multiply',
      'HardSigmoid+Multiply',
      'HardSigmoid',
      'Multiply',
      'GlobalAveragePooling2D',
      'Dense+BatchNormalization+ReLU',
      'Dense',
      'Softmax',
    ]);
  });

  test("a 1x1 expansion and projection read by a depthwise convolution alone fuse into the depthwise convolution's step", () => {
    const model = invertedResidualNetwork(30);
    assert.deepEqual(planLabels(model), [
      'Conv2D+BatchNormalization+Clip',
      'Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization',
      'Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization+Add',
      'Conv2D+SiLU+Conv2D+ReLU+Conv2D+ReLU',
      'Conv2D+Add',
      'Conv2D+Clip',
      'Conv2D',
      'Conv2D+ReLU',
      'Conv2D',
      'GlobalAveragePooling2D',
      'Dense',
    ]);
    // The first expansion's Clip (node 11) an output too: the expansion ends its own step; the depthwise convolution's
    // Clip (node 6, then 14) an output: the projection reading it is a step of its own.
    const outputsAt = (...nodes: number[]) =>
      new InferencePlan(model, [model.layers.length - 1, ...nodes]).steps.map((step) => [step.node, step.label]);
    assert.deepEqual(outputsAt(11).slice(1, 4), [
      [8, 'Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization'],
      [11, 'Conv2D+BatchNormalization+Clip'],
      [17, 'Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization+Add'],
    ]);
    assert.deepEqual(outputsAt(6, 14).slice(1, 5), [
      [6, 'Conv2D+BatchNormalization+Clip'],
      [8, 'Conv2D+BatchNormalization'],
      [14, 'Conv2D+BatchNormalization+Clip+Conv2D+BatchNormalization+Clip'],
      [17, 'Conv2D+BatchNormalization+Add'],
    ]);
  });

  test('a projection does not fuse where its depthwise input has another reader or on a map under 28x28', () => {
    const on = (layer: Layer, from: SymbolicTensor | SymbolicTensor[]) => layer.apply(from);
    const labelsAt = (size: number) => {
      const input = new Input({ shape: [size, size, 3] });
      const stem = on(new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }), input.output);
      const filtered = on(new ReLU(), on(new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', groups: 8 }), stem));
      // The depthwise output is the projection's residual too.
      const added = on(new Add(), [on(new Conv2D({ filters: 8, kernelSize: 1 }), filtered), filtered]);
      const again = on(new ReLU(), on(new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', groups: 8 }), added));
      const output = on(new Conv2D({ filters: 4, kernelSize: 1 }), again);
      return planLabels(new Model({ inputs: input.output, outputs: output }, { seed: 3 }));
    };
    assert.deepEqual(labelsAt(28), ['Conv2D', 'Conv2D+ReLU', 'Conv2D+Add', 'Conv2D+ReLU+Conv2D']);
    assert.deepEqual(labelsAt(27), ['Conv2D', 'Conv2D+ReLU', 'Conv2D+Add', 'Conv2D+ReLU', 'Conv2D']);
  });

  test('a Dense takes in the Flatten before it and the activation after it', () => {
    assert.deepEqual(planLabels(classifierNetwork()), [
      'Conv2D+ReLU+MaxPool2D',
      'Flatten+Dense+ReLU',
      'Dense',
      'Softmax',
    ]);
  });

  test('an output read by predictOutputs ends its step: the layers after it do not fuse into it', () => {
    const model = patternNetwork();
    // Node 2 is the first BatchNormalization, node 3 the ReLU after it.
    assert.deepEqual(
      new InferencePlan(model, [model.layers.length - 1]).steps[0]!.nodes,
      [1, 2, 3],
      'the first step computes Conv2D, BatchNormalization and ReLU',
    );
    const plan = new InferencePlan(model, [model.layers.length - 1, 2]);
    assert.deepEqual(
      plan.steps.slice(0, 2).map((step) => [step.node, step.label]),
      [
        [2, 'Conv2D+BatchNormalization'],
        [3, 'ReLU'],
      ],
    );
    const convOutput = new InferencePlan(model, [model.layers.length - 1, 1]);
    assert.deepEqual(
      convOutput.steps.slice(0, 2).map((step) => [step.node, step.label]),
      [
        [1, 'Conv2D'],
        [3, 'BatchNormalization+ReLU'],
      ],
    );
  });
});

/**
 * Checks `plan`'s layout at `batch`: aligned slots inside the block, and no two outputs alive at the same time
 * sharing memory. Returns the most values (slot footprints: aligned, with their spare values) alive at once.
 */
function assertLayoutSound(plan: InferencePlan, batch: number): number {
  const layout = plan.layoutFor(batch);
  const stepOf = new Map(plan.steps.map((step, index) => [step.node, index]));
  // Step i's output is alive from step i to its last reader (the end for the model's outputs).
  const lastUse = plan.steps.map((_, index) => index);
  plan.steps.forEach((step, index) => {
    for (const input of step.inputs) if (stepOf.has(input)) lastUse[stepOf.get(input)!] = index;
  });
  for (const output of plan.outputs) lastUse[stepOf.get(output)!] = plan.steps.length;
  for (let a = 0; a < plan.steps.length; a++) {
    assert.equal(layout.offsets[a]! % 16, 0, `step ${a} starts on a 64-byte boundary`);
    assert.ok(layout.offsets[a]! + layout.sizes[a]! <= layout.blockSize, `step ${a} lies in the block`);
    for (let b = a + 1; b <= lastUse[a]! && b < plan.steps.length; b++) {
      const isApart =
        layout.offsets[a]! + layout.sizes[a]! + 16 <= layout.offsets[b]! ||
        layout.offsets[b]! + layout.sizes[b]! + 16 <= layout.offsets[a]!;
      assert.ok(
        isApart,
        `batch ${batch}: step ${a} (${plan.steps[a]!.label}) is alive at step ${b} ` +
          `(${plan.steps[b]!.label}) but they overlap (or touch without spare values between)`,
      );
    }
  }
  const footprint = (size: number) => Math.ceil(size / 16) * 16 + 16;
  let mostAlive = 0;
  for (let step = 0; step < plan.steps.length; step++) {
    let alive = 0;
    for (let producer = 0; producer <= step; producer++)
      if (lastUse[producer]! >= step) alive += footprint(layout.sizes[producer]!);
    mostAlive = Math.max(mostAlive, alive);
  }
  return mostAlive;
}

/**
 * Two stages of bottleneck blocks as ResNet-50's (a projection block, then identity blocks; four times as many
 * channels out of a block as inside it): in step order, the wide outputs of the later blocks do not fit the gaps
 * that the projection block leaves, so the plan places the largest outputs first.
 */
function bottleneckNetwork(seed = 23): Model {
  const on = (layer: Layer, from: SymbolicTensor | SymbolicTensor[]) => layer.apply(from);
  const conv = (filters: number, kernelSize: number, strides = 1) =>
    new Conv2D({ filters, kernelSize, strides, padding: 'same' });
  const input = new Input({ shape: [12, 10, 3] });
  let x = on(new ReLU(), on(conv(8, 3), input.output));
  for (const [width, strides] of [
    [4, 1],
    [8, 2],
  ] as const) {
    for (let block = 0; block < 3; block++) {
      const isProjection = block === 0;
      const shortcut = isProjection ? on(conv(4 * width, 1, strides), x) : x;
      const inner = on(
        new ReLU(),
        on(conv(width, 3, isProjection ? strides : 1), on(new ReLU(), on(conv(width, 1), x))),
      );
      x = on(new ReLU(), on(new Add(), [on(conv(4 * width, 1), inner), shortcut]));
    }
  }
  const output = on(new Dense({ units: CLASSES }), on(new GlobalAveragePooling2D(), x));
  const model = new Model({ inputs: input.output, outputs: output }, { seed });
  randomizeState(model, seed + 100);
  return model;
}

describe('inference plan: memory layout', () => {
  test(
    'outputs alive at the same time never share memory, and the block is far smaller than all ' + 'outputs together',
    () => {
      const model = patternNetwork();
      const plan = new InferencePlan(model, [model.layers.length - 1]);
      for (const batch of [1, 3]) {
        assertLayoutSound(plan, batch);
        const layout = plan.layoutFor(batch);
        const total = layout.sizes.reduce((sum, size) => sum + size, 0);
        assert.ok(
          layout.blockSize < total / 3,
          `batch ${batch}: block of ${layout.blockSize} values for ${total} values of outputs`,
        );
      }
    },
  );

  test('the block of a bottleneck network holds no more than the outputs alive at once, with a second output too', () => {
    const model = bottleneckNetwork();
    for (const outputs of [[model.layers.length - 1], [model.layers.length - 1, 3]]) {
      const plan = new InferencePlan(model, outputs);
      for (const batch of [1, 2, 8]) {
        const mostAlive = assertLayoutSound(plan, batch);
        assert.equal(plan.layoutFor(batch).blockSize, mostAlive, `outputs ${outputs}, batch ${batch}: block size`);
      }
    }
  });
});

for (const backend of ['reference', 'wasm'] as const) {
  describe(`inference plan on the ${backend} backend`, { skip: backend === 'wasm' ? wasmSkip : false }, () => {
    before(async () => {
      if (backend === 'wasm') await initWasmBackend({ threads: 2 });
      else setBackend('reference');
    });

    test('a bottleneck network, its outputs placed largest first, equals the layer-by-layer forward pass', () => {
      const model = bottleneckNetwork();
      for (const batch of [1, 3, 8]) {
        const x = batchOf(model, batch, 90 + batch);
        assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, `predict, batch ${batch}`);
      }
    });

    test('a stem convolution and its max pool, one step, equal the layer-by-layer forward pass', () => {
      const model = stemNetwork();
      const withPooledMap = stemNetwork(5, false, true);
      assert.equal(
        new InferencePlan(withPooledMap, [withPooledMap.layers.length - 1, 4]).steps[0]!.label,
        'Conv2D+BatchNormalization+ReLU+MaxPool2D',
      );
      for (const batch of [1, 3, 8]) {
        const x = batchOf(model, batch, 70 + batch);
        assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, `predict, batch ${batch}`);
        // The pooled map itself (node 4, the step's output) as a second output. Both passes run the stem as the
        // polyphase F(5x5, 4x4), the plan's on the filter with the normalization folded in: its transforms scale
        // the two roundings more than the layers' tolerance allows (7.7e-6 apart at most at batch 8).
        const outputs = Object.values(withPooledMap.predictOutputs(x));
        assertClose(
          outputs[1]!.dataSync(),
          unplanned(withPooledMap, x, 5),
          STEM_TOLERANCE,
          `the pooled map, batch ${batch}`,
        );
      }
    });

    test('predict, evaluate and predictOutputs equal the layer-by-layer forward pass', () => {
      const model = patternNetwork();
      for (const batch of [1, 3]) {
        const x = batchOf(model, batch, 10 + batch);
        assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, `predict, batch ${batch}`);
      }
      const x = batchOf(model, 5, 20);
      const labels = [0, 1, 2, 3, 4];
      assertClose([model.evaluate(x, labels).loss], [unplannedLoss(model, x, labels)], TOLERANCE, 'evaluate loss');
      // A batch size that splits the examples: the plan lays out memory for each batch size it meets.
      assertClose(
        model.predict(x, { batchSize: 2 }).dataSync(),
        unplanned(model, x),
        TOLERANCE,
        'predict in batches of 2',
      );
    });

    test(
      'a classifier head (Flatten, Dense as a 1x1 convolution with a constant filter) equals ' + 'the forward pass',
      () => {
        const model = classifierNetwork();
        for (const batch of [1, 5]) {
          const x = batchOf(model, batch, 30 + batch);
          assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, `predict, batch ${batch}`);
          assertClose(
            model.predictOutputs(x)[model.outputNames[0]!]!.dataSync(),
            unplanned(model, x),
            TOLERANCE,
            `predictOutputs, batch ${batch}`,
          );
        }
      },
    );

    test(
      'squeeze-and-excitation blocks (the gate taken into the 1x1 convolution reading it; pooling and ' +
        'gates as kernel calls prepared per batch size) equal the forward pass',
      () => {
        const model = excitationNetwork();
        assert.deepEqual(planLabels(model), [
          'Conv2D+SiLU',
          'GlobalAveragePooling2D',
          'Conv2D+ReLU',
          'Conv2D+Sigmoid',
          'Conv2D',
          'Multiply+Conv2D+Add',
          'GlobalAveragePooling2D',
          'Conv2D+ReLU',
          'Conv2D+Sigmoid',
          'Multiply',
          'Conv2D',
          'Conv2D',
          'Multiply',
          'GlobalAveragePooling2D',
          'Dense',
        ]);
        // Batch 1 again after 3: the calls prepared for batch 1 serve, with the block laid out anew.
        for (const batch of [1, 3, 1]) {
          const x = batchOf(model, batch, 40 + batch);
          assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, `predict, batch ${batch}`);
        }
      },
    );

    test('inverted residual blocks (expansions fused into their depthwise convolutions) equal the forward pass', () => {
      // 41 x 39 pixels of 96 expanded channels: several bands of rows at batch 1, 3 and 8 (assembly/expandedDepthwise.ts).
      const model = invertedResidualNetwork(41);
      for (const batch of [1, 3, 8]) {
        const x = batchOf(model, batch, 50 + batch);
        assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, `predict, batch ${batch}`);
      }
    });

    test('predict inside a recording tape runs the layers one by one (the fused ops have no gradient)', () => {
      const model = patternNetwork(15);
      const x = batchOf(model, 2, 95);
      const recorded = new GradientTape(model.trainableWeights()).run(() =>
        Float32Array.from(model.predict(x).dataSync()),
      );
      assertClose(recorded, model.predict(x).dataSync(), TOLERANCE, 'predict while a tape records');
    });

    test('predictOutputs of two outputs, one inside a fusable chain', () => {
      const input = new Input({ shape: [6, 6, 3] });
      const normalized = new BatchNormalization().apply(
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output),
      );
      const activated = new ReLU().apply(normalized);
      const output = new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(activated));
      const model = new Model(
        { inputs: input.output, outputs: [output, normalized] },
        { seed: 5, outputNames: ['scores', 'features'] },
      );
      randomizeState(model, 6);
      const x = batchOf(model, 2, 7);
      const outputs = model.predictOutputs(x);
      const expected = withScope(() => {
        const all = model.forwardOutputs(x);
        return {
          scores: Float32Array.from(all.scores!.dataSync()),
          features: Float32Array.from(all.features!.dataSync()),
        };
      });
      assertClose(outputs.scores!.dataSync(), expected.scores, TOLERANCE, 'scores');
      assertClose(outputs.features!.dataSync(), expected.features, TOLERANCE, 'features');
    });

    test("fit, an optimizer step of a custom loop and early stopping's restore rebuild the plan", () => {
      const model = patternNetwork(8);
      const x = batchOf(model, 4, 30);
      const labels = [0, 1, 2, 3];
      // The logits are large (the probabilities saturate), so the loss shows the change.
      const lossBefore = model.evaluate(x, labels).loss;
      model.fit(x, labels, { epochs: 1, batchSize: 4, optimizer: new SGD({ learningRate: 0.01 }) });
      assert.notEqual(model.evaluate(x, labels).loss, lossBefore, 'fit changed the loss');
      const afterFit = model.predict(x).dataSync();
      assertClose(afterFit, unplanned(model, x), TOLERANCE, 'predict after fit');
      assertClose([model.evaluate(x, labels).loss], [unplannedLoss(model, x, labels)], TOLERANCE, 'evaluate after fit');

      const weights = model.trainableWeights();
      // Example i is of class i: row i of the one-hot targets has its 1 at column i.
      const targets = Tensor.fromArray(
        Array.from({ length: 4 * CLASSES }, (_, index) => (index % (CLASSES + 1) === 0 ? 1 : 0)),
        [4, CLASSES],
      );
      withScope(() => {
        const tape = new GradientTape(weights);
        const loss = tape.run(() => softmaxCrossEntropy(model.forward(x, { end: model.logitsEnd() }), targets).loss);
        new SGD({ learningRate: 0.01 }).applyGradients(weights, tape.gradient(loss, weights));
      });
      assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, 'predict after a custom optimizer step');
      assertClose(
        [model.evaluate(x, labels).loss],
        [unplannedLoss(model, x, labels)],
        TOLERANCE,
        'evaluate after a custom optimizer step',
      );

      // The validation pass after the last step builds a plan that the restore, after it, must replace.
      const stopper = earlyStopping({ monitor: 'valLoss', patience: 1, restoreBestWeights: true });
      model.fit(x, labels, {
        epochs: 4,
        batchSize: 4,
        optimizer: new SGD({ learningRate: 5 }),
        callbacks: stopper,
        validationData: [x, labels],
      });
      assert.ok(
        (stopper.stoppedEpoch ?? 0) > 0,
        "early stopping stopped the fit and restored the best epoch's weights",
      );
      assertClose(
        model.predict(x).dataSync(),
        unplanned(model, x),
        TOLERANCE,
        'predict after early stopping restored the best weights',
      );
      assertClose(
        [model.evaluate(x, labels).loss],
        [unplannedLoss(model, x, labels)],
        TOLERANCE,
        'evaluate after early stopping restored the best weights',
      );
    });

    test('an in-place edit shows after markWeightsChanged; a replaced weight tensor shows at once', () => {
      const model = patternNetwork(9);
      const x = batchOf(model, 2, 40);
      model.predict(x);
      const conv = model.layers.find((layer): layer is Conv2D => layer instanceof Conv2D)!;
      conv.kernel!.dataSync().forEach((value, index, data) => {
        data[index] = value * -0.5;
      });
      model.markWeightsChanged();
      assertClose(
        model.predict(x).dataSync(),
        unplanned(model, x),
        TOLERANCE,
        'after an in-place edit and markWeightsChanged',
      );
      const normalization = model.layers.find(
        (layer): layer is BatchNormalization => layer instanceof BatchNormalization,
      )!;
      normalization.movingMean = Tensor.fromArray(
        Array.from({ length: normalization.movingMean!.size }, (_, index) => index / 4),
        normalization.movingMean!.shape,
      );
      assertClose(model.predict(x).dataSync(), unplanned(model, x), TOLERANCE, 'after replacing a moving mean');
    });

    test('training one model leaves the plan of another as it is (a teacher predicting while a student trains)', () => {
      const teacher = patternNetwork(13);
      const student = patternNetwork(14);
      const x = batchOf(teacher, 2, 90);
      teacher.predict(x);
      // The plan is private: read it to see that it was not rebuilt.
      const plan = Reflect.get(teacher, 'plan') as InferencePlan;
      student.fit(x, [0, 1], { epochs: 1, batchSize: 2, optimizer: new SGD({ learningRate: 0.01 }) });
      teacher.predict(x);
      assert.equal(Reflect.get(teacher, 'plan'), plan);
      // A view of a weight (reshape) shares its values: a change noted through it counts.
      const conv = teacher.layers.find((layer): layer is Conv2D => layer instanceof Conv2D)!;
      const size = conv.kernel!.size;
      new SGD({ learningRate: 0.01 }).applyGradients(
        [conv.kernel!.reshape([size])],
        [Tensor.fromArray(new Float32Array(size).fill(1), [size])],
      );
      assertClose(
        teacher.predict(x).dataSync(),
        unplanned(teacher, x),
        TOLERANCE,
        'after a step through a reshaped view',
      );
      assert.notEqual(Reflect.get(teacher, 'plan'), plan);
    });

    test('after fit with momentum the plan is rebuilt once, at the next predict, and later predicts reuse it', () => {
      // bench:imagenet's throughput after its fine-tuning turns: only the first predict may pay the rebuild.
      const model = patternNetwork(15);
      const x = batchOf(model, 3, 95);
      model.predict(x);
      const planBeforeFit = Reflect.get(model, 'plan') as InferencePlan;
      model.fit(x, [0, 1, 2], { epochs: 1, batchSize: 3, optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }) });
      assert.equal(Reflect.get(model, 'plan'), planBeforeFit, 'fit runs layer by layer and builds no plan');
      const afterFit = model.predict(x).dataSync().slice();
      const planAfterFit = Reflect.get(model, 'plan') as InferencePlan;
      assert.notEqual(planAfterFit, planBeforeFit);
      for (let run = 0; run < 3; run++) {
        assert.deepEqual(model.predict(x).dataSync(), afterFit);
        assert.equal(Reflect.get(model, 'plan'), planAfterFit, `predict ${run + 2} after fit reuses the plan`);
      }
      assertClose(afterFit, unplanned(model, x), TOLERANCE, 'predict after fit');
    });

    test('a model loaded from its files predicts what the original does', () => {
      const model = patternNetwork(11);
      const x = batchOf(model, 2, 50);
      const { manifest, weights } = serializeModel(model);
      const { model: loaded } = parseModel(manifest, weights);
      assertClose(loaded.predict(x).dataSync(), model.predict(x).dataSync(), { atol: 0, rtol: 0 }, 'loaded model');
    });
  });
}

/** A stem and 24 blocks of Conv2D, BatchNormalization and ReLU at 32x32x16, every second one with a residual Add. */
function deepChain(): Model {
  const input = new Input({ shape: [32, 32, 3] });
  let x: SymbolicTensor = new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(input.output);
  for (let layer = 0; layer < 24; layer++) {
    const normalized = new BatchNormalization().apply(
      new Conv2D({ filters: 16, kernelSize: 3, padding: 'same', useBias: false }).apply(x),
    );
    x = new ReLU().apply(layer % 2 === 1 ? new Add().apply([normalized, x]) : normalized);
  }
  const model = new Model(
    { inputs: input.output, outputs: new Dense({ units: 4 }).apply(new GlobalAveragePooling2D().apply(x)) },
    { seed: 2 },
  );
  randomizeState(model, 3);
  return model;
}

describe('inference plan: the thread count never changes predict', { skip: wasmSkip }, () => {
  test('bit-identical outputs on 1 and 2 threads (the convolutions pass the threading threshold)', async () => {
    const model = deepChain();
    const x = batchOf(model, 4, 80);
    await initWasmBackend({ threads: 1 });
    const single = Float32Array.from(model.predict(x).dataSync());
    await initWasmBackend({ threads: 2 });
    assert.deepEqual(Float32Array.from(model.predict(x).dataSync()), single);
  });
});

describe('inference plan: a stem convolution and its max pool on 1 and 2 threads', { skip: wasmSkip }, () => {
  test('bit-identical outputs at batch 1 (threads split the pooled rows of an image), 3 and 8', async () => {
    const model = stemNetwork(9);
    const batches = [1, 3, 8].map((batch) => batchOf(model, batch, 50 + batch));
    const predictions = async (threads: number) => {
      await initWasmBackend({ threads });
      return batches.map((x) => Float32Array.from(model.predict(x).dataSync()));
    };
    const single = await predictions(1);
    assert.deepEqual(await predictions(2), single);
  });
});

describe('inference plan: inverted residual blocks on 1 and 2 threads', { skip: wasmSkip }, () => {
  test('bit-identical outputs at batch 1 (threads split the rows of an image) and 3', async () => {
    const model = invertedResidualNetwork(41, 23);
    const batches = [1, 3].map((batch) => batchOf(model, batch, 60 + batch));
    const predictions = async (threads: number) => {
      await initWasmBackend({ threads });
      return batches.map((x) => Float32Array.from(model.predict(x).dataSync()));
    };
    const single = await predictions(1);
    assert.deepEqual(await predictions(2), single);
  });
});

describe('inference plan: a Dense with a constant filter on 1 and 2 threads', { skip: wasmSkip }, () => {
  test('bit-identical outputs at batch 1 (threads split the output columns) and batch 9 (the rows)', async () => {
    const model = classifierNetwork(21, true);
    const batches = [1, 9].map((batch) => batchOf(model, batch, 90 + batch));
    const predictions = async (threads: number) => {
      await initWasmBackend({ threads });
      return batches.flatMap((x) =>
        Object.values(model.predictOutputs(x)).map((output) => Float32Array.from(output.dataSync())),
      );
    };
    const single = await predictions(1);
    assert.deepEqual(await predictions(2), single);
  });
});

describe('inference plan memory', { skip: wasmSkip }, () => {
  /** Convolutions with no normalization to fold (an imported network, batch normalization folded already). */
  function unnormalizedChain(kernelSize: number, seed: number): Model {
    const input = new Input({ shape: [16, 16, 3] });
    let x = input.output;
    for (let index = 0; index < 4; index++)
      x = new ReLU().apply(new Conv2D({ filters: 32, kernelSize, padding: 'same' }).apply(x));
    const model = new Model({ inputs: input.output, outputs: x }, { seed });
    randomizeState(model, seed + 1);
    return model;
  }

  test(
    "a plan with nothing to fold passes the layers' own weights: its memory holds no copy of them, only " +
      'their prepared forms',
    async () => {
      await initWasmBackend({ threads: 1 });
      // 1x1 filters of 32 x 32: their prepared form (packed strips of 8 columns) is their own size.
      const model = unnormalizedChain(1, 60);
      const x = batchOf(model, 2, 61);
      const weightBytes = model.layers
        .filter((layer) => layer instanceof Conv2D)
        .reduce((bytes, layer) => bytes + 4 * (layer as Conv2D).kernel!.size, 0);
      const before = backendInfo().wasmArenaBytesInUse!;
      model.predict(x);
      const growth = backendInfo().wasmArenaBytesInUse! - before;
      // Packed filters and resident biases, with the arena's alignment: 1.1 times the filters when
      // measured; a copy of the weights besides would make it 2.1.
      assert.ok(growth < 1.5 * weightBytes, `predict kept ${growth} bytes for ${weightBytes} bytes of filters`);
    },
  );

  test(
    'packed GEMM filters take their own storage: no second copy, and a read of the weights gets them ' +
      'back bit for bit',
    async () => {
      await initWasmBackend({ threads: 2 });
      // 1x1 filters of 32 x 32 and a Dense of 8 units: packed strips of 8 columns hold as many values as the filter.
      const input = new Input({ shape: [16, 16, 3] });
      let x = input.output;
      for (let index = 0; index < 4; index++)
        x = new ReLU().apply(new Conv2D({ filters: 32, kernelSize: 1, padding: 'same' }).apply(x));
      const head = new Dense({ units: 8 }).apply(new Flatten().apply(new GlobalAveragePooling2D().apply(x)));
      const model = new Model({ inputs: input.output, outputs: head }, { seed: 80 });
      randomizeState(model, 81);
      const images = batchOf(model, 3, 82);
      const filters = model.layers
        .filter((layer) => layer instanceof Conv2D || layer instanceof Dense)
        .map((layer) => (layer as Conv2D | Dense).kernel!);
      const originals = filters.map((filter) => Float32Array.from(filter.dataSync()));
      const filterBytes = originals.reduce((bytes, values) => bytes + values.byteLength, 0);
      const expected = unplanned(model, images);
      const before = backendInfo().wasmArenaBytesInUse!;
      const first = Float32Array.from(model.predict(images).dataSync());
      const growth = backendInfo().wasmArenaBytesInUse! - before;
      // Resident biases and the arena's alignment only: a packed copy beside each filter would be 1.1 times them.
      assert.ok(growth < 0.5 * filterBytes, `predict kept ${growth} bytes for ${filterBytes} bytes of filters`);
      assertClose(first, expected, TOLERANCE, 'predict');
      assert.deepEqual(Float32Array.from(model.predict(images).dataSync()), first, 'a second predict');
      for (const [index, filter] of filters.entries())
        assert.deepEqual(filter.dataSync(), originals[index], `filter ${index} read back`);
      assert.deepEqual(
        Float32Array.from(model.predict(images).dataSync()),
        first,
        'predict after the weights were read',
      );
      // Trained from the values read back, and predicted from the trained ones.
      model.fit(images, [0, 1, 2], { epochs: 1, batchSize: 3, optimizer: new SGD({ learningRate: 0.01 }) });
      assertClose(model.predict(images).dataSync(), unplanned(model, images), TOLERANCE, 'predict after fit');
    },
  );

  test(
    'filters packed in place on the wasm backend: the reference backend then predicts ' + 'from their values',
    async () => {
      await initWasmBackend({ threads: 1 });
      const model = unnormalizedChain(1, 90);
      const images = batchOf(model, 2, 91);
      const planned = Float32Array.from(model.predict(images).dataSync());
      setBackend('reference');
      try {
        assertClose(model.predict(images).dataSync(), planned, TOLERANCE, 'reference backend after wasm');
        assertClose(model.predict(images).dataSync(), unplanned(model, images), TOLERANCE, 'layer by layer');
      } finally {
        setBackend('wasm');
      }
      assert.deepEqual(Float32Array.from(model.predict(images).dataSync()), planned, 'wasm again');
    },
  );

  test(
    'the prepared forms of borrowed weights are remade after an in-place edit (Winograd and ' + 'packed GEMM filters)',
    async () => {
      await initWasmBackend({ threads: 1 });
      for (const kernelSize of [3, 1]) {
        const model = unnormalizedChain(kernelSize, 70 + kernelSize);
        const x = batchOf(model, 2, 72);
        assertClose(
          model.predict(x).dataSync(),
          unplanned(model, x),
          TOLERANCE,
          `${kernelSize}x${kernelSize} before the edit`,
        );
        const inUse = backendInfo().wasmArenaBytesInUse!;
        for (const layer of model.layers) {
          if (!(layer instanceof Conv2D)) continue;
          layer.kernel!.dataSync().forEach((value, index, data) => {
            data[index] = value * -0.5;
          });
          layer.bias!.dataSync().forEach((value, index, data) => {
            data[index] = value + 0.1;
          });
        }
        model.markWeightsChanged();
        assertClose(
          model.predict(x).dataSync(),
          unplanned(model, x),
          TOLERANCE,
          `${kernelSize}x${kernelSize} after an in-place edit and markWeightsChanged`,
        );
        assert.equal(backendInfo().wasmArenaBytesInUse, inUse, "the replaced plan's prepared forms were freed");
      }
    },
  );

  test("a deep chain at batch 4 peaks far below a forward pass that holds every layer's output", async (context) => {
    await initWasmBackend({ threads: 1 });
    const model = deepChain();
    const batch = batchOf(model, 4, 60);
    const base = backendInfo().wasmArenaPeakBytes!;
    // The plan first: the arena's peak only grows, so the forward pass's peak is read second.
    const planned = model.predict(batch);
    const planPeak = backendInfo().wasmArenaPeakBytes! - base;
    const expected = withScope(() => Float32Array.from(model.forward(batch).dataSync()));
    const forwardPeak = backendInfo().wasmArenaPeakBytes! - base;
    assertClose(planned.dataSync(), expected, TOLERANCE, 'deep chain');
    // One feature map at batch 4 is 256 KiB. The forward pass holds about four per block (the
    // convolution's, the normalization's, the Add's, the ReLU's): 86 maps when measured. The plan's
    // block holds 2 (a step's input, which is also the residual, and its output), its folded filters
    // 0.9, the backend's prepared Winograd forms of them 3.4 (36 positions of 16 x 16 for each of 24),
    // and a convolution's own scratch the rest: 8.4 when measured.
    const featureMapBytes = 4 * 32 * 32 * 16 * 4;
    context.diagnostic(
      `peak above the weights: plan ${(planPeak / featureMapBytes).toFixed(1)} feature maps, forward pass ` +
        `${(forwardPeak / featureMapBytes).toFixed(1)}`,
    );
    assert.ok(
      planPeak < 10 * featureMapBytes,
      `the plan peaked at ${planPeak} bytes above the weights, ${(planPeak / featureMapBytes).toFixed(1)} feature maps`,
    );
    assert.ok(forwardPeak > 8 * planPeak, `the forward pass peaked at ${forwardPeak} bytes, the plan at ${planPeak}`);
  });

  test(
    'predict, evaluate and predictOutputs share one plan; a rebuilt plan frees the folded weights of the ' +
      'one it replaces at once',
    async () => {
      await initWasmBackend({ threads: 1 });
      const model = patternNetwork(12);
      const x = batchOf(model, 2, 70);
      model.predict(x);
      const inUse = backendInfo().wasmArenaBytesInUse!;
      model.evaluate(x, [0, 1]);
      model.predictOutputs(x);
      assert.equal(backendInfo().wasmArenaBytesInUse, inUse, 'one folded copy of the weights');
      for (let round = 0; round < 5; round++) {
        model.markWeightsChanged();
        model.predict(x);
      }
      assert.equal(backendInfo().wasmArenaBytesInUse, inUse);
    },
  );
});
