// The resource policy of ConvNet.ts in one place: every bound on the time and memory that a file, a
// flag or an argument can make the library spend. Readers check a size a file declares against these
// before allocating for it, so a hostile or careless input ends in a typed error naming the limit,
// not in a hang or an exhausted machine. The README's "Limits" section lists them for users.

// Images

// Model graphs and ONNX

/**
 * The largest .onnx file read whole (the CLI's --model): 2 GiB, protobuf's own limit on a message;
 * larger models keep their weights in external data files.
 */
export const MAX_ONNX_FILE_BYTES = 2 ** 31 - 1;

// Archives, arrays and checkpoints

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

// Command line
