// The resource policy of ConvNet.ts in one place: every bound on the time and memory that a file, a
// flag or an argument can make the library spend. Readers check a size a file declares against these
// before allocating for it, so a hostile or careless input ends in a typed error naming the limit,
// not in a hang or an exhausted machine. The README's "Limits" section lists them for users.

// Images

// Model graphs and ONNX

// Archives, arrays and checkpoints

// Command line
