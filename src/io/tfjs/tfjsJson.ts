// Small helpers for reading untrusted model.json values: a type test, and a short preview of a value
// for error messages that cannot fail (JSON.stringify recurses, and a file may nest a value a million deep).

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as JSON, cut to `length` characters; a placeholder for one nested too deeply to print. */
export function preview(value: unknown, length = 200): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, length);
  } catch {
    return '(a value nested too deeply to show)';
  }
}
