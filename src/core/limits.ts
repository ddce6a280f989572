// The resource policy of ConvNet.ts in one place: every bound on the time and memory that a file, a
// flag or an argument can make the library spend. Readers check a size a file declares against these
// before allocating for it, so a hostile or careless input ends in a typed error naming the limit,
// not in a hang or an exhausted machine. docs/cli.md, "Limits", lists them for users.

// Images

/**
 * The most pixels a decoded picture may have: 100 megapixels. Checked on the size a PNG or JPEG
 * header declares, before anything is allocated. Within it, MAX_DECODE_BYTES decides.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * The most bytes one decode may allocate, estimated from the header before anything is decoded:
 * 1 GiB. Pixels alone do not bound memory: within 100 megapixels, a 16-bit gray + alpha PNG peaked
 * over 1.5 GiB (3 GB reported) and a 618-byte JPEG declaring 10000x10000 over 1.5 GiB, for the
 * decoders' own buffers (jpeg-js keeps a 64-value block object per 8x8 block, about 660 bytes each)
 * beside the float32 picture. The estimate counts the file, the decoder's buffers and the output,
 * and measured peaks stayed within it (up to 10% above for JPEG, from garbage not yet collected).
 * Whole, 1 GiB admits PNGs of 54 (16-bit gray + alpha) to 72 (8-bit RGB) megapixels and JPEGs of
 * 19 (4:4:4), 28 (4:2:0) and 51 (gray); fitted to a model's input (predict, image folders), PNGs up
 * to MAX_IMAGE_PIXELS and JPEGs of 24, 41 and 62 megapixels: a phone photo, with room to spare in a
 * 2 GiB machine or a browser tab.
 */
export const MAX_DECODE_BYTES = 1024 * 1024 * 1024;

/**
 * Image files larger than this are refused before they are read: 256 MiB (was 1 GiB). A picture
 * within MAX_DECODE_BYTES compresses to less (72 megapixels of 8-bit RGB noise is 216 MB), and the
 * file's bytes count in the decode's budget too (jpeg-js copies them).
 */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The most scans (start-of-scan markers, counted as FF DA byte pairs anywhere in the file) a JPEG may
 * have: 100. jpeg-js decodes every scan over every block, so a 568 KB progressive JPEG of 4,000
 * scans took 58 s. A progressive JPEG from libjpeg or mozjpeg has about 10; libjpeg-turbo's tools
 * take a -maxscans limit for the same reason, and nvImageCodec refuses more than 256 by default.
 */
export const MAX_JPEG_SCANS = 100;

/**
 * The most 8x8 blocks jpeg-js may decode over all of a JPEG's scans (scans times the frame's blocks):
 * 16 million. A scan costs time for every block it covers even when it holds no data, so this is the
 * work a small file can declare; at the bound, a 24-megapixel progressive 4:2:0 JPEG (562,000
 * blocks) with 28 scans decoded in 2.1 s here. A 12-megapixel 4:2:0 photo may have up to 57 scans,
 * a 28-megapixel one 24 (a progressive photo has about 10).
 */
export const MAX_JPEG_SCAN_BLOCKS = 16_000_000;

/**
 * The default size of an image folder's pictures is the most common size among its files, shrunk
 * (aspect kept) to at most this many pixels: 512 x 512. It bounds what one huge or unusual file can
 * make every other picture grow to; a larger size is asked for with the size option.
 */
export const MAX_FOLDER_IMAGE_PIXELS = 512 * 512;

// Model graphs and ONNX

/**
 * The most bytes a model.json may have. Manifests are small (a few KB for any real model); 16 MiB
 * is room for about 500,000 layers, past MAX_MODEL_LAYERS, so the layer count is what binds.
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * The most bytes a labels file (one class name per line: `convnet predict --labels`, `convnet import
 * --labels`) may have. ImageNet's 1,000 names take 11 KB; 4 MiB is room for 100,000 classes of long names.
 */
export const MAX_LABELS_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The most bytes a weights.safetensors may have: 2 GiB, the WebAssembly backend's default memory
 * with threads, so a model past it could not run there anyway (wasm32 addresses 4 GiB at most).
 */
export const MAX_WEIGHTS_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * The most bytes an .onnx file may have: 2 GiB, protobuf's limit for one message (ONNX models larger
 * than that keep their weights as external data, which the importer does not read).
 */
export const MAX_ONNX_FILE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/**
 * The most layers a model may have (a model.json's, an imported ONNX graph's, or one built in code).
 * Real CNNs have hundreds of layers, a few thousand at most. `convnet summary` of a
 * model.json of 100,000 layers takes 1.0 s and 240 MiB; 500,000 (what 16 MB of manifest holds) took
 * 3.4 s and 640 MiB, and an ONNX file is not held to 16 MB. A manifest listing more is refused before
 * any layer is made.
 */
export const MAX_MODEL_LAYERS = 100_000;

/**
 * The most nodes an ONNX graph may have (its subgraphs' and functions' included), counted in the
 * file's bytes before it is decoded (decoding costs a few hundred bytes of heap per node). Exporters
 * write shape arithmetic and Constant nodes beside the layers, hence more than MAX_MODEL_LAYERS.
 */
export const MAX_ONNX_NODES = 250_000;

/**
 * The most outputs an imported ONNX graph may have (a segmentation model's 'out' and 'aux', a
 * classifier that also returns features): each is kept alive and copied on every forwardOutputs.
 */
export const MAX_ONNX_OUTPUTS = 64;

/**
 * The most heap that decoding an .onnx file may take, estimated from its bytes before it is decoded
 * (io/onnxWireScan.ts, from per-item costs measured there): 512 MiB. onnx-proto (protobufjs) makes a
 * Long object of about 60 bytes for every int64 value, one byte in the file, and an object, a number
 * or a string for every message, int32, float or double value and name: a 60 MB file of 60 million
 * int64 values took 21 s and 3.8 GiB to decode, one of 100 MB ran out of heap after 38 s (5.6 GiB).
 * Weights stored as raw_data cost one view of the file per tensor, so real exports need little: a
 * ResNet-50 of 102 MB is estimated at 0.6 MiB, a graph of 3,000 Conv nodes with value_info at 21 MiB.
 * Within 512 MiB fit 44 million float_data values (ResNet-50 written without raw_data has 25.6
 * million) or 8.9 million int64 values; the scan stops where the estimate passes it.
 */
export const MAX_ONNX_DECODED_HEAP_BYTES = 512 * 1024 * 1024;

/**
 * How deep an .onnx file's protobuf messages may nest: 100, the default recursion limit of protobuf's
 * own C++ and Java parsers. onnx-proto's decoder recurses once a level, so 100,000 levels of subgraphs
 * in node attributes (a 1.2 MB file) overflowed the call stack. A graph nests 7 deep (ModelProto,
 * GraphProto, ValueInfoProto, TypeProto, its Tensor, TensorShapeProto, Dimension), and each level of
 * subgraph (If, Loop, Scan) adds 3.
 */
export const MAX_ONNX_MESSAGE_DEPTH = 100;

/**
 * How deep arrays and objects may nest in the JSON files the library reads (model.json, TF.js
 * model.json, checkpoint state): 256. A TF.js Layers topology nests about 12 deep, the native manifest
 * 6; a million levels (2 MB of brackets) took JSON.parse 250-400 ms, where the scan before it
 * (io/jsonDepth.ts) takes a few.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * The most weight shards a TF.js model.json may name: 4,096. TF.js writes 4 MiB shards, so this is
 * 16 GiB of weights, past MAX_WEIGHTS_FILE_BYTES, which binds first; the count bounds the files
 * opened and the work a manifest of tiny shards can ask for.
 */
export const MAX_TFJS_SHARDS = 4096;

/**
 * The most weights a TF.js manifest may list: 100,000 (a few per layer at MAX_MODEL_LAYERS would be
 * more, but real models list a few thousand at most). Bounds the manifest's work before any is read.
 */
export const MAX_TFJS_WEIGHTS = 100_000;

/**
 * The most values one feature map may have per example: a declared input, or any layer's output
 * (a Pad's, a Conv's with huge pads). 2^26 = 67,108,864 values is a 1024x1024x64 map, 256 MiB as
 * float32; a file declaring more is refused when the graph is built, before anything is allocated.
 */
export const MAX_FEATURE_MAP_ELEMENTS = 2 ** 26;

/**
 * The most values all of a model's feature maps may have together per example, which is what one
 * example's forward pass holds at once: 2^28 = 268,435,456 values, 1 GiB as float32. The presets need
 * at most 310,420 (resnet, 32x32x3); ImageNet networks at 224x224 need tens of millions.
 */
export const MAX_EXAMPLE_ACTIVATION_ELEMENTS = 2 ** 28;

/**
 * The most multiply-adds one example's forward pass may take, a pooling window's every value counted
 * as one: 2^36, about 69 billion (VGG-16 at 224x224 takes 15.5 billion). The reference backend does
 * about 0.3 billion a second (a 3x3 conv, 64 channels, measured on the 2-core build machine), so this
 * is minutes there and seconds on the WebAssembly backend; a 151-byte ONNX file whose MaxPool has a
 * 4000x4000 window on a 4096x4096 map would take 150 billion, and is refused when the graph is built.
 */
export const MAX_EXAMPLE_MULTIPLY_ADDS = 2 ** 36;

/**
 * The most values predict and evaluate let one batch's feature maps hold (those the inference plan
 * keeps alive at once; every layer's output under a recording tape): the batch is made smaller to
 * stay under it, which changes no result. 2^27 values, 512 MiB as float32, a quarter of the
 * threaded WebAssembly backend's default 2 GiB.
 */
export const MAX_BATCH_ACTIVATION_ELEMENTS = 2 ** 27;

/**
 * The most values an op may allocate for one tensor (a whole batch): 2^28 values, 1 GiB as float32,
 * half the threaded WebAssembly backend's default 2 GiB. An op asked for more throws before allocating.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/**
 * The most bytes constant folding may create in an ONNX import, beyond twice the file's own size
 * (a folded copy of every initializer, as float64): shape arithmetic needs a few hundred bytes, so
 * 64 MiB only ever stops a file that makes constants out of nothing (ConstantOfShape, Concat).
 */
export const MAX_FOLDED_CONSTANT_BYTES = 64 * 1024 * 1024;

// Datasets, archives, arrays and checkpoints

/**
 * The most bytes a dataset file (IDX, a CIFAR-10 batch or archive) may have on disk and once
 * decompressed: 1 GiB, 20 times the largest MNIST file; a gzip bomb stops inflating there.
 */
export const DEFAULT_MAX_IDX_BYTES = 1024 * 1024 * 1024;

/** The most bytes a safetensors header (JSON) may have: real ones are a few KB per hundred weights. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Largest tar metadata entry (a pax extended header, a GNU long name or long link name), in bytes.
 * Real ones are a few hundred bytes; Go's archive/tar caps them at the same 1 MiB. Without the cap a
 * pax header could ask for a string as long as the whole archive.
 */
export const TAR_MAX_METADATA_BYTES = 1024 * 1024;

/** Longest .npy header: real ones are a few dozen bytes (NumPy pads to 64); a longer one is corrupt or hostile. */
export const NPY_MAX_HEADER_BYTES = 64 * 1024;

/**
 * Rows of a .npy batch read, converted and predicted at once (`convnet predict --input`), and the
 * most bytes those rows may take as float32 values: memory stays fixed whatever the batch's length.
 * 64 rows make the per-call overhead negligible; 64 MiB bounds a batch of very large examples.
 */
export const NPY_STREAM_ROWS = 64;
/** The most bytes the rows of one .npy read may take as float32 values (see NPY_STREAM_ROWS). */
export const NPY_STREAM_BYTES = 64 * 1024 * 1024;

/**
 * Largest checkpoint state.json. Its bulk is the example order, about 8 bytes an example: 32 MiB
 * holds the order of some 4 million examples, far more than a dataset this toolkit holds in memory,
 * while a hostile file of that size parses within a few hundred megabytes of heap.
 */
export const CHECKPOINT_MAX_STATE_BYTES = 32 * 1024 * 1024;

/** Largest checkpoint latest.json: it names one folder and an epoch in a few dozen bytes. */
export const CHECKPOINT_MAX_LATEST_BYTES = 64 * 1024;

/**
 * Most buffers an optimizer keeps per weight (RMSProp with momentum and centering keeps 3). With the
 * weight sizes, it bounds optimizer.safetensors before it is read: the buffers state.json names, as
 * float64 at most, plus CHECKPOINT_OPTIMIZER_HEADER_BYTES of safetensors header.
 */
export const CHECKPOINT_MAX_BUFFERS_PER_WEIGHT = 4;
/** Largest safetensors header of a checkpoint's optimizer.safetensors (see CHECKPOINT_MAX_BUFFERS_PER_WEIGHT). */
export const CHECKPOINT_OPTIMIZER_HEADER_BYTES = 16 * 1024 * 1024;

// Threads and pictures

/**
 * The most threads the WebAssembly backend starts (initWasmBackend, createWasmBackend; its default,
 * all cores, is capped here too). Each worker holds its own JavaScript heap (about 8 MB: 1,000 of
 * them took 8 GB), and kernels gain nothing past the cores. Not the machine's core count itself:
 * tests run two threads on one core to exercise the parallel split, and browsers may report fewer
 * cores than they have. The CLI's --threads is capped lower, at the machine's cores.
 */
export const MAX_WASM_THREADS = 64;

/**
 * The most pixels of one picture that the visualizer draws (kernel grids, feature maps): 4096 x 4096.
 * A picture is held as float32 RGB (12 bytes a pixel, 192 MiB here) and then encoded as PNG;
 * `visualize --scale 150` asked for 282 megapixels and took 15 GB. A default scale is lowered to fit;
 * a scale asked for that does not fit is refused, naming the largest that does.
 */
export const MAX_PICTURE_PIXELS = 4096 * 4096;
