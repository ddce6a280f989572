// Errors the CLI reports as one line with exit code 2: wrong flags, bad values, missing inputs.

export class UsageError extends Error {}

export const EXIT_USAGE = 2;
