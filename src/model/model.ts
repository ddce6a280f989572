// Model: layers connected as a graph from one Input to class scores, with fit / evaluate / predict /
// classify. Sequential (sequential.ts) is the chain case. A model ending in Softmax outputs
// probabilities; one ending elsewhere (an imported ONNX model ending in a Gemm) outputs logits
// (`model.output` says which). Training fuses a final Softmax with the cross-entropy loss: the loss is
// computed from the logits (the input of that Softmax, or the output of a logits model), which is
// exact and cannot overflow (kernels/js/softmax.ts).

import type { DType, FloatArray } from '../core/dtype.js';
import { NonFiniteLossError, ShapeError, ValueError } from '../core/errors.js';
import { MAX_BATCH_ACTIVATION_ELEMENTS } from '../core/limits.js';
import { Random } from '../core/random.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../core/shape.js';
import { storageOf, Tensor } from '../core/tensor.js';
import { noteWeightsChanged } from '../core/weightsVersion.js';
import { isRecording } from '../autograd/recorder.js';
import { GradientTape } from '../autograd/tape.js';
import { runKernel } from '../kernels/dispatch.js';
import { getBackend, isDeviceBackend, withScope } from '../kernels/registry.js';
import { allocateTensor } from '../ops/allocate.js';
import { checkPositiveInteger } from '../ops/checks.js';
import { Clip, ReLU } from '../layers/activations.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { Input } from '../layers/input.js';
import { Add } from '../layers/merge.js';
import type { BuildContext, Layer, SymbolicTensor } from '../layers/layer.js';
import type { Image } from '../image/image.js';
import { checkPreprocessing, type Preprocessing } from '../image/preprocessing.js';
import { Softmax } from '../layers/softmax.js';
import { softmaxCrossEntropy } from '../ops/softmax.js';
import { Adam } from '../optim/adam.js';
import type { SaveOptions } from '../io/modelFormat.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LearningRateSchedule } from '../optim/schedules.js';
import { checkLabels, gatherExamples, gatherTargets, type Labels } from './batching.js';
import type { AsyncTrainingCallbacks, EpochLogs, FitState, History, TrainingCallbacks } from './callbacks.js';
import { countCorrect, countCorrectOf, RunningMetrics } from './runningMetrics.js';
import { yieldToEventLoop } from './yieldToEventLoop.js';
import { checkFitState } from './fitStateChecks.js';
import { checkLayerCount, GraphTally } from './graphLimits.js';
import { imagesToInput } from './imageInput.js';
import { InferencePlan } from './inferencePlan.js';
import { formatSummary, summarize, type ModelSummary } from './summary.js';

/** Options of a Model (and Sequential). */
export interface ModelOptions {
  /** Seeds weight initialisation (and, by default, shuffling); default 0. */
  seed?: number | undefined;
  /** Default 'float32'; 'float64' is for gradient checks. */
  dtype?: DType | undefined;
  /** A name for each class, in order (see Model.setClassNames); default none (classify names classes by index). */
  classNames?: readonly string[] | undefined;
  /** How its input is made from images (see Model.setPreprocessing); default none (stretched, 0..1). */
  preprocessing?: Preprocessing | undefined;
  /**
   * A name for each of the graph's outputs, in order (see Model.outputNames); default the names of
   * the layers that compute them. Names are unique.
   */
  outputNames?: readonly string[] | undefined;
}

/** What a model's output rows are: class probabilities (it ends in Softmax) or logits (unnormalised scores). */
export type ModelOutput = 'probabilities' | 'logits';

/** Options of model.classify. */
export interface ClassifyOptions {
  /** How many classes to return per image, most probable first; default 5 (all classes when fewer). */
  topK?: number | undefined;
  /** Images fitted and predicted at a time (bounds the memory one call holds); default 32. */
  batchSize?: number | undefined;
}

/** One class of a classify result. */
export interface Classification {
  /** The class index (the output row's position). */
  index: number;
  /** model.classNames[index], or the index as a string when the model has no names. */
  name: string;
  /** Its probability (softmax of the logits for a logits model), in [0, 1]. */
  probability: number;
}

/** classify's default topK. */
export const DEFAULT_CLASSIFY_TOP_K = 5;
/** classify's default number of images fitted and predicted at a time. */
const CLASSIFY_BATCH_SIZE = 32;

/** Options of model.fit. */
export interface FitOptions {
  /** Default: a new Adam with learning rate 0.001. Pass the same one again to continue its state. */
  optimizer?: Optimizer | undefined;
  /** Default 1. */
  epochs?: number | undefined;
  /** Default 32. */
  batchSize?: number | undefined;
  /** Shuffle the training examples every epoch; default true. */
  shuffle?: boolean | undefined;
  /** Seeds shuffling; default the model's seed. */
  seed?: number | undefined;
  /** Hold out this fraction of the examples (the last ones, before shuffling) for validation. */
  validationSplit?: number | undefined;
  /** Validation examples and labels; takes precedence over validationSplit. */
  validationData?: readonly [Tensor, Labels] | undefined;
  /** One callback object or several, called in the order given. */
  callbacks?: TrainingCallbacks | readonly TrainingCallbacks[] | undefined;
  /**
   * Sets optimizer.learningRate before every step to schedule(step), where step is
   * optimizer.iterations: 0 for a new optimizer, and a second fit with the same optimizer goes on
   * from where the first ended. It runs per step, not per epoch: wrap a schedule of epochs in
   * perEpoch(schedule, batchesPerEpoch), or use a staircase exponentialDecay with decaySteps =
   * batches per epoch (as the CLI halves its rate). Default: the optimizer's rate is left alone.
   */
  learningRateSchedule?: LearningRateSchedule | undefined;
  /**
   * Label smoothing in [0, 1] of the training loss: target rows t count as (1 - s) t + s / classes.
   * The training loss reported is the smoothed one; evaluate and the validation figures use plain
   * cross-entropy. Default 0.
   */
  labelSmoothing?: number | undefined;
  /**
   * Changes every gathered training batch [batch, ...inputShape] (NHWC for images) in place before
   * the forward pass: random crops, flips. `random` is one generator for the whole fit, seeded from
   * the fit seed but apart from the shuffling's, so a seed gives the same batches with or without
   * augmentation work in between. Validation batches are not augmented. On a device backend (fitAsync
   * on WebGPU) it runs on the host: each batch is gathered there and uploaded after it (examples
   * given as a device tensor are read back once, at the start, counted by transferCounts).
   */
  augment?: ((batch: Tensor, random: Random) => void) | undefined;
  /**
   * Continue a fit that stopped: the state onEpochEnd handed out after its last finished epoch. The
   * model's weights and the optimizer's state must be those of that moment (restore them first);
   * `epochs` is still the total. The other options must be the same as the first fit's.
   */
  resume?: FitState | undefined;
  /**
   * With no `augment`, and the model's first layers frozen (Layer.trainable false, or without
   * weights; no Dropout), compute the output of that frozen prefix once per training example before
   * the first epoch and train the rest on it: an epoch then costs what the trainable head costs. The
   * steps are those of a fit without the cache (the prefix's output does not depend on the step), so
   * the weights agree within float32 rounding. Skipped when the cached maps would pass
   * MAX_CACHED_FEATURE_ELEMENTS. On a device backend the cache is computed and kept there. Default true.
   */
  cacheFrozenFeatures?: boolean | undefined;
}

/** The most values fit's cache of a frozen prefix's outputs may hold (1 GiB of float32). */
export const MAX_CACHED_FEATURE_ELEMENTS = 2 ** 28;

/**
 * fitAsync's default time between yields to the event loop, in milliseconds: one frame at 60 Hz, so
 * a page training on its main thread still paints about every frame (plus one batch) and a server's
 * timers and requests wait at most that long (plus one batch), while the yields themselves (a few
 * microseconds each by setImmediate, tens by a MessageChannel) cost well under 1% of the time.
 */
export const DEFAULT_FIT_YIELD_EVERY_MS = 16;

/** fitAsync's options: fit's, with async callbacks, an AbortSignal and the time between yields. */
export interface FitAsyncOptions extends Omit<FitOptions, 'callbacks'> {
  /** One callback object or several, called in the order given; a callback's promise is awaited. */
  callbacks?: AsyncTrainingCallbacks | readonly AsyncTrainingCallbacks[] | undefined;
  /** Stops the fit after the current batch; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Yield to the event loop between batches once this many milliseconds have passed since the last yield (0: after
   * every batch); default DEFAULT_FIT_YIELD_EVERY_MS (16).
   */
  yieldEveryMs?: number | undefined;
}

/** One round of callback calls that the fit loop asks its driver (fit or fitAsync) to make. */
interface CallbackRound {
  call: (callback: AsyncTrainingCallbacks) => unknown;
  /** Set after a batch: where fitAsync may yield. */
  batchEnded?: true | undefined;
  /** Set on onTrainEnd: the fit is done, an abort no longer stops it. */
  isLast?: true | undefined;
  /** Values to read before the callbacks run (a device backend's losses): fitAsync awaits it, fit cannot. */
  read?: (() => Promise<void>) | undefined;
}

/**
 * Throws ValueError naming `asyncForm` where the active backend cannot read values synchronously (a
 * device backend such as WebGPU), which `what` needs.
 */
function checkSyncReads(what: string, asyncForm: string): void {
  const device = getBackend().device;
  if (device !== undefined && device.readSync === undefined)
    throw new ValueError(
      `${what}: backend '${device.name}' reads values back only asynchronously; use \`await model.${asyncForm}(...)\``,
    );
}

function callbackList<C>(callbacks: C | readonly C[] | undefined): readonly C[] {
  return callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks as C];
}

/** Options of model.forward. */
export interface ForwardOptions {
  /** Run as in training (Dropout active, batch statistics); default false. */
  isTraining?: boolean | undefined;
  /** Run layers [0, end); default all. */
  end?: number | undefined;
  /** Random numbers for layers that draw them in training (Dropout). */
  random?: Random | undefined;
  /** Called with each layer's output as it is computed (turns off the Conv2D + ReLU fusion). */
  onOutput?: ((layerIndex: number, output: Tensor) => void) | undefined;
}

/** What model.evaluate returns. */
export interface Evaluation {
  /** The mean softmax cross-entropy over the examples. */
  loss: number;
  /** The share of examples whose most probable class is their label, 0 to 1. */
  accuracy: number;
  /** The class probabilities [examples, classes], when evaluate was asked to keep them. */
  probabilities?: Tensor | undefined;
}

/** Writes a model folder: installed by the Node entry point (src/index.ts), so this module stays free of node:fs. */
let folderSaver: ((model: Model, directory: string, options: SaveOptions) => void) | null = null;

/** Installs what model.save calls (the Node entry point passes saveModel). */
export function setModelSaver(saver: (model: Model, directory: string, options: SaveOptions) => void): void {
  folderSaver = saver;
}

/** One layer of a model and the layers its inputs come from (indices into Model.nodes, all earlier). */
export interface ModelNode {
  /** The layer. */
  readonly layer: Layer;
  /** The nodes whose outputs it reads, in order (empty for the Input). */
  readonly inputs: readonly number[];
}

/**
 * A model whose layers form a graph: branches that split and join (residual connections with Add,
 * Concatenate), from one Input to one output. Build it by applying layers to symbolic tensors
 * (Layer.apply) and naming the two ends. `outputs` may list several: the first is the model's output
 * (predict, evaluate, fit), and forwardOutputs / predictOutputs return them all by name. Throws
 * ValueError for more than MAX_MODEL_LAYERS layers, and
 * ShapeError when a feature map, all of one example's maps or its multiply-adds pass the limits of
 * core/limits.ts (checked layer by layer, before the next layer's weights are made).
 *
 * @example
 * const input = new Input({ shape: [32, 32, 3] });
 * const stem = new ReLU().apply(new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(input.output));
 * const block = new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(stem);
 * const joined = new ReLU().apply(new Add().apply([block, stem]));
 * const output = new Softmax().apply(new Dense({ units: 10 }).apply(new GlobalAveragePooling2D().apply(joined)));
 * const model = new Model({ inputs: input.output, outputs: output }, { seed: 1 });
 */
export class Model {
  /**
   * The nodes whose outputs forwardOutputs and predictOutputs return, in order. The first is always
   * the last node: the model's output, which predict, evaluate and fit use (fit trains it alone).
   */
  readonly outputNodes: readonly number[];
  /** The name of each output of outputNodes (ONNX graph outputs keep the file's names). */
  readonly outputNames: readonly string[];
  /** The layers in an order where every layer comes after those it reads (node i holds layers[i]). */
  readonly layers: readonly Layer[];
  /** One node per layer, in `layers` order, with the nodes it reads. */
  readonly nodes: readonly ModelNode[];
  /** The seed the weights were drawn with, and fit's default seed (shuffling, Dropout). */
  readonly seed: number;
  /** The weights' type. */
  readonly dtype: DType;
  /** Per-example input shape of each layer (a merge's first input; the first is the model's input shape). */
  readonly layerInputShapes: readonly Shape[];
  /** Per-example output shape of each layer, in `layers` order. */
  readonly layerOutputShapes: readonly Shape[];
  /** How many later layers read each layer's output. */
  private readonly consumers: readonly number[];
  /** The values of every layer's output for one example: what one example's forward pass holds. */
  private readonly activationElements: number;
  private names: readonly string[] | undefined;
  private inputPreprocessing: Preprocessing | undefined;
  /** The inference plan, built on first use (see infer). */
  private plan: InferencePlan | null = null;

  constructor(
    graph:
      | { inputs: SymbolicTensor; outputs: SymbolicTensor | readonly SymbolicTensor[] }
      | { nodes: readonly ModelNode[]; outputs?: readonly number[] | undefined },
    options: ModelOptions = {},
  ) {
    const outputTensors =
      'nodes' in graph
        ? []
        : Array.isArray(graph.outputs)
          ? (graph.outputs as readonly SymbolicTensor[])
          : [graph.outputs as SymbolicTensor];
    const { nodes, outputs } =
      'nodes' in graph
        ? { nodes: [...graph.nodes], outputs: graph.outputs ?? [graph.nodes.length - 1] }
        : nodesOf(graph.inputs, outputTensors);
    checkLayerCount(nodes.length, 'Model');
    if (!(nodes[0]?.layer instanceof Input) || nodes[0].inputs.length !== 0) {
      throw new ValueError(
        'Model: the first layer must be an Input declaring the example shape, e.g. new Input({ shape: [28, 28, 1] })',
      );
    }
    nodes.forEach((node, index) => {
      if (
        index > 0 &&
        (node.inputs.length === 0 ||
          node.inputs.some((input) => !Number.isInteger(input) || input < 0 || input >= index))
      ) {
        throw new ValueError(
          `Model: layer ${index} (${node.layer.className}) must read earlier layers, got inputs ` +
            `[${node.inputs.join(', ')}]`,
        );
      }
      if (index > 0 && node.layer instanceof Input)
        throw new ValueError('Model: a model has one Input, the first layer');
    });
    this.nodes = nodes;
    this.layers = nodes.map((node) => node.layer);
    if (new Set(this.layers).size !== this.layers.length)
      throw new ValueError('Model: a layer appears twice; make another layer for each place in the graph');
    if (
      outputs.length === 0 ||
      outputs[0] !== nodes.length - 1 ||
      outputs.some((node) => !Number.isInteger(node) || node < 0 || node >= nodes.length)
    ) {
      throw new ValueError(
        `Model: outputs must be node indices, the first the last node (${nodes.length - 1}); got ` +
          `[${outputs.join(', ')}]`,
      );
    }
    if (new Set(outputs).size !== outputs.length)
      throw new ValueError(`Model: an output is listed twice: [${outputs.join(', ')}]`);
    this.outputNodes = [...outputs];
    this.seed = options.seed ?? 0;
    this.dtype = options.dtype ?? 'float32';
    nameLayers(this.layers);
    const outputNames = options.outputNames ?? outputs.map((node) => this.layers[node]!.name);
    if (
      outputNames.length !== outputs.length ||
      outputNames.some((name) => typeof name !== 'string' || name === '') ||
      new Set(outputNames).size !== outputNames.length
    ) {
      throw new ValueError(
        `Model: outputNames must be ${outputs.length} unique non-empty strings, got ${JSON.stringify(outputNames)}`,
      );
    }
    this.outputNames = [...outputNames];
    const random = new Random(this.seed);
    const inputShapes: Shape[] = [];
    const outputShapes: Shape[] = [];
    const tally = new GraphTally();
    for (const node of nodes) {
      const shapes =
        node.layer instanceof Input ? [node.layer.shape] : node.inputs.map((input) => outputShapes[input]!);
      inputShapes.push(shapes[0]!);
      try {
        outputShapes.push(buildOrReuse(node.layer, shapes, { random, dtype: this.dtype }));
      } catch (error) {
        if (!(error instanceof ShapeError)) throw error;
        // Show how the shape got here, layer by layer: the fix is usually upstream. The last few
        // layers only: a model of many layers would otherwise print them all on one line.
        const first = Math.max(0, outputShapes.length - SHAPE_TRACE_LAYERS);
        const trace = outputShapes
          .slice(first)
          .map((shape, index) => `${this.layers[first + index]!.name} ${formatShape(shape)}`);
        throw new ShapeError(
          `${error.message}. Shapes so far: ${first > 0 ? `(${first} layers before) -> ` : ''}${trace.join(' -> ')}`,
        );
      }
      tally.add(
        node.layer,
        shapes[0]!,
        outputShapes[outputShapes.length - 1]!,
        `Model: layer ${node.layer.name} (${node.layer.className}) output `,
      );
    }
    this.activationElements = tally.elements;
    this.layerInputShapes = inputShapes;
    this.layerOutputShapes = outputShapes;
    // One pass over the edges: a filter per layer made building quadratic (100,000 layers: 65 s).
    const consumers = new Array<number>(nodes.length).fill(0);
    for (const node of nodes) for (const input of new Set(node.inputs)) consumers[input]!++;
    // An output read by forwardOutputs counts as a reader: a Conv2D output must not fuse its ReLU away.
    for (const node of outputs.slice(1)) consumers[node]!++;
    this.consumers = consumers;
    this.setClassNames(options.classNames);
    this.setPreprocessing(options.preprocessing);
  }

  /**
   * How the model's input is made from images (resize and crop, scale, channel order, mean and std):
   * used by imagesToInput and classify; set by setPreprocessing, loadModel / parseModel (from
   * model.json) and importOnnx (the file's 'preprocessing' metadata); written by saveModel and
   * exportOnnx. Undefined when none: images are stretched to the input size, values 0..1.
   */
  get preprocessing(): Preprocessing | undefined {
    return this.inputPreprocessing;
  }

  /**
   * Sets (or, with undefined, clears) the preprocessing: a Preprocessing record (PREPROCESSING_PRESETS
   * or preprocessingPreset('imagenet') give common ones) with one mean and std per input channel.
   * Throws ValueError for a model that takes feature vectors, or a record that is not valid. Returns the model.
   *
   * @example
   * model.setPreprocessing(preprocessingPreset('imagenet'));
   */
  setPreprocessing(preprocessing: Preprocessing | undefined): this {
    if (preprocessing === undefined) {
      this.inputPreprocessing = undefined;
      return this;
    }
    const input = this.layers[0] as Input;
    if (input.colorModel === null)
      throw new ValueError(`Model: preprocessing applies to images, but input '${input.name}' takes feature vectors`);
    const checked = checkPreprocessing(preprocessing, input.shape[2]!);
    this.inputPreprocessing = Object.freeze({
      ...checked,
      mean: Object.freeze(checked.mean),
      std: Object.freeze(checked.std),
    });
    return this;
  }

  /**
   * A name for each class, in order: set by the constructor's `classNames`, setClassNames, loadModel /
   * parseModel (from model.json) and importOnnx (from the file's 'classNames' metadata); written by
   * saveModel / serializeModel and exportOnnx. Undefined when the model has none.
   */
  get classNames(): readonly string[] | undefined {
    return this.names;
  }

  /**
   * Sets (or, with undefined, clears) the class names: strings, one per class. Throws ValueError
   * otherwise. Returns the model.
   *
   * @example
   * model.setClassNames(['cat', 'dog']);
   */
  setClassNames(names: readonly string[] | undefined): this {
    if (names === undefined) {
      this.names = undefined;
      return this;
    }
    if (!Array.isArray(names)) throw new ValueError(`Model: classNames must be a list of ${this.classes} strings`);
    if (names.length !== this.classes)
      throw new ValueError(
        `Model: classNames must name each of the ${this.classes} classes, got ${names.length} names`,
      );
    const bad = names.findIndex((name) => typeof name !== 'string');
    if (bad >= 0) throw new ValueError(`Model: classNames[${bad}] must be a string, got ${typeof names[bad]}`);
    this.names = Object.freeze([...names]);
    return this;
  }

  /**
   * What predict returns: 'probabilities' when the model ends in Softmax, 'logits' otherwise (an
   * imported ONNX model ending in a Gemm or MatMul). fit trains softmax cross-entropy either way,
   * on the logits; classify turns logits into probabilities.
   */
  get output(): ModelOutput {
    return this.layers[this.layers.length - 1] instanceof Softmax ? 'probabilities' : 'logits';
  }

  /** The shape of one input example, without the batch axis, e.g. [28, 28, 1]. */
  get inputShape(): Shape {
    return this.layerInputShapes[0]!;
  }

  /** The shape of one example of the model's output, e.g. [10]. */
  get outputShape(): Shape {
    return this.layerOutputShapes[this.layerOutputShapes.length - 1]!;
  }

  /** True when every layer reads the one before it (a Sequential model, or a graph without branches). */
  get isChain(): boolean {
    return this.nodes.every((node, index) => index === 0 || (node.inputs.length === 1 && node.inputs[0] === index - 1));
  }

  /** Number of classes: the size of one output. */
  get classes(): number {
    return sizeOf(this.outputShape);
  }

  /** All weights and saved state, layer by layer, with names "<layer>/<weight>" (what a model file holds). */
  namedWeights(): { name: string; tensor: Tensor; isTrainable: boolean }[] {
    return this.layers.flatMap((layer) =>
      layer.weights().map((weight) => ({
        name: `${layer.name}/${weight.name}`,
        tensor: weight.tensor,
        isTrainable: weight.isTrainable ?? true,
      })),
    );
  }

  /**
   * Says that code has changed weight values in place (`layer.kernel.dataSync()[0] = 1`, a custom update
   * loop): predict, evaluate, predictOutputs and classify run an inference plan that holds folded
   * copies of the weights (batch normalization folded into the convolution before it) and has the
   * backend keep prepared forms of them (packed, Winograd-transformed), which this rebuilds at their
   * next call. fit, the optimizers, loading and early stopping's restore say so
   * themselves; only direct writes need it. Returns the model.
   *
   * @example
   * conv.kernel!.dataSync().fill(0);
   * model.markWeightsChanged();
   */
  markWeightsChanged(): this {
    noteWeightsChanged(this.namedWeights().map((weight) => weight.tensor));
    return this;
  }

  /**
   * The weights that training changes: not batch normalization's moving averages, nor any weight of a frozen layer
   * (Layer.trainable).
   */
  trainableWeights(): Tensor[] {
    return this.layers
      .filter((layer) => layer.trainable)
      .flatMap((layer) =>
        layer
          .weights()
          .filter((weight) => weight.isTrainable ?? true)
          .map((weight) => weight.tensor),
      );
  }

  /**
   * Freezes the layers from the first through `upTo` (a layer name, inclusive, in node order: every
   * layer a cut at `upTo` keeps, and in a graph any branch listed before it), or every layer when
   * omitted: sets their `trainable` to false. Layers are objects that a cut or headed model shares,
   * so the flag holds in those too. Throws ValueError for a name the model lacks. Returns the model.
   *
   * @example
   * model.freeze('conv2d_3');        // train only what comes after conv2d_3
   * model.unfreeze('conv2d_3');      // then fine-tune from conv2d_3 on, with a lower learning rate
   */
  freeze(upTo?: string): this {
    const end = upTo === undefined ? this.layers.length - 1 : this.layerIndex(upTo, 'freeze');
    this.layers.forEach((layer, index) => {
      if (index <= end) layer.trainable = false;
    });
    return this;
  }

  /**
   * Unfreezes the layers from `from` (a layer name, inclusive, in node order) to the last, or every
   * layer when omitted: sets their `trainable` to true. Throws ValueError for a name the model lacks.
   * Returns the model.
   *
   * @example
   * model.unfreeze('dense_1');
   */
  unfreeze(from?: string): this {
    const start = from === undefined ? 0 : this.layerIndex(from, 'unfreeze');
    this.layers.forEach((layer, index) => {
      if (index >= start) layer.trainable = true;
    });
    return this;
  }

  /**
   * A model from the input to the output of layer `layerName`: the layers that output depends on,
   * the same layer objects with the same weight tensors (shared, not copied: training either model
   * changes both, and a frozen flag holds in both). Its output is that layer's feature map (logits
   * for classes it does not have); preprocessing is kept, class names are not. Works for any model:
   * built here, loaded, or imported from ONNX or TF.js. Throws ValueError for a name the model lacks.
   *
   * @example
   * const backbone = model.featureExtractor('globalaveragepooling2d_1');
   * const features = backbone.predict(images); // [batch, channels]
   */
  featureExtractor(layerName: string): Model {
    const end = this.layerIndex(layerName, 'featureExtractor');
    const kept = new Array<boolean>(end + 1).fill(false);
    kept[end] = true;
    for (let index = end; index > 0; index--) {
      if (kept[index]) for (const input of this.nodes[index]!.inputs) kept[input] = true;
    }
    const newIndex = new Map<number, number>();
    const nodes: ModelNode[] = [];
    kept.forEach((isKept, index) => {
      if (!isKept) return;
      newIndex.set(index, nodes.length);
      nodes.push({
        layer: this.layers[index]!,
        inputs: this.nodes[index]!.inputs.map((input) => newIndex.get(input)!),
      });
    });
    return new Model({ nodes }, { seed: this.seed, dtype: this.dtype, preprocessing: this.preprocessing });
  }

  /** The node index of the layer named `name`; ValueError naming `what` otherwise. */
  private layerIndex(name: string, what: string): number {
    const index = this.layers.findIndex((layer) => layer.name === name);
    if (index < 0) {
      const names = this.layers.map((layer) => layer.name);
      throw new ValueError(
        `${what}: the model has no layer named '${name}'; its layers are ` +
          `${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`,
      );
    }
    return index;
  }

  /** Per-layer output shapes, parameter counts and multiply-adds (and, for a graph, each layer's inputs). */
  summaryData(): ModelSummary {
    const inputs = this.isChain
      ? undefined
      : this.nodes.map((node) => node.inputs.map((input) => this.layers[input]!.name));
    return summarize(this.layers, this.layerInputShapes, this.layerOutputShapes, inputs);
  }

  /** The summary as a printable table. */
  summary(): string {
    return formatSummary(this.summaryData());
  }

  /**
   * Saves the model as a folder: model.json (topology, layer configs, class names, training facts)
   * and weights.safetensors, each written atomically. Node only (it writes files); in a browser,
   * serializeModel gives the two files' contents. Load it again with loadModel(directory).
   *
   * @example
   * model.save('runs/digits', { classNames: MNIST_CLASS_NAMES });
   */
  save(directory: string, options: SaveOptions = {}): void {
    if (folderSaver === null)
      throw new ValueError(
        'model.save writes files, which only the Node entry point can do; in a browser, ' +
          "serializeModel(model) gives the files' contents",
      );
    folderSaver(this, directory, options);
  }

  /**
   * Runs the layers [0, end) on a batch and returns the output of layer end - 1. A Conv2D whose only
   * reader is a ReLU right after it runs as one fused op (same result, one pass less over the feature
   * map: about 7% of W1's inference time), unless `onOutput` wants to see every layer's output.
   */
  forward(input: Tensor, options: ForwardOptions = {}): Tensor {
    const end = options.end ?? this.layers.length;
    return this.forwardNodes(input, options, end)[end - 1]!;
  }

  /**
   * Every named output of the graph (outputNames: an imported ONNX graph's outputs, or the outputs
   * given to the constructor) for a batch, by name, in one forward pass; the first is forward's.
   * Maps are NHWC, as every feature map here.
   *
   * @example
   * const { out, aux } = model.forwardOutputs(batch); // a segmentation model's two heads
   */
  forwardOutputs(input: Tensor, options: Omit<ForwardOptions, 'end'> = {}): Record<string, Tensor> {
    const outputs = this.forwardNodes(input, options, this.layers.length);
    return Object.fromEntries(this.outputNodes.map((node, index) => [this.outputNames[index]!, outputs[node]!]));
  }

  /**
   * predict for every named output (see forwardOutputs): batchSize examples at a time (default 256).
   * On a device backend, as predict, the results stay on the device: read them with `await tensor.data()`.
   *
   * @example
   * const { out, aux } = model.predictOutputs(images, { batchSize: 8 });
   */
  predictOutputs(x: Tensor, options: { batchSize?: number | undefined } = {}): Record<string, Tensor> {
    this.checkExamples(x, 'predictOutputs');
    const batchSize = this.boundedBatchSize(checkPositiveInteger(options.batchSize ?? 256, 'predictOutputs batchSize'));
    const nodes = this.outputNodes;
    const results = this.batchRows(x, x.shape[0]!, batchSize, nodes, (batch) => {
      const outputs = this.infer(batch);
      return nodes.map((node) => outputs.get(node)!);
    });
    return Object.fromEntries(this.outputNames.map((name, index) => [name, results[index]!]));
  }

  /**
   * The outputs `run` gives for x's first `count` examples, batchSize at a time, gathered into one
   * tensor per output (nodes: whose output shapes they have): host tensors on the CPU backends; on a
   * device backend each batch's rows are copied there (CopyColumns) into tensors that stay on the device.
   */
  private batchRows(
    x: Tensor,
    count: number,
    batchSize: number,
    nodes: readonly number[],
    run: (batch: Tensor) => readonly Tensor[],
  ): Tensor[] {
    const isDevice = isDeviceBackend();
    const results = nodes.map((node) =>
      (isDevice ? allocateTensor : Tensor.zeros)([count, ...this.layerOutputShapes[node]!], this.dtype),
    );
    const order = identity(count);
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      withScope(() =>
        run(gatherExamples(x, order, start, size)).forEach((output, index) => {
          const result = results[index]!;
          const offset = start * sizeOf(output.shape.slice(1));
          if (!isDevice) result.dataSync().set(output.dataSync(), offset);
          else
            runKernel('CopyColumns', output, result, {
              rows: 1,
              columns: output.size,
              sourceStride: output.size,
              sourceOffset: 0,
              destinationStride: result.size,
              destinationOffset: offset,
            });
        }),
      );
    }
    return results;
  }

  /** Throws ValueError unless `input` has the model's dtype. */
  private checkDtype(input: Tensor): void {
    if (input.dtype !== this.dtype)
      throw new ValueError(`Model: the model is ${this.dtype} but the input is ${input.dtype}`);
  }

  /**
   * The outputs of nodes [0, end) for a batch (a fused Conv2D + ReLU or Clip leaves the activation's
   * output in both slots). With `start` > 0, `input` is node start's output and nodes after it are
   * run (no later node may read an earlier one: see cacheableCut); the slots before it stay empty.
   */
  private forwardNodes(input: Tensor, options: ForwardOptions, end: number, start = 0): Tensor[] {
    this.checkDtype(input);
    const context = {
      isTraining: options.isTraining ?? false,
      ...(options.random === undefined ? {} : { random: options.random }),
    };
    const outputs: Tensor[] = [];
    if (start > 0) {
      outputs.length = start;
      outputs.push(input);
    }
    for (let index = start === 0 ? 0 : start + 1; index < end; index++) {
      const { layer, inputs } = this.nodes[index]!;
      const residualNode = options.onOutput === undefined ? this.fusableResidual(index, end) : null;
      if (residualNode !== null) {
        // Conv2D + Add (+ ReLU or Clip) as one op: the Add and the activation take no pass of their own, and the
        // backward pass masks dOut once for the convolution, its bias and the residual (grads/conv2d.ts).
        const after = this.nodes[index + 2];
        const isActivated = this.isFusableActivation(index + 1, end);
        const activation = !isActivated
          ? undefined
          : after!.layer instanceof Clip
            ? { kind: 'clip' as const, min: after!.layer.min, max: after!.layer.max }
            : 'relu';
        const fused = (layer as Conv2D).callFused(outputs[inputs[0]!]!, activation, outputs[residualNode]!);
        outputs.push(fused, fused);
        if (isActivated) outputs.push(fused);
        index += isActivated ? 2 : 1;
        continue;
      }
      const next = this.nodes[index + 1];
      const isActivation = next !== undefined && (next.layer instanceof ReLU || next.layer instanceof Clip);
      const isFusable =
        options.onOutput === undefined &&
        layer instanceof Conv2D &&
        index + 1 < end &&
        isActivation &&
        next.inputs[0] === index &&
        this.consumers[index] === 1;
      if (isFusable) {
        // A Clip (ReLU6) fuses too: the kernel applies it and the gradient masks by the output (grads/conv2d.ts).
        const activation =
          next.layer instanceof Clip ? { kind: 'clip' as const, min: next.layer.min, max: next.layer.max } : 'relu';
        const fused = layer.callFused(outputs[inputs[0]!]!, activation);
        outputs.push(fused, fused);
        index++;
        continue;
      }
      const output =
        index === 0
          ? layer.call(input, context)
          : layer.callWith(
              inputs.map((from) => outputs[from]!),
              context,
            );
      outputs.push(output);
      options.onOutput?.(index, output);
    }
    return outputs;
  }

  /**
   * The node whose output a Conv2D at `index` may take as a fused residual: node index + 1 is an Add of exactly the
   * convolution's output (read by nothing else) and that node's output, of the same shape. Null otherwise.
   */
  private fusableResidual(index: number, end: number): number | null {
    const node = this.nodes[index]!;
    const next = this.nodes[index + 1];
    if (!(node.layer instanceof Conv2D) || next === undefined || index + 1 >= end || !(next.layer instanceof Add))
      return null;
    if (next.inputs.length !== 2 || this.consumers[index] !== 1) return null;
    const other = next.inputs[0] === index ? next.inputs[1]! : next.inputs[1] === index ? next.inputs[0]! : null;
    if (other === null || other === index) return null;
    return shapesEqual(this.layerOutputShapes[other]!, this.layerOutputShapes[index]!) ? other : null;
  }

  /** Whether node index + 1 is a ReLU or Clip of node `index`'s output alone, which nothing else reads. */
  private isFusableActivation(index: number, end: number): boolean {
    const next = this.nodes[index + 1];
    return (
      next !== undefined &&
      index + 1 < end &&
      (next.layer instanceof ReLU || next.layer instanceof Clip) &&
      next.inputs[0] === index &&
      this.consumers[index] === 1
    );
  }

  /**
   * The outputs of every named output node and of the logits node (logitsEnd() - 1) for a batch, by
   * node, computed by the inference plan: one plan serves predict, predictOutputs and evaluate, so
   * the model holds one folded copy of its weights. It is built on first use and rebuilt when the
   * weights changed (see markWeightsChanged). Call it inside withScope: the outputs are views of the
   * scope's memory.
   */
  private infer(input: Tensor): ReadonlyMap<number, Tensor> {
    this.checkDtype(input);
    if (isRecording() || isDeviceBackend()) {
      // A tape records (predict inside tape.run): the plan's fused ops have no gradient, the layers do.
      // A device backend runs the layers too: the plan calls kernels on host arrays.
      const logits = this.logitsEnd() - 1;
      const nodes = this.outputNodes.includes(logits) ? this.outputNodes : [...this.outputNodes, logits];
      const outputs = this.forwardNodes(input, {}, this.layers.length);
      return new Map(nodes.map((node) => [node, outputs[node]!]));
    }
    const plan = this.currentPlan();
    const outputs = plan.run(input);
    return new Map(plan.outputs.map((node, index) => [node, outputs[index]!]));
  }

  /** The inference plan of the current weights: built on first use, rebuilt (the old one freed) once they changed. */
  private currentPlan(): InferencePlan {
    if (this.plan === null || !this.plan.isCurrent()) {
      this.plan?.dispose();
      const logits = this.logitsEnd() - 1;
      this.plan = new InferencePlan(
        this,
        this.outputNodes.includes(logits) ? this.outputNodes : [...this.outputNodes, logits],
      );
    }
    return this.plan;
  }

  /** Layers whose output is the logits: all but a final Softmax. */
  logitsEnd(): number {
    return this.layers[this.layers.length - 1] instanceof Softmax ? this.layers.length - 1 : this.layers.length;
  }

  /**
   * The model's output [batch, ...outputShape] for a batch of examples [batch, ...inputShape],
   * computed batchSize examples at a time (default 256): class probabilities when `model.output` is
   * 'probabilities' (the model ends in Softmax), logits when it is 'logits'. classify gives
   * probabilities for either. It runs the inference plan (model/inferencePlan.ts: batch normalization
   * folded, activations and residual Adds fused into convolutions), as predictOutputs, evaluate and
   * classify do: equal to forward within float32 rounding. On a device backend (WebGPU) the layers run
   * one by one and the result stays on the device: read it with `await result.data()`.
   */
  predict(x: Tensor, options: { batchSize?: number | undefined } = {}): Tensor {
    this.checkExamples(x, 'predict');
    const batchSize = this.boundedBatchSize(checkPositiveInteger(options.batchSize ?? 256, 'predict batchSize'));
    const last = this.layers.length - 1;
    return this.batchRows(x, x.shape[0]!, batchSize, [last], (batch) => [this.infer(batch).get(last)!])[0]!;
  }

  /**
   * The topK most probable classes of each image, most probable first (ties: the lower index first).
   * Images of any size and color model are fitted to the model's input as imagesToInput does (color
   * model converted; area averaging when shrinking, bilinear otherwise; resized, cropped and normalized
   * as model.preprocessing says when the model has one) and predicted batchSize at a
   * time. Probabilities are the model's output, or its softmax for a logits model. Names are
   * model.classNames, or the class index as a string. Throws ValueError for a model that takes
   * feature vectors, or a topK that is not a positive integer.
   *
   * @example
   * const [top] = model.classify([decodeImage(bytes)], { topK: 3 });
   * console.log(`${top[0].name}: ${(top[0].probability * 100).toFixed(1)}%`);
   */
  classify(images: readonly Image[], options: ClassifyOptions = {}): Classification[][] {
    const { topK, batchSize } = this.classifyOptions(options);
    const results: Classification[][] = [];
    for (let start = 0; start < images.length; start += batchSize) {
      const scores = withScope(() =>
        Array.from(this.predict(imagesToInput(this, images.slice(start, start + batchSize))).dataSync()),
      );
      results.push(...this.rankClasses(scores, topK));
    }
    return results;
  }

  /**
   * classify on every backend: on a device backend (WebGPU, which cannot read synchronously) each
   * batch's scores are read back with `await tensor.data()`; on the CPU backends it is classify itself.
   * Options, results and errors are classify's.
   *
   * @example
   * await initWebGpuBackend();
   * const [top] = await model.classifyAsync([decodeImage(bytes)], { topK: 3 });
   */
  async classifyAsync(images: readonly Image[], options: ClassifyOptions = {}): Promise<Classification[][]> {
    if (!isDeviceBackend()) return this.classify(images, options);
    const { topK, batchSize } = this.classifyOptions(options);
    const results: Classification[][] = [];
    for (let start = 0; start < images.length; start += batchSize) {
      const scores = this.predict(imagesToInput(this, images.slice(start, start + batchSize)));
      results.push(...this.rankClasses(await scores.data(), topK));
      scores.dispose();
    }
    return results;
  }

  /** classify's options checked, with their defaults. */
  private classifyOptions(options: ClassifyOptions): { topK: number; batchSize: number } {
    return {
      topK: Math.min(this.classes, checkPositiveInteger(options.topK ?? DEFAULT_CLASSIFY_TOP_K, 'classify topK')),
      batchSize: checkPositiveInteger(options.batchSize ?? CLASSIFY_BATCH_SIZE, 'classify batchSize'),
    };
  }

  /** The topK classes of each row of `scores` [rows, classes] (probabilities, or logits for a logits model). */
  private rankClasses(scores: ArrayLike<number>, topK: number): Classification[][] {
    const classes = this.classes;
    const results: Classification[][] = [];
    for (let row = 0; row * classes < scores.length; row++) {
      const rowScores = Array.from({ length: classes }, (_, index) => scores[row * classes + index]!);
      const probabilities = this.output === 'logits' ? softmaxRow(rowScores) : rowScores;
      results.push(
        probabilities
          .map((probability, index) => ({ index, name: this.names?.[index] ?? String(index), probability }))
          .sort((a, b) => b.probability - a.probability || a.index - b.index)
          .slice(0, topK),
      );
    }
    return results;
  }

  /** Mean cross-entropy loss and accuracy over examples and labels. */
  evaluate(
    x: Tensor,
    labels: Labels,
    options: { batchSize?: number | undefined; keepProbabilities?: boolean | undefined } = {},
  ): Evaluation {
    checkSyncReads('evaluate', 'evaluateAsync');
    const steps = this.evaluateSteps(x, labels, options);
    let next = steps.next();
    while (!next.done) next = steps.next(next.value.dataSync());
    return next.value;
  }

  /**
   * evaluate on every backend: on a device backend (WebGPU, which cannot read synchronously) each
   * batch's loss and probabilities are read back with `await tensor.data()`; on the CPU backends it is
   * evaluate itself. The same figures within float32 rounding; `probabilities`, when kept, is a host tensor.
   *
   * @example
   * await initWebGpuBackend();
   * const { loss, accuracy } = await model.evaluateAsync(x, labels);
   */
  async evaluateAsync(
    x: Tensor,
    labels: Labels,
    options: { batchSize?: number | undefined; keepProbabilities?: boolean | undefined } = {},
  ): Promise<Evaluation> {
    if (!isDeviceBackend()) return this.evaluate(x, labels, options);
    const steps = this.evaluateSteps(x, labels, options);
    let next = steps.next();
    while (!next.done) next = steps.next(await next.value.data());
    return next.value;
  }

  /**
   * evaluate's loop, shared by evaluate and evaluateAsync: it yields each batch's loss ([]) and then its
   * probabilities ([size, classes]) to be read, and takes their values back.
   */
  private *evaluateSteps(
    x: Tensor,
    labels: Labels,
    options: { batchSize?: number | undefined; keepProbabilities?: boolean | undefined },
  ): Generator<Tensor, Evaluation, FloatArray> {
    this.checkExamples(x, 'evaluate');
    const count = x.shape[0]!;
    checkLabels(labels, count, this.classes, 'evaluate');
    const batchSize = this.boundedBatchSize(checkPositiveInteger(options.batchSize ?? 256, 'evaluate batchSize'));
    const order = identity(count);
    let lossSum = 0;
    let correct = 0;
    const kept = options.keepProbabilities === true ? Tensor.zeros([count, this.classes], this.dtype) : null;
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const step = withScope(() => {
        const logits = this.infer(gatherExamples(x, order, start, size)).get(this.logitsEnd() - 1)!;
        const targets = gatherTargets(labels, this.classes, order, start, size, this.dtype);
        const { loss, probabilities } = softmaxCrossEntropy(logits, targets);
        return { loss, probabilities };
      });
      lossSum += (yield step.loss)[0]! * size;
      const probabilities = yield step.probabilities;
      correct += countCorrectOf(probabilities, labels, this.classes, order, start, size);
      kept?.dataSync().set(probabilities, start * this.classes);
      step.loss.dispose();
      step.probabilities.dispose();
    }
    return { loss: lossSum / count, accuracy: correct / count, ...(kept === null ? {} : { probabilities: kept }) };
  }

  /**
   * Trains with mini-batch gradient descent on softmax cross-entropy of the logits: the input of a
   * final Softmax, or, for a model whose output is 'logits' (model.output), its output itself, to
   * which the loss applies softmax. Returns per-epoch logs.
   * Each step gathers a batch, runs `augment` on it, sets the learning rate from
   * `learningRateSchedule`, and applies the optimizer to the gradients of the loss.
   * Throws ShapeError if examples do not match the input shape, ValueError for bad labels or options,
   * and NonFiniteLossError (a ValueError) when the loss becomes NaN or infinite: that step is not
   * applied, so the weights and moving averages stay as the previous step left them.
   * fit holds the thread until it ends; fitAsync runs the same steps and yields between batches.
   *
   * @example
   * const schedule = linearWarmup(cosineDecay({ initialLearningRate: 1e-3, decaySteps: 5000 }), { warmupSteps: 200 });
   * model.fit(x, labels, { epochs: 20, optimizer: new AdamW({ clipNorm: 1 }), learningRateSchedule: schedule,
   * labelSmoothing: 0.1,
   *   validationSplit: 0.1, callbacks: [earlyStopping({ patience: 3, restoreBestWeights: true })] });
   */
  fit(x: Tensor, labels: Labels, options: FitOptions = {}): History {
    checkSyncReads('fit', 'fitAsync');
    const callbacks = callbackList(options.callbacks);
    const steps = this.fitSteps(x, labels, options);
    let next = steps.next();
    while (!next.done) {
      const round = next.value;
      next = steps.next(callbacks.map((callback) => round.call(callback)));
    }
    return next.value;
  }

  /**
   * fit that yields to the event loop, so that timers, requests and a page's input go on while it
   * trains: `await model.fitAsync(x, labels, { epochs: 5, signal })`. It runs the very steps of fit
   * (the same code), so the same seed gives bit-identical weights and history. Between batches it
   * yields whenever `yieldEveryMs` (default DEFAULT_FIT_YIELD_EVERY_MS) have passed since the last
   * yield: by setImmediate in Node, scheduler.yield or a MessageChannel message in a browser (not
   * setTimeout(0), which browsers clamp to 4 ms). Callbacks fire as in fit, and may be async: each
   * one's promise is awaited before the next callback or batch.
   *
   * `signal` stops the fit after the current batch (and its onBatchEnd): the promise rejects with
   * the signal's reason (an 'AbortError' DOMException for a plain `controller.abort()`), onTrainEnd
   * is not called, and the model keeps the weights of the batches done. To continue later, keep
   * what onEpochEnd handed out (its FitState, with the weights and the optimizer's state of that
   * moment, e.g. a checkpoint) and pass the state as `resume`. A signal already aborted rejects
   * before any batch. On the main thread of a page, each batch still blocks for its own duration:
   * for a page that must stay smooth, train in a Worker (docs/layers-and-training.md, "Training without blocking").
   */
  async fitAsync(x: Tensor, labels: Labels, options: FitAsyncOptions = {}): Promise<History> {
    const yieldEveryMs = options.yieldEveryMs ?? DEFAULT_FIT_YIELD_EVERY_MS;
    if (!(yieldEveryMs >= 0 && yieldEveryMs <= Number.MAX_SAFE_INTEGER))
      throw new ValueError(`fitAsync: yieldEveryMs must be a number of milliseconds >= 0, got ${yieldEveryMs}`);
    const signal = options.signal;
    const callbacks = callbackList(options.callbacks);
    signal?.throwIfAborted();
    const steps = this.fitSteps(x, labels, options);
    let lastYield = performance.now();
    try {
      let next = steps.next();
      while (!next.done) {
        const round = next.value;
        const results: unknown[] = [];
        await round.read?.();
        for (const callback of callbacks) results.push(await round.call(callback));
        if (round.isLast !== true) signal?.throwIfAborted();
        if (round.batchEnded === true && performance.now() - lastYield >= yieldEveryMs) {
          await yieldToEventLoop();
          signal?.throwIfAborted();
          lastYield = performance.now();
        }
        next = steps.next(results);
      }
      return next.value;
    } finally {
      // Ends the generator where it stopped (an abort or a callback's error): no step runs after.
      steps.return({ epochs: [] });
    }
  }

  /**
   * The fit loop, shared by fit and fitAsync: it runs the steps and yields a round of callback calls
   * whenever the callbacks are due, receiving back what each callback returned (in order).
   */
  private *fitSteps(
    x: Tensor,
    labels: Labels,
    options: Omit<FitOptions, 'callbacks'>,
  ): Generator<CallbackRound, History, readonly unknown[]> {
    this.checkExamples(x, 'fit');
    checkLabels(labels, x.shape[0]!, this.classes, 'fit');
    const epochs = checkPositiveInteger(options.epochs ?? 1, 'fit epochs');
    const batchSize = checkPositiveInteger(options.batchSize ?? 32, 'fit batchSize');
    const optimizer = options.optimizer ?? new Adam();
    const labelSmoothing = options.labelSmoothing ?? 0;
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
      throw new ValueError(`fit: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
    const seed = options.seed ?? this.seed;
    const random = new Random(seed);
    const augmentRandom = new Random((seed ^ AUGMENT_SEED_MIX) >>> 0);
    // Layers that draw random numbers in training (Dropout) get a third stream, so they too follow the fit seed.
    const layerRandom = new Random((seed ^ LAYER_SEED_MIX) >>> 0);
    const { trainCount, validation } = this.splitValidation(x, labels, options);
    const weights = this.trainableWeights();
    // State the forward pass itself updates (moving averages): kept from before each step, to put
    // back if the step's loss is not finite. A few values per channel, so copying costs nothing.
    // NOTE: a device backend applies a step before its loss is read, so it keeps no such copy.
    const updatedState = isDeviceBackend()
      ? []
      : this.namedWeights()
          .filter((weight) => !weight.isTrainable)
          .map((weight) => weight.tensor.dataSync());
    const stateBeforeStep = updatedState.map((data) => data.slice());
    const order = identity(trainCount);
    const cut =
      options.augment === undefined && (options.cacheFrozenFeatures ?? true) ? this.cacheableCut(trainCount) : 0;
    // The frozen prefix's output per example, computed once (on a device backend, kept there); steps then
    // start from node `cut`.
    const trainInput = cut === 0 ? x : this.prefixOutputs(x, trainCount, cut, batchSize);
    // On a device backend the step's loss stays there: read when a callback or the epoch's end needs it.
    const isReadFree = getBackend().device === undefined;
    // An augmentation changes host values: on a device backend each batch is gathered on the host (then
    // uploaded by its first kernel, as any batch is); examples already on the device come down once, here.
    let augmentInput = trainInput;
    if (options.augment !== undefined && !isReadFree && storageOf(x).device !== null) {
      const read = async (): Promise<void> => {
        augmentInput = new Tensor(await x.data(), x.shape);
      };
      yield { call: () => undefined, read };
    }
    const batches = Math.ceil(trainCount / batchSize);
    const history: History = { epochs: [] };
    const firstEpoch =
      options.resume === undefined
        ? 1
        : this.resumeFrom(options.resume, { order, random, augmentRandom, layerRandom, history, epochs });
    const validationExamples = validation === null ? 0 : validation[0].shape[0]!;
    const info = {
      epochs,
      batchesPerEpoch: batches,
      examples: trainCount,
      validationExamples,
      model: this,
      optimizer,
      ...(cut === 0 ? {} : { cachedFeaturesOf: this.layers[cut]!.name }),
    };
    yield { call: (callback) => callback.onTrainBegin?.(info) };
    for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
      yield { call: (callback) => callback.onEpochBegin?.(epoch) };
      if (options.shuffle ?? true) random.shuffle(order);
      const started = performance.now();
      const metrics = new RunningMetrics(epoch, labels, this.classes, order);
      let seen = 0;
      for (let batch = 0; batch < batches; batch++) {
        const start = batch * batchSize;
        const size = Math.min(batchSize, trainCount - start);
        if (options.learningRateSchedule !== undefined)
          optimizer.learningRate = scheduledRate(options.learningRateSchedule, optimizer.iterations);
        updatedState.forEach((data, index) => {
          stateBeforeStep[index]!.set(data);
        });
        // One memory scope per step: the step's activations and gradients are freed together.
        const step = withScope(() => {
          const input =
            options.augment === undefined || isReadFree
              ? gatherExamples(trainInput, order, start, size)
              : gatherExamples(augmentInput, order, start, size, x.dtype, true);
          options.augment?.(input, augmentRandom);
          const targets = gatherTargets(labels, this.classes, order, start, size, this.dtype);
          const tape = new GradientTape(weights);
          const end = this.logitsEnd();
          const logits = () => this.forwardNodes(input, { isTraining: true, random: layerRandom }, end, cut)[end - 1]!;
          const { loss, probabilities } = tape.run(() => softmaxCrossEntropy(logits(), targets, { labelSmoothing }));
          const value = isReadFree ? loss.dataSync()[0]! : 0;
          if (!Number.isFinite(value)) {
            updatedState.forEach((data, index) => {
              data.set(stateBeforeStep[index]!);
            });
            throw new NonFiniteLossError(
              epoch,
              batch + 1,
              value,
              `fit: the loss became ${value} at epoch ${epoch}, batch ${batch + 1}; the step was not ` +
                `applied, so the weights are those of the step before. ` +
                `Lower the learning rate (now ${optimizer.learningRate}), clip the gradients (clipNorm), or ` +
                `check the examples for NaN or infinite values`,
            );
          }
          optimizer.applyGradients(weights, tape.gradient(loss, weights));
          if (isReadFree) {
            metrics.addValues(value, countCorrect(probabilities, labels, this.classes, order, start, size), size);
            return null;
          }
          return { loss, probabilities };
        });
        if (step !== null) metrics.addTensors(step.loss, step.probabilities, start, size);
        seen += size;
        const seconds = (performance.now() - started) / 1000;
        const progress = {
          epoch,
          epochs,
          batch: batch + 1,
          batches,
          get loss(): number {
            return metrics.lossAfter(batch);
          },
          get accuracy(): number {
            return metrics.accuracyAfter(batch);
          },
          read: async () => {
            await metrics.readPending();
            return { loss: metrics.lossAfter(batch), accuracy: metrics.accuracyAfter(batch) };
          },
          seen,
          imagesPerSecond: seen / Math.max(seconds, 1e-9),
        };
        yield { call: (callback) => callback.onBatchEnd?.(progress), batchEnded: true };
      }
      // A device backend's losses are read here, once per epoch, all the epoch's steps submitted by then.
      if (!isReadFree) yield { call: () => undefined, read: () => metrics.readPending() };
      const seconds = (performance.now() - started) / 1000;
      const logs: EpochLogs = {
        epoch,
        loss: metrics.lossAfter(batches - 1),
        accuracy: metrics.accuracyAfter(batches - 1),
        seconds,
        imagesPerSecond: seen / Math.max(seconds, 1e-9),
        learningRate: optimizer.learningRate,
      };
      if (validation !== null) {
        let result: Evaluation | null = null;
        if (isReadFree) result = this.evaluate(validation[0], validation[1]);
        else {
          // A device backend's validation reads asynchronously: fitAsync awaits it before the callbacks.
          yield {
            call: () => undefined,
            read: async () => {
              result = await this.evaluateAsync(validation[0], validation[1]);
            },
          };
        }
        logs.valLoss = result!.loss;
        logs.valAccuracy = result!.accuracy;
      }
      history.epochs.push(logs);
      const state: FitState = {
        epoch,
        random: { shuffle: random.getState(), augment: augmentRandom.getState(), layers: layerRandom.getState() },
        order: Array.from(order),
        history: history.epochs.map((entry) => ({ ...entry })),
      };
      // Every callback sees the epoch's end, even when an earlier one has asked to stop.
      const isStopping = (yield { call: (callback) => callback.onEpochEnd?.(logs, state) }).includes(false);
      if (isStopping) break;
    }
    yield { call: (callback) => callback.onTrainEnd?.(history), isLast: true };
    return history;
  }

  /**
   * The last node of the longest frozen prefix whose output alone feeds the rest (0 when none):
   * every node up to it is frozen or has no trainable weights and draws no random numbers, no later
   * node reads an earlier one, and the logits come after it. 0 as well when caching its output for
   * `examples` would pass MAX_CACHED_FEATURE_ELEMENTS.
   */
  private cacheableCut(examples: number): number {
    const end = this.logitsEnd() - 1;
    // earliestReadAfter[i]: the earliest node any node after i reads.
    const earliestReadAfter = new Array<number>(this.nodes.length).fill(Infinity);
    for (let index = this.nodes.length - 2; index >= 0; index--) {
      earliestReadAfter[index] = Math.min(earliestReadAfter[index + 1]!, ...this.nodes[index + 1]!.inputs);
    }
    let cut = 0;
    for (let index = 1; index < end; index++) {
      const layer = this.layers[index]!;
      const isFixed =
        !(layer instanceof Dropout) &&
        (!layer.trainable || layer.weights().every((weight) => weight.isTrainable === false));
      if (!isFixed) break;
      if (earliestReadAfter[index]! >= index) cut = index;
    }
    if (cut > 0 && examples * sizeOf(this.layerOutputShapes[cut]!) > MAX_CACHED_FEATURE_ELEMENTS) return 0;
    return cut;
  }

  /**
   * Node `cut`'s output for the first `count` examples of x, computed batchSize at a time, in training mode (which a
   * frozen prefix runs as inference); on a device backend it stays on the device.
   */
  private prefixOutputs(x: Tensor, count: number, cut: number, batchSize: number): Tensor {
    const run = (batch: Tensor) => [this.forwardNodes(batch, { isTraining: true }, cut + 1)[cut]!];
    return this.batchRows(x, count, batchSize, [cut], run)[0]!;
  }

  /** Puts a fit back where `state` left it; returns the first epoch still to run. */
  private resumeFrom(
    state: FitState,
    into: {
      order: Int32Array;
      random: Random;
      augmentRandom: Random;
      layerRandom: Random;
      history: History;
      epochs: number;
    },
  ): number {
    const { order } = into;
    // Field by field, as a checkpoint file is: a hand-made or damaged state is a ValueError naming the field.
    const checked = checkFitState(state, 'resume', (field, detail) => {
      throw new ValueError(`fit: ${field} ${detail}`);
    });
    if (checked.order.length !== order.length)
      throw new ValueError(
        `fit: resume.order must be an order of the ${order.length} training examples, got ${checked.order.length}`,
      );
    if (checked.epoch > into.epochs) {
      throw new ValueError(
        `fit: resume.epoch is ${checked.epoch}; it must be a whole number of finished epochs, at most ` +
          `epochs (${into.epochs})`,
      );
    }
    order.set(checked.order);
    into.random.setState(checked.random.shuffle);
    into.augmentRandom.setState(checked.random.augment);
    into.layerRandom.setState(checked.random.layers);
    into.history.epochs.push(...checked.history.map((entry) => ({ ...entry })));
    return checked.epoch + 1;
  }

  private splitValidation(
    x: Tensor,
    labels: Labels,
    options: Omit<FitOptions, 'callbacks'>,
  ): { trainCount: number; validation: readonly [Tensor, Labels] | null } {
    const count = x.shape[0]!;
    if (options.validationData !== undefined) {
      const [validationX, validationLabels] = options.validationData;
      this.checkExamples(validationX, 'fit validationData');
      checkLabels(validationLabels, validationX.shape[0]!, this.classes, 'fit validationData');
      return { trainCount: count, validation: options.validationData };
    }
    const fraction = options.validationSplit ?? 0;
    if (!(fraction >= 0 && fraction < 1))
      throw new ValueError(`fit: validationSplit must be in [0, 1), got ${fraction}`);
    const validationCount = Math.floor(count * fraction);
    if (validationCount === 0) return { trainCount: count, validation: null };
    const trainCount = count - validationCount;
    const rest = Array.from({ length: validationCount }, (_, index) => trainCount + index);
    const validationX = gatherExamples(x, rest, 0, validationCount);
    const validationLabels =
      labels instanceof Tensor ? gatherExamples(labels, rest, 0, validationCount) : rest.map((index) => labels[index]!);
    return { trainCount, validation: [validationX, validationLabels] };
  }

  /**
   * `requested`, made smaller where one batch's feature maps would pass MAX_BATCH_ACTIVATION_ELEMENTS:
   * inference gives the same results in any batch size, and a large model's default batch of 256
   * would otherwise need gigabytes. The maps counted are the plan's block (those alive at once), or
   * every layer's output where a recording tape runs the layers one by one; counting every output for
   * the plan too ran ResNet-50's batches of 8 as 5 and 3.
   */
  private boundedBatchSize(requested: number): number {
    const perExample =
      isRecording() || isDeviceBackend() ? this.activationElements : this.currentPlan().layoutFor(1).blockSize;
    return Math.min(requested, Math.max(1, Math.floor(MAX_BATCH_ACTIVATION_ELEMENTS / perExample)));
  }

  private checkExamples(x: Tensor, what: string): void {
    const perExample = x.shape.slice(1);
    if (
      x.rank !== this.inputShape.length + 1 ||
      perExample.some((dimension, axis) => dimension !== this.inputShape[axis])
    ) {
      throw new ShapeError(
        `${what}: the model takes examples of ${formatShape(this.inputShape)} ([batch, ` +
          `${this.inputShape.join(', ')}]) but got ${formatShape(x.shape)}`,
      );
    }
    if (x.shape[0]! < 1) throw new ShapeError(`${what}: no examples`);
  }
}

/**
 * Gives unnamed layers names from their type and position among layers of that type: conv2d_1, maxpool2d_1, dense_2.
 */
function nameLayers(layers: readonly Layer[]): void {
  const counts = new Map<string, number>();
  const used = new Set(layers.map((layer) => layer.name).filter((name) => name !== ''));
  for (const layer of layers) {
    if (layer.name !== '') continue;
    const base = layer.className.toLowerCase();
    let name: string;
    do {
      const count = (counts.get(base) ?? 0) + 1;
      counts.set(base, count);
      name = `${base}_${count}`;
    } while (used.has(name));
    used.add(name);
    layer.name = name;
  }
  const names = new Set<string>();
  for (const { name } of layers) {
    if (names.has(name)) throw new ValueError(`Model: two layers are named '${name}'`);
    names.add(name);
  }
}

/**
 * The nodes of the graph that ends at `output`, in depth-first post-order from it (so every layer
 * follows its inputs, and a final Softmax directly follows the layer it reads). `input` must be the
 * one Input the graph starts from. The walk keeps its own stack, so a deep graph (a chain of 100,000
 * layers) cannot overflow the call stack.
 */
/**
 * The nodes that compute `outputs` from `input`, each after those it reads, and the outputs' node
 * indices. The first output is visited last so that it is the last node; a ValueError when another
 * output depends on it (it could not be last).
 */
function nodesOf(input: SymbolicTensor, outputs: readonly SymbolicTensor[]): { nodes: ModelNode[]; outputs: number[] } {
  if (outputs.length === 0) throw new ValueError('Model: give at least one output');
  const order: SymbolicTensor[] = [];
  const indices = new Map<SymbolicTensor, number>();
  for (const output of [...outputs.slice(1), outputs[0]!]) {
    if (indices.has(output)) continue;
    const visiting = new Set<SymbolicTensor>();
    // Each entry is a tensor and how many of its inputs have been visited.
    const stack: [SymbolicTensor, number][] = [[output, 0]];
    visiting.add(output);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [tensor, next] = top;
      if (next === 0 && tensor.inputs.length === 0 && tensor !== input) {
        throw new ValueError(
          `Model: the output depends on ${tensor.layer.className} '${tensor.layer.name}', which is not ` +
            `the model's input`,
        );
      }
      if (next < tensor.inputs.length) {
        top[1] = next + 1;
        const from = tensor.inputs[next]!;
        if (indices.has(from)) continue;
        if (visiting.has(from))
          throw new ValueError(`Model: the graph has a cycle through ${from.layer.className} '${from.layer.name}'`);
        visiting.add(from);
        stack.push([from, 0]);
        continue;
      }
      stack.pop();
      visiting.delete(tensor);
      indices.set(tensor, order.length);
      order.push(tensor);
    }
  }
  if (!indices.has(input)) throw new ValueError('Model: the output does not depend on the input');
  const first = outputs[0]!;
  if (indices.get(first) !== order.length - 1) {
    throw new ValueError(
      `Model: the first output (${first.layer.className} '${first.layer.name}') feeds another output; it ` +
        `must be computed last`,
    );
  }
  return {
    nodes: order.map((tensor) => ({ layer: tensor.layer, inputs: tensor.inputs.map((from) => indices.get(from)!) })),
    outputs: outputs.map((output) => indices.get(output)!),
  };
}

/**
 * Builds `layer` for `shapes`, or, for a layer another model built already (a cut or a new head on a
 * trained network), keeps its weights: the models then share them. ShapeError when the shapes differ
 * from those it was built for, ValueError when its weights are of another dtype.
 */
function buildOrReuse(layer: Layer, shapes: readonly Shape[], context: BuildContext): Shape {
  const built = layer.builtInputShapes;
  // An Input holds no weights and its build declares the example shape: it is built again.
  if (built === null || layer instanceof Input) {
    const outputShape = layer.buildWith(shapes, context);
    layer.builtInputShapes = shapes.map((shape) => [...shape]);
    return outputShape;
  }
  if (built.length !== shapes.length || built.some((shape, index) => !shapesEqual(shape, shapes[index]!))) {
    throw new ShapeError(
      `${layer.className} '${layer.name}' was built for ${built.map(formatShape).join(', ')} and keeps its ` +
        `weights; it cannot take ${shapes.map(formatShape).join(', ')}`,
    );
  }
  const otherDtype = layer.weights().find((weight) => weight.tensor.dtype !== context.dtype);
  if (otherDtype !== undefined)
    throw new ValueError(
      `${layer.className} '${layer.name}' holds ${otherDtype.tensor.dtype} weights; it cannot join a ` +
        `${context.dtype} model`,
    );
  return layer.outputShapeOf(shapes);
}

/** How many layers a shape error's trace shows (the last ones before the layer that failed). */
const SHAPE_TRACE_LAYERS = 12;

/** Mixed into the fit seed to seed augmentation's own generator, apart from the shuffling's. */
const AUGMENT_SEED_MIX = 0x2545f491;
/** Mixed into the fit seed to seed the generator that layers draw from in training (Dropout). */
const LAYER_SEED_MIX = 0x6c8e9cf5;

/** The learning rate `schedule` gives for `step`; ValueError unless it is a finite number >= 0. */
function scheduledRate(schedule: LearningRateSchedule, step: number): number {
  const rate = schedule(step);
  if (!(Number.isFinite(rate) && rate >= 0))
    throw new ValueError(
      `fit: learningRateSchedule gave ${rate} at step ${step}; a learning rate must be a finite number >= 0`,
    );
  return rate;
}

/** softmax of one row of logits, computed in float64 from the largest (no overflow). */
function softmaxRow(logits: readonly number[]): number[] {
  const largest = logits.reduce((most, logit) => Math.max(most, logit), -Infinity);
  const exps = logits.map((logit) => Math.exp(logit - largest));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

function identity(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, index) => index);
}
