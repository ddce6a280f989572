// A Model's inference plan (onnxruntime's graph optimizer, XNNPACK's fused operators): Conv2D takes in
// a following BatchNormalization (folded), residual Add and activation (and a 1x1 one the channel gate
// Multiply before it; a depthwise one the 1x1 expansion it alone reads and the 1x1 projection that alone reads it),
// Dense (a 1x1 convolution) a BatchNormalization and activation; a MaxPool2D that alone reads a Conv2D group's output
// goes into its step; folded weights (the layer's own where nothing folds) go to the kernels as constant filters;
// intermediates share one block by lifetime; each step's kernel call is prepared once per batch size.
// Inference only (fit and forward run layer by layer); rebuilt when weights change
// (core/weightsVersion.ts, Model.markWeightsChanged). The patterns: see planSteps.

import { allocateArray, type DType, type FloatArray } from '../core/dtype.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { isOffloaded, offloadStorage, Tensor } from '../core/tensor.js';
import { hasChangedSince, weightsClock } from '../core/weightsVersion.js';
import type { FusedActivation } from '../kernels/params.js';
import { type Backend, getBackend, getKernel, withScope } from '../kernels/registry.js';
import { Clip, HardSigmoid, HardSwish, LeakyReLU, ReLU, Sigmoid, SiLU } from '../layers/activations.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAveragePooling2D } from '../layers/globalAveragePooling2d.js';
import type { Layer } from '../layers/layer.js';
import { MaxPool2D } from '../layers/maxPool2d.js';
import { Add, Multiply } from '../layers/merge.js';
import { hardSwish, silu } from '../ops/activations.js';
import { allocateTensor, withOutputStorage } from '../ops/allocate.js';
import { broadcastParams } from '../ops/broadcast.js';
import { conv2d, conv2dParams, type Conv2DOptions } from '../ops/conv2d.js';
import { maxPool2d, type Pool2DOptions, poolParams } from '../ops/maxPool2d.js';

/** What the plan reads of a model: its graph, shapes and weights. */
export interface PlannedGraph {
  readonly nodes: readonly { readonly layer: Layer; readonly inputs: readonly number[] }[];
  readonly layerOutputShapes: readonly Shape[];
  readonly dtype: DType;
}

/** One step of the plan: computes the output of `node` from the outputs of `inputs`. */
export interface PlanStep {
  readonly node: number;
  /** The nodes whose layers it computes, in order; `node` is the last. */
  readonly nodes: readonly number[];
  readonly inputs: readonly number[];
  /** The layers it computes, joined by '+': 'Conv2D+BatchNormalization+Add+ReLU'. */
  readonly label: string;
  /** The folded weights it owns (see InferencePlan.dispose). */
  readonly constants?: readonly Tensor[] | undefined;
  /**
   * The layer's own weights it passes as constant filters, unfolded: the backend's prepared forms of
   * them (packed, Winograd-transformed) go stale once training changes them (see InferencePlan.dispose).
   */
  readonly borrowed?: readonly Tensor[] | undefined;
  run(inputs: readonly Tensor[]): Tensor;
  /**
   * The step as one kernel call for the shapes of `inputs` (its checks run here), or null (or absent)
   * where it has none: InferencePlan.run prepares it once per batch size, then passes the values alone.
   */
  readonly prepareCall?: ((inputs: readonly Tensor[]) => KernelCall | null) | undefined;
}

/**
 * A convolution group's step, with its filter, bias and options where it has no input gate (its residual, if any, is
 * its second input); blockStep's, without a projection, with its expansion and depthwise convolution groups.
 */
interface ConvolutionStep extends PlanStep {
  readonly convolution?:
    | { readonly filter: Tensor; readonly bias: Tensor | null; readonly options: Conv2DOptions }
    | undefined;
  readonly block?:
    | { readonly expansion?: ConvolutionStep | undefined; readonly depthwise: ConvolutionStep }
    | undefined;
}

/** One step's kernel call on the values of its inputs, writing `output` (see PlanStep.prepareCall). */
export type KernelCall = (inputs: readonly FloatArray[], output: FloatArray) => void;

/** Where each step's output lives in the block of one batch size (offsets and sizes in values). */
export interface MemoryLayout {
  readonly offsets: readonly number[];
  readonly sizes: readonly number[];
  readonly blockSize: number;
}

/**
 * Slots start on 64-byte boundaries with 64 spare bytes after them, as the wasm arena's blocks do (SIMD reads past a
 * row's end).
 */
const SLOT_ALIGNMENT = 16;

export class InferencePlan {
  readonly steps: readonly PlanStep[];
  /** The nodes whose outputs run() returns, in order. */
  readonly outputs: readonly number[];
  /** weightsClock() when the plan was built. */
  private readonly builtAt: number;
  /** Every weight tensor of the model when the plan was built: a layer given new tensors (rebuilt) invalidates it. */
  private readonly weightTensors: readonly Tensor[];
  private readonly layouts = new Map<number, MemoryLayout>();
  /** Per batch size, each step's prepared kernel call (null: none; undefined: not prepared yet). */
  private readonly kernelCalls = new Map<number, (KernelCall | null | undefined)[]>();
  /** The step index after which each step's output is no longer read (steps.length for outputs). */
  private readonly lastUses: readonly number[];
  /**
   * The borrowed filters the backend prepared in their own storage (see allowInPlacePreparation), each with
   * its array: the prepared calls pass that array, the backend's key to the packed form.
   */
  private readonly detached: { tensor: Tensor; key: FloatArray }[] = [];
  /** The backend that may prepare them so (null until a run allowed it), which alone may read those arrays. */
  private detachedOn: Backend | null = null;

  constructor(
    private readonly graph: PlannedGraph,
    outputs: readonly number[],
  ) {
    this.outputs = [...outputs];
    this.builtAt = weightsClock();
    this.weightTensors = weightTensorsOf(graph);
    this.steps = planSteps(graph, this.outputs);
    const stepOf = new Map(this.steps.map((step, index) => [step.node, index]));
    const lastUses = this.steps.map((_, index) => index);
    this.steps.forEach((step, index) => {
      for (const input of step.inputs) {
        const producer = stepOf.get(input);
        if (producer !== undefined) lastUses[producer] = Math.max(lastUses[producer]!, index);
      }
    });
    for (const output of this.outputs) {
      const producer = stepOf.get(output);
      if (producer !== undefined) lastUses[producer] = this.steps.length;
    }
    this.lastUses = lastUses;
  }

  /**
   * Frees the folded weights now (the plan must not run again): a model replacing its plan after
   * each epoch of a fit would otherwise hold a copy of its weights per epoch until the collector runs.
   * The backend drops what it prepared from the layers' own weights the plan borrowed: the plan is
   * replaced because they changed, and the prepared forms would otherwise outlive their values.
   */
  dispose(): void {
    const backend = getBackend();
    this.reattachFilters();
    for (const step of this.steps) {
      for (const constant of step.constants ?? []) constant.dispose();
      for (const weight of step.borrowed ?? []) if (!weight.isFreed) backend.releasePrepared?.(weight.dataSync());
    }
  }

  /**
   * Lets the backend prepare each borrowed filter in the filter's own storage where the prepared form holds
   * every value (a packed GEMM filter: Backend.allowInPlacePreparation), so that inference keeps one copy
   * of such weights: ResNet-50's 1x1, stride-2 and dense filters, 66 MB of its 97. The layer's tensor is
   * offloaded then: its first read (training, explanations, saving) unpacks the values, bit for bit, and
   * keeps them.
   */
  private allowInPlacePreparation(): void {
    const backend = getBackend();
    if (backend.allowInPlacePreparation === undefined || this.detachedOn !== null) return;
    this.detachedOn = backend;
    const detached = this.detached;
    for (const step of this.steps) {
      for (const weight of step.borrowed ?? []) {
        if (weight.isFreed || isOffloaded(weight)) continue;
        const key = weight.dataSync();
        backend.allowInPlacePreparation(key, (restore) => {
          offloadStorage(weight, restore);
          detached.push({ tensor: weight, key });
        });
      }
    }
  }

  /**
   * Has the backend that prepared filters in place drop what it prepared from every borrowed filter (an
   * offloaded tensor gets its values unpacked first): the plan is disposed, or another backend runs it
   * now, whose kernels would read the arrays the prepared calls hold.
   */
  private reattachFilters(): void {
    const backend = this.detachedOn;
    if (backend === null) return;
    for (const { tensor } of this.detached) if (!tensor.isFreed) void tensor.dataSync();
    for (const { key } of this.detached) backend.releasePrepared?.(key);
    for (const step of this.steps)
      for (const weight of step.borrowed ?? []) if (!weight.isFreed) backend.releasePrepared?.(weight.dataSync());
    this.detached.length = 0;
    this.detachedOn = null;
  }

  /** Whether the model's weights are still those the plan folded (the same tensors, none noted changed since). */
  isCurrent(): boolean {
    // Runs on every predict: a walk over the layers' weights, no arrays of all of them, and no
    // look-ups of their changes while none was noted anywhere since the plan was built.
    const mayHaveChanged = weightsClock() !== this.builtAt;
    let index = 0;
    for (const node of this.graph.nodes) {
      for (const weight of node.layer.weights()) {
        if (
          weight.tensor !== this.weightTensors[index++] ||
          (mayHaveChanged && hasChangedSince(weight.tensor, this.builtAt))
        )
          return false;
      }
    }
    return index === this.weightTensors.length;
  }

  /**
   * The outputs of this.outputs for a batch, in order. Call it inside withScope: the intermediates
   * (and the outputs) are views of one block of the scope, freed when it closes.
   */
  run(input: Tensor): Tensor[] {
    const batch = input.shape[0]!;
    const layout = this.layoutFor(batch);
    const block = allocateTensor([layout.blockSize], this.graph.dtype, 'predict').dataSync();
    // Filters prepared in place are read by their backend alone: another one gets calls made afresh.
    if (this.detachedOn !== null && getBackend() !== this.detachedOn) {
      this.reattachFilters();
      this.kernelCalls.clear();
    }
    // Steps with a prepared kernel call read and write values alone: the op's checks, its output
    // tensor and a scope per step cost as much as the kernel on the small maps of a mobile network
    // (EfficientNet-B0: 115 steps at batch 1).
    const hasCalls = input.dtype === this.graph.dtype;
    if (hasCalls) this.allowInPlacePreparation();
    let calls = this.kernelCalls.get(batch);
    if (calls === undefined) {
      calls = new Array<KernelCall | null | undefined>(this.steps.length);
      this.kernelCalls.set(batch, calls);
    }
    // Each node's values and, where a step or the caller needs one, its tensor (arrays: this runs on every predict).
    const values = new Array<FloatArray | undefined>(this.graph.nodes.length);
    const tensors = new Array<Tensor | undefined>(this.graph.nodes.length);
    values[0] = input.dataSync();
    tensors[0] = input;
    const tensorOf = (node: number): Tensor =>
      (tensors[node] ??= new Tensor(values[node]!, [batch, ...this.graph.layerOutputShapes[node]!]));
    for (let index = 0; index < this.steps.length; index++) {
      const step = this.steps[index]!;
      const offset = layout.offsets[index]!;
      const slot = block.subarray(offset, offset + layout.sizes[index]!);
      let call = hasCalls ? calls[index] : null;
      if (call === undefined) {
        call = step.prepareCall === undefined ? null : step.prepareCall(step.inputs.map(tensorOf));
        calls[index] = call;
      }
      if (call !== null) {
        call(
          step.inputs.map((node) => values[node]!),
          slot,
        );
      } else {
        const inputs = step.inputs.map(tensorOf);
        // A scope per step frees what an op allocates besides its output (a layer's intermediates).
        withScope(() => {
          const output = withOutputStorage(slot, () => step.run(inputs));
          if (output.dataSync() !== slot) slot.set(output.dataSync());
        });
      }
      values[step.node] = slot;
    }
    return this.outputs.map(tensorOf);
  }

  /**
   * Offsets for every step's output at `batch`: the smaller block of two placements (ties: the first).
   * In step order, each output takes the smallest free gap of the block that holds it (else the block grows), and
   * its slot is free again after its last reader ran: linear in the steps times the free gaps, which stay few (a graph
   * of 50,000 layers plans at once). Largest outputs first, each at the lowest offset clear of the outputs placed that
   * are alive with it (up to SIZE_ORDERED_MAX_STEPS steps: quadratic): the order of steps leaves gaps that the large
   * maps of a bottleneck network do not fit (ResNet-50 at batch 8: 67.4 MiB in step order, 55.1 in size order, the
   * most outputs alive at once; EfficientNet-B0 24.5 and 30.6, MobileNetV2 and ResNet-18 the same either way).
   * NOTE: a residual step's output cannot take its residual's slot (ResNet-50 at batch 8: 18 MiB less): the GEMM
   * stores partial sums in the output between depth blocks (assembly/gemm.ts) before it reads the residual there.
   */
  layoutFor(batch: number): MemoryLayout {
    const known = this.layouts.get(batch);
    if (known !== undefined) return known;
    const sizes = this.steps.map((step) => batch * sizeOf(this.graph.layerOutputShapes[step.node]!));
    let layout = stepOrderedLayout(sizes, this.lastUses);
    if (sizes.length <= SIZE_ORDERED_MAX_STEPS) {
      const sizeOrdered = sizeOrderedLayout(sizes, this.lastUses);
      if (sizeOrdered.blockSize < layout.blockSize) layout = sizeOrdered;
    }
    this.layouts.set(batch, layout);
    return layout;
  }
}

/** Steps up to which layoutFor also tries sizeOrderedLayout (quadratic in the steps). */
const SIZE_ORDERED_MAX_STEPS = 2048;

/** Step outputs placed in step order, each in the smallest gap that holds it (see InferencePlan.layoutFor). */
function stepOrderedLayout(sizes: readonly number[], lastUses: readonly number[]): MemoryLayout {
  const dying: number[][] = sizes.map(() => []);
  lastUses.forEach((last, index) => {
    if (last < sizes.length) dying[last]!.push(index);
  });
  const offsets = new Array<number>(sizes.length).fill(0);
  const gaps = new FreeGaps();
  sizes.forEach((size, index) => {
    offsets[index] = gaps.take(slotFootprint(size));
    for (const done of dying[index]!) gaps.give(offsets[done]!, slotFootprint(sizes[done]!));
  });
  return { offsets, sizes, blockSize: Math.max(gaps.end, 1) };
}

/**
 * Step outputs placed largest first (ties: in step order), each at the lowest offset where it overlaps no output
 * placed before it that is alive at the same time: step i's output lives from step i to lastUses[i], both included
 * (an output never takes the slot of an input its own step reads).
 */
function sizeOrderedLayout(sizes: readonly number[], lastUses: readonly number[]): MemoryLayout {
  const footprints = sizes.map(slotFootprint);
  const order = sizes.map((_, index) => index).sort((a, b) => footprints[b]! - footprints[a]! || a - b);
  const offsets = new Array<number>(sizes.length).fill(0);
  const placed: number[] = [];
  let end = 0;
  for (const index of order) {
    const alive = placed
      .filter((other) => other <= lastUses[index]! && index <= lastUses[other]!)
      .sort((a, b) => offsets[a]! - offsets[b]!);
    let offset = 0;
    for (const other of alive) {
      if (offset + footprints[index]! <= offsets[other]!) break;
      offset = Math.max(offset, offsets[other]! + footprints[other]!);
    }
    offsets[index] = offset;
    placed.push(index);
    end = Math.max(end, offset + footprints[index]!);
  }
  return { offsets, sizes, blockSize: Math.max(end, 1) };
}

/** The free gaps of a block that grows at its end: best-fit allocation, neighbouring gaps merged. */
class FreeGaps {
  /** The block's size so far. */
  end = 0;
  /** Free gaps [offset, offset + size) below `end`, sorted by offset, never touching each other. */
  private readonly gaps: { offset: number; size: number }[] = [];

  /**
   * The offset of `size` values: the smallest gap that holds them, else the last gap (when it reaches the end) or the
   * end, grown.
   */
  take(size: number): number {
    let best = -1;
    this.gaps.forEach((gap, index) => {
      if (gap.size >= size && (best < 0 || gap.size < this.gaps[best]!.size)) best = index;
    });
    if (best >= 0) {
      const gap = this.gaps[best]!;
      const offset = gap.offset;
      if (gap.size === size) this.gaps.splice(best, 1);
      else this.gaps[best] = { offset: offset + size, size: gap.size - size };
      return offset;
    }
    const last = this.gaps[this.gaps.length - 1];
    if (last !== undefined && last.offset + last.size === this.end) {
      this.gaps.pop();
      this.end = last.offset + size;
      return last.offset;
    }
    const offset = this.end;
    this.end += size;
    return offset;
  }

  /** Frees [offset, offset + size). */
  give(offset: number, size: number): void {
    let index = this.gaps.findIndex((gap) => gap.offset > offset);
    if (index < 0) index = this.gaps.length;
    this.gaps.splice(index, 0, { offset, size });
    const next = this.gaps[index + 1];
    if (next !== undefined && offset + size === next.offset) {
      this.gaps[index] = { offset, size: size + next.size };
      this.gaps.splice(index + 1, 1);
    }
    const previous = this.gaps[index - 1];
    if (previous !== undefined && previous.offset + previous.size === offset) {
      this.gaps[index - 1] = { offset: previous.offset, size: previous.size + this.gaps[index]!.size };
      this.gaps.splice(index, 1);
    }
  }
}

/** Values a slot of `size` takes: rounded up to the alignment, plus the spare values after it. */
function slotFootprint(size: number): number {
  return Math.ceil(size / SLOT_ALIGNMENT) * SLOT_ALIGNMENT + SLOT_ALIGNMENT;
}

function weightTensorsOf(graph: PlannedGraph): Tensor[] {
  return graph.nodes.flatMap((node) => node.layer.weights().map((weight) => weight.tensor));
}

/**
 * The steps that compute `outputs`, in the graph's order, each group of fused layers as one step at
 * its last layer's place (every input of the group is computed by then; nothing outside the group
 * reads a layer inside it). The groups: a Conv2D with what its output stage computes (convGroup) and the MaxPool2D
 * that alone reads it (pooledStep), a depthwise one with the 1x1 expansion group it alone reads and the 1x1 projection
 * group that alone reads it (blockStep); a Dense with a Flatten before it and what its output stage computes
 * (denseGroup); a BatchNormalization elsewhere, with its activation, as a 1x1 depthwise convolution
 * (normalizationGroup); x * sigmoid(x) and x * hardSigmoid(x), the way PyTorch exports SiLU and HardSwish, as one op
 * (selfGateGroup). Every other layer runs as it is.
 */
function planSteps(graph: PlannedGraph, outputs: readonly number[]): PlanStep[] {
  const { nodes } = graph;
  const isNeeded = neededNodes(graph, outputs);
  const readers: number[][] = nodes.map(() => []);
  nodes.forEach((node, index) => {
    if (!isNeeded[index]) return;
    for (const input of new Set(node.inputs)) readers[input]!.push(index);
  });
  const isOutput = new Set(outputs);
  /** The one layer that reads `node`, when it has exactly one and is not an output itself. */
  const soleReader = (node: number): number | null =>
    readers[node]!.length === 1 && !isOutput.has(node) ? readers[node]![0]! : null;
  const isFused = new Array<boolean>(nodes.length).fill(false);
  const steps: PlanStep[] = [];
  const stepAt = new Map<number, ConvolutionStep>();
  for (let index = 1; index < nodes.length; index++) {
    if (!isNeeded[index] || isFused[index]) continue;
    // The Dense reading it takes it in (denseGroup); the 1x1 convolution reading a gate takes the gate's Multiply in
    // (convGroup).
    if (isFlattenIntoDense(graph, index, soleReader) || channelGate(graph, index, soleReader) !== null) continue;
    const layer = nodes[index]!.layer;
    let group: PlanStep | null = null;
    if (layer instanceof Conv2D) {
      const convolution = convGroup(graph, index, soleReader, readers, isOutput, isFused);
      const previous = stepAt.get(nodes[index]!.inputs[0]!);
      group = blockStep(graph, previous, convolution, soleReader) ?? convolution;
      if (group !== convolution) stepAt.delete(previous!.node);
      else group = pooledStep(graph, convolution, soleReader) ?? convolution;
    } else if (layer instanceof Dense) group = denseGroup(graph, index, soleReader);
    else if (layer instanceof BatchNormalization) group = normalizationGroup(graph, index, soleReader);
    else if (layer instanceof Sigmoid || layer instanceof HardSigmoid)
      group = selfGateGroup(graph, index, soleReader, readers, isOutput);
    if (group === null) {
      stepAt.set(index, layerStep(graph, index));
      continue;
    }
    for (const node of group.nodes) isFused[node] = true;
    stepAt.set(group.node, group);
  }
  for (let index = 1; index < nodes.length; index++) {
    const step = stepAt.get(index);
    if (step !== undefined) steps.push(step);
  }
  return steps;
}

/** Which nodes the outputs depend on. */
function neededNodes(graph: PlannedGraph, outputs: readonly number[]): boolean[] {
  const isNeeded = new Array<boolean>(graph.nodes.length).fill(false);
  for (const output of outputs) isNeeded[output] = true;
  for (let index = graph.nodes.length - 1; index > 0; index--) {
    if (isNeeded[index]) for (const input of graph.nodes[index]!.inputs) isNeeded[input] = true;
  }
  return isNeeded;
}

/** A layer run as it is, in inference mode. */
function layerStep(graph: PlannedGraph, node: number): PlanStep {
  const { layer, inputs } = graph.nodes[node]!;
  return {
    node,
    nodes: [node],
    inputs,
    label: layer.className,
    run: (values) => layer.callWith(values, { isTraining: false }),
    prepareCall: (values) => layerCall(layer, values),
  };
}

// NOTE: EfficientNet-B0's 16 squeeze-and-excitation blocks at batch 1 (one thread, CPU time, profileInference,
// medians of 10): the squeezes 0.59 ms (re-reading each map, about 9 GB/s), the 1x1 convolutions of the excitation
// 0.49 ms with SiLU and 0.31 ms with the sigmoid, of 29.4 ms. Their filters come from memory: 1x1x1152 -> 48 alone
// (the prepared GEMM's one-row path, timed in turn with larger layers as in bench/pointwiseKernels.ts, one thread,
// min of 40) 53 us for 221 KB of filter, 4 GB/s; 14-18 us back to back (in L2). Reading its packed filter ahead, a
// byte a line (as expandedDepthwise.ts's touchLines), before a one-row product: no gain seen (150 such filters in turn,
// 33-46 us a call either way, 3 alternations). A kernel for the whole excitation would gain where it streams its
// filters in order; the squeeze where its producer sums the channels. A later build (same measure): the squeezes
// 0.40 ms, the excitations' three largest shapes 0.30 ms with SiLU and 0.24 ms with the sigmoid, of 27.6 ms; a
// squeeze reading its map once in memory order lost (see assembly/avgPool2d.ts).
/**
 * The one kernel call that computes `layer` on inputs of these shapes, where the plan has one: the
 * squeeze (global average pooling) and the channel gate (a Multiply) of a squeeze-and-excitation
 * block, 32 of EfficientNet-B0's 115 steps. Null for every other layer.
 */
function layerCall(layer: Layer, inputs: readonly Tensor[]): KernelCall | null {
  const [first, second] = inputs;
  if (layer instanceof GlobalAveragePooling2D && inputs.length === 1 && first!.rank === 4) {
    const [, height, width] = first!.shape as [number, number, number, number];
    const params = poolParams(first!.shape, {
      poolSize: [height, width],
      name: `GlobalAveragePooling2D '${layer.name}'`,
    });
    return (values, output) => getKernel('AvgPool2D')(values[0]!, output, params);
  }
  if (layer instanceof Multiply && inputs.length === 2 && first!.dtype === second!.dtype) {
    if (sameShape(first!.shape, second!.shape)) {
      const size = first!.size;
      return (values, output) => getKernel('Multiply')(values[0]!, values[1]!, output, { size });
    }
    const params = broadcastParams('multiply', first!.shape, second!.shape, `Multiply '${layer.name}'`);
    return (values, output) => getKernel('BroadcastArithmetic')(values[0]!, values[1]!, output, params);
  }
  return null;
}

/**
 * A Conv2D and what follows it that its output stage computes: a BatchNormalization reading only
 * it (folded), then an Add of it and one other tensor of its shape (the residual), then an
 * activation; each taken only when the layer before it has no other reader.
 */
function convGroup(
  graph: PlannedGraph,
  convNode: number,
  soleReader: (node: number) => number | null,
  readers: readonly number[][],
  isOutput: ReadonlySet<number>,
  isFused: readonly boolean[],
): ConvolutionStep {
  const conv = graph.nodes[convNode]!.layer as Conv2D;
  const labels = ['Conv2D'];
  const members = [convNode];
  let inputNode = graph.nodes[convNode]!.inputs[0]!;
  const gate = isFused[inputNode] ? null : channelGate(graph, inputNode, soleReader);
  if (gate !== null) {
    members.unshift(inputNode);
    labels.unshift('Multiply');
    inputNode = gate.map;
  }
  let tail = convNode;
  const normalization = followingNormalization(graph, tail, soleReader);
  if (normalization !== null) {
    tail = normalization;
    members.push(tail);
    labels.push('BatchNormalization');
  }
  let residualNode: number | null = null;
  const adder = soleReader(tail);
  // An Add of two convolutions goes to the first: the second is then its residual.
  if (adder !== null && !isFused[adder]) {
    const { layer, inputs } = graph.nodes[adder]!;
    const other = inputs[0] === tail ? inputs[1] : inputs[0];
    const isResidual =
      layer instanceof Add &&
      inputs.length === 2 &&
      other !== undefined &&
      other !== tail &&
      sameShape(graph.layerOutputShapes[other]!, graph.layerOutputShapes[tail]!);
    if (isResidual) {
      residualNode = other;
      tail = adder;
      members.push(tail);
      labels.push('Add');
    }
  }
  let activation: FusedActivation | undefined;
  const reader = soleReader(tail);
  const readerActivation = reader === null ? null : fusedActivationOfLayer(graph.nodes[reader]!.layer);
  if (reader !== null && readerActivation !== null) {
    activation = readerActivation;
    tail = reader;
    members.push(tail);
    labels.push(graph.nodes[reader]!.layer.className);
  } else {
    const gate = selfGatePattern(graph, tail, soleReader, readers, isOutput);
    if (gate !== null) {
      activation = gate.activation;
      members.push(gate.gate, gate.multiply);
      tail = gate.multiply;
      labels.push(graph.nodes[gate.gate]!.layer.className, 'Multiply');
    }
  }
  // Without a normalization to fold, the layer's own weights serve (an imported network with batch
  // normalization folded already: ResNet-50's copy was 102 MB of the memory, beside their prepared forms).
  const folded =
    normalization === null
      ? { kernel: conv.kernel!, bias: conv.bias }
      : foldNormalization(conv.kernel!, conv.bias, graph.nodes[normalization]!.layer as BatchNormalization);
  const isBorrowed = normalization === null;
  const weights = folded.bias === null ? [folded.kernel] : [folded.kernel, folded.bias];
  // Inputs: the map, then the gate (if any), then the residual (if any).
  const inputs = [inputNode, ...(gate === null ? [] : [gate.gate]), ...(residualNode === null ? [] : [residualNode])];
  const options = {
    strides: conv.strides,
    padding: conv.padding,
    dilations: conv.dilationRate,
    groups: conv.groups,
    name: `Conv2D '${conv.name}'`,
    activation,
    isConstantFilter: true,
  };
  const optionsFor = (values: readonly Tensor[]): Conv2DOptions => {
    const inputScale = gate === null ? undefined : values[1]!;
    const residual = values[gate === null ? 1 : 2];
    return inputScale === undefined && residual === undefined ? options : { ...options, inputScale, residual };
  };
  return {
    node: tail,
    nodes: members,
    inputs,
    label: labels.join('+'),
    constants: isBorrowed ? [] : weights,
    borrowed: isBorrowed ? weights : [],
    run: (values) => conv2d(values[0]!, folded.kernel, folded.bias, optionsFor(values)),
    prepareCall: (values) => convolutionCall(values[0]!, folded.kernel, folded.bias, optionsFor(values), gate !== null),
    convolution: gate === null ? { filter: folded.kernel, bias: folded.bias, options } : undefined,
  };
}

/**
 * A convolution group's step (ungated, no residual) and the MaxPool2D that alone reads its output, as one Conv2D
 * kernel call with a pool (Conv2DParams.pool): the wasm backend pools a prepared polyphase convolution's rows as they
 * are made (ResNet's stem: its 112x112x64 output, 25.7 MB at batch 8, is never stored and read back); the other
 * backends and convolutions run the convolution, then the pool. Null where the pattern does not hold.
 */
function pooledStep(
  graph: PlannedGraph,
  step: ConvolutionStep,
  soleReader: (node: number) => number | null,
): PlanStep | null {
  const reader = soleReader(step.node);
  const pooling = reader === null ? null : graph.nodes[reader]!.layer;
  if (step.convolution === undefined || step.inputs.length > 1 || !(pooling instanceof MaxPool2D)) return null;
  const { filter, bias, options } = step.convolution;
  const poolOptions = {
    poolSize: pooling.poolSize,
    strides: pooling.strides,
    padding: pooling.padding,
    ceilMode: pooling.ceilMode,
    name: `MaxPool2D '${pooling.name}'`,
  };
  return {
    node: reader!,
    nodes: [...step.nodes, reader!],
    inputs: step.inputs,
    label: `${step.label}+MaxPool2D`,
    constants: step.constants,
    borrowed: step.borrowed,
    run: (values) => maxPool2d(step.run(values), poolOptions),
    prepareCall: ([input]) => convolutionCall(input!, filter, bias, options, false, poolOptions),
  };
}

/**
 * Maps of fewer pixels keep the expansion a step of its own. One thread, batch 8, bench/expandedDepthwiseKernels.ts
 * (min of 25 calls in turn, loaded machine), the two convolutions against one fused call: MobileNetV2's 112x112x16
 * -> 96 stride 2 11.2 -> 9.8 ms, 56x56x24 -> 144 6.0 -> 5.6 (stride 2 4.6 -> 4.3), 28x28x32 -> 192 2.32 -> 2.21
 * (stride 2 1.88 -> 1.76); at 14x14 and 7x7 within 2% either way. At batch 1 on 2 threads, where the fused call's
 * threads split an image's rows (each expanding its halo) and the 1x1 convolution's split a small map's columns:
 * 14x14x96 -> 576 0.48 -> 0.54 ms, 7x7x160 -> 960 0.36 -> 0.42.
 * The projection likewise (its depthwise convolution's input map; bench/expandedDepthwiseKernels.ts, one thread, CPU
 * time, min of 9, as planned before against the projection fused): 112x112x32 -> 32 -> 16 3.95 -> 3.84 ms, 112x112x16
 * -> 96 s2 -> 24 11.3 -> 10.4, 56x56x24 -> 144 -> 24 +res 9.3-10.2 -> 8.6, 28x28x32 -> 192 -> 32 +res 3.71 -> 3.60;
 * at 14x14 within 1% either way, at 7x7 6% slower (7x7x160 -> 960 -> 160 +res 4.61 -> 4.91).
 */
const FUSED_EXPANSION_PIXELS = 28 * 28;

/**
 * An inverted residual block's layers as one step, from convGroup's step `convolution` and the step `previous` whose
 * output it alone reads: a depthwise convolution group with the 1x1 expansion before it (previous: stride 1, one
 * group, no residual, any activation), then the 1x1 projection after it (convolution: stride 1, one group, no input
 * gate, a residual and activation if any; previous: such a step or a depthwise convolution group), where the
 * depthwise convolution reads a map of FUSED_EXPANSION_PIXELS or more. The Conv2D kernel with an expansion and a
 * projection (Conv2DParams.expansion, .projection), which the wasm backend runs without storing the expanded map or
 * the depthwise output (assembly/expandedDepthwise.ts: MobileNetV2's 112x112x96 is 38 MB at batch 8, read back from
 * memory by the depthwise pass). Null where the pattern does not hold.
 */
function blockStep(
  graph: PlannedGraph,
  previous: ConvolutionStep | undefined,
  convolution: ConvolutionStep,
  soleReader: (node: number) => number | null,
): ConvolutionStep | null {
  if (previous === undefined || soleReader(previous.node) !== convolution.nodes[0]) return null;
  const isExpansion = isDepthwiseStep(convolution) && isPointwiseStep(graph, previous) && previous.inputs.length === 1;
  const block = isExpansion
    ? { expansion: previous, depthwise: convolution }
    : isPointwiseStep(graph, convolution)
      ? (previous.block ?? (isDepthwiseStep(previous) ? { depthwise: previous } : null))
      : null;
  if (block === null) return null;
  const { expansion, depthwise } = block;
  const [height, width] = graph.layerOutputShapes[depthwise.inputs[0]!]!;
  if (height! * width! < FUSED_EXPANSION_PIXELS) return null;
  const projection = isExpansion ? undefined : convolution;
  const steps = [expansion, depthwise, projection].filter((step) => step !== undefined);
  const pointwise = expansion?.convolution;
  const projected = projection?.convolution;
  const { filter, bias, options } = depthwise.convolution!;
  return {
    node: convolution.node,
    nodes: steps.flatMap((step) => step.nodes),
    inputs: [steps[0]!.inputs[0]!, ...(projection?.inputs.slice(1) ?? [])],
    label: steps.map((step) => step.label).join('+'),
    constants: steps.flatMap((step) => step.constants!),
    borrowed: steps.flatMap((step) => step.borrowed!),
    // A projection may still follow where none did.
    block: projection === undefined ? block : undefined,
    run: ([input, ...residual]) => {
      const output = depthwise.run([expansion?.run([input!]) ?? input!]);
      return projection?.run([output, ...residual]) ?? output;
    },
    prepareCall: ([input]) => {
      // conv2d's checks of the depthwise convolution, on the expanded map's shape (never stored).
      const [batch, inH, inW] = input!.shape as [number, number, number];
      const expanded = { shape: [batch, inH, inW, filter.shape[3]!], rank: 4, dtype: input!.dtype };
      const fused = {
        ...conv2dParams(expanded, filter, bias, options).params,
        expansion: pointwise && {
          inC: pointwise.filter.shape[2]!,
          activation: pointwise.options.activation as FusedActivation | undefined,
        },
        projection: projected && {
          outC: projected.filter.shape[3]!,
          activation: projected.options.activation as FusedActivation | undefined,
        },
      };
      const weights = [filter, bias, pointwise?.filter, pointwise?.bias, projected?.filter, projected?.bias].map(
        (weight) => weight?.dataSync() ?? null,
      );
      return (values, output) =>
        getKernel('Conv2D')(
          values[0]!,
          weights[0]!,
          weights[1]!,
          output,
          fused,
          values[1] ?? null,
          null,
          weights[2],
          weights[3],
          weights[4],
          weights[5],
        );
    },
  };
}

/** Whether a convolution group's step is a depthwise convolution of one map, ungated and with no residual. */
function isDepthwiseStep(step: ConvolutionStep): boolean {
  const convolution = step.convolution;
  if (convolution === undefined || step.inputs.length > 1) return false;
  const [, , inC, channels] = convolution.filter.shape;
  return convolution.options.groups === channels && inC === 1;
}

/** Whether a convolution group's step is an ungated 1x1 stride-1 convolution of one group (isPointwiseLayer). */
function isPointwiseStep(graph: PlannedGraph, step: ConvolutionStep): boolean {
  const { inputs, nodes } = step;
  const conv = graph.nodes[nodes[0]!]!.layer;
  return (
    step.convolution !== undefined &&
    isPointwiseLayer(conv as Conv2D, graph.layerOutputShapes[inputs[0]!]!, graph.layerOutputShapes[nodes[0]!]!)
  );
}

/**
 * The squeeze-and-excitation gate `node` is, where the one layer reading it is a 1x1 stride-1 Conv2D
 * of one group (which then reads map x gate as it packs its input: the product is never stored): a
 * two-input Multiply of a map [H, W, C] and a gate [1, 1, C]. EfficientNet-B0 has 16; each gate
 * Multiply was a pass over its map of its own (4% of the model's time on one thread).
 */
function channelGate(
  graph: PlannedGraph,
  node: number,
  soleReader: (node: number) => number | null,
): { map: number; gate: number } | null {
  const { layer, inputs } = graph.nodes[node]!;
  if (!(layer instanceof Multiply) || inputs.length !== 2) return null;
  const reader = soleReader(node);
  const conv = reader === null ? null : graph.nodes[reader]!.layer;
  if (
    !(conv instanceof Conv2D) ||
    !isPointwiseLayer(conv, graph.layerOutputShapes[node]!, graph.layerOutputShapes[reader!]!)
  )
    return null;
  const [first, second] = inputs as [number, number];
  const mapShape = graph.layerOutputShapes[node]!;
  const isGateOf = (gate: number, map: number) => {
    const gateShape = graph.layerOutputShapes[gate]!;
    return (
      sameShape(graph.layerOutputShapes[map]!, mapShape) &&
      gateShape.length === 3 &&
      gateShape[0] === 1 &&
      gateShape[1] === 1 &&
      gateShape[2] === mapShape[2]
    );
  };
  if (isGateOf(second, first)) return { map: first, gate: second };
  if (isGateOf(first, second)) return { map: second, gate: first };
  return null;
}

/** Whether a Conv2D is 1x1, stride 1, undilated, of one group, its output the size of its input [H, W, C]. */
function isPointwiseLayer(conv: Conv2D, inputShape: Shape, outputShape: Shape): boolean {
  const [kH, kW] = conv.kernel!.shape as [number, number];
  const isUnit = (pair: readonly [number, number]) => pair[0] === 1 && pair[1] === 1;
  return (
    kH === 1 &&
    kW === 1 &&
    isUnit(conv.strides) &&
    isUnit(conv.dilationRate) &&
    conv.groups === 1 &&
    inputShape.length === 3 &&
    outputShape[0] === inputShape[0] &&
    outputShape[1] === inputShape[1]
  );
}

/**
 * conv2d's kernel call for the shapes of `input` and of options.residual and options.inputScale: the
 * call's inputs are the map, then the input scale where hasInputScale, then the residual. conv2d's
 * checks run here, once. With `pool`, the call's output is the convolution's pooled so (Conv2DParams.pool).
 */
function convolutionCall(
  input: Tensor,
  filter: Tensor,
  bias: Tensor | null,
  options: Conv2DOptions,
  hasInputScale = false,
  pool?: Pool2DOptions,
): KernelCall {
  let { params } = conv2dParams(input, filter, bias, options);
  if (pool !== undefined)
    params = { ...params, pool: poolParams([params.batch, params.outH, params.outW, params.outC], pool) };
  const filterValues = filter.dataSync();
  const biasValues = bias === null ? null : bias.dataSync();
  if (hasInputScale)
    return (inputs, output) =>
      getKernel('Conv2D')(inputs[0]!, filterValues, biasValues, output, params, inputs[2] ?? null, inputs[1]!);
  return (inputs, output) =>
    getKernel('Conv2D')(inputs[0]!, filterValues, biasValues, output, params, inputs[1] ?? null);
}

/**
 * A Dense with what its output stage computes, run as a 1x1 convolution of a 1x1 map with a constant
 * filter: the Flatten before it if the Dense alone reads it (a view: NHWC maps flatten in order), a
 * BatchNormalization reading only it (folded), then an activation. The backend keeps the filter packed
 * in its memory and fuses bias and activation, where a matrix product copied the weights in on every
 * call (W2's 2048 x 256 Dense: 2 MB a call, most of its batch-1 time).
 */
function denseGroup(graph: PlannedGraph, denseNode: number, soleReader: (node: number) => number | null): PlanStep {
  const dense = graph.nodes[denseNode]!.layer as Dense;
  const members = [denseNode];
  const labels = ['Dense'];
  let inputNode = graph.nodes[denseNode]!.inputs[0]!;
  if (isFlattenIntoDense(graph, inputNode, soleReader)) {
    members.unshift(inputNode);
    labels.unshift('Flatten');
    inputNode = graph.nodes[inputNode]!.inputs[0]!;
  }
  let tail = denseNode;
  const normalization = followingNormalization(graph, tail, soleReader);
  if (normalization !== null) {
    tail = normalization;
    members.push(tail);
    labels.push('BatchNormalization');
  }
  const reader = soleReader(tail);
  const activation = (reader === null ? null : fusedActivationOfLayer(graph.nodes[reader]!.layer)) ?? undefined;
  if (activation !== undefined) {
    tail = reader!;
    members.push(tail);
    labels.push(graph.nodes[tail]!.layer.className);
  }
  const [inputSize, units] = dense.kernel!.shape as [number, number];
  // A view of the layer's kernel as a [1, 1, in, units] filter: without a normalization to fold, the
  // layer's own values serve (as in convGroup), and the backend's prepared form is keyed by them.
  // A reshape shares the kernel's storage: offloading it (InferencePlan.allowInPlacePreparation) offloads the kernel.
  const filter = dense.kernel!.reshape([1, 1, inputSize, units]);
  const folded =
    normalization === null
      ? { kernel: filter, bias: dense.bias }
      : foldNormalization(filter, dense.bias, graph.nodes[normalization]!.layer as BatchNormalization);
  const isBorrowed = normalization === null;
  const weights = folded.bias === null ? [folded.kernel] : [folded.kernel, folded.bias];
  const options = { name: `Dense '${dense.name}'`, activation, isConstantFilter: true };
  return {
    node: tail,
    nodes: members,
    inputs: [inputNode],
    label: labels.join('+'),
    constants: isBorrowed ? [] : weights,
    borrowed: isBorrowed ? weights : [],
    run: ([input]) => {
      const batch = input!.shape[0]!;
      const output = conv2d(
        new Tensor(input!.dataSync(), [batch, 1, 1, inputSize]),
        folded.kernel,
        folded.bias,
        options,
      );
      return new Tensor(output.dataSync(), [batch, units]);
    },
    prepareCall: ([input]) =>
      convolutionCall(
        new Tensor(input!.dataSync(), [input!.shape[0]!, 1, 1, inputSize]),
        folded.kernel,
        folded.bias,
        options,
      ),
  };
}

/** Whether `node` is a Flatten whose one reader is a Dense (which then reads the map as a view of it). */
function isFlattenIntoDense(graph: PlannedGraph, node: number, soleReader: (node: number) => number | null): boolean {
  if (!(graph.nodes[node]?.layer instanceof Flatten)) return false;
  const reader = soleReader(node);
  return reader !== null && graph.nodes[reader]!.layer instanceof Dense;
}

/**
 * A BatchNormalization of feature maps not after a convolution (a pre-activation block: DenseNet,
 * ResNet v2), with the activation that alone reads it if there is one, as one 1x1 depthwise
 * convolution whose filter is the per-channel scale and bias the shift: one pass over the map
 * instead of two, and the depthwise kernel ran 9x faster than the BatchNormalization one
 * ([8, 16, 16, 256], 2 threads). Null for a normalization of vectors.
 */
function normalizationGroup(
  graph: PlannedGraph,
  normalizationNode: number,
  soleReader: (node: number) => number | null,
): PlanStep | null {
  const shape = graph.layerOutputShapes[normalizationNode]!;
  if (shape.length !== 3) return null;
  const reader = soleReader(normalizationNode);
  const readerActivation = reader === null ? null : fusedActivationOfLayer(graph.nodes[reader]!.layer);
  const activation = readerActivation ?? undefined;
  const tail = readerActivation === null ? normalizationNode : reader!;
  const channels = shape[2]!;
  const normalization = graph.nodes[normalizationNode]!.layer as BatchNormalization;
  const identity = new Tensor(new Float64Array(channels).fill(1), [1, 1, 1, channels]);
  const folded = foldNormalization(identity, null, normalization, graph.dtype);
  const options = {
    groups: channels,
    name: `BatchNormalization '${normalization.name}'`,
    activation,
    isConstantFilter: true,
  };
  return {
    node: tail,
    nodes: tail === normalizationNode ? [tail] : [normalizationNode, tail],
    inputs: graph.nodes[normalizationNode]!.inputs,
    label:
      tail === normalizationNode ? 'BatchNormalization' : `BatchNormalization+${graph.nodes[tail]!.layer.className}`,
    constants: [folded.kernel, folded.bias],
    run: ([input]) => conv2d(input!, folded.kernel, folded.bias, options),
    prepareCall: ([input]) => convolutionCall(input!, folded.kernel, folded.bias, options),
  };
}

/**
 * A Sigmoid or HardSigmoid of x whose one reader is Multiply(x, gate(x)): run as one SiLU or
 * HardSwish op (a HardSigmoid only with HardSwish's slope and offset, 1/6 and 0.5); null otherwise.
 */
function selfGateGroup(
  graph: PlannedGraph,
  gateNode: number,
  soleReader: (node: number) => number | null,
  readers: readonly number[][],
  isOutput: ReadonlySet<number>,
): PlanStep | null {
  const from = graph.nodes[gateNode]!.inputs[0]!;
  const gate = selfGatePattern(graph, from, soleReader, readers, isOutput, true);
  if (gate === null || gate.gate !== gateNode) return null;
  const activation = gate.activation;
  const isHardSwish =
    activation.kind === 'hardSwish' && Math.fround(activation.alpha) === Math.fround(1 / 6) && activation.beta === 0.5;
  if (activation.kind !== 'silu' && !isHardSwish) return null;
  const label = `${graph.nodes[gateNode]!.layer.className}+Multiply`;
  return {
    node: gate.multiply,
    nodes: [gate.gate, gate.multiply],
    inputs: [from],
    label,
    run: ([input]) => (isHardSwish ? hardSwish(input!) : silu(input!)),
  };
}

/**
 * x * gate(x) after node `from`, the gate a Sigmoid (x * sigmoid(x) is SiLU, as PyTorch exports it)
 * or a HardSigmoid (x * hardSigmoid(x) is HardSwish, as PyTorch exports it before opset 14): the gate
 * reading `from` and a two-input Multiply of `from` and the gate, the gate read by the Multiply alone.
 * Unless `mayHaveOtherReaders`, `from` must have no reader but these two (its own output is then not
 * needed apart).
 */
function selfGatePattern(
  graph: PlannedGraph,
  from: number,
  soleReader: (node: number) => number | null,
  readers: readonly number[][],
  isOutput: ReadonlySet<number>,
  mayHaveOtherReaders = false,
): { gate: number; multiply: number; activation: FusedActivation } | null {
  const fromReaders = readers[from]!;
  if (!mayHaveOtherReaders && (fromReaders.length !== 2 || isOutput.has(from))) return null;
  for (const gate of fromReaders) {
    const gateLayer = graph.nodes[gate]!.layer;
    const activation: FusedActivation | null =
      gateLayer instanceof Sigmoid
        ? { kind: 'silu' }
        : gateLayer instanceof HardSigmoid
          ? { kind: 'hardSwish', alpha: gateLayer.alpha, beta: gateLayer.beta }
          : null;
    if (activation === null) continue;
    const multiply = soleReader(gate);
    if (multiply === null) continue;
    const { layer, inputs } = graph.nodes[multiply]!;
    const isProduct =
      layer instanceof Multiply &&
      inputs.length === 2 &&
      ((inputs[0] === from && inputs[1] === gate) || (inputs[0] === gate && inputs[1] === from));
    if (isProduct && fromReaders.includes(multiply)) return { gate, multiply, activation };
  }
  return null;
}

/** The BatchNormalization that alone reads `node`, when there is one. */
function followingNormalization(
  graph: PlannedGraph,
  node: number,
  soleReader: (node: number) => number | null,
): number | null {
  const reader = soleReader(node);
  return reader !== null && graph.nodes[reader]!.layer instanceof BatchNormalization ? reader : null;
}

/** The FusedActivation that computes `layer`, or null for a layer that is not one. */
export function fusedActivationOfLayer(layer: Layer): FusedActivation | null {
  if (layer instanceof ReLU) return { kind: 'relu' };
  if (layer instanceof Sigmoid) return { kind: 'sigmoid' };
  if (layer instanceof SiLU) return { kind: 'silu' };
  if (layer instanceof Clip) return { kind: 'clip', min: layer.min, max: layer.max };
  if (layer instanceof LeakyReLU) return { kind: 'leakyRelu', alpha: layer.alpha };
  if (layer instanceof HardSigmoid) return { kind: 'hardSigmoid', alpha: layer.alpha, beta: layer.beta };
  // HardSwish is x * hardSigmoid(x) with PyTorch's slope and offset (ops/activations.ts).
  if (layer instanceof HardSwish) return { kind: 'hardSwish', alpha: 1 / 6, beta: 0.5 };
  return null;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((extent, axis) => extent === b[axis]);
}

/**
 * A constant's storage, which outlives every scope (the plan may be built inside one): persistent
 * where the backend has such storage (freed when the plan is collected), the JavaScript heap otherwise.
 */
function constantTensor(values: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
  const backend = getBackend();
  const data: FloatArray = backend.allocatePersistent?.(dtype, values.length) ?? allocateArray(dtype, values.length);
  data.set(values);
  return new Tensor(data, shape);
}

/**
 * A filter and bias whose last axis is the channels, with a following batch normalization folded
 * in: y = gamma (conv(x) + b - mean) / sqrt(variance + epsilon) + beta, so each output channel c
 * scales by s_c = gamma_c / sqrt(variance_c + epsilon) and its bias becomes (b_c - mean_c) s_c +
 * beta_c. Computed in float64, rounded once.
 */
function foldNormalization(
  kernel: Tensor,
  bias: Tensor | null,
  normalization: BatchNormalization,
  dtype: DType = kernel.dtype,
): { kernel: Tensor; bias: Tensor } {
  const channels = kernel.shape[kernel.rank - 1]!;
  const gamma = normalization.gamma!.dataSync();
  const beta = normalization.beta!.dataSync();
  const mean = normalization.movingMean!.dataSync();
  const variance = normalization.movingVariance!.dataSync();
  const scales = new Float64Array(channels);
  const foldedBias = new Float64Array(channels);
  for (let channel = 0; channel < channels; channel++) {
    const scale = gamma[channel]! / Math.sqrt(variance[channel]! + normalization.epsilon);
    scales[channel] = scale;
    foldedBias[channel] = ((bias === null ? 0 : bias.dataSync()[channel]!) - mean[channel]!) * scale + beta[channel]!;
  }
  const source = kernel.dataSync();
  const foldedKernel = new Float64Array(source.length);
  for (let index = 0; index < source.length; index++) foldedKernel[index] = source[index]! * scales[index % channels]!;
  return {
    kernel: constantTensor(foldedKernel, kernel.shape, dtype),
    bias: constantTensor(foldedBias, [channels], dtype),
  };
}
