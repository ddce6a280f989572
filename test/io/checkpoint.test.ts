// Checkpoints through the API: a graph model with batch normalization and dropout, trained with SGD
// momentum, stopped after an epoch, saved, loaded into a fresh process state and resumed, ends where an
// uninterrupted fit ends; damaged checkpoints raise FileFormatError.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CHECKPOINT_OPTIMIZER_HEADER_BYTES } from '../../src/core/limits.js';
import {
  Adam,
  Add,
  BatchNormalization,
  checkpointCallback,
  Conv2D,
  decodeSafetensors,
  Dense,
  Dropout,
  encodeSafetensors,
  FileFormatError,
  FileSystemError,
  GlobalAveragePooling2D,
  Input,
  loadCheckpoint,
  Model,
  Random,
  ReLU,
  RMSProp,
  saveCheckpoint,
  SGD,
  Softmax,
  Tensor,
  ValueError,
  type FitState,
  type Optimizer,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into parsed JSON at any depth to tamper with it
type TamperedJson = Record<string, any>;

const scratch = mkdtempSync(join(tmpdir(), 'convnet-checkpoint-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function network(): Model {
  const input = new Input({ shape: [6, 6, 3] });
  const stem = new ReLU().apply(
    new BatchNormalization({ momentum: 0.8 }).apply(
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input.output),
    ),
  );
  const block = new Add().apply([new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(stem), stem]);
  const head = new Dense({ units: 3 }).apply(
    new Dropout({ rate: 0.3 }).apply(new GlobalAveragePooling2D().apply(block)),
  );
  return new Model({ inputs: input.output, outputs: new Softmax().apply(head) }, { seed: 5 });
}

const random = new Random(9);
const x = Tensor.fromArray(
  Array.from({ length: 40 * 108 }, () => random.uniform()),
  [40, 6, 6, 3],
);
const labels = Array.from({ length: 40 }, (_, index) => index % 3);
const fitOptions = {
  epochs: 3,
  batchSize: 8,
  seed: 3,
  augment: (batch: Tensor, r: Random) => {
    for (let index = 0; index < batch.size; index += 97) batch.dataSync()[index] = r.uniform();
  },
};

test('saved after epoch 1 and resumed, a fit ends exactly where an uninterrupted one does', () => {
  const whole = network();
  whole.fit(x, labels, { ...fitOptions, optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }) });

  const first = network();
  const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
  const directory = join(scratch, 'run');
  first.fit(x, labels, {
    ...fitOptions,
    optimizer,
    callbacks: {
      onEpochEnd: (_logs, state: FitState) => {
        saveCheckpoint(directory, { model: first, optimizer, fit: state, settings: { note: 'kept' } });
        return state.epoch < 1; // stop after the first epoch, as a crash would
      },
    },
  });
  const checkpoint = loadCheckpoint(directory)!;
  assert.equal(checkpoint.fit.epoch, 1);
  assert.deepEqual(checkpoint.settings, { note: 'kept' });
  const resumedOptimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
  resumedOptimizer.setState(checkpoint.model.trainableWeights(), checkpoint.optimizerState);
  const history = checkpoint.model.fit(x, labels, {
    ...fitOptions,
    optimizer: resumedOptimizer,
    resume: checkpoint.fit,
  });
  assert.deepEqual(
    history.epochs.map((epoch) => epoch.epoch),
    [1, 2, 3],
  );
  const expected = whole.namedWeights();
  checkpoint.model.namedWeights().forEach((weight, index) => {
    assert.deepEqual(Array.from(weight.tensor.dataSync()), Array.from(expected[index]!.tensor.dataSync()), weight.name);
  });
  assert.equal(loadCheckpoint(join(scratch, 'none')), null);
});

describe(
  "checkpointCallback and loadCheckpoint's own optimizer: stopped after epoch 1, resumed with " +
    'nothing rebuilt by hand',
  () => {
    // Options away from the defaults, so that a resume that fell back to a default would differ.
    const cases: [string, () => Optimizer, Record<string, number | boolean>][] = [
      [
        'SGD with momentum and Nesterov',
        () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3, clipNorm: 2 }),
        { learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3, clipNorm: 2 },
      ],
      [
        'Adam',
        () => new Adam({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }),
        { learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0 },
      ],
      [
        'RMSProp, centered, with momentum',
        () => new RMSProp({ learningRate: 0.005, rho: 0.9, momentum: 0.5, centered: true, clipValue: 0.5 }),
        { learningRate: 0.005, rho: 0.9, epsilon: 1e-8, momentum: 0.5, centered: true, weightDecay: 0, clipValue: 0.5 },
      ],
    ];
    for (const [title, make, config] of cases) {
      test(`${title}: bit-identical to an uninterrupted fit`, () => {
        const whole = network();
        whole.fit(x, labels, { ...fitOptions, optimizer: make() });

        const first = network();
        const optimizer = make();
        const directory = join(scratch, `callback-${optimizer.className}`);
        first.fit(x, labels, {
          ...fitOptions,
          optimizer,
          callbacks: [
            checkpointCallback(directory, optimizer, { settings: { note: title } }),
            { onEpochEnd: (_logs, state) => state.epoch < 1 },
          ],
        });
        const checkpoint = loadCheckpoint(directory)!;
        assert.deepEqual(
          [checkpoint.fit.epoch, checkpoint.settings, checkpoint.optimizerConfig],
          [1, { note: title }, config],
        );
        assert.equal(checkpoint.optimizer!.className, optimizer.className);
        assert.equal(checkpoint.optimizer!.iterations, 5);
        assert.deepEqual(checkpoint.optimizer!.getConfig(), optimizer.getConfig());

        const history = checkpoint.model.fit(x, labels, {
          ...fitOptions,
          optimizer: checkpoint.optimizer!,
          resume: checkpoint.fit,
        });
        assert.deepEqual(
          history.epochs.map((epoch) => epoch.epoch),
          [1, 2, 3],
        );
        const expected = whole.namedWeights();
        checkpoint.model.namedWeights().forEach((weight, index) => {
          assert.deepEqual(
            Array.from(weight.tensor.dataSync()),
            Array.from(expected[index]!.tensor.dataSync()),
            weight.name,
          );
        });
      });
    }

    test('the callback refuses a fit that trains with another optimizer', () => {
      const optimizer = new SGD({ learningRate: 0.05 });
      assertThrowsWith(
        () =>
          network().fit(x, labels, {
            epochs: 1,
            batchSize: 8,
            optimizer: new SGD(),
            callbacks: checkpointCallback(join(scratch, 'other'), optimizer),
          }),
        ValueError,
        'checkpointCallback: fit trains with another optimizer',
      );
    });
  },
);

/** A checkpoint after one epoch of a fresh fit, in `directory`. */
function saveOneEpoch(directory: string): void {
  const model = network();
  const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
  model.fit(x, labels, {
    epochs: 1,
    batchSize: 8,
    optimizer,
    callbacks: {
      onEpochEnd: (_logs, state) =>
        saveCheckpoint(directory, { model, optimizer, fit: state, settings: { note: 'kept' } }),
    },
  });
}

test('damaged checkpoints name the file', () => {
  const directory = join(scratch, 'damaged');
  saveOneEpoch(directory);
  writeFileSync(
    join(directory, 'latest.json'),
    '{"format": "convnet-ts-checkpoint", "epoch": 1, "folder": "../../etc"}',
  );
  assert.throws(
    () => loadCheckpoint(directory),
    (error: unknown) => error instanceof FileFormatError && /latest\.json: field 'folder'/.test(error.message),
  );
  writeFileSync(
    join(directory, 'latest.json'),
    '{"format": "convnet-ts-checkpoint", "epoch": 1, "folder": "epoch-0001"}',
  );
  writeFileSync(
    join(directory, 'epoch-0001', 'state.json'),
    '{"format": "convnet-ts-checkpoint", "fit": {}, "optimizer": {"steps": [], "buffers": [], "iterations": 0}}',
  );
  assert.throws(
    () => loadCheckpoint(directory),
    (error: unknown) =>
      error instanceof FileFormatError && /state\.json: field 'fit\.epoch' must be a whole number/.test(error.message),
  );
  writeFileSync(join(directory, 'epoch-0001', 'state.json'), 'not json');
  assert.throws(
    () => loadCheckpoint(directory),
    (error: unknown) => error instanceof FileFormatError && /state\.json: is not valid JSON/.test(error.message),
  );
});

describe('a tampered checkpoint is a FileFormatError naming the file and the field', () => {
  const directory = join(scratch, 'tampered');
  saveOneEpoch(directory);
  const folder = join(directory, 'epoch-0001');
  const files = Object.fromEntries(
    ['latest.json', 'epoch-0001/state.json', 'epoch-0001/optimizer.safetensors'].map((name) => [
      name,
      readFileSync(join(directory, name)),
    ]),
  );
  const restore = (): void =>
    Object.entries(files).forEach(([name, bytes]) => {
      writeFileSync(join(directory, name), bytes);
    });
  const state = (): TamperedJson => JSON.parse(files['epoch-0001/state.json']!.toString('utf8')) as TamperedJson;
  const statePath = join(folder, 'state.json');

  /** Writes state.json changed by `change`, and expects loadCheckpoint to fail with `message`. */
  function expectStateError(change: (value: TamperedJson) => void, message: string): void {
    restore();
    const value = state();
    change(value);
    writeFileSync(statePath, JSON.stringify(value));
    assertThrowsWith(() => loadCheckpoint(directory), FileFormatError, `${statePath}: ${message}`);
  }

  test('the untouched checkpoint loads, with its settings', () => {
    restore();
    const checkpoint = loadCheckpoint(directory)!;
    assert.deepEqual(
      [
        checkpoint.fit.epoch,
        checkpoint.fit.order.length,
        checkpoint.fit.history.length,
        checkpoint.settings,
        checkpoint.stateFile,
      ],
      [1, 40, 1, { note: 'kept' }, statePath],
    );
    assert.ok(Number.isNaN(checkpoint.fit.random.shuffle[4]), 'the spare normal JSON wrote as null');
  });

  test("fit: the generators, the order, the logs and the epoch (the issue's tamperings first)", () => {
    expectStateError((value) => {
      value.fit.random.shuffle = null;
    }, "field 'fit.random.shuffle' must be a generator state: 4 whole numbers from 0 to 4294967295 and a " +
      'spare normal (a number or null), got null');
    expectStateError((value) => {
      value.fit.order = { 0: 1 };
    }, 'field \'fit.order\' must be an array of example indices, got {"0":1}');
    expectStateError((value) => {
      value.fit.history = 'a string';
    }, 'field \'fit.history\' must be an array of the logs of the 1 finished epochs, got "a string"');
    expectStateError((value) => {
      value.fit.random.augment[2] = -1;
    }, "field 'fit.random.augment[2]' must be a whole number from 0 to 4294967295, got -1");
    expectStateError((value) => {
      value.fit.random.layers = [0, 0, 0, 0, null];
    }, "field 'fit.random.layers' is all zeros");
    expectStateError((value) => {
      value.fit.random.shuffle[4] = 'x';
    }, 'field \'fit.random.shuffle[4]\' must be a finite number, got "x"');
    expectStateError((value) => {
      value.fit.order[3] = value.fit.order[4];
    }, "field 'fit.order[4]' repeats example");
    expectStateError((value) => {
      value.fit.order[0] = 40;
    }, "field 'fit.order[0]' must be an example index from 0 to 39, got 40");
    expectStateError((value) => {
      value.fit.order[0] = 0.5;
    }, "field 'fit.order[0]' must be an example index from 0 to 39, got 0.5");
    expectStateError((value) => {
      value.fit.history[0].loss = 'x';
    }, 'field \'fit.history[0].loss\' must be a finite number, got "x"');
    expectStateError((value) => {
      value.fit.history[0].epoch = 2;
    }, "field 'fit.history[0].epoch' must be 1");
    expectStateError((value) => {
      value.fit.history.push(value.fit.history[0]);
    }, "field 'fit.history' must hold the logs of the 1 finished epochs, got 2");
    expectStateError((value) => {
      value.fit.epoch = 1.5;
    }, "field 'fit.epoch' must be a whole number from 0 to 9007199254740991, got 1.5");
    expectStateError((value) => {
      value.fit.epoch = 0;
      value.fit.history = [];
    }, "field 'fit.epoch' must be 1, the epoch latest.json names, got 0");
    expectStateError((value) => {
      value.fit.random = [1, 2];
    }, "field 'fit.random' must be an object, got an array of 2");
  });

  test('optimizer, settings and format', () => {
    expectStateError((value) => {
      value.optimizer.iterations = 'many';
    }, 'field \'optimizer.iterations\' must be a whole number from 0 to 9007199254740991, got "many"');
    expectStateError((value) => {
      value.optimizer.steps[0] = value.optimizer.iterations + 1;
    }, "field 'optimizer.steps[0]' must be a whole number from 0 to 5");
    expectStateError((value) => {
      value.optimizer.steps = {};
    }, "field 'optimizer.steps' must list the step counts of the model's");
    expectStateError((value) => {
      value.optimizer.buffers[0] = ['__proto__'];
    }, 'field \'optimizer.buffers[0][0]\' must be a buffer name (letters and digits), got "__proto__"');
    expectStateError((value) => {
      value.optimizer.buffers[0] = ['velocity', 'velocity'];
    }, "field 'optimizer.buffers[0]' names a buffer twice");
    expectStateError((value) => {
      value.optimizer.steps[0] = null;
    }, "field 'optimizer.buffers[0]' must be [] for a weight not updated yet (its step is null), got an array of 1");
    expectStateError((value) => {
      value.optimizer.className = null;
    }, "field 'optimizer.className' must name an optimizer class, got null");
    expectStateError((value) => {
      value.settings = 'fast';
    }, 'field \'settings\' must be an object, got "fast"');
  });

  test("the optimizer's settings: each field named", () => {
    assert.deepEqual(state().optimizer.config, {
      learningRate: 0.05,
      momentum: 0.9,
      nesterov: false,
      weightDecay: 0,
    });
    expectStateError((value) => {
      value.optimizer.config.momentum = 1;
    }, "field 'optimizer.config.momentum' is refused: SGD momentum must be below 1");
    expectStateError((value) => {
      value.optimizer.config.learningRate = -1;
    }, "field 'optimizer.config.learningRate' is refused: SGD learningRate must be a finite number >= 0, got -1");
    expectStateError((value) => {
      value.optimizer.config.learningRate = 'fast';
    }, 'field \'optimizer.config.learningRate\' must be a finite number, got "fast"');
    expectStateError((value) => {
      value.optimizer.config.learningRate = null;
    }, "field 'optimizer.config.learningRate' must be a finite number, got null");
    expectStateError((value) => {
      value.optimizer.config.nesterov = 1;
    }, "field 'optimizer.config.nesterov' must be true or false, got 1");
    expectStateError((value) => {
      value.optimizer.config.momentum = 0;
      value.optimizer.config.nesterov = true;
    }, "field 'optimizer.config.nesterov' is refused: SGD: nesterov needs a momentum > 0");
    expectStateError((value) => {
      value.optimizer.config.beta1 = 0.9;
    }, "field 'optimizer.config.beta1' is not an option of SGD (it takes learningRate, momentum, nesterov, " +
      'weightDecay, clipNorm, clipValue)');
    expectStateError((value) => {
      value.optimizer.config.clipNorm = 0;
    }, "field 'optimizer.config.clipNorm' is refused: SGD clipNorm must be a finite number > 0, got 0");
    expectStateError((value) => {
      value.optimizer.className = 'Adam';
    }, "field 'optimizer.config.momentum' is not an option of Adam");
    expectStateError((value) => {
      value.optimizer.config = [0.05];
    }, "field 'optimizer.config' must be an object, got an array of 1");
  });

  test("a checkpoint saved before the optimizer's settings were kept still loads, without an optimizer", () => {
    restore();
    const value = state();
    delete value.optimizer.config;
    writeFileSync(statePath, JSON.stringify(value));
    const checkpoint = loadCheckpoint(directory)!;
    assert.deepEqual(
      [
        checkpoint.optimizer,
        checkpoint.optimizerConfig,
        checkpoint.optimizerClassName,
        checkpoint.optimizerState.iterations,
      ],
      [null, null, 'SGD', 5],
    );
    // Custom classes keep their config unchecked but for its types, and give no optimizer either.
    value.optimizer.className = 'MyOptimizer';
    value.optimizer.config = { learningRate: 0.1, fancy: true };
    writeFileSync(statePath, JSON.stringify(value));
    const custom = loadCheckpoint(directory)!;
    assert.deepEqual([custom.optimizer, custom.optimizerConfig], [null, { learningRate: 0.1, fancy: true }]);
    restore();
    expectStateError((value) => {
      value.format = 'other';
    }, "field 'format' must be 'convnet-ts-checkpoint', got \"other\"");
  });

  test('latest.json and optimizer.safetensors', () => {
    restore();
    writeFileSync(
      join(directory, 'latest.json'),
      '{"format": "convnet-ts-checkpoint", "epoch": 3, "folder": "epoch-0001"}',
    );
    assertThrowsWith(
      () => loadCheckpoint(directory),
      FileFormatError,
      "latest.json: field 'epoch' must be 1, the epoch of folder epoch-0001, got 3",
    );
    restore();
    const optimizerPath = join(folder, 'optimizer.safetensors');
    const { tensors } = decodeSafetensors(files['epoch-0001/optimizer.safetensors']!, 'optimizer.safetensors');
    const poisoned = [...tensors.entries()].map(([name, tensor]) => ({
      name,
      tensor:
        name === '1/velocity'
          ? Tensor.fromArray(
              Array.from(tensor.dataSync(), (value, index) => (index === 2 ? Number.NaN : value)),
              [tensor.size],
            )
          : tensor,
    }));
    writeFileSync(optimizerPath, encodeSafetensors(poisoned));
    assertThrowsWith(
      () => loadCheckpoint(directory),
      FileFormatError,
      `${optimizerPath}: buffer '1/velocity' holds NaN at index 2; optimizer buffers must be finite`,
    );
    // A file larger than the buffers state.json names could need is refused unread (a sparse file: nothing is written).
    restore();
    const bound =
      CHECKPOINT_OPTIMIZER_HEADER_BYTES +
      8 *
        network()
          .trainableWeights()
          .reduce((sum, weight) => sum + weight.size, 0);
    truncateSync(optimizerPath, bound + 1);
    assertThrowsWith(
      () => loadCheckpoint(directory),
      FileFormatError,
      `${optimizerPath}: is ${bound + 1} bytes, more than the ${bound} the optimizer buffers state.json names may have`,
    );
    restore();
    rmSync(statePath);
    if (spawnSync('mkfifo', [statePath]).status === 0)
      assertThrowsWith(
        () => loadCheckpoint(directory),
        FileSystemError,
        `${statePath}: is a FIFO (named pipe), not a regular file`,
      );
    rmSync(statePath, { force: true });
    restore();
  });
});

test(
  'fit({ resume }) checks a hand-made state field by field: a ValueError naming the field, ' + 'never a TypeError',
  () => {
    let saved: FitState | null = null;
    const model = network();
    model.fit(x, labels, {
      epochs: 1,
      batchSize: 8,
      optimizer: new SGD({ learningRate: 0.05 }),
      callbacks: {
        onEpochEnd: (_logs, state) => {
          saved = state;
        },
      },
    });
    const state = JSON.parse(JSON.stringify(saved)) as TamperedJson;
    const cases: [string, (copy: TamperedJson) => void, string][] = [
      [
        'a null generator state',
        (copy) => {
          copy.random.shuffle = null;
        },
        'resume.random.shuffle must be a generator state',
      ],
      [
        'an order that is not an array',
        (copy) => {
          copy.order = 'abc';
        },
        'resume.order must be an array of example indices',
      ],
      [
        'a history that is a string',
        (copy) => {
          copy.history = 'x';
        },
        'resume.history must be an array',
      ],
      [
        'an order of other examples',
        (copy) => {
          copy.order = [0, 1, 2];
        },
        'resume.order must be an order of the 40 training examples, got 3',
      ],
      [
        'an epoch past the fit',
        (copy) => {
          copy.epoch = 9;
          copy.history = Array.from({ length: 9 }, (_, index) => ({
            ...(copy.history as object[])[0],
            epoch: index + 1,
          }));
        },
        'resume.epoch is 9',
      ],
    ];
    for (const [title, tamper, message] of cases) {
      const copy = structuredClone(state);
      tamper(copy);
      assertThrowsWith(
        () =>
          network().fit(x, labels, {
            epochs: 2,
            batchSize: 8,
            optimizer: new SGD({ learningRate: 0.05 }),
            resume: copy as unknown as FitState,
          }),
        ValueError,
        `fit: ${message}`,
      );
      assert.ok(title);
    }
  },
);
