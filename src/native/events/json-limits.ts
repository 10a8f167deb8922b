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

/** Far beyond any real event (json4s has no limit; PredictionIO's own data nests a few levels). */
export const JSON_LIMITS: JsonLimits = { maxDepth: 100, maxValues: 100_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Why `text` exceeds `limits`, or undefined when it does not. One pass outside strings (string contents
 * are skipped with `indexOf`); it does not validate the JSON, the parser does that afterwards.
 */
export function jsonLimitExceeded(text: string, limits: JsonLimits = JSON_LIMITS): string | undefined {
  // Each level and each value takes at least one character.
  if (text.length <= limits.maxDepth && text.length <= limits.maxValues) return undefined;
  let depth = 0;
  let values = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = closingQuote(text, i);
      continue;
    }
    if (code === 0x5b || code === 0x7b) {
      depth++;
      values++;
      if (depth > limits.maxDepth) return `JSON nests deeper than ${limits.maxDepth} levels`;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    } else if (code === 0x2c) {
      values++;
    } else {
      continue;
    }
    if (values > limits.maxValues) return `JSON holds more than ${limits.maxValues} values`;
  }
  return undefined;
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
