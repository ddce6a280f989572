// The resource policy of ConvNet.ts in one place: every bound on the time and memory that a file, a
// flag or an argument can make the library spend. Readers check a size a file declares against these
// before allocating for it, so a hostile or careless input ends in a typed error naming the limit,
// not in a hang or an exhausted machine. The README's "Limits" section lists them for users.

// Images

// Model graphs and ONNX

// Archives, arrays and checkpoints

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
export const CHECKPOINT_OPTIMIZER_HEADER_BYTES = 16 * 1024 * 1024;

// Command line
