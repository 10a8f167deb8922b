import { PLAIN } from './messages.js';

/** Query parameters as upstream sees them: the first occurrence of a name wins, `+` decodes to a space. */
export type QueryParams = Readonly<Record<string, string>>;

export function parseQueryString(raw: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (raw === '') return params;
  for (const [name, value] of new URLSearchParams(raw)) {
    if (!(name in params)) params[name] = value;
  }
  return params;
}

/** A typed query parameter that did not parse; answered with 400 and a plain-text body (§2.1). */
export class MalformedQueryParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedQueryParamError';
  }
}

const INT32 = /^[+-]?\d+$/;

export function optionalInt32(params: QueryParams, name: string): number | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  const value = INT32.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value > 2147483647 || value < -2147483648) {
    throw new MalformedQueryParamError(PLAIN.malformedInt(name, raw));
  }
  return value;
}

/** Spray's Boolean deserializer accepts these spellings, case-insensitively. */
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

export function optionalBoolean(params: QueryParams, name: string): boolean | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new MalformedQueryParamError(PLAIN.malformedBoolean(name, raw));
}
