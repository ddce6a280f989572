// Text from files on the terminal: class names, layer names and file names come from model files,
// image folders and archives that anyone may have written, and a control character in one would
// move the cursor, clear the screen or start a new line that looks like the CLI's own output.
// Every name the CLI prints passes through terminalText; --json output through jsonLine.

/**
 * Control characters and those that reorder text: C0 (tab, newline, carriage return, ESC, ...), DEL,
 * C1 (U+0080-U+009F; U+009B is CSI to some terminals), the line and paragraph separators, and the
 * bidirectional overrides and isolates (which make text display in another order than it reads).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escaped(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` safe to print on a terminal: every control character shown escaped, as in a JavaScript
 * string ("\x1b[2J" prints as the six characters \x1b[2J, a newline as \n), so a name prints on one
 * line and changes nothing on the screen.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/**
 * `value` as one line of JSON for stdout. JSON.stringify escapes C0 characters but writes DEL, C1
 * and the separators as they are; they are escaped here too (\u009b), which JSON reads back as the
 * same string, so the line is both valid JSON and safe on a terminal.
 */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(UNSAFE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
