// The model suite: a Sequential CNN (conv, batch norm, ReLU, max-pool, dropout, dense, softmax) and a
// functional residual model (two convolutions and an Add, global average pooling), each trained with
// fitAsync for 2 epochs with SGD (momentum) and with Adam on the backend under test; then predict,
// evaluateAsync; and, apart, a trained model saved and loaded again in memory (serializeModelAsync, parseModel,
// and serializeModel's bytes where the backend reads synchronously).
// Against the same run on the reference backend within float32 tolerance, and against itself: the
// same backend twice gives bit-identical losses, weights and predictions.

import { Random } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import { parseModel, serializeModel, serializeModelAsync } from '../../src/io/modelFormat.js';
import { ReLU } from '../../src/layers/activations.js';
import { BatchNormalization } from '../../src/layers/batchNormalization.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { getBackend } from '../../src/kernels/registry.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Flatten } from '../../src/layers/flatten.js';
import { GlobalAveragePooling2D } from '../../src/layers/globalAveragePooling2d.js';
import { Input } from '../../src/layers/input.js';
import { MaxPool2D } from '../../src/layers/maxPool2d.js';
import { Add } from '../../src/layers/merge.js';
import { Softmax } from '../../src/layers/softmax.js';
import { Model } from '../../src/model/model.js';
import { Sequential } from '../../src/model/sequential.js';
import { Adam } from '../../src/optim/adam.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { SGD } from '../../src/optim/sgd.js';
import {
  assertIdentical,
  assertOutputsClose,
  check,
  type ConformanceCase,
  onBackend,
  type Outputs,
  toleranceNote,
} from './conformance.js';

const EXAMPLES = 24;
const CLASSES = 3;
const SHAPE = [6, 6, 3] as const;
const EXAMPLE_SIZE = SHAPE[0] * SHAPE[1] * SHAPE[2];

function sequentialModel(): Model {
  return new Sequential(
    [
      new Input({ shape: SHAPE }),
      // No bias before batch norm: its gradient is rounding noise, which Adam would scale up to full steps.
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }),
      new BatchNormalization(),
      new ReLU(),
      new MaxPool2D({ poolSize: 2 }),
      new Dropout({ rate: 0.2 }),
      new Flatten(),
      new Dense({ units: CLASSES }),
      new Softmax(),
    ],
    { seed: 7 },
  );
}

function residualModel(): Model {
  const input = new Input({ shape: SHAPE });
  const stem = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
  const branch = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(new ReLU().apply(stem));
  const sum = new Add().apply([stem, branch]);
  const pooled = new GlobalAveragePooling2D().apply(new ReLU().apply(sum));
  const output = new Softmax().apply(new Dense({ units: CLASSES }).apply(pooled));
  return new Model({ inputs: input.output, outputs: output }, { seed: 9 });
}

/** Seeded examples whose label shifts every third value, so that the loss can fall. */
function trainingData(): { x: Tensor; labels: number[] } {
  const random = new Random(11);
  const values = new Float32Array(EXAMPLES * EXAMPLE_SIZE);
  const labels: number[] = [];
  for (let example = 0; example < EXAMPLES; example++) {
    const label = example % CLASSES;
    labels.push(label);
    for (let index = 0; index < EXAMPLE_SIZE; index++)
      values[example * EXAMPLE_SIZE + index] = random.uniform() * 2 - 1 + (index % CLASSES === label ? 0.8 : 0);
  }
  return { x: new Tensor(values, [EXAMPLES, ...SHAPE]), labels };
}

/** Trains a new model on the active backend and reads everything the suite compares. */
async function trainRun(
  makeModel: () => Model,
  makeOptimizer: () => Optimizer,
): Promise<{ model: Model; x: Tensor; outputs: Outputs }> {
  const model = makeModel();
  const { x, labels } = trainingData();
  const history = await model.fitAsync(x, labels, { epochs: 2, batchSize: 8, optimizer: makeOptimizer(), seed: 3 });
  const outputs: Outputs = { losses: history.epochs.map((epoch) => epoch.loss) };
  for (const { name, tensor } of model.namedWeights())
    outputs[`weight ${name}`] = Float64Array.from(await tensor.data());
  outputs.predictions = Float64Array.from(await model.predict(x, { batchSize: 10 }).data());
  const evaluation = await model.evaluateAsync(x, labels, { batchSize: 10 });
  outputs.evaluation = [evaluation.loss, evaluation.accuracy];
  return { model, x, outputs };
}

const MODELS: Record<string, () => Model> = { Sequential: sequentialModel, 'functional residual': residualModel };
const OPTIMIZERS: Record<string, () => Optimizer> = {
  'SGD momentum 0.9': () => new SGD({ learningRate: 0.05, momentum: 0.9 }),
  Adam: () => new Adam({ learningRate: 0.01 }),
};

/** The model suite's cases. */
export function modelCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [modelName, makeModel] of Object.entries(MODELS)) {
    for (const [optimizerName, makeOptimizer] of Object.entries(OPTIMIZERS)) {
      const name = `${modelName}, ${optimizerName}: fitAsync 2 epochs, predict, evaluateAsync`;
      cases.push({
        suite: 'model',
        name,
        async run(context) {
          const first = (await trainRun(makeModel, makeOptimizer)).outputs;
          const expected = await onBackend('reference', async () => (await trainRun(makeModel, makeOptimizer)).outputs);
          // Two epochs of float32 steps: rounding differences grow a little with each step.
          const tolerance = { absolute: 1e-4, relative: 1e-3 };
          const share = assertOutputsClose(first, expected, tolerance, name, [context.label, 'reference']);
          const second = (await trainRun(makeModel, makeOptimizer)).outputs;
          assertIdentical(second, first, name, context.label);
          return `losses ${Array.from(first.losses!, (loss) => loss.toFixed(5)).join(', ')}; ${toleranceNote(share)}`;
        },
      });
    }
    const name =
      `${modelName}: trained, saved and loaded in memory (serializeModelAsync, parseModel), ` + 'same predictions';
    cases.push({
      suite: 'model',
      name,
      async run(context) {
        const { model, x, outputs } = await trainRun(makeModel, OPTIMIZERS.Adam!);
        const { manifest, weights } = await serializeModelAsync(model);
        const device = getBackend().device;
        if (device === undefined || device.readSync !== undefined) {
          // Where weights read synchronously, both forms write the very same bytes.
          const synchronous = serializeModel(model);
          check(synchronous.manifest === manifest, `${name}: serializeModel's manifest differs on ${context.label}`);
          check(
            synchronous.weights.length === weights.length &&
              synchronous.weights.every((byte, at) => byte === weights[at]),
            `${name}: serializeModel's weights differ on ${context.label}`,
          );
        }
        const loaded = parseModel(manifest, weights).model;
        const predictions = Float64Array.from(await loaded.predict(x, { batchSize: 10 }).data());
        assertIdentical({ predictions }, { predictions: outputs.predictions! }, name, context.label);
        return undefined;
      },
    });
  }
  return cases;
}
