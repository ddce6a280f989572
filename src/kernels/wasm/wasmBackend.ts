// The WebAssembly SIMD backend: kernels compiled from assembly/ (AssemblyScript), run on all cores.
// This file loads the right build (relaxed SIMD with fused multiply-add where the engine has it,
// plain SIMD otherwise; shared memory and workers where threads exist), owns the arena, and
// implements the kernel table by writing job records: every kernel but the convolutions described once in
// WASM_BINDINGS over the layouts of jobLayout.ts; the convolutions (which choose an algorithm, and with it an
// export and scratch sizes, per call) as closures writing the `conv2d` layout. Float64 data (gradient checks) goes
// to the reference kernels, one rule for all kernels (kernelTableOf): the SIMD kernels are float32 only.
// Arrays that do not live in the backend's memory are copied in (and outputs back) around a call.
// It starts asynchronously (createWasmBackend) or, in Node only, synchronously (createWasmBackendSync:
// the start at first use); what the host offers (files, workers, cores) comes from platform.ts.

import { BackendError, ValueError } from '../../core/errors.js';
import { MAX_WASM_THREADS } from '../../core/limits.js';
import { allocateArray, type DType, type FloatArray } from '../../core/dtype.js';
import { dropoutThreshold, lowbias32 } from '../js/dropout.js';
import { referenceBackend } from '../js/referenceBackend.js';
import {
  ARITHMETIC_OPERATIONS,
  NEAREST_ROUNDINGS,
  RESIZE_COORDINATES,
  expansionParams,
  projectionParams,
  fusedActivationOf,
  type AdagradUpdateParams,
  type AdamUpdateParams,
  type AlphaActivationParams,
  type BatchNormGradParams,
  type ClipGradientParams,
  type ClipParams,
  type Conv2DParams,
  type CopyColumnsParams,
  type DropoutParams,
  type ElementwiseParams,
  type HardSigmoidParams,
  type LayerNormParams,
  type PowParams,
  type Resize2DParams,
  type Pool2DParams,
  type RmsPropUpdateParams,
  type RowsParams,
  type SgdUpdateParams,
  type SoftmaxCrossEntropyGradParams,
  type SoftmaxCrossEntropyParams,
  type ZeroPad2DParams,
} from '../params.js';
import { WRITTEN_BUFFERS } from '../dispatch.js';
import type { KernelId } from '../ids.js';
import type { Backend, KernelSignatures, KernelTable } from '../registry.js';
import { Arena } from './arena.js';
import type { JobLayoutName } from './jobLayout.js';
import { JOB_SHAPES } from './jobShapes.js';
import { isNode, probeWasmFeatures, type WasmFeatures } from './featureProbe.js';
import { wasmPlatform } from './platform.js';
import { ThreadPool } from './threadPool.js';

/**
 * The kernels the builds export (assembly/), for the type checker only: at run time a kernel is known by its
 * position among the module's own function exports (kernelExportIndex), so no list of names is shipped.
 */
type ExportName =
  | 'conv2d'
  | 'conv2dBackpropInput'
  | 'conv2dBackpropFilter'
  | 'packFilterStrips'
  | 'maxPool2d'
  | 'maxPool2dBackprop'
  | 'matMul'
  | 'biasAdd'
  | 'biasAddGrad'
  | 'relu'
  | 'reluGrad'
  | 'sigmoid'
  | 'sigmoidGrad'
  | 'tanh'
  | 'tanhGrad'
  | 'softmax'
  | 'softmaxGrad'
  | 'softmaxCrossEntropy'
  | 'softmaxCrossEntropyGrad'
  | 'add'
  | 'sgdUpdate'
  | 'adamUpdate'
  | 'rmsPropUpdate'
  | 'adagradUpdate'
  | 'sumOfSquares'
  | 'clipGradient'
  | 'conv2dWinograd'
  | 'conv2dWinogradFilter'
  | 'conv2dWinogradFilter4'
  | 'conv2dWinograd4'
  | 'conv2dWinograd6'
  | 'conv2dWinogradFilter6'
  | 'conv2dWinogradPrepare'
  | 'batchNormStats'
  | 'batchNorm'
  | 'batchNormGrad'
  | 'copyColumns'
  | 'channelShuffle'
  | 'depthwiseConv2d'
  | 'conv2dFewChannels'
  | 'depthwiseConv2dBackpropInput'
  | 'depthwiseConv2dBackpropFilter'
  | 'leakyRelu'
  | 'leakyReluGrad'
  | 'elu'
  | 'eluGrad'
  | 'gelu'
  | 'geluGrad'
  | 'silu'
  | 'siluGrad'
  | 'avgPool2d'
  | 'avgPool2dBackprop'
  | 'zeroPad2d'
  | 'zeroPad2dBackprop'
  | 'dropout'
  | 'clip'
  | 'clipGrad'
  | 'multiply'
  | 'hardSigmoid'
  | 'hardSigmoidGrad'
  | 'hardSwish'
  | 'hardSwishGrad'
  | 'broadcastArithmetic'
  | 'reduceSumTo'
  | 'layerNorm'
  | 'layerNormGrad'
  | 'resize2d'
  | 'resize2dBackprop'
  | 'pow'
  | 'powGrad'
  | 'clipBiasAddGrad'
  | 'conv2dWinogradStride2'
  | 'conv2dWinogradStride2Filter'
  | 'conv2dWinogradStride2Tile4'
  | 'conv2dWinogradStride2Tile4Filter'
  | 'widenChannels'
  | 'conv2dWinogradPolyphase'
  | 'conv2dWinogradPolyphaseMaxPool'
  | 'spaceToDepth2'
  | 'conv2dWinogradPolyphaseFilter'
  | 'conv2dWinogradPolyphasePrepare'
  | 'expandedDepthwiseConv2d';
type Kernel = (job: number, threadIndex: number, threadCount: number) => void;

/**
 * Below this much work (multiply-adds, or about 8 per value for elementwise kernels) a kernel runs on
 * one thread: waking a sleeping worker costs more. It was 4M when a job waited for every worker
 * (W1 at batch 1: 0.49 ms per prediction on one thread, 1.34 ms when its second convolution woke a
 * worker); since the caller runs any share a worker has not claimed (threadPool.ts), 1M measured
 * faster on the idle 2-core machine, 2 threads, separate processes alternated three times:
 * MobileNetV2 at batch 1 12.3-15.8 ms against 14.4-20.3, EfficientNet-B0 24.6-31.2 against
 * 30.4-38.7, ResNet-18 unchanged, W1's batch-1 latency 0.255 against 0.278 ms.
 */
const PARALLEL_WORK_THRESHOLD = 1_000_000;

/**
 * A depthwise forward call's work in GEMM multiply-adds (see PARALLEL_WORK_THRESHOLD): a depthwise tap runs at a
 * third of the GEMM's rate (two loads per multiply-add: 16-18 GFLOP/s a thread against 45-50), and a sigmoid or
 * SiLU output stage costs about 22 multiply-adds a value (its exp and division; a 1x1 convolution, 112x112x16 ->
 * 96, took 1.09 ms with SiLU against 0.52 with clip). Counted as multiply-adds alone, MobileNetV2's and
 * EfficientNet-B0's depthwise convolutions at 14x14 and 7x7 ran on one thread at batch 1 (0.30 ms on 2 threads
 * for 14x14x384 -> 384, as on one; bench/profileInference.ts).
 */
function depthwiseWork(params: Conv2DParams): number {
  const kind = fusedActivationOf(params.activation)?.kind;
  const outputWork = kind === 'silu' || kind === 'sigmoid' ? 22 : 0;
  return params.batch * params.outH * params.outW * params.outC * (3 * params.kH * params.kW + outputWork);
}

/**
 * Rows a GEMM's work estimate counts (see PARALLEL_WORK_THRESHOLD): its micro-kernel runs 4 rows a tile
 * (assembly/gemm.ts), so a product of fewer rows costs a whole tile. Counted as its own rows, ResNet-18's
 * classifier at batch 1 (1x1x512 -> 1000, one row) ran on one thread: 0.18 ms a predict, against 0.10-0.17
 * (median 0.135) split over 2 threads' columns (bench/profileInference.ts, wall, old and new alternated 4 times).
 */
function gemmRowsOfWork(rows: number): number {
  return Math.ceil(rows / 4) * 4;
}

/** Work estimate of one value of an elementwise kernel, in multiply-add units. */
const ELEMENTWISE_WORK = 8;
/** Target size of an im2col panel, in floats: about 128 KB, so it stays in L2 while GEMM walks it. */
const PANEL_FLOATS = 32768;
/**
 * Target size of an im2col panel with a prepared filter, in floats (2 MB, in L3): the filter is not
 * packed per panel any more but streamed once per panel, so a panel holding every row of a deep layer
 * at batch 1 reads it once (one thread, 49x4608x512: 37 GFLOP/s with 512 KB panels, 42 with 2 MB).
 */
const PREPARED_PANEL_FLOATS = 524288;
/**
 * Prepared filters of at most this many floats (1.25 MB) stay in L2 (2 MB a core here) beside a
 * panel of PANEL_FLOATS, so their im2col panels keep that size instead of PREPARED_PANEL_FLOATS: the
 * panel is then read from L2, not L3. Measured on ResNet-18's stride-2 3x3 layers at batch 8 (one
 * thread, CPU time, interleaved in one process on the loaded machine): 56x56x64 -> 128 21.8 -> 20.7 ms,
 * 28x28x128 -> 256 20.2 -> 19.5; 14x14x256 -> 512 (4.7 MB filter) lost with small panels; at batch 1 on
 * two threads no loss.
 */
const L2_RESIDENT_FILTER_FLOATS = 327680;
const JOB_FIELDS = 53;
/**
 * Target size of the Winograd transformed inputs and products of one chunk of tiles, in floats
 * (512 KB, half of L2). 32K to 256K measured within 10% of each other on the W1/W2 shapes.
 */
const WINOGRAD_CHUNK_FLOATS = 131072;
/**
 * The chunk of stride 2's 4-output tiles (81 positions), whose transformed filter (2.6 MB at 64->128 channels) is
 * streamed by every chunk: 16 tiles at 64->128 channels. ResNet-18's 56x56x64->128 layer at batch 16 (one thread,
 * process CPU time, medians of 3 to 5 alternated runs, ms, forward / input gradient): chunks of 88 tiles (the rule
 * of streamedFilterChunkTiles) 46.3 / 56.0, of 8 39.7 / 41.9, of 16 39.2 / 41.5, of 32 39.5 / 41.9.
 */
const STRIDE2_TILE4_CHUNK_FLOATS = 2 * WINOGRAD_CHUNK_FLOATS;
/** Bytes of stride 2's 4-output transform blocks, a 9x9 block and four of 81 vectors (winogradStride2.ts). */
const STRIDE2_TILE4_BLOCKS_BYTES = 5 * 81 * 16;
/**
 * With a prepared filter of more than WINOGRAD_STREAMED_FILTER_FLOATS (8 MB: F(4x4) on 256 channels
 * and up, as on ResNet's 14x14 and 7x7 layers) each chunk streams the whole filter from L3 or memory,
 * so chunks grow until one position's transformed input fills this many floats (128 KB, in L2 while
 * every strip of the filter passes over it). Measured on one thread, F(4x4) at batch 8,
 * WINOGRAD_CHUNK_FLOATS -> this rule: 7x7x512 53.7 -> 33.8 ms, 56x56x64 24.8 -> 26.7 (its 590 KB
 * filter stays in L2). 14x14x256 (9.4 MB, chunks of 4 tiles before) measured 19.1 -> 21.9 then, but
 * later, with the operands packed ahead and other processes loading the machine, 23.5 -> 18.8 ms CPU
 * time (one thread, ResNet-18 at batch 8, in-process interleaved rounds; 27 -> 21.5 on two threads).
 */
const WINOGRAD_PREPARED_PANEL_FLOATS = 32768;
const WINOGRAD_STREAMED_FILTER_FLOATS = 2_097_152;
/**
 * What each position of a prepared F(4x4) form read from memory by each call costs, in GEMM rows of the same channels
 * weighted as in preparedConvolutionAlgorithm; F(2x2)'s, read a depth block at a time while the prefetcher fetches the
 * next (gemmDepthBlockedOperands in gemm.ts), half as much. Fitted to one thread's times of 7x7x512 at batch 1 to 8: a
 * position of F(4x4) (1 MB) took about 0.11 ms beside its multiply-adds, one of F(2x2) 0.06 ms, a weighted row 0.008.
 */
const PREPARED_FILTER_READ_ROWS = 13;

/**
 * Below this many tiles per thread (4 row tiles of the GEMM each) the threads of a Winograd
 * convolution split output channels, not tiles (see isWinogradSplitByColumns).
 */
const WINOGRAD_SPLIT_BY_COLUMNS_TILES_PER_THREAD = 16;
/**
 * Above that, strips too where tiles split unevenly (28x28 at batch 1, F(4x4): 49 tiles, 28 and 21 per
 * thread; 8 strips each) by more than this share of the work, which a split by strips repeats: every
 * thread transforms every input tile (the input transform is about 5% of a 128-channel layer).
 */
const WINOGRAD_REPEATED_INPUT_SHARE = 0.05;
/**
 * Tiles per output channel up to which the threads of a Winograd pass with a filter transformed on every
 * call split channels, not tiles: split over tiles, each thread reads the whole transformed filter (36 x inC x
 * outC floats) once per chunk; split over channels, it reads its share and transforms every input tile (36 x
 * tiles x inC). Measured at batch 16, 2 threads, process CPU time of one call (medians of 9, alternated in one
 * process on the loaded machine; the same values either way), tiles -> channels: 7x7x512 (64 tiles) forward
 * 49.4 -> 44.8 ms, input gradient 45.5 -> 40.5; 14x14x256 (256 tiles) 33.0 -> 34.5 and 33.5 -> 35.2; 28x28x128
 * 25.8 -> 28.5; at 4x14x256 (64 tiles) and 32x7x512 (128) within 1 ms either way.
 */
const WINOGRAD_STREAMED_SPLIT_BY_COLUMNS_TILES_PER_CHANNEL = 0.25;

/**
 * How a convolution is computed: the one place that chooses (see assembly/conv2d.ts, winograd.ts,
 * winogradStride2.ts).
 */
export type ConvolutionAlgorithm =
  | 'im2col'
  | 'winograd'
  | 'winograd4x4'
  | 'winograd6x6'
  | 'winogradStride2'
  | 'winogradStride2Tile4'
  | 'winogradPolyphase';

/**
 * Output pixels (batch x height x width) from which Winograd pays: it transforms every filter on each
 * call (and each thread does so), which only enough tiles repay. Measured at batch 1 on W2's layers
 * (2 threads): 8x8x64->128 im2col 0.18 ms, F(2x2) 0.39, F(4x4) 0.58; 16x16x32->64 im2col 0.26, F(2x2)
 * 0.17, F(4x4) 0.26; 16x16x64->64 0.28, 0.27, 0.39; 32x32x32->32 0.44, 0.34, 0.26; W1's 14x14x32->64
 * is faster with F(2x2) than im2col. At batch 64 every layer of W1 and W2 is far above both.
 */
export const WINOGRAD_MIN_PIXELS = 128;
/**
 * Tiles from which F(4x4) repays its per-call filter transforms (unprepared filters; 1,024 output
 * pixels of whole tiles). With packed operands it beats F(2x2) on padded tiles too where channels are
 * many: one thread, batch 16, F(2x2) -> F(4x4): 7x7x512 195 -> 139 ms, 14x14x256 114 -> 101 ms; but
 * 14x14x32->64 5.5 -> 5.8 ms (batch 16), 21.1 -> 20.9 (batch 64).
 */
export const WINOGRAD_4X4_MIN_TILES = 64;
const WINOGRAD_4X4_PADDED_MIN_CHANNELS = 128;
/**
 * F(6x6, 3x3) (assembly/winograd6.ts) where its GEMM rows x positions (positions6x6) are under this share of
 * F(4x4)'s: its transforms cost more per tile and its partial tiles waste more. Batch 16, CPU time of one call,
 * medians of 8 calls alternated with the build before in one process, F(4x4) -> F(6x6), forward / input gradient /
 * filter gradient, with their share: 56x56x64 (0.885) one thread 31.5 / 31.6 / 40.5 -> 31.0 / 30.5 / 40.7 ms, two
 * threads 34.1 / 34.1 / 39.0 -> 34.4 / 34.5 / 43.7; 28x28x128 (0.862) one thread 31.2 / 30.9 / 34.3 -> 29.1 / 28.9 /
 * 34.0, two threads 31.9 / 31.4 / 38.0 -> 29.7 / 31.1 / 38.9. One thread, alternated calls: 24x24x128 (0.79) 22.2 /
 * 22.4 / 25.6 -> 19.4 / 19.3 / 22.0; 32x32x32 (0.96) 3.3 / 3.2 / 3.6 -> 3.3 / 3.3 / 5.0; 24x24x16 1.1 / 1.1 / 1.3 ->
 * 1.0 / 1.0 / 1.3; 28x28x8 lost in the gradients. The filter gradient takes it from 128 channels only: its threads
 * split the input channels, and each transforms every tile's dOut, which costs F(6x6) more (56x56x64 above).
 */
const WINOGRAD_6X6_ROW_SHARE = 0.9;
const WINOGRAD_6X6_MIN_CHANNELS = 16;
const WINOGRAD_6X6_FILTER_MIN_CHANNELS = 128;

/**
 * Input channels from which a constant (prepared) filter takes Winograd: fewer leave its GEMMs thin, and
 * the inference path was not measured below this.
 */
const PREPARED_WINOGRAD_MIN_CHANNELS = 16;
/**
 * Input channels a 3x3 training convolution on fewer (an RGB or grayscale image) is widened to, with zeros,
 * so that it takes Winograd (isWidenedToWinograd).
 */
const WIDENED_CHANNELS = 4;

/**
 * Winograd for 3x3 stride-1 convolutions with channel counts that are multiples of 4 (at least
 * PREPARED_WINOGRAD_MIN_CHANNELS on the input side for a constant filter), and padding of at most 2
 * (so the gradient pass is also a convolution with non-negative padding); im2col + GEMM otherwise, and
 * for outputs too small to repay the filter transforms (see WINOGRAD_MIN_PIXELS).
 * F(6x6, 3x3) where its GEMM rows x positions are fewer enough than F(4x4)'s (WINOGRAD_6X6_ROW_SHARE: ResNet-18's
 * 56x56 and 28x28 layers, its filter gradient from 128 channels), else F(4x4, 3x3) where its GEMMs have fewer rows
 * and its tiles are many (WINOGRAD_4X4_MIN_TILES), F(2x2, 3x3) elsewhere; the filter gradient takes the dual of the same choice (F(3x3, 4x4) or
 * F(3x3, 2x2): the same 36 or 16 positions per tile, so the same GEMM work); a constant filter has its own choice
 * (preparedConvolutionAlgorithm). Measured (before the operands were packed ahead) on one thread,
 * batch 64, forward, im2col -> F(2x2) -> F(4x4) (bench shapes of W1/W2): 14x14x32->64 12.0 -> 6.6 ms
 * (F(4x4): 6.7, its padded tiles waste 30%), 32x32x32->32 45 -> 24 -> 17.5 ms, 16x16x64->64 32 -> 17
 * -> 12.5 ms, 8x8x64->128 14 -> 7.4 -> 6.2 ms; the input gradient gains alike. It took at least 16 input
 * channels until thin layers were measured (one thread, batch 64, process CPU time, medians of 7, ms of
 * im2col -> F(2x2) -> F(4x4) for forward / input gradient / filter gradient): 28x28x4->32 4.5 / 11.0 / 4.3 ->
 * 3.1 / 7.0 / 6.7 -> 2.4 / 3.4 / 2.4; 32x32x8->32 9.1 / 13.4 / 9.0 -> 5.4 / 6.6 / 5.5 -> 4.0 / 4.5 / 4.2;
 * 32x32x12->32 12.4 / 20.1 / 12.5 -> 4.96 / 6.3 / 6.7 (F(4x4)); 32x32x32->8 10.9 / 10.8 / 11.6 -> 4.4 / 3.9
 * / 5.2 (F(4x4)); 32x32x4->8 3.5 / 6.9 / 3.2 -> 1.0 / 1.5 / 1.1 (F(4x4)).
 * 3x3 stride-2 convolutions with the same channels take the polyphase F(2x2, 3x3) of winogradStride2.ts
 * (25 positions for 36 multiplies), or its 4-output tiles (81 positions for 144) where they pay (stride2Algorithm),
 * for the input gradient only with padTop = padLeft = 1; a constant filter has its own choice
 * (preparedStride2Algorithm). 7x7 stride-2 convolutions on few channels (ResNet's stem) take the
 * polyphase F(5x5, 4x4) of winogradPolyphase.ts forward (prepared or not) and its dual F(4x4, 5x5) for the filter
 * gradient, where it
 * has fewer GEMM rows x depth (isPolyphaseShape, isPolyphaseCheaper).
 */
export function convolutionAlgorithm(
  params: Conv2DParams,
  pass: 'forward' | 'backpropInput' | 'backpropFilter',
): ConvolutionAlgorithm {
  const isPlain = isUndilated(params) && (params.groups ?? 1) === 1;
  const isSmallWindow = isPlain && params.kH === 3 && params.kW === 3 && params.strideH === 1 && params.strideW === 1;
  // No arrays here: this runs on every convolution call (with them, 3% of W1's batch-1 predict in a CPU profile).
  const largestPad = Math.max(params.padTop, params.padBottom, params.padLeft, params.padRight);
  const isInputGradient = pass === 'backpropInput';
  const inC = isInputGradient ? params.outC : params.inC;
  const outC = isInputGradient ? params.inC : params.outC;
  const isChannels = largestPad <= 2 && inC % 4 === 0 && outC % 4 === 0 && inC > 0;
  const isSupported = isSmallWindow && isChannels;
  const outH = isInputGradient ? params.inH : params.outH;
  const outW = isInputGradient ? params.inW : params.outW;
  const pixels = params.batch * outH * outW;
  // Odd outputs where their GEMM rows x positions (stride2RowCost: partial tiles skip positions), weighted for the
  // transforms, are fewer than im2col's: on ResNet-18's 14x14x256->512 layer (7x7 out; batch 16, one thread, CPU
  // time, im2col -> this) forward 39.8 -> 36.5 ms, filter gradient 37.4 -> 33.0 (see winogradStride2.ts). The input
  // gradient and a constant filter (preparedStride2Algorithm) take it on any size.
  const isStride2 =
    isPlain &&
    isChannels &&
    inC >= 16 &&
    params.kH === 3 &&
    params.kW === 3 &&
    params.strideH === 2 &&
    params.strideW === 2 &&
    (isInputGradient ||
      params.isConstantFilter === true ||
      STRIDE2_TRANSFORM_WEIGHT * stride2RowCost(params) < winogradRowCost(9, params.batch * params.outH * params.outW));
  if (isStride2 && params.isConstantFilter === true && pass === 'forward') return preparedStride2Algorithm(params);
  if (!isInputGradient && isPolyphaseShape(params) && isPolyphaseCheaper(params)) return 'winogradPolyphase';
  if (isStride2 && params.isConstantFilter !== true && pixels >= WINOGRAD_MIN_PIXELS)
    if (!isInputGradient || (params.padTop === 1 && params.padLeft === 1)) return stride2Algorithm(params, pass);
  if (params.isConstantFilter === true && pass === 'forward')
    return isSupported && inC >= PREPARED_WINOGRAD_MIN_CHANNELS ? preparedConvolutionAlgorithm(params) : 'im2col';
  if (!isSupported || pixels < WINOGRAD_MIN_PIXELS) return 'im2col';
  // F(4x4, 3x3) where its GEMMs have fewer rows than F(2x2)'s (see winogradRowCost), with enough tiles
  // to repay transforming 36 filter positions on every call, and either whole tiles or channels enough
  // for the GEMMs to outweigh its costlier transforms (WINOGRAD_4X4_MIN_TILES).
  const tiles4x4 = params.batch * Math.ceil(outH / 4) * Math.ceil(outW / 4);
  const tiles2x2 = params.batch * Math.ceil(outH / 2) * Math.ceil(outW / 2);
  const isCheaper4x4 = winogradRowCost(36, tiles4x4) < winogradRowCost(16, tiles2x2);
  const isWholeTiles = outH % 4 === 0 && outW % 4 === 0;
  const isWide = Math.min(inC, outC) >= WINOGRAD_4X4_PADDED_MIN_CHANNELS;
  const is4x4 = isCheaper4x4 && tiles4x4 >= WINOGRAD_4X4_MIN_TILES && (isWholeTiles || isWide);
  const tiles6x6 = params.batch * Math.ceil(outH / 6) * Math.ceil(outW / 6);
  const is6x6 =
    Math.min(inC, outC) >= (pass === 'backpropFilter' ? WINOGRAD_6X6_FILTER_MIN_CHANNELS : WINOGRAD_6X6_MIN_CHANNELS) &&
    tiles6x6 >= WINOGRAD_4X4_MIN_TILES &&
    isCheaper6x6(outH, outW);
  if (is6x6) return 'winograd6x6';
  return is4x4 ? 'winograd4x4' : 'winograd';
}

/**
 * GEMM rows x positions along one axis of `size` outputs per image and row, F(6x6) (assembly/winograd6.ts: 8
 * positions a tile, 7 for a partial one) and F(4x4) forward (winograd4.ts: 6, 5 for its tiles of 3 or fewer).
 */
function isCheaper6x6(outH: number, outW: number): boolean {
  return positions6x6(outH) * positions6x6(outW) < WINOGRAD_6X6_ROW_SHARE * positions4x4(outH) * positions4x4(outW);
}

function positions6x6(size: number): number {
  return 8 * Math.floor(size / 6) + (size % 6 === 0 ? 0 : 7);
}

function positions4x4(size: number): number {
  const tiles = Math.ceil(size / 4);
  const fullTiles = fullTiles4x4(size);
  return 6 * fullTiles + 5 * (tiles - fullTiles);
}

/** F(4x4)'s tiles of 4 outputs along an axis of `size` (fullTiles4 in winograd4.ts): the others have 3 or fewer. */
function fullTiles4x4(size: number): number {
  const tiles = Math.ceil(size / 4);
  const edgeTiles = (4 - (size % 4)) % 4;
  return edgeTiles <= tiles ? tiles - edgeTiles : Math.floor(size / 4);
}

/** Whether a convolution's taps are adjacent (dilation 1 both ways). */
function isUndilated(params: Conv2DParams): boolean {
  return (params.dilationH ?? 1) === 1 && (params.dilationW ?? 1) === 1;
}

/** GEMM rows x positions of a Winograd algorithm: its GEMMs compute rows in tiles of 4 (gemm.ts). */
function winogradRowCost(positions: number, tiles: number): number {
  return positions * Math.ceil(tiles / 4) * 4;
}

/**
 * The choice for a constant (prepared) filter, where no call pays a filter transform: the algorithm
 * with the fewest GEMM rows x depth, counting the rows each computes in tiles of 4 (gemm.ts) and
 * Winograd's transforms as a quarter more. Winograd F(m x m, 3x3) multiplies (m + 2)^2 positions of
 * ceil(tiles / 4) * 4 tiles, im2col 9 taps of ceil(pixels / 4) * 4 pixels. Measured on one thread (ms,
 * im2col of the unprepared path -> F(2x2) -> F(4x4), prepared; ResNet-18's 3x3 layers at batch 1):
 * 56x56x64 12.2 -> 6.2 -> 4.0, 28x28x128 12.7 -> 6.7 -> 3.7, 14x14x256 14.1 -> 4.7 -> 3.9,
 * 7x7x512 18.0 -> 5.8 -> 4.1 (F(4x4) wins despite its padded tiles); 4x4x256 0.72 -> 0.23 -> 0.52
 * (a single F(4x4) tile fills a quarter of the GEMM's rows); at batch 8, 7x7x512 272 -> 71 -> 41.
 * F(6x6) where isCheaper6x6: prepared, with a ReLU, one thread, CPU time, medians of 16 calls alternated in one
 * process, F(4x4) -> F(6x6): batch 8 56x56x64 15.86 -> 15.27 ms, 28x28x128 15.19 -> 14.26; batch 1 1.99 -> 1.90,
 * 2.06 -> 2.01.
 * NOTE: the prepared forms are most of a deep network's inference memory: ResNet-50's 3x3 filters (45 MB) take 168 MB
 * of them (F(4x4) 36 values a filter tap pair where the filter has 9, F(6x6) 64, the stride-2 polyphase forms 25 and
 * 81), beside 97 MB of weights and, at batch 8, a 55 MB plan block. Trading them for memory costs speed (one thread,
 * CPU time, one prepared call with a ReLU, medians of 10 alternated in one process on the loaded machine): 7x7x512
 * F(4x4) -> F(2x2) -> im2col batch 8 28.8 -> 43.0 -> 78.4 ms, batch 1 5.8 -> 7.0 -> 9.9 (forms of 36, 16 and 0 MB for
 * the layer's 9.4 MB filter: im2col packs it in place; F(2x2) at batch 1 has since become the faster, below); the
 * stride-2 14x14x512 layer polyphase -> im2col batch 8
 * 53.1 -> 67.5 ms, batch 1 8.5 -> 8.6 (25 MB -> 0). Not taken: im2col on ResNet-50's two 7x7x512 layers and its
 * stride-2 one saves 97 MB for about 113 ms a batch of 8 (7%); F(2x2) on the two and im2col on the third 65 MB for
 * about 42 ms (2.5%). (Sizes in MiB.)
 * Where F(4x4) wins this count and its form is read from memory by each call (more than
 * WINOGRAD_STREAMED_FILTER_FLOATS), each position it reads costs PREPARED_FILTER_READ_ROWS rows more, and F(2x2)'s
 * half that: with few tiles a GEMM (batch 1 or 2 on 7x7 or 8x8 outputs, 3 or 4 images of 4x4) every value of
 * F(4x4)'s 36 positions serves 4 or 8 rows, and F(2x2)'s 16 positions stream in less time than the multiply-adds
 * they save. One prepared call with a ReLU, one thread, CPU time, medians of 8 on the loaded machine, F(4x4) ->
 * F(2x2) (taken): batch 1 7x7x512 5.25 -> 3.75 ms; batch 2 7x7x512 6.83 -> 6.10; batch 3 3x3x512 3.63 -> 2.55,
 * 4x4x512 5.48 -> 2.60; batch 4 4x4x512 4.72 -> 3.20, 3x3x512 3.32 -> 3.28. F(4x4) kept: batch 1 14x14x256 2.47
 * against 2.53, 9x9x512 5.77 against 5.52 (the count's margin); batch 2 14x14x256 4.11 against 4.91, 9x9x512 8.03
 * against 9.31; batch 4 7x7x512 9.43 against 11.81; batch 8 14.82 against 23.41. The F(4x4) count here takes the rows x positions its partial
 * tiles skip (positions4x4; every tile's position 5 along an axis on 9x9 and 3x3 outputs: 25 positions read).
 */
function preparedConvolutionAlgorithm(params: Conv2DParams): ConvolutionAlgorithm {
  const tiles = (size: number) => params.batch * Math.ceil(params.outH / size) * Math.ceil(params.outW / size);
  const winograd4x4Cost = 1.25 * winogradRowCost(36, tiles(4));
  const winogradCost = 1.25 * winogradRowCost(16, tiles(2));
  const im2colCost = winogradRowCost(9, params.batch * params.outH * params.outW);
  // Ties go to the earlier of F(4x4), F(2x2), im2col; F(6x6) replaces F(4x4) where the training passes take it.
  if (winograd4x4Cost <= winogradCost && winograd4x4Cost <= im2colCost) {
    if (isCheaper6x6(params.outH, params.outW)) return 'winograd6x6';
    // A filter form too large for the caches is read from memory by each call (WINOGRAD_STREAMED_FILTER_FLOATS): its
    // positions count, and so do those F(4x4) skips where no tile has 4 outputs along an axis (POSITION_5_MASK).
    if (36 * packedWinogradFilterFloats(params.inC, params.outC) <= WINOGRAD_STREAMED_FILTER_FLOATS)
      return 'winograd4x4';
    const positionsAlong = (size: number) => (fullTiles4x4(size) > 0 ? 6 : 5);
    const positions = positionsAlong(params.outH) * positionsAlong(params.outW);
    const rows4x4 = params.batch * positions4x4(params.outH) * positions4x4(params.outW);
    const streamed4x4Cost = 1.25 * rows4x4 + PREPARED_FILTER_READ_ROWS * positions;
    return streamed4x4Cost <= winogradCost + (PREPARED_FILTER_READ_ROWS / 2) * 16 ? 'winograd4x4' : 'winograd';
  }
  return winogradCost <= im2colCost ? 'winograd' : 'im2col';
}

/**
 * The choice for a constant (prepared) 3x3 stride-2 filter: the polyphase F(2x2, 3x3) of winogradStride2.ts
 * (filter transformed once) where its GEMM rows x positions (stride2RowCost: 25 positions a whole tile, fewer for
 * partial ones) are fewer than im2col's 9 taps of its pixels; its transforms (coefficients 0 and +-1) are
 * not counted; but im2col for few tiles of a filter too large for L2 (PREPARED_STRIDE2_MIN_TILES). Measured (before
 * partial tiles skipped positions) on ResNet-18's stride-2 layers, 2 threads,
 * process CPU time of one call (medians of 7, alternated on the loaded machine), prepared im2col -> this:
 * batch 8, 56x56x64->128 20.5 / 18.0 -> 14.9 / 14.8 ms, 28x28x128->256 19.2 / 17.7 -> 14.9 / 14.6,
 * 14x14x256->512 (7x7 out) 20.3 / 20.2 -> 18.8 / 19.2; batch 1, 56x56x64->128 1.13 -> 0.89, 28x28x128->256
 * 1.16 -> 0.97, 14x14x256->512 1.24 -> 1.17 (batch-1 figures since reversed on the two deeper layers, one thread:
 * see PREPARED_STRIDE2_MIN_TILES).
 */
function preparedStride2Algorithm(params: Conv2DParams): ConvolutionAlgorithm {
  const tiles = params.batch * Math.ceil(params.outH / 2) * Math.ceil(params.outW / 2);
  const isStreamedForFewRows =
    tiles < PREPARED_STRIDE2_MIN_TILES && 25 * params.inC * params.outC > L2_RESIDENT_FILTER_FLOATS;
  if (isStreamedForFewRows) return 'im2col';
  return stride2RowCost(params) < winogradRowCost(9, params.batch * params.outH * params.outW)
    ? stride2Algorithm(params, 'forward')
    : 'im2col';
}

/**
 * Fewest tiles of 2 outputs (GEMM rows of each position) for which a prepared stride-2 filter too large for L2
 * takes the polyphase Winograd path: its 25 positions are 25 / 9 as many filter floats as im2col's, streamed from
 * beyond L2 for that few rows. One thread, CPU time, process medians of 4 to 8 calls, 2 alternations, prepared
 * Winograd -> im2col: batch 1, ResNet-50's 14x14x512->512 (16 tiles) 7.13 / 6.94 -> 6.06 / 5.79 ms, 28x28x256->256
 * (49) 5.85 / 5.69 -> 5.53 / 5.14; ResNet-18's 14x14x256->512 3.28 / 3.36 -> 2.93 / 2.90, 28x28x128->256 2.81 / 2.77
 * -> 2.61 / 2.46. At 128 tiles (batch 8) Winograd still won or tied: ResNet-18's 14x14x256->512 17.8 / 18.3 against
 * 20.7 / 20.1, ResNet-50's 14x14x512->512 42.3 / 38.8 against 42.2 / 39.7.
 * NOTE: at 196 tiles (batch 1, 28x28 out) im2col was faster too (ResNet-50's 56x56x128->128 5.47 / 5.36 -> 5.16 /
 * 4.52 ms; ResNet-18's 56x56x64->128 2.40 / 2.60 -> 2.40 / 2.35), against Winograd's win at 128 tiles of batch 8:
 * unexplained, so left to the row cost.
 */
const PREPARED_STRIDE2_MIN_TILES = 64;

/**
 * Which polyphase stride-2 algorithm a pass takes: 4 outputs a tile along each axis (81 positions,
 * conv2dWinogradStride2Tile4) where its tiles x positions (stride2Positions), weighted for its costlier transforms
 * (STRIDE2_TILE4_WEIGHT), are fewer than those of 2 outputs a tile (25 positions); a filter transformed on every
 * call only from STRIDE2_TILE4_MIN_TILES tiles, and in the forward pass and input gradient only where a chunk
 * (STRIDE2_TILE4_CHUNK_FLOATS) holds STRIDE2_TILE4_MIN_CHUNK_TILES tiles, since each chunk streams the 81 positions
 * of the filter.
 */
function stride2Algorithm(
  params: Conv2DParams,
  pass: 'forward' | 'backpropInput' | 'backpropFilter',
): 'winogradStride2' | 'winogradStride2Tile4' {
  const isPrepared = params.isConstantFilter === true && pass === 'forward';
  const chunkTiles = STRIDE2_TILE4_CHUNK_FLOATS / (81 * (params.inC + params.outC));
  if (!isPrepared && pass !== 'backpropFilter' && chunkTiles < STRIDE2_TILE4_MIN_CHUNK_TILES) return 'winogradStride2';
  const tiles = params.batch * Math.ceil(params.outH / 4) * Math.ceil(params.outW / 4);
  if (!isPrepared && tiles < STRIDE2_TILE4_MIN_TILES) return 'winogradStride2';
  const isInputGradient = pass === 'backpropInput';
  const cost4 = STRIDE2_TILE4_WEIGHT * stride2Positions(params, 4, isInputGradient);
  return cost4 < stride2Positions(params, 2, isInputGradient) ? 'winogradStride2Tile4' : 'winogradStride2';
}

/**
 * Tiles x positions of a polyphase stride-2 pass with `outputs` outputs a tile along each axis (5 or 9 positions):
 * a tile partial along an axis skips positions there (winogradStride2.ts): at 2 outputs 2 (forward, filter gradient)
 * or 3 (input gradient), at 4 outputs one for each output (dOut sample) it lacks.
 */
function stride2Positions(params: Conv2DParams, outputs: number, isInputGradient: boolean): number {
  const side = outputs === 4 ? 9 : 5;
  const along = (size: number) => {
    const full = Math.floor(size / outputs);
    const present = size - full * outputs;
    const skipped = present === 0 ? 0 : outputs === 4 ? 4 - present : isInputGradient ? 3 : 2;
    return full * side + (present === 0 ? 0 : side - skipped);
  };
  // The input gradient's tiles are whole where their dOut samples are (dOut is the pass's input).
  return params.batch * along(params.outH) * along(params.outW);
}

/**
 * How much costlier a position of the 4-output stride-2 algorithm is than one of the 2-output one: its transforms have
 * 4 and 5 terms, not 2, and its filter is 3.24 times larger.
 */
const STRIDE2_TILE4_WEIGHT = 1.15;
const STRIDE2_TILE4_MIN_CHUNK_TILES = 16;
/**
 * 4-output tiles from which a pass that transforms its filter on every call takes them: on fewer, mostly at the image
 * border, they lost (batch 16, one thread, process CPU time, medians of 15 alternated in one process, 2 -> 4 outputs a
 * tile, forward / input gradient / filter gradient): 64 tiles (16x16x64->64) 2.04 / 2.06 / 2.17 -> 2.26 / 2.25 /
 * 2.39 ms, 16 (8x8x32->64) 0.33 / 0.32 / 0.28 -> 0.41 / 0.41 / 0.33; 256 (32x32x32->64) 4.36 / 4.61 / 4.17 -> 4.00 /
 * 4.42 / 4.21, (32x32x16->32) 1.35 / 1.44 / 1.39 -> 1.22 / 1.45 / 1.28.
 */
const STRIDE2_TILE4_MIN_TILES = 256;

/**
 * GEMM rows x positions of winogradStride2.ts's forward pass or filter gradient, counting rows in tiles of 4: with
 * odd outputs the tiles go whole ones first, then those of the last tile row, of the last tile column and the
 * corners, and each position takes the prefix of them that needs it (edgePositionRows in assembly/winograd.ts):
 * 4 positions the whole tiles, 6 those and the last row's, 6 all but the corners, 9 all (25, 21, 15 and 9
 * positions a tile).
 */
function stride2RowCost(params: Conv2DParams): number {
  const fullRows = Math.floor(params.outH / 2);
  const fullColumns = Math.floor(params.outW / 2);
  const whole = params.batch * fullRows * fullColumns;
  const rowEdges = params.batch * (params.outH % 2) * fullColumns;
  const columnEdges = params.batch * fullRows * (params.outW % 2);
  const tiles = params.batch * Math.ceil(params.outH / 2) * Math.ceil(params.outW / 2);
  return (
    winogradRowCost(4, whole) +
    winogradRowCost(6, whole + rowEdges) +
    winogradRowCost(6, whole + rowEdges + columnEdges) +
    winogradRowCost(9, tiles)
  );
}

/**
 * How much costlier a GEMM row x position of the training (unprepared) stride-2 polyphase pass is than one of
 * im2col's, counting its transforms: it takes odd outputs where its rows (stride2RowCost) so weighted are fewer.
 * On ResNet-18's 7x7 layer its 5,472 rows x positions at batch 16 (7,056 for im2col) took 0.92 of im2col's time
 * forward, 0.88 for the filter gradient: a weight of about 1.1 to 1.2.
 */
const STRIDE2_TRANSFORM_WEIGHT = 1.25;

/**
 * Input channels up to which a 7x7 stride-2 convolution (ResNet's stem) takes the polyphase F(5x5, 4x4) of
 * winogradPolyphase.ts: 4 of its phase channels per input channel keep the GEMMs' depth small, where a
 * transformed tile of the phase image (64 x 4 inC values) still costs little beside its 64 x 4 inC x outC
 * multiplies.
 */
const POLYPHASE_MAX_CHANNELS = 4;

/**
 * Whether a convolution has the shape of winogradPolyphase.ts: a 7x7 stride-2 filter, plain (no dilation, no
 * groups), on at most POLYPHASE_MAX_CHANNELS input channels and a multiple of 4 output channels.
 */
function isPolyphaseShape(params: Conv2DParams): boolean {
  return (
    params.kH === 7 &&
    params.kW === 7 &&
    params.strideH === 2 &&
    params.strideW === 2 &&
    isUndilated(params) &&
    (params.groups ?? 1) === 1 &&
    params.inC <= POLYPHASE_MAX_CHANNELS &&
    params.outC % 4 === 0
  );
}

/**
 * Whether the polyphase passes have fewer GEMM rows x depth than im2col: 64 positions of ceil(tiles / 4) * 4 5x5
 * tiles at depth 4 inC, its transforms counted as a quarter more, against 49 inC taps of every output pixel.
 */
function isPolyphaseCheaper(params: Conv2DParams): boolean {
  const tiles = polyphaseTiles(params);
  return 1.25 * winogradRowCost(64, tiles) * 4 < winogradRowCost(49, params.batch * params.outH * params.outW);
}

/**
 * Whether a Conv2D with a pool (Conv2DParams.pool) runs as one pass, conv2dWinogradPolyphaseMaxPool: a prepared
 * polyphase convolution of one map (ResNet's stem), its output activated at most.
 */
function isPooledInPlace(params: Conv2DParams, residual: Buffer | null, inputScale: Buffer | null): boolean {
  return (
    params.isConstantFilter === true &&
    !(residual ?? inputScale ?? params.expansion ?? params.projection) &&
    convolutionAlgorithm(params, 'forward') === 'winogradPolyphase'
  );
}

/**
 * Outputs along each axis of a polyphase tile, 64 positions: the forward F(5x5, 4x4) and its dual F(4x4, 5x5) for
 * the filter gradient on 5x5 blocks of dOut (assembly/winogradPolyphase.ts).
 */
const POLYPHASE_TILE = 5;

/** 5x5 output tiles of the polyphase passes, the last ones of a row or column padded. */
function polyphaseTiles(params: Conv2DParams): number {
  return params.batch * Math.ceil(params.outH / POLYPHASE_TILE) * Math.ceil(params.outW / POLYPHASE_TILE);
}

/**
 * The stride-1 4x4 convolution on the phase image (spaceToDepth2 in assembly/winogradPolyphase.ts) that a polyphase
 * convolution computes: 5 tilesH + 3 by 5 tilesW + 3 pixels (every tile's 8x8 block inside it), 4 inC channels,
 * no padding (the phase image holds it); kH and kW stay the filter's (its gradient is scattered back to them).
 */
function polyphaseParams(params: Conv2DParams): Conv2DParams {
  return {
    ...params,
    inH: POLYPHASE_TILE * Math.ceil(params.outH / POLYPHASE_TILE) + 3,
    inW: POLYPHASE_TILE * Math.ceil(params.outW / POLYPHASE_TILE) + 3,
    inC: 4 * params.inC,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
  };
}

/** Options of initWasmBackend and ready. */
export interface WasmBackendOptions {
  /**
   * Threads to run kernels on, 1 to MAX_WASM_THREADS (64); default: all available cores, at most 64
   * (1 where threads are unavailable).
   */
  threads?: number | undefined;
  /** Largest memory the backend may use, in bytes; default 2 GiB (shared) or 512 MiB (unshared, reserved up front). */
  memoryBytes?: number | undefined;
  /** Force the plain-SIMD build even where relaxed SIMD exists (tests, benchmarks). */
  disableRelaxedSimd?: boolean | undefined;
  /**
   * Where the `.wasm` builds lie, for bundlers that do not rewrite `new URL(..., import.meta.url)`
   * (esbuild): either the folder holding the four builds (a URL or string; a string is resolved
   * against the page's address in a browser, and may be a file path in Node), or a function of the
   * build's file name returning its URL. Default: the package's own `wasm/` folder.
   *
   * @example
   * await initWasmBackend({ wasmUrl: '/assets/convnet/' });
   * await initWasmBackend({ wasmUrl: (build) => new URL(`./static/${build}`, location.href) });
   */
  wasmUrl?: string | URL | ((build: WasmBuild) => string | URL) | undefined;
  /**
   * The kernel worker script (in a browser `dist/src/kernels/wasm/worker.js` of the package, or where
   * the bundler put it; in Node `nodeWorker.js` beside it), started once per extra thread. Default:
   * the package's own.
   */
  workerUrl?: string | URL | undefined;
}

/** What the backend chose at start-up, readable at run time. */
export interface WasmBackendInfo {
  /** What the engine offers, as probed. */
  features: WasmFeatures;
  /** The build loaded (a WasmBuild), e.g. 'convnet-relaxed-threads.wasm'. */
  build: string;
  /** Threads the kernels run on (after a start at the first op, from when its workers are all up; one until then). */
  threads: number;
}

/** A started WebAssembly backend: the Backend table plus its runtime facts. */
export interface WasmBackend extends Backend {
  readonly kernels: KernelTable;
  readonly info: WasmBackendInfo;
  /** Bytes of the backend's memory in use at the highest point so far. */
  peakBytes(): number;
  /** Bytes of the backend's memory held now: scope temporaries, weights and optimizer state. */
  bytesInUse(): number;
  /** Threads a kernel may use now: info.threads, or 1 while the workers of a start at the first op boot. */
  activeThreads(): number;
  /** Stops the worker threads. */
  dispose(): void;
}

/** The four WebAssembly builds: plain or relaxed SIMD, each with or without threads. */
export type WasmBuild =
  | 'convnet-simd.wasm'
  | 'convnet-simd-threads.wasm'
  | 'convnet-relaxed.wasm'
  | 'convnet-relaxed-threads.wasm';

/**
 * Where each build lies, written as literal `new URL(..., import.meta.url)` so that bundlers (Vite,
 * webpack, Parcel) see the files, copy them and rewrite the addresses.
 */
function moduleUrl(build: WasmBuild): URL {
  switch (build) {
    case 'convnet-simd.wasm':
      return new URL('../../../wasm/convnet-simd.wasm', import.meta.url);
    case 'convnet-simd-threads.wasm':
      return new URL('../../../wasm/convnet-simd-threads.wasm', import.meta.url);
    case 'convnet-relaxed.wasm':
      return new URL('../../../wasm/convnet-relaxed.wasm', import.meta.url);
    case 'convnet-relaxed-threads.wasm':
      return new URL('../../../wasm/convnet-relaxed-threads.wasm', import.meta.url);
  }
}

/**
 * Turns a user's URL or string into a URL: an absolute URL as it is; otherwise, in a browser,
 * relative to the page, and in Node a file path relative to the working folder.
 */
export function resolveUserUrl(value: string | URL, isFolder: boolean): URL {
  let url: URL;
  if (value instanceof URL) url = new URL(value.href);
  else if (URL.canParse(value) && !/^[a-zA-Z]:[\\/]/.test(value)) url = new URL(value);
  else {
    const resolved = wasmPlatform().urlOfPath(value);
    if (resolved === null) throw new ValueError(`wasm backend: ${JSON.stringify(value)} is not a URL`);
    url = resolved;
  }
  if (isFolder && !url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function buildUrl(build: WasmBuild, wasmUrl: WasmBackendOptions['wasmUrl']): URL {
  if (wasmUrl === undefined) return moduleUrl(build);
  if (typeof wasmUrl === 'function') return resolveUserUrl(wasmUrl(build), false);
  return new URL(build, resolveUserUrl(wasmUrl, true));
}

function loadError(url: URL, reason: string): BackendError {
  return new BackendError(
    url.href,
    `wasm backend: could not load ${url.href} (${reason}); pass initWasmBackend({ wasmUrl }) where your ` +
      `bundler puts the .wasm files`,
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message.split('\n')[0] ?? '';
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}

async function readModuleBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  const { readFile } = wasmPlatform();
  if (readFile !== null && url.protocol === 'file:') {
    try {
      return new Uint8Array(await readFile(url));
    } catch (error) {
      throw loadError(url, reasonOf(error));
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw loadError(url, reasonOf(error));
  }
  if (!response.ok)
    throw loadError(url, `${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`);
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw loadError(url, reasonOf(error));
  }
}

/**
 * Compiles straight to optimized code in Node. With V8's default tiering a kernel first runs as
 * baseline (Liftoff) code, and a worker can keep running that for many calls: the first epochs of
 * W1 ran at half speed on two threads (bench: conv 14x14x32->64 forward, 14.5 ms before tier-up,
 * 6.2 ms after). The flag is restored at once, so other modules in the process keep the default.
 */
async function compileOptimized(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  if (!isNode()) return WebAssembly.compile(bytes);
  const platform = wasmPlatform();
  platform.setEngineFlags('--no-liftoff');
  try {
    return await WebAssembly.compile(bytes);
  } finally {
    platform.setEngineFlags('--liftoff');
  }
}

/** As compileOptimized, synchronously (Node only: a page may not compile a large module on its main thread). */
function compileOptimizedSync(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  const platform = wasmPlatform();
  platform.setEngineFlags('--no-liftoff');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    platform.setEngineFlags('--liftoff');
  }
}

/**
 * Throws ValueError unless `options.threads` is absent or a whole number from 1 to MAX_WASM_THREADS;
 * checked before anything starts, so a refused call leaves a running backend as it was.
 */
export function checkWasmBackendOptions(options: WasmBackendOptions): void {
  const { threads } = options;
  if (threads === undefined) return;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new ValueError(
      `wasm backend: threads must be a whole number from 1 to ${MAX_WASM_THREADS} (MAX_WASM_THREADS), got ${threads}`,
    );
  }
}

/** What a start decides before it loads anything: features, threads, the build and its URL. */
interface StartPlan {
  features: WasmFeatures;
  threads: number;
  build: WasmBuild;
  url: URL;
  isShared: boolean;
  maximumBytes: number;
}

function planStart(options: WasmBackendOptions): StartPlan {
  checkWasmBackendOptions(options);
  const features = probeWasmFeatures();
  if (!features.simd)
    throw new ValueError('wasm backend: this JavaScript engine has no WebAssembly SIMD; use the reference backend');
  const cores = wasmPlatform().availableCores();
  const threads = features.threads ? (options.threads ?? Math.min(Math.max(1, cores), MAX_WASM_THREADS)) : 1;
  const isRelaxed = features.relaxedSimd && options.disableRelaxedSimd !== true;
  const isShared = features.threads;
  const build: WasmBuild = `convnet-${isRelaxed ? 'relaxed' : 'simd'}${isShared ? '-threads' : ''}.wasm`;
  const url = buildUrl(build, options.wasmUrl);
  const maximumBytes = options.memoryBytes ?? (isShared ? 2 ** 31 : 2 ** 29);
  return { features, threads, build, url, isShared, maximumBytes };
}

function compileError(plan: StartPlan, error: unknown): BackendError {
  return new BackendError(
    plan.url.href,
    `wasm backend: could not compile ${plan.url.href} (${reasonOf(error)}); is it the ${plan.build} of this ` +
      `version of ConvNet.ts?`,
  );
}

function createMemory(plan: StartPlan): WebAssembly.Memory {
  const maximumPages = Math.ceil(plan.maximumBytes / 65536);
  // An unshared memory detaches its buffer (and every tensor view) when it grows: reserve it whole.
  return new WebAssembly.Memory(
    plan.isShared
      ? { initial: 256, maximum: maximumPages, shared: true }
      : { initial: maximumPages, maximum: maximumPages },
  );
}

/**
 * Compiles and starts the WebAssembly backend. Throws ValueError where WebAssembly SIMD is missing,
 * and for `threads` outside 1 to MAX_WASM_THREADS (64); BackendError (naming the URL and the reason)
 * where the `.wasm` build cannot be fetched, read or compiled, or a worker script does not start.
 *
 * @example
 * const backend = await createWasmBackend({ threads: 2 });
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const plan = planStart(options);
  const workerUrl = options.workerUrl === undefined ? undefined : resolveUserUrl(options.workerUrl, false);
  const bytes = await readModuleBytes(plan.url);
  let module: WebAssembly.Module;
  try {
    module = await compileOptimized(bytes);
  } catch (error) {
    throw compileError(plan, error);
  }
  const memory = createMemory(plan);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exportNames = functionExportNames(module);
  const pool = await ThreadPool.start(plan.threads, module, memory, exportNames, workerUrl);
  return assembleBackend(plan, instance, memory, pool, exportNames);
}

/**
 * Starts the WebAssembly backend with the default options synchronously: reads the build from disk
 * and compiles it; its worker threads boot meanwhile, and kernels run on the calling thread until they
 * are all up (ThreadPool.startInBackground; `onWorkerFailure` hears of one that does not start). Node
 * only (the start at first use); throws BackendError where the platform cannot, or as createWasmBackend.
 */
export function createWasmBackendSync(onWorkerFailure: (error: BackendError) => void): WasmBackend {
  const plan = planStart({});
  const { readFileSync } = wasmPlatform();
  if (readFileSync === null || plan.url.protocol !== 'file:') {
    throw new BackendError(
      plan.url.href,
      `wasm backend: cannot start synchronously from ${plan.url.href} here; await ready() first`,
    );
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = readFileSync(plan.url);
  } catch (error) {
    throw loadError(plan.url, reasonOf(error));
  }
  let module: WebAssembly.Module;
  try {
    module = compileOptimizedSync(bytes);
  } catch (error) {
    throw compileError(plan, error);
  }
  const memory = createMemory(plan);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exportNames = functionExportNames(module);
  const pool = ThreadPool.startInBackground(plan.threads, module, memory, exportNames, onWorkerFailure);
  return assembleBackend(plan, instance, memory, pool, exportNames);
}

/**
 * The names of `module`'s function exports in its order: a kernel's position here is the index the workers know it
 * by (they get this list), and the one Runtime looks up on every call (kernelExportIndex).
 */
function functionExportNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((description) => description.kind === 'function')
    .map((description) => description.name);
}

function assembleBackend(
  plan: StartPlan,
  instance: WebAssembly.Instance,
  memory: WebAssembly.Memory,
  pool: ThreadPool,
  exportNames: readonly string[],
): WasmBackend {
  const exports = instance.exports as Record<string, unknown>;
  const kernels = exportNames.map((name) => exports[name] as Kernel);
  const gemmScratchBytes = (exports.GEMM_SCRATCH_BYTES as WebAssembly.Global).value as number;
  const arena = new Arena(memory, (exports.heapBase as () => number)(), plan.maximumBytes);
  const exportIndex = new Map(exportNames.map((name, index) => [name, index]));
  const runtime = new Runtime(arena, kernels, exportIndex, pool, gemmScratchBytes);
  const info: WasmBackendInfo = { features: plan.features, build: plan.build, threads: plan.threads };
  return {
    name: 'wasm',
    info,
    kernels: runtime.kernelTable(),
    allocate: (dtype, size) => runtime.allocate(dtype, size, false),
    allocatePersistent: (dtype, size) => runtime.allocate(dtype, size, true),
    allocateIndices: (size) => runtime.allocateIndices(size),
    openScope: () => runtime.openScope(),
    closeScope: (mark) => runtime.closeScope(mark),
    isScopeTemporary: (data, mark) =>
      arena.contains(data) && data.byteOffset >= mark && !arena.isPersistent(data.byteOffset),
    free: (data) => runtime.free(data),
    releaseTemporary: (data) => runtime.releaseTemporary(data),
    releasePrepared: (data) => runtime.releasePrepared(data),
    allowInPlacePreparation: (data, offload) => runtime.allowInPlacePreparation(data, offload),
    peakBytes: () => arena.peak,
    bytesInUse: () => arena.bytesInUse(),
    activeThreads: () => pool.activeThreads,
    dispose: () => pool.stop(),
  };
}

type Buffer = FloatArray | Int32Array;

/** The params record of kernel `Id`: its last argument. */
type ParamsOf<Id extends KernelId> =
  Parameters<KernelSignatures[Id]> extends [...unknown[], infer Params] ? Params : never;

/**
 * A kernel described once (issue: describe each kernel's binding in a table, not in a closure): the export it runs,
 * its job record layout (jobLayout.ts; left out where the export has the layout's name), the positions of the
 * arguments it writes where WRITTEN_BUFFERS does not list them all, its scalar fields in the layout's
 * order (each written as the layout's i32 or f32), and its work estimate (see PARALLEL_WORK_THRESHOLD) from its
 * params and arguments, and its scratch per thread where its layout has one. Its buffers are its arguments in
 * order, the layout's later buffers 0 (null).
 */
type WasmBinding<Id extends KernelId> = WasmBindingRecord<Id> &
  (
    | { readonly export: ExportName & JobLayoutName; readonly layout?: JobLayoutName }
    | { readonly export: ExportName; readonly layout: JobLayoutName }
  );

/** What every WasmBinding has besides its export and layout. */
interface WasmBindingRecord<Id extends KernelId> {
  /**
   * The arguments it writes (copied back when staged), where they are more than the float buffers
   * WRITTEN_BUFFERS (dispatch.ts) lists for its kernel: MaxPool2D's argmax indices.
   */
  readonly outputs?: readonly number[];
  readonly fields: (params: ParamsOf<Id>) => readonly number[];
  readonly work: (params: ParamsOf<Id>, args: readonly unknown[]) => number;
  /**
   * Scratch bytes each thread needs, given the GEMM's own (GEMM_SCRATCH_BYTES of assembly/gemm.ts); only for a
   * layout with `hasScratch`.
   */
  readonly scratch?: (params: ParamsOf<Id>, gemmScratchBytes: number) => number;
}

/** The length of argument `position` (a buffer) of a kernel call. */
function lengthOf(args: readonly unknown[], position: number): number {
  return (args[position] as Buffer).length;
}

/** Job fields of the pooling kernels from `batch` on (JOB_LAYOUTS.maxPool2d). */
function poolFields(params: Pool2DParams): number[] {
  return [
    params.batch,
    params.inH,
    params.inW,
    params.inC,
    params.outH,
    params.outW,
    params.kH,
    params.kW,
    params.strideH,
    params.strideW,
    params.padTop,
    params.padLeft,
  ];
}

/** Job fields of the average pooling kernels (JOB_LAYOUTS.avgPool2d). */
function avgPoolFields(params: Pool2DParams): number[] {
  return [...poolFields(params), params.countIncludePad === true ? 1 : 0, params.padBottom, params.padRight];
}

/** Job fields of the zero padding kernels (JOB_LAYOUTS.zeroPad2d). */
function padFields(params: ZeroPad2DParams): number[] {
  return [params.batch, params.inH, params.inW, params.inC, params.outH, params.outW, params.padTop, params.padLeft];
}

/** Job fields of the activations with no parameter (JOB_LAYOUTS.activation: they read no alpha or beta). */
function sizeField(params: ElementwiseParams): number[] {
  return [params.size];
}

/** Job fields of the activations with a slope or scale (LeakyRelu, Elu). */
function alphaFields(params: AlphaActivationParams): number[] {
  return [params.size, params.alpha];
}

/** Job fields of HardSigmoid and HardSwish. */
function hardSigmoidFields(params: HardSigmoidParams): number[] {
  return [params.size, params.alpha, params.beta];
}

/** Job fields of Clip and its gradient. */
function clipFields(params: ClipParams): number[] {
  return [params.size, params.min, params.max];
}

/** Job fields of the kernels over a [rows, columns] matrix that read only its size. */
function rowsFields(params: RowsParams): number[] {
  return [params.rows, params.columns];
}

/**
 * The binding of an export over `size` values with the layout of its name; `cost` is its work per value in
 * ELEMENTWISE_WORK units.
 */
function elementwise<Params extends ElementwiseParams, Name extends ExportName>(
  name: Name,
  fields: (params: Params) => readonly number[],
  cost = 1,
) {
  return { export: name, fields, work: (params: Params) => params.size * cost * ELEMENTWISE_WORK } as const;
}

/** As elementwise, for an export over a [rows, columns] matrix: `cost` per value of it. */
function rowwise<Params extends RowsParams, Name extends ExportName>(
  name: Name,
  fields: (params: Params) => readonly number[],
  cost = 1,
) {
  return {
    export: name,
    fields,
    work: (params: Params) => params.rows * params.columns * cost * ELEMENTWISE_WORK,
  } as const;
}

/**
 * The binding of activation export `name` (JOB_LAYOUTS.activation); `cost` is its work per value in ReLU's
 * (WASM_BINDINGS).
 */
function activation<Params extends ElementwiseParams>(
  name: ExportName,
  fields: (params: Params) => number[],
  cost = 1,
) {
  return { ...elementwise(name, fields, cost), layout: 'activation' } as const;
}

/** The binding of an activation's gradient export `name` (JOB_LAYOUTS.activationGrad). */
function activationGrad<Params extends ElementwiseParams>(
  name: ExportName,
  fields: (params: Params) => number[],
  cost = 1,
) {
  return { ...elementwise(name, fields, cost), layout: 'activationGrad' } as const;
}

/**
 * The kernels run from their description. Work per value of the activations is in multiples of ReLU's, from the
 * timings in assembly/activations.ts (ReLU 0.2 ns per value). Every kernel id is here but Conv2D,
 * Conv2DBackpropInput and Conv2DBackpropFilter: those are an algorithm chooser (convolutionAlgorithm; the closures
 * of Runtime.kernelTable) whose every job, whichever export it picks (im2col, Winograd F(2x2) or F(4x4),
 * depthwise), is a record of the one layout JOB_LAYOUTS.conv2d, with scratch sized per call; they take float64
 * data to the reference kernels by the same rule (kernelTableOf).
 */
export const WASM_BINDINGS = {
  Relu: activation('relu', sizeField),
  ReluGrad: activationGrad('reluGrad', sizeField),
  Sigmoid: activation('sigmoid', sizeField, 16),
  SigmoidGrad: activationGrad('sigmoidGrad', sizeField),
  Tanh: activation('tanh', sizeField, 16),
  TanhGrad: activationGrad('tanhGrad', sizeField),
  LeakyRelu: activation('leakyRelu', alphaFields),
  LeakyReluGrad: activationGrad('leakyReluGrad', alphaFields),
  Elu: activation('elu', alphaFields, 8),
  EluGrad: activationGrad('eluGrad', alphaFields, 8),
  Gelu: activation('gelu', sizeField, 16),
  GeluGrad: activationGrad('geluGrad', sizeField, 24),
  Silu: activation('silu', sizeField, 8),
  SiluGrad: activationGrad('siluGrad', sizeField, 12),
  Clip: elementwise('clip', clipFields),
  ClipGrad: elementwise('clipGrad', clipFields),
  HardSigmoid: activation('hardSigmoid', hardSigmoidFields),
  HardSigmoidGrad: activationGrad('hardSigmoidGrad', hardSigmoidFields),
  HardSwish: activation('hardSwish', hardSigmoidFields),
  HardSwishGrad: activationGrad('hardSwishGrad', hardSigmoidFields),
  Add: { ...elementwise('add', sizeField), layout: 'binary' },
  Multiply: { ...elementwise('multiply', sizeField), layout: 'binary' },
  BiasAdd: rowwise('biasAdd', rowsFields),
  BiasAddGrad: rowwise('biasAddGrad', rowsFields),
  CopyColumns: rowwise('copyColumns', (params: CopyColumnsParams) => [
    params.rows,
    params.columns,
    params.sourceStride,
    params.sourceOffset,
    params.destinationStride,
    params.destinationOffset,
  ]),
  MaxPool2D: {
    export: 'maxPool2d',
    // The argmax indices too: WRITTEN_BUFFERS lists the float buffers only.
    outputs: [1, 2],
    fields: poolFields,
    work: (params, args) => lengthOf(args, 1) * params.kH * params.kW * ELEMENTWISE_WORK,
  },
  MaxPool2DBackprop: {
    export: 'maxPool2dBackprop',
    fields: poolFields,
    work: (_params, args) => lengthOf(args, 2) * ELEMENTWISE_WORK,
  },
  AvgPool2D: {
    export: 'avgPool2d',
    fields: avgPoolFields,
    work: (params, args) => lengthOf(args, 1) * params.kH * params.kW * ELEMENTWISE_WORK,
  },
  AvgPool2DBackprop: {
    export: 'avgPool2dBackprop',
    layout: 'avgPool2d',
    fields: avgPoolFields,
    work: (params, args) => {
      const overlap = Math.ceil(params.kH / params.strideH) * Math.ceil(params.kW / params.strideW);
      return lengthOf(args, 1) * overlap * ELEMENTWISE_WORK;
    },
  },
  ZeroPad2D: {
    export: 'zeroPad2d',
    fields: padFields,
    work: (_params, args) => lengthOf(args, 1) * ELEMENTWISE_WORK,
  },
  ZeroPad2DBackprop: {
    export: 'zeroPad2dBackprop',
    layout: 'zeroPad2d',
    fields: padFields,
    work: (_params, args) => lengthOf(args, 1) * ELEMENTWISE_WORK,
  },
  Pow: elementwise('pow', (params: PowParams) => [params.size, params.exponent]),
  PowGrad: elementwise('powGrad', (params: PowParams) => [params.size, params.exponent]),
  Softmax: rowwise('softmax', rowsFields, 16),
  SoftmaxGrad: rowwise('softmaxGrad', rowsFields),
  SoftmaxCrossEntropy: rowwise(
    'softmaxCrossEntropy',
    (params: SoftmaxCrossEntropyParams) => [params.rows, params.columns, params.labelSmoothing ?? 0],
    16,
  ),
  SoftmaxCrossEntropyGrad: rowwise('softmaxCrossEntropyGrad', (params: SoftmaxCrossEntropyGradParams) => [
    params.rows,
    params.columns,
    params.scale,
    params.labelSmoothing ?? 0,
  ]),
  Dropout: elementwise('dropout', (params: DropoutParams) => [
    params.size,
    lowbias32(params.seed) | 0,
    dropoutThreshold(params.rate) | 0,
    1 / (1 - params.rate),
  ]),
  ChannelShuffle: {
    export: 'channelShuffle',
    fields: (params) => [params.rows, params.groups, params.groupSize],
    work: (params) => params.rows * params.groups * params.groupSize * ELEMENTWISE_WORK,
  },
  BatchNormStats: rowwise('batchNormStats', rowsFields, 2),
  BatchNorm: rowwise('batchNorm', rowsFields),
  BatchNormGrad: rowwise(
    'batchNormGrad',
    (params: BatchNormGradParams) => [params.rows, params.columns, params.epsilon, params.isThroughStatistics ? 1 : 0],
    4,
  ),
  LayerNorm: rowwise('layerNorm', (params: LayerNormParams) => [params.rows, params.columns, params.epsilon], 3),
  LayerNormGrad: rowwise('layerNormGrad', rowsFields, 5),
  SgdUpdate: elementwise(
    'sgdUpdate',
    (params: SgdUpdateParams) => [
      params.size,
      params.learningRate,
      params.momentum,
      params.isNesterov ? 1 : 0,
      params.weightDecay,
    ],
    4,
  ),
  AdamUpdate: elementwise(
    'adamUpdate',
    (params: AdamUpdateParams) => [
      params.size,
      params.learningRate,
      params.beta1,
      params.beta2,
      params.epsilon,
      1 - params.beta1 ** params.step,
      1 - params.beta2 ** params.step,
      params.weightDecay,
      params.decoupledWeightDecay ?? 0,
    ],
    8,
  ),
  // The momentum and gradient-average buffers come null where unused (the kernel also reads neither then).
  RmsPropUpdate: elementwise(
    'rmsPropUpdate',
    (params: RmsPropUpdateParams) => [
      params.size,
      params.learningRate,
      params.rho,
      params.epsilon,
      params.momentum,
      params.isCentered ? 1 : 0,
      params.weightDecay,
    ],
    8,
  ),
  AdagradUpdate: elementwise(
    'adagradUpdate',
    (params: AdagradUpdateParams) => [params.size, params.learningRate, params.epsilon, params.weightDecay],
    4,
  ),
  // No work (cost 0): it runs on one thread, so its sum has one order for any thread count.
  SumOfSquares: elementwise('sumOfSquares', sizeField, 0),
  ClipGradient: elementwise('clipGradient', (params: ClipGradientParams) => [
    params.size,
    params.scale,
    params.clipValue,
  ]),
  BroadcastArithmetic: {
    export: 'broadcastArithmetic',
    fields: (params) => [
      ARITHMETIC_OPERATIONS.indexOf(params.operation),
      ...params.shape,
      ...params.aStrides,
      ...params.bStrides,
    ],
    work: (_params, args) => lengthOf(args, 2) * ELEMENTWISE_WORK,
  },
  ReduceSumTo: {
    export: 'reduceSumTo',
    // Threads split the output's columns where rows add into rows (assembly/broadcast.ts).
    fields: (params) => [...params.shape, ...params.outStrides],
    work: (_params, args) => lengthOf(args, 0) * ELEMENTWISE_WORK,
  },
  MatMul: {
    export: 'matMul',
    fields: (params) => [params.m, params.k, params.n, params.transposeA ? 1 : 0, params.transposeB ? 1 : 0],
    work: (params) => params.m * params.n * params.k,
    // B transposed is copied untransposed first.
    scratch: (params, gemmScratchBytes) => gemmScratchBytes + (params.transposeB ? (params.k * params.n + 8) * 4 : 0),
  },
  Resize2D: {
    export: 'resize2d',
    fields: resizeFields,
    work: (_params, args) => lengthOf(args, 1) * 4 * ELEMENTWISE_WORK,
    scratch: (params) => (params.outW + 1) * 12,
  },
  Resize2DBackprop: {
    export: 'resize2dBackprop',
    layout: 'resize2d',
    fields: resizeFields,
    work: (_params, args) => lengthOf(args, 0) * 4 * ELEMENTWISE_WORK,
    scratch: (params) => (params.outW + 1) * 12,
  },
} as const satisfies { readonly [Id in KernelId]?: WasmBinding<Id> };

/** The kernel ids WASM_BINDINGS describes. */
type BoundKernelId = keyof typeof WASM_BINDINGS;

/** The convolutions: they choose an algorithm and with it an export and scratch per call (Runtime.kernelTable). */
type CustomKernelTable = { [Id in Exclude<KernelId, BoundKernelId>]: KernelSignatures[Id] };

/** A WasmBinding ready to run: its export's index, and per buffer and field what the record writer needs. */
interface CompiledBinding {
  readonly exportIndex: number;
  readonly bufferCount: number;
  /** Per buffer of the layout: whether the kernel writes it (copied back when staged). */
  readonly isOutput: readonly boolean[];
  /** Per scalar field of the layout: whether it is an f32. */
  readonly isFloat: readonly boolean[];
  readonly fields: (params: unknown) => readonly number[];
  readonly work: (params: unknown, args: readonly unknown[]) => number;
  /** Scratch bytes per thread (WasmBinding.scratch), or null where the layout has no scratch fields. */
  readonly scratch: ((params: unknown, gemmScratchBytes: number) => number) | null;
}

/** The job record layout of `binding`: the one it names, else the one named as its export. */
export function layoutOf(binding: WasmBinding<KernelId>): JobLayoutName {
  return binding.layout ?? (binding.export as JobLayoutName);
}

/** The binding of kernel `id` with its layout, export (its index in `exportIndex`) and outputs looked up once. */
function compileBinding(
  id: KernelId,
  binding: WasmBinding<KernelId>,
  exportIndex: ReadonlyMap<string, number>,
): CompiledBinding {
  const outputs = binding.outputs ?? WRITTEN_BUFFERS[id];
  // The layout's buffer count, `s` where it has scratch, then i or f per field, runs as 'i12'
  // (tools/generateJobFields.mjs).
  const shape = JOB_SHAPES[layoutOf(binding)];
  const bufferCount = Number(shape[0]);
  const hasScratch = shape[1] === 's';
  const fieldTypes = shape.slice(hasScratch ? 2 : 1).replace(/([if])(\d+)/g, (_, type, count) => type.repeat(count));
  return {
    exportIndex: exportIndex.get(binding.export)!,
    bufferCount,
    isOutput: Array.from({ length: bufferCount }, (_, position) => outputs.includes(position)),
    isFloat: [...fieldTypes].map((type) => type === 'f'),
    fields: binding.fields as (params: unknown) => readonly number[],
    work: binding.work as (params: unknown, args: readonly unknown[]) => number,
    scratch: hasScratch
      ? ((binding.scratch ?? (() => 0)) as (params: unknown, gemmScratchBytes: number) => number)
      : null,
  };
}

/**
 * The whole kernel table: the described kernels (run by `runtime`) and the custom ones, behind one rule for float64
 * data (gradient checks): a call with any Float64Array argument runs the reference kernel, since the SIMD kernels
 * are float32 only.
 */
function kernelTableOf(custom: CustomKernelTable, runtime: Runtime): KernelTable {
  const table: Partial<Record<KernelId, unknown>> = {};
  // Every id, from the reference table (complete by its type), so a bundle need not carry KERNEL_IDS too.
  for (const id of Object.keys(referenceBackend.kernels) as KernelId[]) {
    const reference = referenceBackend.kernels[id] as (...args: unknown[]) => void;
    const described = (WASM_BINDINGS as { readonly [Id in KernelId]?: WasmBinding<KernelId> })[id];
    if (described !== undefined) {
      const binding = compileBinding(id, described, runtime.exportIndex);
      // The check written out here, and runBinding called on the runtime, not through a closure: with a closure and
      // hasFloat64 a small kernel's call took about 10 ns more (Relu on 64 values, 0.19 against 0.20 us, in-process
      // interleaved rounds of process CPU time).
      table[id] = (...args: unknown[]) => {
        for (let index = 0; index < args.length; index++) {
          if (args[index] instanceof Float64Array) return reference(...args);
        }
        runtime.runBinding(binding, args);
      };
    } else {
      const kernel = custom[id as Exclude<KernelId, BoundKernelId>] as (...args: unknown[]) => void;
      table[id] = (...args: unknown[]) => (hasFloat64(args) ? reference(...args) : kernel(...args));
    }
  }
  return table as KernelTable;
}

/** Whether any argument is a Float64Array. */
function hasFloat64(args: readonly unknown[]): boolean {
  for (const arg of args) if (arg instanceof Float64Array) return true;
  return false;
}

/**
 * A constant filter in the form the conv2d kernel reads without packing (assembly/gemm.ts packStrips), and its bias.
 */
interface PreparedFilter {
  packed: Float32Array;
  bias: Float32Array | null;
  /** The bias array `bias` holds a copy of (a call with another copies that one in). */
  biasSource: FloatArray | null;
  depth: number;
  outC: number;
}

/**
 * A constant filter packed into its own block (Runtime.allowInPlacePreparation): `prepared.packed` is a second
 * view of the filter array's block, and `values` the copy unpacked from it once asked for (null until then).
 */
interface DetachedFilter {
  /** The filter array (kept alive with its block while its owner may still unpack it). */
  filter: Float32Array;
  prepared: PreparedFilter;
  values: Float32Array | null;
}

/**
 * Unpacks gemm.ts's packStrips form: values[p * outC + c] = packed[(s * depth + p) * 8 + j] for c = 8s + j, the
 * inverse of its packing, so the values come back bit for bit.
 * packed  packStrips([depth, outC]), packedStripsFloats(depth, outC) floats
 * values  [depth, outC] (the filter [kH, kW, inC, outC] flattened)
 */
function unpackStrips(packed: Float32Array, depth: number, outC: number, values: Float32Array): void {
  for (let column = 0; column < outC; column++) {
    const strip = column >> 3;
    const lane = column & 7;
    for (let row = 0; row < depth; row++) values[row * outC + column] = packed[(strip * depth + row) * 8 + lane]!;
  }
}

/** Floats of gemm.ts's packStrips form of a [depth, outC] matrix: whole strips of 8 columns. */
function packedStripsFloats(depth: number, outC: number): number {
  return Math.ceil(outC / 8) * 8 * depth;
}

class Runtime {
  private readonly jobPointer: number;
  /**
   * Frees a persistent buffer once its view is garbage collected: weights and optimizer state of
   * models that are gone (a page that builds model after model would otherwise run out of memory).
   * Only the view the backend handed out is watched: code must not keep a second view (subarray)
   * of a persistent buffer longer than the first.
   */
  private readonly persistentOwners = new FinalizationRegistry<number>((offset) => this.arena.freePersistent(offset));
  /** The block offset of each view the backend handed out as persistent, so dispose() can free it at once. */
  private readonly persistentOffsets = new WeakMap<ArrayBufferView, number>();
  /**
   * Constant filters (Conv2DParams.isConstantFilter) in the Winograd kernels' packed layout, per tile
   * position count (16: F(2x2), 36: F(4x4)), in persistent memory that goes with the filter array.
   */
  private readonly winogradFilters = new WeakMap<FloatArray, Map<number, Float32Array>>();
  /** Copies in the memory of constant arrays (a constant filter's bias) that live on the JavaScript heap. */
  private readonly residentConstants = new WeakMap<FloatArray, Float32Array>();
  /** Scopes open now: outside any, op outputs go to the JavaScript heap. */
  private scopeDepth = 0;
  /** Each open scope's mark and number, innermost last: temporaries reuse holes above the innermost mark. */
  private readonly scopes: { mark: number; id: number }[] = [];
  private scopesOpened = 0;
  /** Each temporary view handed out inside a scope: its bytes and its scope's number (see releaseTemporary). */
  private readonly temporaries = new WeakMap<ArrayBufferView, { bytes: number; scope: number }>();
  /**
   * Constant filters (Conv2DParams.isConstantFilter) packed once, keyed by the filter array: an entry
   * lives as long as its filter, and its persistent blocks are freed once the entry is collected.
   */
  private readonly preparedFilters = new WeakMap<FloatArray, PreparedFilter>();
  /**
   * Constant filters packed into their own blocks (allowInPlacePreparation), keyed by the filter array, which
   * stays the key of its prepared forms; such an array given to a kernel is read from `values` (pointerOf).
   */
  private readonly detachedFilters = new WeakMap<ArrayBufferView, DetachedFilter>();
  /** Constant filters whose owners allow packing them in place, with what to call when that is done. */
  private readonly inPlaceOwners = new WeakMap<ArrayBufferView, (restore: () => FloatArray) => void>();
  /** Views of the job record, made once: shared memory never detaches, unshared memory never grows. */
  private readonly jobInts: Int32Array;
  private readonly jobFloats: Float32Array;

  constructor(
    private readonly arena: Arena,
    private readonly kernels: Kernel[],
    /** Each export's position in `kernels` (the index workers know it by), looked up on every kernel call. */
    readonly exportIndex: ReadonlyMap<string, number>,
    private readonly pool: ThreadPool,
    private readonly gemmScratchBytes: number,
  ) {
    this.jobPointer = arena.allocatePersistent(JOB_FIELDS * 4);
    this.jobInts = new Int32Array(arena.buffer, this.jobPointer, JOB_FIELDS);
    this.jobFloats = new Float32Array(arena.buffer, this.jobPointer, JOB_FIELDS);
  }

  openScope(): number {
    this.scopeDepth++;
    const mark = this.arena.mark();
    this.scopes.push({ mark, id: ++this.scopesOpened });
    return mark;
  }

  closeScope(mark: number): void {
    this.scopeDepth--;
    this.scopes.pop();
    this.arena.release(mark);
  }

  /**
   * Gives a scope temporary's memory back before its scope ends, for later temporaries of that scope
   * to reuse (the backward pass frees each gradient once used: see autograd/tape.ts). Only a view
   * this backend handed out, whose scope is still open, is freed; anything else is left alone.
   */
  releaseTemporary(view: ArrayBufferView): void {
    const temporary = this.temporaries.get(view);
    if (temporary === undefined) return;
    this.temporaries.delete(view);
    if (!this.scopes.some((scope) => scope.id === temporary.scope)) return;
    this.arena.freeTemporary(view.byteOffset, temporary.bytes);
  }

  /**
   * Float32 storage: inside a scope, from the scope's stack; a persistent block (zero-filled) when
   * asked; outside any scope (an op output kept for good on the stack: 200 conv2d + relu calls held
   * 612 MB that never came back) an ordinary array on the JavaScript heap, which the garbage
   * collector sees and frees like any other (kernels copy it in and out around a call), so the
   * WebAssembly memory holds only weights, optimizer state and scope temporaries.
   */
  allocate(dtype: DType, size: number, isPersistent: boolean): FloatArray {
    if (dtype === 'float64' || (!isPersistent && this.scopeDepth === 0)) return allocateArray(dtype, size);
    const bytes = Math.max(size, 1) * 4;
    // Allocate first: it may grow the memory, and only the buffer read after that covers the block.
    if (!isPersistent) {
      const scope = this.scopes[this.scopes.length - 1]!;
      const offset = this.arena.allocateReusing(bytes, scope.mark);
      const view = new Float32Array(this.arena.buffer, offset, size);
      this.temporaries.set(view, { bytes, scope: scope.id });
      return view;
    }
    const offset = this.arena.allocatePersistent(bytes);
    const view = new Float32Array(this.arena.buffer, offset, size);
    // The stack reuses memory: persistent buffers are promised zero-filled, temporaries are not.
    view.fill(0);
    this.persistentOwners.register(view, offset, view);
    this.persistentOffsets.set(view, offset);
    return view;
  }

  /** Index storage (max-pool argmax): the scope's stack, or the JavaScript heap outside any scope. */
  allocateIndices(size: number): Int32Array {
    if (this.scopeDepth === 0) return new Int32Array(size);
    const offset = this.arena.allocate(Math.max(size, 1) * 4);
    return new Int32Array(this.arena.buffer, offset, size);
  }

  /** Frees a persistent block now, given the view handed out for it; anything else is left alone. */
  free(view: ArrayBufferView): void {
    this.releasePrepared(view);
    this.freeBlock(view);
  }

  /** Frees the persistent block of a view the backend handed out, and nothing it prepared from it. */
  private freeBlock(view: ArrayBufferView): void {
    const offset = this.persistentOffsets.get(view);
    if (offset === undefined) return;
    this.persistentOffsets.delete(view);
    this.persistentOwners.unregister(view);
    this.arena.freePersistent(offset);
  }

  /**
   * Frees at once what the backend keeps for a constant array (its packed GEMM or Winograd forms, its
   * resident copy) when the array itself is freed: an inference plan that is replaced frees its folded
   * filters, and their prepared forms (four times a 3x3 filter for F(4x4)) must not wait for the collector;
   * and when an array's owner changes its values (a plan that borrowed a layer's weights is replaced).
   */
  releasePrepared(array: ArrayBufferView): void {
    const key = array as FloatArray;
    this.inPlaceOwners.delete(key);
    // A filter packed in place is unpacked before its block goes: its owner may not have read the values yet.
    const detached = this.detachedFilters.get(key);
    if (detached !== undefined) {
      this.detachedValues(detached);
      this.detachedFilters.delete(key);
    }
    const prepared = this.preparedFilters.get(key);
    if (prepared !== undefined) {
      this.preparedFilters.delete(key);
      this.free(prepared.packed);
      if (prepared.bias !== null) this.free(prepared.bias);
    }
    const forms = this.winogradFilters.get(key);
    if (forms !== undefined) {
      this.winogradFilters.delete(key);
      for (const packed of forms.values()) this.free(packed);
    }
    const copy = this.residentConstants.get(key);
    if (copy !== undefined) {
      this.residentConstants.delete(key);
      this.free(copy);
    }
    // Packed in place: the array's own block held the packed form, gone now (its values were unpacked above).
    if (detached !== undefined) this.freeBlock(key);
  }

  /**
   * Records that the owner of a constant filter (a persistent block of this memory) lets preparedFilter pack it
   * into its own block, so that inference keeps one copy of it (ResNet-50: 66 MB of its 97 MB of weights are
   * 1x1, stride-2 and dense filters, which the GEMM reads packed). Arrays of other memory are left alone.
   */
  allowInPlacePreparation(array: FloatArray, offload: (restore: () => FloatArray) => void): void {
    if (this.persistentOffsets.has(array) && !this.detachedFilters.has(array)) this.inPlaceOwners.set(array, offload);
  }

  /**
   * Packs a constant filter [depth, outC] (outC a multiple of 8: the packed form is as long) into its own
   * block, from a copy on the stack, and hands its owner what unpacks the values again (allowInPlacePreparation).
   */
  private packInPlace(
    filter: Float32Array,
    depth: number,
    outC: number,
    offload: (restore: () => FloatArray) => void,
  ): PreparedFilter {
    const mark = this.arena.mark();
    try {
      const offset = this.arena.allocate(filter.byteLength);
      const copy = new Float32Array(this.arena.buffer, offset, filter.length);
      copy.set(filter);
      this.invoke('packFilterStrips', [copy, filter], [], [depth, outC], 0);
    } finally {
      this.arena.release(mark);
    }
    this.inPlaceOwners.delete(filter);
    // A second view of the block: pointerOf reads the filter array itself from its unpacked values.
    const packed = new Float32Array(filter.buffer, filter.byteOffset, filter.length);
    const prepared: PreparedFilter = { packed, bias: null, biasSource: null, depth, outC };
    const detached: DetachedFilter = { filter, prepared, values: null };
    this.detachedFilters.set(filter, detached);
    offload(() => this.detachedValues(detached));
    return prepared;
  }

  /** A detached filter's values, unpacked from its packed form into a persistent block on first use. */
  private detachedValues(detached: DetachedFilter): Float32Array {
    if (detached.values === null) {
      const { packed, depth, outC } = detached.prepared;
      const values = this.allocate('float32', depth * outC, true) as Float32Array;
      unpackStrips(packed, depth, outC, values);
      detached.values = values;
    }
    return detached.values;
  }

  /**
   * The packed Winograd form of a constant 3x3 filter [3, 3, inC, outC] (assembly/winograd4.ts,
   * conv2dWinogradPrepare), made on first use and kept while the filter array lives: the caller promised
   * the array never changes, so each call skips the filter transform (and the copy of the filter).
   */
  private preparedWinogradFilter(
    filter: FloatArray,
    params: Conv2DParams,
    algorithm: ConvolutionAlgorithm,
  ): Float32Array {
    const positions = winogradPositions(algorithm);
    let forms = this.winogradFilters.get(filter);
    if (forms === undefined) {
      forms = new Map();
      this.winogradFilters.set(filter, forms);
    }
    let packed = forms.get(positions);
    if (packed === undefined) {
      packed = this.allocate(
        'float32',
        positions * packedWinogradFilterFloats(params.inC, params.outC),
        true,
      ) as Float32Array;
      const geometry = [params.batch, params.inH, params.inW, params.inC, params.outH, params.outW, params.outC];
      const work = positions * params.inC * params.outC * 4;
      const fields = [positions, ...geometry, ...UNUSED_PREPARE_FIELDS, 0];
      this.invoke('conv2dWinogradPrepare', [filter, packed, null, null], [], fields, work, 64 * 16);
      forms.set(positions, packed);
    }
    return packed;
  }

  /**
   * The packed polyphase form of a constant 7x7 filter (packPolyphaseFilter), made on first use and kept while the
   * filter array lives, beside its other Winograd forms (under the key POLYPHASE_FORM).
   */
  private preparedPolyphaseFilter(filter: FloatArray, phase: Conv2DParams): Float32Array {
    let forms = this.winogradFilters.get(filter);
    if (forms === undefined) {
      forms = new Map();
      this.winogradFilters.set(filter, forms);
    }
    let packed = forms.get(POLYPHASE_FORM);
    if (packed === undefined) {
      packed = this.allocate('float32', 64 * packedWinogradFilterFloats(phase.inC, phase.outC), true) as Float32Array;
      this.packPolyphaseFilter(filter, phase, packed);
      forms.set(POLYPHASE_FORM, packed);
    }
    return packed;
  }

  /**
   * Packs a filter [kH, kW, inC, outC] for conv2dWinogradPolyphase into `packed` (64 x packedWinogradFilterFloats(4 inC,
   * outC)): assembly/winogradPolyphase.ts, conv2dWinogradPolyphasePrepare; `phase` is polyphaseParams's geometry.
   */
  private packPolyphaseFilter(filter: Buffer, phase: Conv2DParams, packed: Float32Array): void {
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = phase;
    const fields = [64, batch, inH, inW, inC, outH, outW, outC, kH, kW];
    this.invoke(
      'conv2dWinogradPolyphasePrepare',
      [filter, packed, null, null],
      [],
      fields,
      64 * inC * outC * 4,
      36 * 16,
    );
  }

  /**
   * Runs `pass` with the phase image of `input` (spaceToDepth2, `phase` its geometry: polyphaseParams) and, where
   * `hasFilterBlock`, a block for a packed polyphase filter (packPolyphaseFilter): temporaries of the memory.
   */
  private withPhaseImage(
    input: Buffer,
    params: Conv2DParams,
    phase: Conv2DParams,
    hasFilterBlock: boolean,
    pass: (phaseImage: Float32Array, filterBlock: Float32Array | null) => void,
  ): void {
    const floats = phase.batch * phase.inH * phase.inW * phase.inC;
    const filterFloats = hasFilterBlock ? 64 * packedWinogradFilterFloats(phase.inC, params.outC) : 0;
    const mark = this.arena.mark();
    try {
      // Allocate both first: either may grow the memory, and only the buffer read after that covers them.
      const offset = this.arena.allocate(floats * 4);
      const filterOffset = hasFilterBlock ? this.arena.allocate(filterFloats * 4) : 0;
      const phaseImage = new Float32Array(this.arena.buffer, offset, floats);
      const filterBlock = hasFilterBlock ? new Float32Array(this.arena.buffer, filterOffset, filterFloats) : null;
      const fields = [
        params.batch,
        params.inH,
        params.inW,
        params.inC,
        phase.inH,
        phase.inW,
        params.padTop,
        params.padLeft,
      ];
      this.invoke('spaceToDepth2', [input, phaseImage], [], fields, floats * ELEMENTWISE_WORK);
      pass(phaseImage, filterBlock);
    } finally {
      this.arena.release(mark);
    }
  }

  /**
   * Runs `pass` with `input` [batch, inH, inW, inC] widened to WIDENED_CHANNELS channels (isWidenedToWinograd), the
   * params of that convolution and a block for its filter [kH, kW, WIDENED_CHANNELS, outC] or filter gradient, both
   * temporaries of the memory.
   */
  private withWidened(
    input: Buffer,
    params: Conv2DParams,
    pass: (widenedInput: Float32Array, wideFilter: Float32Array, widened: Conv2DParams) => void,
  ): void {
    const pixels = params.batch * params.inH * params.inW;
    const filterFloats = params.kH * params.kW * WIDENED_CHANNELS * params.outC;
    const mark = this.arena.mark();
    try {
      // Allocate both first: either may grow the memory, and only the buffer read after that covers them.
      const inputOffset = this.arena.allocate(pixels * WIDENED_CHANNELS * 4);
      const filterOffset = this.arena.allocate(filterFloats * 4);
      const widenedInput = new Float32Array(this.arena.buffer, inputOffset, pixels * WIDENED_CHANNELS);
      this.invoke('widenChannels', [input, widenedInput], [], [pixels, params.inC], pixels * ELEMENTWISE_WORK);
      const wideFilter = new Float32Array(this.arena.buffer, filterOffset, filterFloats);
      pass(widenedInput, wideFilter, { ...params, inC: WIDENED_CHANNELS });
    } finally {
      this.arena.release(mark);
    }
  }

  /**
   * Runs `pass` with `filter` [3, 3, inC, outC] (of the forward convolution) in the packed Winograd form of
   * `geometry` (the gradient pass's for an input gradient), transformed for this call by all threads at once
   * (conv2dWinogradPrepare) into a temporary block that is freed when `pass` returns. For passes whose threads
   * split the tiles: each thread of an unprepared pass transforms the whole filter itself, so on 2 threads
   * ResNet-18's 14x14x256 layers at batch 16 transformed 2 x 65,536 filters (and wrote 2 x 9.4 MB) a call.
   * The packed form is the one the pass makes itself, so its values do not change. Measured on ResNet-18's
   * fine-tuning step at batch 16, 2 threads, process CPU time (medians of 3 steps, two alternations with the
   * build before, on the loaded machine): all Conv2D calls 686 -> 647 ms, all Conv2DBackpropInput 580 -> 546.
   */
  private withSharedWinogradFilter(
    filter: FloatArray,
    geometry: Conv2DParams,
    algorithm: ConvolutionAlgorithm,
    isBackpropInput: boolean,
    pass: (shared: Float32Array) => void,
  ): void {
    const positions = winogradPositions(algorithm);
    const floats = positions * packedWinogradFilterFloats(geometry.inC, geometry.outC);
    const mark = this.arena.mark();
    try {
      // Allocate first: it may grow the memory, and only the buffer read after that covers the block.
      const offset = this.arena.allocate(floats * 4);
      const shared = new Float32Array(this.arena.buffer, offset, floats);
      const fields = [
        positions,
        geometry.batch,
        geometry.inH,
        geometry.inW,
        geometry.inC,
        geometry.outH,
        geometry.outW,
        geometry.outC,
        ...UNUSED_PREPARE_FIELDS,
        isBackpropInput ? 1 : 0,
      ];
      const work = positions * geometry.inC * geometry.outC * 4;
      this.invoke('conv2dWinogradPrepare', [filter, shared, null, null], [], fields, work, 64 * 16);
      pass(shared);
    } finally {
      this.arena.release(mark);
    }
  }

  /**
   * `array` itself where it lives in the memory; otherwise a copy there, made once (the caller promised it never
   * changes).
   */
  private residentConstant(array: FloatArray): FloatArray {
    if (this.arena.contains(array)) return array;
    let copy = this.residentConstants.get(array);
    if (copy === undefined) {
      copy = this.allocate('float32', array.length, true) as Float32Array;
      copy.set(array);
      this.residentConstants.set(array, copy);
    }
    return copy;
  }

  /**
   * Runs `name` with `buffers` as the first job fields (copying in those outside the memory and
   * copying back those marked as outputs), then `fields` after them, on up to all threads.
   */
  private invoke(
    name: ExportName,
    buffers: readonly (Buffer | null)[],
    outputs: readonly Buffer[],
    fields: readonly (number | FloatField | BufferField)[],
    work: number,
    scratchPerThread = 0,
  ): void {
    const mark = this.arena.mark();
    try {
      const ints = this.jobInts;
      const floats = this.jobFloats;
      const copies: [Buffer, number][] = [];
      buffers.forEach((buffer, index) => {
        ints[index] = buffer === null ? 0 : this.pointerOf(buffer, outputs.includes(buffer) ? copies : null);
      });
      const threadCount = this.threadsFor(work);
      let field = buffers.length;
      if (scratchPerThread > 0) {
        const perThread = Math.ceil(scratchPerThread / 64) * 64;
        ints[field++] = this.arena.allocate(perThread * threadCount);
        ints[field++] = perThread;
      }
      for (const value of fields) {
        if (value instanceof FloatField) floats[field++] = value.value;
        else if (value instanceof BufferField)
          ints[field++] = value.buffer === null ? 0 : this.pointerOf(value.buffer, null);
        else ints[field++] = value;
      }
      this.runJob(this.exportIndex.get(name)!, threadCount, copies);
    } finally {
      this.arena.release(mark);
    }
  }

  /**
   * Runs a kernel from its description (WASM_BINDINGS): its arguments in order as the layout's buffers (copying in
   * those outside the memory, and back those it writes), the layout's later buffers 0, its threads' scratch where
   * the layout has one, then its fields typed by the layout, on up to all threads.
   */
  runBinding(binding: CompiledBinding, args: readonly unknown[]): void {
    const mark = this.arena.mark();
    try {
      const ints = this.jobInts;
      const floats = this.jobFloats;
      const copies: [Buffer, number][] = [];
      const bufferArguments = args.length - 1;
      const params = args[bufferArguments];
      for (let index = 0; index < binding.bufferCount; index++) {
        const buffer = index < bufferArguments ? (args[index] as Buffer | null) : null;
        ints[index] = buffer === null ? 0 : this.pointerOf(buffer, binding.isOutput[index] ? copies : null);
      }
      const threadCount = this.threadsFor(binding.work(params, args));
      let first = binding.bufferCount;
      if (binding.scratch !== null) {
        const perThread = Math.ceil(binding.scratch(params, this.gemmScratchBytes) / 64) * 64;
        ints[first++] = this.arena.allocate(perThread * threadCount);
        ints[first++] = perThread;
      }
      const fields = binding.fields(params);
      for (let index = 0; index < fields.length; index++) {
        if (binding.isFloat[index]) floats[first + index] = fields[index]!;
        else ints[first + index] = fields[index]!;
      }
      this.runJob(binding.exportIndex, threadCount, copies);
    } finally {
      this.arena.release(mark);
    }
  }

  /** Runs export `exportIndex` on the job record as written, then copies back the outputs staged in `copies`. */
  private runJob(exportIndex: number, threadCount: number, copies: readonly [Buffer, number][]): void {
    const kernel = this.kernels[exportIndex]!;
    this.pool.run(exportIndex, this.jobPointer, threadCount, (share) => kernel(this.jobPointer, share, threadCount));
    for (const [original, offset] of copies) {
      original.set(
        new (original.constructor as Float32ArrayConstructor)(
          this.arena.buffer,
          offset,
          original.length,
        ) as unknown as FloatArray & Int32Array,
      );
    }
  }

  /**
   * The prepared form of a constant filter [depth, outC] (one group) and its bias: packed on the first
   * call, then reused while the filter array lives and is called with the same shape. A call with
   * another bias array copies that one in (outC floats) and keeps the packed filter.
   */
  private preparedFilter(filter: FloatArray, bias: FloatArray | null, depth: number, outC: number): PreparedFilter {
    let prepared = this.preparedFilters.get(filter);
    if (prepared !== undefined && (prepared.depth !== depth || prepared.outC !== outC)) {
      const detached = this.detachedFilters.get(filter);
      // Packed in place: the values are unpacked (they are read from there now) and the block stays, as the key's.
      if (detached !== undefined) this.detachedValues(detached);
      else this.free(prepared.packed);
      if (prepared.bias !== null) this.free(prepared.bias);
      prepared = undefined;
    }
    if (prepared === undefined) {
      const offload = this.inPlaceOwners.get(filter);
      if (offload !== undefined && packedStripsFloats(depth, outC) === filter.length) {
        prepared = this.packInPlace(filter as Float32Array, depth, outC, offload);
      } else {
        const packed = this.allocate('float32', packedStripsFloats(depth, outC), true) as Float32Array;
        this.invoke('packFilterStrips', [filter, packed], [], [depth, outC], 0);
        prepared = { packed, bias: null, biasSource: null, depth, outC };
      }
      this.preparedFilters.set(filter, prepared);
    }
    if (prepared.biasSource !== bias) {
      if (bias !== null) {
        prepared.bias ??= this.allocate('float32', outC, true) as Float32Array;
        prepared.bias.set(bias);
      }
      prepared.biasSource = bias;
    }
    return prepared;
  }

  /** Threads a kernel call with `work` multiply-adds runs on (see PARALLEL_WORK_THRESHOLD). */
  private threadsFor(work: number): number {
    return work < PARALLEL_WORK_THRESHOLD ? 1 : this.pool.activeThreads;
  }

  /** The byte offset of `buffer` in the memory, copying it in first when it lives elsewhere. */
  private pointerOf(buffer: Buffer, copies: [Buffer, number][] | null): number {
    const detached = this.detachedFilters.get(buffer);
    if (detached !== undefined) return this.detachedValues(detached).byteOffset;
    if (this.arena.contains(buffer)) return buffer.byteOffset;
    const offset = this.arena.allocate(buffer.byteLength);
    const staged = new (buffer.constructor as Float32ArrayConstructor)(this.arena.buffer, offset, buffer.length);
    staged.set(buffer as Float32Array);
    copies?.push([buffer, offset]);
    return offset;
  }

  kernelTable(): KernelTable {
    const convFields = (params: Conv2DParams, panelRows: number) => [
      panelRows,
      params.batch,
      params.inH,
      params.inW,
      params.inC,
      params.outH,
      params.outW,
      params.outC,
      params.kH,
      params.kW,
      params.strideH,
      params.strideW,
      params.padTop,
      params.padLeft,
    ];
    // Fields 6-24 of the im2col and direct kernels (conv2d.ts): the geometry, the variant (20; 1 for a flipped
    // filter), 0, then the dilations and groups.
    const im2colFields = (params: Conv2DParams, panelRows: number, variant = 0) => [
      ...convFields(params, panelRows),
      variant,
      0,
      params.dilationH ?? 1,
      params.dilationW ?? 1,
      params.groups ?? 1,
    ];
    // The im2col kernels keep a 16-byte record of the channel slice before their panel.
    const sliceBytes = 16;
    const panelRowsFor = (depth: number, panelFloats = PANEL_FLOATS) =>
      Math.min(1024, Math.max(4, Math.floor(panelFloats / depth / 4) * 4));
    const gemmScratch = this.gemmScratchBytes;
    // The forward kernels' scratch (assembly/winograd.ts): a 4x8 tile, four 6x6 blocks of vectors
    // (winograd4.ts transforms 4 tiles at a time; stride 2's 4-output tiles STRIDE2_TILE4_BLOCKS_BYTES), the packed
    // filter unless prepared, and the
    // transformed inputs and products of one chunk of tiles.
    const winogradScratch = (
      inC: number,
      outC: number,
      algorithm: ConvolutionAlgorithm,
      isPrepared: boolean,
      tiles: number,
      minimumChunkTiles = 4,
    ) => {
      const positions = winogradPositions(algorithm);
      const filterFloats = positions * packedWinogradFilterFloats(inC, outC);
      const chunkFloats = positions === 81 ? STRIDE2_TILE4_CHUNK_FLOATS : WINOGRAD_CHUNK_FLOATS;
      const chunkTiles =
        isPrepared && filterFloats > WINOGRAD_STREAMED_FILTER_FLOATS
          ? Math.max(4, Math.min(Math.ceil(tiles / 4), Math.floor(WINOGRAD_PREPARED_PANEL_FLOATS / inC / 4)) * 4)
          : Math.max(minimumChunkTiles, Math.floor(chunkFloats / (positions * (inC + outC)) / 4) * 4);
      const filterBytes = isPrepared ? 0 : filterFloats * 4;
      // Each position's planes of transformed inputs and of products take a cache line more (chunkPlaneBytes).
      return {
        chunkTiles,
        bytes:
          32 * 4 +
          (positions === 81 ? STRIDE2_TILE4_BLOCKS_BYTES : 4 * 36 * 16) +
          filterBytes +
          positions * (chunkTiles * (inC + outC) * 4 + 128),
      };
    };
    const winogradExport = (algorithm: ConvolutionAlgorithm) =>
      algorithm === 'winograd4x4'
        ? 'conv2dWinograd4'
        : algorithm === 'winograd6x6'
          ? 'conv2dWinograd6'
          : algorithm === 'winograd'
            ? 'conv2dWinograd'
            : algorithm === 'winogradStride2Tile4'
              ? 'conv2dWinogradStride2Tile4'
              : 'conv2dWinogradStride2';
    const custom: CustomKernelTable = {
      Conv2D: (
        input,
        filter,
        bias,
        output,
        params,
        residual = null,
        inputScale = null,
        expansionFilter = null,
        expansionBias = null,
        projectionFilter = null,
        projectionBias = null,
      ) => {
        const { pool } = params;
        if (pool !== undefined && !isPooledInPlace(params, residual, inputScale)) {
          // Its output a temporary of the memory, then the pool.
          const floats = params.batch * params.outH * params.outW * params.outC;
          const mark = this.arena.mark();
          try {
            const offset = this.arena.allocate(floats * 4);
            const convolvedAt = () => new Float32Array(this.arena.buffer, offset, floats);
            custom.Conv2D(
              input,
              filter,
              bias,
              convolvedAt(),
              { ...params, pool: undefined },
              residual,
              inputScale,
              expansionFilter,
              expansionBias,
              projectionFilter,
              projectionBias,
            );
            const work = output.length * pool.kH * pool.kW * ELEMENTWISE_WORK;
            this.invoke('maxPool2d', [convolvedAt(), output, null], [output], poolFields(pool), work);
          } finally {
            this.arena.release(mark);
          }
          return;
        }
        const { expansion, projection } = params;
        if (expansion !== undefined || projection !== undefined) {
          // Prepared filters of a depthwise convolution (the inference plan's) alone: the reference kernel otherwise.
          const hasResidual = residual !== null && projection === undefined;
          if (!isDepthwise(params) || !params.isConstantFilter || hasResidual || inputScale !== null) {
            referenceBackend.kernels.Conv2D(
              input,
              filter,
              bias,
              output,
              params,
              residual,
              inputScale,
              expansionFilter,
              expansionBias,
              projectionFilter,
              projectionBias,
            );
            return;
          }
          // assembly/expandedDepthwise.ts: the expanded map is made a band of rows at a time, in L2; the depthwise
          // output is projected a few rows at a time, in L1.
          const { batch, inH, inW, inC, outH, outW, kH } = params;
          // A 1x1 convolution's fields (none: zeros): its prepared filter and bias, `channels`, its epilogue.
          const pointwiseFields = (
            pointwise: Conv2DParams | undefined,
            weights: FloatArray | null,
            pointwiseBias: FloatArray | null,
            channels: number,
            pointwiseResidual: Buffer | null,
          ) => {
            if (pointwise === undefined) return [0, 0, 0, 0, 0, 0, 0];
            const prepared = this.preparedFilter(weights!, pointwiseBias, pointwise.inC, pointwise.outC);
            return [
              new BufferField(prepared.packed),
              new BufferField(pointwiseBias && prepared.bias),
              channels,
              ...epilogueFields(pointwise, pointwiseResidual),
            ];
          };
          const fields = [
            ...im2colFields(params, 0),
            ...epilogueFields(params, null),
            0,
            0,
            ...pointwiseFields(
              expansion && expansionParams(params),
              expansionFilter,
              expansionBias,
              expansion?.inC ?? 0,
              null,
            ),
            ...pointwiseFields(
              projection && projectionParams(params),
              projectionFilter,
              projectionBias,
              projection?.outC ?? 0,
              residual,
            ),
          ];
          // A band's rows beyond its budget: the kernel's rows, where they alone exceed it; then the chunk of
          // depthwise output rows a projection reads.
          const haloBytes = kH * (params.dilationH ?? 1) * inW * inC * 4;
          const chunkBytes = projection === undefined ? 0 : PROJECTED_CHUNK_BYTES + outW * inC * 4;
          const scratch = EXPANDED_SCRATCH_BYTES + gemmScratch + haloBytes + chunkBytes;
          const work = batch * (inH * inW * (expansion?.inC ?? 0) + outH * outW * (projection?.outC ?? 0)) * inC;
          this.invoke('expandedDepthwiseConv2d', [input, filter, bias, output], [output], fields, work, scratch);
          return;
        }
        // The input scale is applied as the GEMM packs the input of a prepared 1x1 convolution
        // (assembly/gemm.ts, packRowsScaled); any other convolution reads a scaled copy.
        if (inputScale !== null && !isScaledPointwise(params)) {
          input = scaledInput(input, inputScale, params);
          inputScale = null;
        }
        if (isWidenedToWinograd(params, 'forward')) {
          this.withWidened(input, params, (widenedInput, wideFilter, widened) => {
            copyFilterChannels(filter, wideFilter, params, true);
            custom.Conv2D(widenedInput, wideFilter, bias, output, widened, residual, null);
          });
          return;
        }
        const algorithm = convolutionAlgorithm(params, 'forward');
        if (algorithm === 'winogradPolyphase') {
          const phase = polyphaseParams(params);
          const isPrepared = params.isConstantFilter === true;
          const residentBias = isPrepared && bias !== null ? this.residentConstant(bias) : bias;
          const tiles = polyphaseTiles(params);
          const { chunkTiles, bytes } = winogradScratch(phase.inC, phase.outC, algorithm, true, tiles);
          const work = tiles * 64 * phase.inC * params.outC;
          const fields = [
            ...convFields(phase, chunkTiles),
            0,
            0,
            0,
            0,
            0,
            ...epilogueFields(params, residual),
            1,
            isWinogradSplitByColumns(phase, algorithm, this.pool.activeThreads) ? 1 : 0,
          ];
          // With a pool (isPooledInPlace): its geometry after the expansion's and projection's fields, and the ring
          // of convolution rows with a flag a row after the scratch (poolRingRows in winogradPolyphase.ts).
          const ringRows = pool && POLYPHASE_TILE * Math.floor((pool.kH + 2 * POLYPHASE_TILE - 2) / POLYPHASE_TILE);
          if (pool !== undefined)
            fields.push(
              ...new Array<number>(14).fill(0),
              pool.outH,
              pool.outW,
              pool.kH,
              pool.kW,
              pool.strideH,
              pool.strideW,
              pool.padTop,
              pool.padLeft,
            );
          // Made before the phase image: making it may grow the memory.
          const preparedFilter = isPrepared ? this.preparedPolyphaseFilter(filter, phase) : null;
          this.withPhaseImage(input, params, phase, !isPrepared, (phaseImage, temporaryFilter) => {
            // A filter that may change is packed for this call (36 x 4 inC x outC values: little beside the
            // convolution).
            if (temporaryFilter !== null) this.packPolyphaseFilter(filter, phase, temporaryFilter);
            const packedFilter = preparedFilter ?? temporaryFilter!;
            this.invoke(
              pool === undefined ? 'conv2dWinogradPolyphase' : 'conv2dWinogradPolyphaseMaxPool',
              [phaseImage, packedFilter, residentBias, output],
              [output],
              fields,
              work,
              bytes + (ringRows ?? 0) * (params.outW * params.outC + 1) * 4,
            );
          });
          return;
        }
        if (algorithm !== 'im2col') {
          const isPrepared = params.isConstantFilter === true;
          const packedFilter = isPrepared ? this.preparedWinogradFilter(filter, params, algorithm) : filter;
          const residentBias = isPrepared && bias !== null ? this.residentConstant(bias) : bias;
          const minimumChunkTiles = isPrepared ? 4 : streamedFilterChunkTiles(params.inC, params.outC, algorithm);
          const { chunkTiles, bytes } = winogradScratch(
            params.inC,
            params.outC,
            algorithm,
            isPrepared,
            winogradTiles(params, algorithm),
            minimumChunkTiles,
          );
          const work = params.batch * params.outH * params.outW * 4 * params.inC * params.outC;
          const isSplitByColumns = isWinogradSplitByColumns(params, algorithm, this.pool.activeThreads);
          const fieldsFor = (isPreparedFilter: boolean) => [
            ...convFields(params, chunkTiles),
            0,
            0,
            0,
            0,
            0,
            ...epilogueFields(params, residual),
            isPreparedFilter ? 1 : 0,
            isSplitByColumns ? 1 : 0,
          ];
          if (!isPrepared && !isSplitByColumns && this.threadsFor(work) > 1) {
            this.withSharedWinogradFilter(filter, params, algorithm, false, (shared) => {
              const sharedBytes = bytes - transformedFilterBytes(params.inC, params.outC, algorithm);
              const fields = fieldsFor(true);
              this.invoke(
                winogradExport(algorithm),
                [input, shared, bias, output],
                [output],
                fields,
                work,
                sharedBytes,
              );
            });
            return;
          }
          this.invoke(
            winogradExport(algorithm),
            [input, packedFilter, residentBias, output],
            [output],
            fieldsFor(isPrepared),
            work,
            bytes,
          );
          return;
        }
        if (isDepthwise(params)) {
          const work = depthwiseWork(params);
          const fields = [...NO_SCRATCH, ...im2colFields(params, 0), ...epilogueFields(params, residual)];
          this.invoke('depthwiseConv2d', [input, filter, bias, output], [output], fields, work);
          return;
        }
        if (isFewChannelsDirect(params)) {
          // The stems (3 input channels): windows read in place, no im2col (assembly/fewChannels.ts).
          const work = params.batch * params.outH * params.outW * params.kH * params.kW * params.inC * params.outC;
          const fields = [...NO_SCRATCH, ...im2colFields(params, 0), ...epilogueFields(params, residual)];
          this.invoke('conv2dFewChannels', [input, filter, bias, output], [output], fields, work);
          return;
        }
        const depth = params.kH * params.kW * (params.inC / (params.groups ?? 1));
        const work = gemmRowsOfWork(params.batch * params.outH * params.outW) * depth * params.outC;
        if (params.isConstantFilter === true && (params.groups ?? 1) === 1) {
          const prepared = this.preparedFilter(filter, bias, depth, params.outC);
          // A 1x1 stride-1 unpadded convolution reads the input as its panel (assembly/conv2d.ts).
          const isPointwise = isPointwiseConvolution(params);
          const isL2ResidentFilter = !isPointwise && depth * params.outC <= L2_RESIDENT_FILTER_FLOATS;
          const panelRows = panelRowsFor(depth, isL2ResidentFilter ? PANEL_FLOATS : PREPARED_PANEL_FLOATS);
          const fields = [
            ...im2colFields(params, panelRows),
            ...epilogueFields(params, residual),
            1,
            new BufferField(inputScale),
          ];
          const panelBytes = isPointwise ? 0 : panelRows * depth * 4;
          const preparedBias = bias === null ? null : prepared.bias;
          this.invoke(
            'conv2d',
            [input, prepared.packed, preparedBias, output],
            [output],
            fields,
            work,
            gemmScratch + sliceBytes + panelBytes,
          );
          return;
        }
        // GEMM packs the filter on every call: take rows enough per panel to repay that (see reuseRows).
        // A panel of PANEL_FLOATS held 12 rows at 3x3x256, packing ResNet-18's stride-2 filters 65 times a call at
        // batch 16.
        const panelRows = Math.max(reuseRows(depth, params.outC / (params.groups ?? 1)), panelRowsFor(depth));
        const fields = [...im2colFields(params, panelRows), ...epilogueFields(params, residual), 0, 0];
        this.invoke(
          'conv2d',
          [input, filter, bias, output],
          [output],
          fields,
          work,
          gemmScratch + sliceBytes + panelRows * depth * 4,
        );
      },
      Conv2DBackpropInput: (dOut, filter, dInput, params) => {
        const algorithm = convolutionAlgorithm(params, 'backpropInput');
        if (algorithm !== 'im2col') {
          // dInput is a stride-1 convolution of dOut with the flipped filter, padded by 2 - pad (at stride 2,
          // winogradStride2.ts reads only the record's sizes).
          const minimumChunkTiles = streamedFilterChunkTiles(params.outC, params.inC, algorithm);
          const { chunkTiles, bytes } = winogradScratch(
            params.outC,
            params.inC,
            algorithm,
            false,
            0,
            minimumChunkTiles,
          );
          const gradientPass: Conv2DParams = {
            batch: params.batch,
            inH: params.outH,
            inW: params.outW,
            inC: params.outC,
            outH: params.inH,
            outW: params.inW,
            outC: params.inC,
            kH: 3,
            kW: 3,
            strideH: 1,
            strideW: 1,
            padTop: 2 - params.padTop,
            padBottom: 2 - params.padBottom,
            padLeft: 2 - params.padLeft,
            padRight: 2 - params.padRight,
          };
          const work = params.batch * params.inH * params.inW * 4 * params.inC * params.outC;
          const isSplitByColumns = isWinogradSplitByColumns(gradientPass, algorithm, this.pool.activeThreads);
          const fieldsFor = (isPreparedFilter: boolean) => [
            ...convFields(gradientPass, chunkTiles),
            1,
            0,
            0,
            0,
            0,
            ...epilogueFields(gradientPass, null),
            isPreparedFilter ? 1 : 0,
            isSplitByColumns ? 1 : 0,
          ];
          if (!isSplitByColumns && this.threadsFor(work) > 1) {
            this.withSharedWinogradFilter(filter, gradientPass, algorithm, true, (shared) => {
              const sharedBytes = bytes - transformedFilterBytes(params.outC, params.inC, algorithm);
              const fields = fieldsFor(true);
              this.invoke(winogradExport(algorithm), [dOut, shared, null, dInput], [dInput], fields, work, sharedBytes);
            });
            return;
          }
          this.invoke(winogradExport(algorithm), [dOut, filter, null, dInput], [dInput], fieldsFor(false), work, bytes);
          return;
        }
        if (isDepthwise(params)) {
          const work = params.batch * params.outH * params.outW * params.kH * params.kW * params.outC;
          const gradientPass = depthwiseGradientAsForward(params);
          if (gradientPass !== null) {
            // dInput is the forward depthwise convolution of dOut with the flipped filter (see
            // depthwiseGradientAsForward).
            const isFlipped = 1;
            const fields = [
              ...NO_SCRATCH,
              ...im2colFields(gradientPass, 0, isFlipped),
              ...epilogueFields(gradientPass, null),
            ];
            this.invoke('depthwiseConv2d', [dOut, filter, null, dInput], [dInput], fields, work);
            return;
          }
          // Each thread lists one pixel's kernel rows, columns and taps at a time: 8 bytes each.
          const fields = im2colFields(params, 0);
          this.invoke(
            'depthwiseConv2dBackpropInput',
            [dOut, filter, dInput, null],
            [dInput],
            fields,
            work,
            8 * (params.kH * params.kW + params.kH + params.kW),
          );
          return;
        }
        const groups = params.groups ?? 1;
        const groupInC = params.inC / groups;
        const depth = largestPhaseDepth(params);
        const panelRows = Math.max(GATHER_PANEL_MIN_ROWS, panelRowsFor(depth));
        // Multiply-adds of the phase GEMMs: about the forward convolution's.
        const work =
          params.batch * params.outH * params.outW * params.kH * params.kW * (params.outC / groups) * params.inC;
        // The rearranged filter (every group's block), one group's panel and its result block.
        const scratch =
          gemmScratch +
          (params.kH * params.kW * params.outC * groupInC + 8) * 4 +
          (panelRows * depth + 8) * 4 +
          panelRows * groupInC * 4;
        this.invoke(
          'conv2dBackpropInput',
          [dOut, filter, dInput, null],
          [dInput],
          im2colFields(params, panelRows),
          work,
          scratch,
        );
      },
      Conv2DBackpropFilter: (input, dOut, dFilter, params) => {
        if (isWidenedToWinograd(params, 'backpropFilter')) {
          this.withWidened(input, params, (widenedInput, wideFilter, widened) => {
            custom.Conv2DBackpropFilter(widenedInput, dOut, wideFilter, widened);
            copyFilterChannels(dFilter, wideFilter, params, false);
          });
          return;
        }
        const filterAlgorithm = convolutionAlgorithm(params, 'backpropFilter');
        if (filterAlgorithm === 'winogradPolyphase') {
          // As the Winograd filter gradients below, on the phase image's 4 inC channels, the threads splitting the
          // output channels (assembly/winogradPolyphase.ts).
          const phase = polyphaseParams(params);
          const work = polyphaseTiles(params) * 64 * phase.inC * params.outC;
          const share = Math.ceil(params.outC / 8 / this.threadsFor(work)) * 8;
          // V's and W's planes take a cache line more (chunkPlaneBytes in assembly/winograd.ts), which spreads the
          // transforms' stores over L1's sets at any chunk: planes a multiple of 1, 2 or 4 KB apart had thrashed
          // (ResNet-18's stem at batch 8, one thread, CPU time, medians of alternated runs: 20 tiles a chunk of 64
          // columns, planes 5 KB apart, 20.9 ms; padded, 20 or 24 tiles, 17.6-17.7 ms).
          const chunkTiles = Math.max(
            reuseRows(phase.inC, share),
            Math.floor(WINOGRAD_CHUNK_FLOATS / (64 * (phase.inC + share)) / 4) * 4,
          );
          // The tile record and a 4x8 GEMM tile (up to 256 bytes), the transform's block, sums, V and W.
          const bytes = 256 + 64 * 16 + 64 * ((phase.inC * share + chunkTiles * (phase.inC + share)) * 4 + 128);
          this.withPhaseImage(input, params, phase, false, (phaseImage) => {
            this.invoke(
              'conv2dWinogradPolyphaseFilter',
              [phaseImage, dOut, dFilter, null],
              [dFilter],
              [...convFields(phase, chunkTiles), 0],
              work,
              bytes,
            );
          });
          return;
        }
        if (filterAlgorithm !== 'im2col') {
          // A thread sums its share of the input channels; its sums [positions, share, outC] are loaded
          // and stored once per chunk of tiles (see reuseRows). The chunking never changes a sum's order.
          const positions = winogradPositions(filterAlgorithm);
          const isStride2Tile4 = positions === 81;
          const tilePixels =
            filterAlgorithm === 'winograd6x6' ? 36 : filterAlgorithm === 'winograd4x4' || isStride2Tile4 ? 16 : 4;
          const work = (params.batch * params.outH * params.outW * positions * params.inC * params.outC) / tilePixels;
          const share = Math.ceil(params.inC / 4 / this.threadsFor(work)) * 4;
          // Stride 2's 4-output tiles: chunks of twice STRIDE2_TILE4_CHUNK_FLOATS, not reuseRows's. ResNet-18's
          // 56x56x64->128 layer at batch 16 (one thread, process CPU time, medians of 5 alternated runs, 2-output
          // tiles' time alongside): chunks of 16 tiles 44.6 ms (48.3), 32 40.8 (45.2), 48 41.8 (44.3), 88 (reuseRows)
          // 47.1 (44.6); 56x56x128->128 with this rule 88.8 -> 77.9 ms.
          const chunkTiles = isStride2Tile4
            ? Math.max(4, Math.floor((2 * STRIDE2_TILE4_CHUNK_FLOATS) / (positions * (share + params.outC)) / 4) * 4)
            : Math.max(
                reuseRows(share, params.outC),
                Math.floor(WINOGRAD_CHUNK_FLOATS / (positions * (share + params.outC)) / 4) * 4,
              );
          // The block of vectors F(3x3, 4x4) (6x6), F(3x3, 6x6) (8x8) or stride 2 (5x5, 9x9) transforms through
          // comes after the GEMM's scratch.
          const blockBytes =
            filterAlgorithm === 'winograd'
              ? 0
              : filterAlgorithm === 'winograd6x6'
                ? 64 * 16
                : isStride2Tile4
                  ? 81 * 16
                  : 36 * 16;
          const bytes =
            gemmScratch +
            blockBytes +
            positions * (share * params.outC + chunkTiles * (share + params.outC)) * 4 +
            (isStride2Tile4 ? positions * 128 : 0);
          const name =
            filterAlgorithm === 'winograd4x4'
              ? 'conv2dWinogradFilter4'
              : filterAlgorithm === 'winograd6x6'
                ? 'conv2dWinogradFilter6'
                : filterAlgorithm === 'winograd'
                  ? 'conv2dWinogradFilter'
                  : isStride2Tile4
                    ? 'conv2dWinogradStride2Tile4Filter'
                    : 'conv2dWinogradStride2Filter';
          this.invoke(
            name,
            [input, dOut, dFilter, null],
            [dFilter],
            [...convFields(params, chunkTiles), 0],
            work,
            bytes,
          );
          return;
        }
        if (isDepthwise(params)) {
          const work = params.batch * params.outH * params.outW * params.kH * params.kW * params.outC;
          this.invoke(
            'depthwiseConv2dBackpropFilter',
            [input, dOut, dFilter, null],
            [dFilter],
            [...NO_SCRATCH, ...im2colFields(params, 0)],
            work,
          );
          return;
        }
        const depth = params.kH * params.kW * (params.inC / (params.groups ?? 1));
        const work = params.batch * params.outH * params.outW * depth * params.outC;
        // A thread's panel holds its share of the im2col columns; its rows of dFilter are loaded and
        // stored once per panel (see reuseRows). The chunking never changes a sum's order.
        const width = Math.ceil(depth / 4 / this.threadsFor(work)) * 4;
        const panelRows = Math.max(reuseRows(width, params.outC / (params.groups ?? 1)), panelRowsFor(width));
        const fields = im2colFields(params, panelRows);
        this.invoke(
          'conv2dBackpropFilter',
          [input, dOut, dFilter, null],
          [dFilter],
          fields,
          work,
          gemmScratch + sliceBytes + panelRows * width * 4,
        );
      },
      ClipBiasAddGrad: (dOut, output, dInput, dBias, params, addend = null) => {
        // Two passes: the mask with each row block's column sums (threads split the blocks), then the blocks' sums
        // added in order (assembly/elementwise.ts).
        const blockRows = clipBiasBlockRows(params.rows);
        const blocks = Math.ceil(params.rows / blockRows);
        const mark = this.arena.mark();
        try {
          const offset = this.arena.allocate(blocks * params.columns * 4);
          const partials = new Float32Array(this.arena.buffer, offset, blocks * params.columns);
          const fields = [params.rows, params.columns, floatField(params.min), floatField(params.max), blockRows];
          const work = params.rows * params.columns * 2 * ELEMENTWISE_WORK;
          this.invoke('clipBiasAddGrad', [dOut, output, dInput, partials, addend], [dInput], fields, work);
          this.invoke('biasAddGrad', [partials, dBias], [dBias], [blocks, params.columns], 0);
        } finally {
          this.arena.release(mark);
        }
      },
    };
    return kernelTableOf(custom, this);
  }
}

/** Job fields of the resize kernels after their scratch (JOB_LAYOUTS.resize2d). */
function resizeFields(params: Resize2DParams): number[] {
  return [
    params.batch,
    params.inH,
    params.inW,
    params.inC,
    params.outH,
    params.outW,
    params.scaleH,
    params.scaleW,
    params.mode === 'nearest' ? 0 : 1,
    RESIZE_COORDINATES.indexOf(params.coordinates),
    NEAREST_ROUNDINGS.indexOf(params.nearestRounding),
  ];
}

/**
 * Rows (pixels or Winograd tiles) per GEMM call that repay an operand of a x b floats that each call
 * streams once: the sums C of a filter gradient (a = its rows, b = outC), loaded and stored per call,
 * or the B that GEMM packs per call. At 2ab / (a + b) rows that costs, per row, as much as the row's
 * own a + b floats of panel and result; rounded up to 4, at most the GEMM's depth block (DEPTH_BLOCK
 * in assembly/gemm.ts: a longer call gains nothing more). Panels of PANEL_FLOATS (4 to 12 rows at 256
 * to 512 channels) reloaded the sums every few rows.
 */
function reuseRows(a: number, b: number): number {
  return Math.min(GEMM_DEPTH_BLOCK, Math.ceil((2 * a * b) / (a + b) / 4) * 4);
}

/**
 * Fewest tiles per chunk of a Winograd pass that transforms its filter on every call (training's
 * forward and input gradient): each chunk streams the whole transformed filter, so once it no longer
 * fits in L2, take tiles enough per chunk to repay reading it from memory (see reuseRows). The forward
 * pass took 4 tiles per chunk before: ResNet-18's 7x7x512 layers at batch 16 ran twice as long as
 * their input gradients, which had this rule (bench:imagenet --modes train). F(6x6) takes at least 16 tiles, and
 * streams only past 4 MB: on 28x28x128 at batch 16 (a 4 MB filter), one thread, forward, chunks of 8 (by
 * WINOGRAD_CHUNK_FLOATS), 16 and 128 tiles measured 31.0, 29.3 and 31.0 ms CPU. Not for stride 2's 4-output tiles,
 * whose 81 planes of a chunk's inputs and products grow past L2 first (STRIDE2_TILE4_CHUNK_FLOATS).
 */
function streamedFilterChunkTiles(inC: number, outC: number, algorithm: ConvolutionAlgorithm): number {
  if (algorithm === 'winogradStride2Tile4') return 4;
  const isFilterOutOfCache =
    winogradPositions(algorithm) * inC * outC * 4 > L2_BYTES * (algorithm === 'winograd6x6' ? 4 : 1);
  return isFilterOutOfCache ? reuseRows(inC, outC) : algorithm === 'winograd6x6' ? 16 : 4;
}

/**
 * Rows per block of ClipBiasAddGrad's partial bias sums: at most CLIP_BIAS_BLOCKS blocks (several per thread), each of
 * at least CLIP_BIAS_MIN_BLOCK_ROWS rows. It depends on the shape only, so the sums' order never depends on the
 * thread count.
 */
function clipBiasBlockRows(rows: number): number {
  return Math.max(CLIP_BIAS_MIN_BLOCK_ROWS, Math.ceil(rows / CLIP_BIAS_BLOCKS));
}

const CLIP_BIAS_BLOCKS = 64;
const CLIP_BIAS_MIN_BLOCK_ROWS = 16;

/** DEPTH_BLOCK of assembly/gemm.ts. */
const GEMM_DEPTH_BLOCK = 256;

/** Level-2 cache per core assumed by the blocking choices (PANEL_FLOATS, WINOGRAD_CHUNK_FLOATS). */
const L2_BYTES = 1 << 20;

/**
 * Fewest input pixels per GEMM call of the input gradient: GEMM packs the rearranged filter on every
 * call, so a panel of PANEL_FLOATS (4 rows at 3x3x512) spent more time packing than multiplying.
 */
const GATHER_PANEL_MIN_ROWS = 64;

/**
 * The largest GEMM depth of the input gradient's stride phases (assembly/conv2d.ts
 * conv2dBackpropInput): the most taps any phase has, times the output channels of a group.
 */
function largestPhaseDepth(params: Conv2DParams): number {
  const tapsOfPhase = (k: number, dilation: number, stride: number, phase: number) => {
    let count = 0;
    for (let tap = 0; tap < k; tap++) if ((tap * dilation) % stride === phase) count++;
    return count;
  };
  let largest = 0;
  for (let phaseY = 0; phaseY < params.strideH; phaseY++) {
    for (let phaseX = 0; phaseX < params.strideW; phaseX++) {
      const taps =
        tapsOfPhase(params.kH, params.dilationH ?? 1, params.strideH, phaseY) *
        tapsOfPhase(params.kW, params.dilationW ?? 1, params.strideW, phaseX);
      largest = Math.max(largest, taps);
    }
  }
  return largest * (params.outC / (params.groups ?? 1));
}

/** Job fields 4 and 5 (scratch base and bytes) of a convolution kernel that needs no scratch. */
const NO_SCRATCH = [0, 0];

/**
 * A convolution that assembly/fewChannels.ts computes directly: one group, undilated, at most 4 input channels, a
 * window of more than one tap, output channels a multiple of 16 (the stems of MobileNetV2 and EfficientNet).
 */
function isFewChannelsDirect(params: Conv2DParams): boolean {
  return (
    (params.groups ?? 1) === 1 &&
    isUndilated(params) &&
    params.inC <= 4 &&
    params.kH * params.kW > 1 &&
    params.outC % 16 === 0
  );
}

/** A 1x1 stride-1 convolution whose output is its input's size (no padding): the input is its own im2col panel. */
function isPointwiseConvolution(params: Conv2DParams): boolean {
  return (
    params.kH === 1 &&
    params.kW === 1 &&
    params.strideH === 1 &&
    params.strideW === 1 &&
    params.padTop === 0 &&
    params.padLeft === 0 &&
    params.outH === params.inH &&
    params.outW === params.inW
  );
}

/** Whether conv2d.ts applies an input scale itself (field 30): a prepared 1x1 pointwise convolution of one group. */
function isScaledPointwise(params: Conv2DParams): boolean {
  return params.isConstantFilter === true && (params.groups ?? 1) === 1 && isPointwiseConvolution(params);
}

/**
 * input [batch, inH, inW, inC] times inputScale [batch, inC], each product rounded once to f32 as the Multiply kernel
 * rounds it.
 */
function scaledInput(input: Buffer, inputScale: Buffer, params: Conv2DParams): Float32Array {
  const scaled = new Float32Array(input.length);
  const { inC } = params;
  const pixels = params.inH * params.inW;
  for (let pixel = 0; pixel < params.batch * pixels; pixel++) {
    const scaleRow = Math.floor(pixel / pixels) * inC;
    for (let channel = 0; channel < inC; channel++)
      scaled[pixel * inC + channel] = input[pixel * inC + channel]! * inputScale[scaleRow + channel]!;
  }
  return scaled;
}

/**
 * Whether a convolution on fewer than WIDENED_CHANNELS input channels runs as the same convolution on
 * WIDENED_CHANNELS, its extra input channels and filter rows zero (they add exact zeros to every sum), because
 * that convolution takes Winograd (convolutionAlgorithm, for `pass`) where the narrow one would take im2col,
 * whose gather of 3 channels per tap cost more than its GEMM. Training only: a constant filter keeps its own
 * choice. Measured with the widening (assembly/widenChannels.ts) on one thread, batch 64, process CPU time,
 * medians of 15, three alternations with the build before: W2's first layer (32x32x3->32) forward 5.22-5.56 ->
 * 3.23-3.24 ms, filter gradient 4.98-5.11 -> 3.11-3.13 ms; W1's (28x28x1->32) 2.97-3.00 -> 2.49-2.63 ms and
 * 2.63-2.67 -> 2.42-2.47 ms. On 2 threads the filter gradient of 4 channels runs on one (its threads split
 * input channels in fours), as long as the im2col one it replaces took on two.
 */
function isWidenedToWinograd(params: Conv2DParams, pass: 'forward' | 'backpropFilter'): boolean {
  if (params.inC >= WIDENED_CHANNELS || params.isConstantFilter === true || (params.groups ?? 1) !== 1) return false;
  if (isPolyphaseShape(params)) return false;
  return convolutionAlgorithm({ ...params, inC: WIDENED_CHANNELS }, pass) !== 'im2col';
}

/**
 * Copies a filter [kH, kW, inC, outC] into `wide`, its form on WIDENED_CHANNELS input channels with the added ones
 * zero (`isToWide`), or back from it (a filter gradient: the added channels dropped).
 */
function copyFilterChannels(filter: Buffer, wide: Float32Array, params: Conv2DParams, isToWide: boolean): void {
  const narrowRow = params.inC * params.outC;
  const wideRow = WIDENED_CHANNELS * params.outC;
  if (isToWide) wide.fill(0);
  for (let row = 0; row < params.kH * params.kW; row++) {
    if (isToWide) wide.set(filter.subarray(row * narrowRow, (row + 1) * narrowRow), row * wideRow);
    else filter.set(wide.subarray(row * wideRow, row * wideRow + narrowRow), row * narrowRow);
  }
}

/**
 * Scratch of expandedDepthwiseConv2d per thread, besides the GEMM's and a kernel's rows of the expanded map: its
 * copy of the job record (256 bytes), a band of expanded rows (BAND_BYTES of assembly/expandedDepthwise.ts) and 64
 * spare bytes.
 */
const EXPANDED_SCRATCH_BYTES = 256 + 393216 + 64;
/** The larger of assembly/expandedDepthwise.ts's chunks of depthwise output rows (WIDE_PROJECTED_CHUNK_BYTES), and 64 spare bytes. */
const PROJECTED_CHUNK_BYTES = 196608 + 64;

/**
 * One kernel per channel (groups = inC = outC): the direct kernels of depthwise.ts. (A depthwise
 * layer with several filters per channel runs as grouped im2col + GEMM.)
 */
function isDepthwise(params: Conv2DParams): boolean {
  const groups = params.groups ?? 1;
  return groups > 1 && groups === params.inC && groups === params.outC;
}

/**
 * Tile positions of a Winograd algorithm's forward pass: (m + 2)^2 for F(m x m, 3x3), 25 for F(2x2, 3x3) at stride
 * 2, 81 for its 4-output tiles, 64 for the polyphase F(5x5, 4x4).
 */
function winogradPositions(algorithm: ConvolutionAlgorithm): number {
  if (algorithm === 'winograd6x6' || algorithm === 'winogradPolyphase') return 64;
  if (algorithm === 'winogradStride2Tile4') return 81;
  return algorithm === 'winograd4x4' ? 36 : algorithm === 'winograd' ? 16 : 25;
}

/**
 * Floats of one tile position's packed filter (assembly/winograd.ts packedFilterFloats): strips of 8 output channels.
 */
function packedWinogradFilterFloats(inC: number, outC: number): number {
  return Math.ceil(outC / 8) * 8 * inC;
}

/** Bytes of a pass's transformed filter (every position), which an unprepared pass keeps in its scratch. */
function transformedFilterBytes(inC: number, outC: number, algorithm: ConvolutionAlgorithm): number {
  return winogradPositions(algorithm) * packedWinogradFilterFloats(inC, outC) * 4;
}

/** Fields 14-19 of conv2dWinogradPrepare's record (kernel size, strides, padding), which it does not read. */
const UNUSED_PREPARE_FIELDS = [0, 0, 0, 0, 0, 0];

/** The key of a filter's polyphase form among its Winograd forms (which are keyed by their tile positions). */
const POLYPHASE_FORM = -1;

/**
 * Whether the threads of a Winograd convolution split the output channels (job field 30) rather than
 * the tiles: with few tiles (batch 1 on 7x7 and 14x14 outputs) a split over tiles leaves a thread idle
 * or makes both read the whole transformed filter, and some tile counts split unevenly; split over
 * channels each reads its share and transforms every input tile itself, which costs little beside the
 * filter where channels are many. Both give the same sums (assembly/winograd.ts). A filter transformed on
 * every call (training's forward pass and input gradient), or prepared but above
 * WINOGRAD_STREAMED_FILTER_FLOATS (streamed from L3 or memory by every chunk), splits by channels up to more
 * tiles (WINOGRAD_STREAMED_SPLIT_BY_COLUMNS_TILES_PER_CHANNEL). Prepared, ResNet-18's 7x7x512 layers at batch 8
 * (32 tiles, 2 threads, process CPU time of one call, medians of 5 alternated on the loaded machine) went
 * tiles -> channels 18.0 / 18.2 / 18.6 -> 15.8 / 15.7 / 15.7 ms; its 14x14x256 layers (128 tiles, past
 * the rule) within 1 ms either way.
 */
export function isWinogradSplitByColumns(
  params: Conv2DParams,
  algorithm: ConvolutionAlgorithm,
  threads: number,
): boolean {
  const tiles = winogradTiles(params, algorithm);
  if (tiles < WINOGRAD_SPLIT_BY_COLUMNS_TILES_PER_THREAD * threads) return true;
  const isStreamedFilter =
    params.isConstantFilter !== true ||
    winogradPositions(algorithm) * packedWinogradFilterFloats(params.inC, params.outC) >
      WINOGRAD_STREAMED_FILTER_FLOATS;
  if (threads > 1 && isStreamedFilter && tiles <= WINOGRAD_STREAMED_SPLIT_BY_COLUMNS_TILES_PER_CHANNEL * params.outC)
    return true;
  // Tiles go to threads in blocks of 4 and strips one by one: the busiest thread's share of each.
  const largestTileShare = Math.min(tiles, Math.ceil(Math.ceil(tiles / 4) / threads) * 4) / tiles;
  const strips = Math.ceil(params.outC / 8);
  const largestStripShare = Math.ceil(strips / threads) / strips;
  return largestStripShare + WINOGRAD_REPEATED_INPUT_SHARE < largestTileShare;
}

/** Output tiles of a Winograd convolution: 2x2 or 4x4 blocks, the last ones of a row or column padded. */
function winogradTiles(params: Conv2DParams, algorithm: ConvolutionAlgorithm): number {
  if (algorithm === 'winogradPolyphase') return polyphaseTiles(params);
  // Stride 2: 2x2 output tiles forward, 4x4 dInput tiles in its input gradient (the pass that upsamples).
  const isUpsampling = params.outH > params.inH;
  const tileSize =
    algorithm === 'winograd6x6'
      ? 6
      : algorithm === 'winogradStride2Tile4'
        ? isUpsampling
          ? 8
          : 4
        : algorithm === 'winograd4x4' || (algorithm === 'winogradStride2' && isUpsampling)
          ? 4
          : 2;
  return params.batch * Math.ceil(params.outH / tileSize) * Math.ceil(params.outW / tileSize);
}

/**
 * The input gradient of a stride-1 undilated depthwise convolution as a forward one: dInput[iy, ix] =
 * sum over taps of dOut[iy + padTop - ky, ix + padLeft - kx] * w[ky, kx], which is the forward
 * convolution of dOut (as the input) with the filter flipped in both axes, padded by kH - 1 - padTop on
 * top and kW - 1 - padLeft on the left (the kernel reads the filter flipped: job field 20), so the
 * forward kernel's vector loops serve the gradient. Null for other depthwise convolutions (strides,
 * dilation, or a padding as wide as the window).
 */
function depthwiseGradientAsForward(params: Conv2DParams): Conv2DParams | null {
  const isPlain = params.strideH === 1 && params.strideW === 1 && isUndilated(params);
  const isPaddingInside =
    [params.padTop, params.padBottom].every((pad) => pad < params.kH) &&
    [params.padLeft, params.padRight].every((pad) => pad < params.kW);
  if (!isPlain || !isPaddingInside) return null;
  return {
    batch: params.batch,
    inH: params.outH,
    inW: params.outW,
    inC: params.outC,
    outH: params.inH,
    outW: params.inW,
    outC: params.inC,
    kH: params.kH,
    kW: params.kW,
    strideH: 1,
    strideW: 1,
    padTop: params.kH - 1 - params.padTop,
    padBottom: params.kH - 1 - params.padBottom,
    padLeft: params.kW - 1 - params.padLeft,
    padRight: params.kW - 1 - params.padRight,
    groups: params.groups,
  };
}

/** A job field to be written as an f32 (every other field is an i32). */
class FloatField {
  constructor(readonly value: number) {}
}

function floatField(value: number): FloatField {
  return new FloatField(value);
}

/**
 * A job field holding a buffer's pointer (0 for null), for buffers after the leading ones (the epilogue's residual).
 */
class BufferField {
  constructor(readonly buffer: Buffer | null) {}
}

/** Codes of assembly/epilogue.ts. */
const ACTIVATION_CODES = { relu: 1, clip: 2, sigmoid: 3, silu: 4, leakyRelu: 5, hardSigmoid: 6, hardSwish: 7 } as const;
/** assembly/epilogue.ts's code of a clip whose min exceeds its max (as float32): its fast form needs min <= max. */
const CLIP_REVERSED_CODE = 8;

/**
 * Job fields 25-28 of the kernels that fuse an epilogue (assembly/epilogue.ts): the residual, the
 * activation's code and its two numbers. Callers pad their own fields up to 24 first.
 */
function epilogueFields(params: Conv2DParams, residual: Buffer | null): (number | FloatField | BufferField)[] {
  const activation = fusedActivationOf(params.activation);
  if (activation === null) return [new BufferField(residual), 0, floatField(0), floatField(0)];
  const code = ACTIVATION_CODES[activation.kind];
  switch (activation.kind) {
    case 'clip':
      return [
        new BufferField(residual),
        Math.fround(activation.min) <= Math.fround(activation.max) ? code : CLIP_REVERSED_CODE,
        floatField(activation.min),
        floatField(activation.max),
      ];
    case 'leakyRelu':
      return [new BufferField(residual), code, floatField(activation.alpha), floatField(0)];
    case 'hardSigmoid':
    case 'hardSwish':
      return [new BufferField(residual), code, floatField(activation.alpha), floatField(activation.beta)];
    default:
      return [new BufferField(residual), code, floatField(0), floatField(0)];
  }
}
