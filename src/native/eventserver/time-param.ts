import { parseEventTime } from '../events/index.js';

/**
 * `startTime`/`untilTime` query parameters (BEHAVIOUR.md#query-events): parsed like event times; on failure upstream
 * 0.12/0.13 answers 400 with the Joda exception, e.g. `Invalid format: "2014-11-01" is too short`.
 */
export type TimeParamResult = { ok: true; date: Date } | { ok: false; message: string };

export function parseTimeParam(raw: string): TimeParamResult {
  const parsed = parseEventTime(raw);
  if (parsed) return { ok: true, date: parsed.date };
  return { ok: false, message: `java.lang.IllegalArgumentException: ${jodaInvalidFormat(raw)}` };
}

/** One step of Joda's `dateTimeNoMillis()` format: how many characters it takes at `pos`, or -1. */
type Step = (text: string, pos: number) => number;

const digits =
  (count: number): Step =>
  (text, pos) => {
    for (let i = 0; i < count; i++) {
      const code = text.charCodeAt(pos + i);
      if (Number.isNaN(code)) return i === 0 ? -1 : -2;
      if (code < 0x30 || code > 0x39) return -1;
    }
    return count;
  };

const literal =
  (char: string): Step =>
  (text, pos) =>
    text[pos]?.toLowerCase() === char.toLowerCase() ? 1 : -1;

const zone: Step = (text, pos) => {
  const rest = text.slice(pos);
  if (/^[Zz]/.test(rest)) return 1;
  const match = /^[+-]\d{2}(?::?\d{2})?/.exec(rest);
  if (match) return match[0].length;
  return /^[+-]\d?$/.test(rest) ? -2 : -1;
};

const NO_MILLIS: Step[] = [
  digits(4), literal('-'), digits(2), literal('-'), digits(2), literal('T'),
  digits(2), literal(':'), digits(2), literal(':'), digits(2), zone,
];

/**
 * The message of Joda's `IllegalArgumentException` for text that does not parse: `is too short` when the
 * text ends early, `is malformed at "<rest>"` at the first unexpected character.
 */
export function jodaInvalidFormat(raw: string): string {
  let pos = 0;
  for (const step of NO_MILLIS) {
    if (pos >= raw.length) return `Invalid format: "${raw}" is too short`;
    const taken = step(raw, pos);
    if (taken === -2) return `Invalid format: "${raw}" is too short`;
    if (taken < 0) break;
    pos += taken;
  }
  if (pos === 0) return `Invalid format: "${raw}"`;
  if (pos >= raw.length) return `Invalid format: "${raw}" contains an invalid field value`;
  return `Invalid format: "${raw}" is malformed at "${raw.slice(pos)}"`;
}
