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

// Command line
