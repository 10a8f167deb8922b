/**
 * Bounds on one JSON text, checked before it is parsed. Parsing allocates per value and several of the
 * event model's helpers recurse per nesting level, so without these one hostile body of a few megabytes
 * takes hundreds of megabytes, seconds of CPU, or overflows the stack (a 500 instead of a 400).
 */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most values (array elements and object members, roughly: commas and openings) in one text. */
  maxValues: number;
}

/** Far beyond any real event or query (json4s has no limit; PredictionIO's own data nests a few levels). */
export const JSON_LIMITS: JsonLimits = { maxDepth: 100, maxValues: 100_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Why `text` exceeds `limits`, or undefined when it does not: one pass without allocating, counting what
 * a parse would allocate (value starts and open containers outside strings; string contents are skipped
 * with `indexOf`). It reads any dialect (commas are not counted, so json4s' comma-less text counts the
 * same) and leaves syntax errors to the parser.
 */
export function jsonLimitExceeded(text: string, limits: JsonLimits = JSON_LIMITS): string | undefined {
  // Each level and each value takes at least one character.
  if (text.length <= limits.maxDepth && text.length <= limits.maxValues) return undefined;
  let depth = 0;
  let values = 0;
  const length = text.length;
  for (let pos = 0; pos < length; pos++) {
    const code = text.charCodeAt(pos);
    if (code === 0x7b || code === 0x5b) {
      // { [
      if (++depth > limits.maxDepth) return `JSON nested deeper than ${limits.maxDepth} levels`;
    } else if (code === 0x7d || code === 0x5d) {
      // } ]
      if (depth > 0) depth--;
      continue;
    } else if (code === QUOTE) {
      pos = closingQuote(text, pos);
    } else if (isTokenStart(code)) {
      while (pos + 1 < length && isTokenPart(text.charCodeAt(pos + 1))) pos++;
    } else {
      continue;
    }
    if (++values > limits.maxValues) return `JSON holding more than ${limits.maxValues} values`;
  }
  return undefined;
}

/** A number (`-`, `+`, digit) or a literal (`t`, `f`, `n`) starts here. */
function isTokenStart(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2b || code === 0x74 || code === 0x66 || code === 0x6e;
}

/** Letters, digits, `.`, `+`, `-`: the rest of a number or literal token. */
function isTokenPart(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x2e || code === 0x2b || code === 0x2d;
}

/** The index of the quote closing the string opened at `open` (the text's length when unterminated). */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}
