import { PLAIN } from './messages.js';

/** Query parameters as upstream sees them: the first occurrence of a name wins, `+` decodes to a space. */
export type QueryParams = Readonly<Record<string, string>>;

/**
 * The last query string parsed and its (frozen) result: clients send the same `?accessKey=…` with every
 * event, so the hot insert path parses it once per client change instead of once per request.
 */
let last: { raw: string; params: QueryParams } = { raw: '', params: Object.freeze(Object.create(null) as Record<string, string>) };

export function parseQueryString(raw: string): QueryParams {
  if (raw === last.raw) return last.params;
  const params = Object.freeze(parseQueryStringFresh(raw));
  last = { raw, params };
  return params;
}

function parseQueryStringFresh(raw: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (raw === '') return params;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals < 0 ? pair : pair.slice(0, equals));
    if (name in params) continue;
    params[name] = equals < 0 ? '' : decodeComponent(pair.slice(equals + 1));
  }
  return params;
}

/** Form-style decoding (`+` is a space); malformed escapes are kept as written, as URLSearchParams does. */
function decodeComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
      try {
        return decodeURIComponent(escape);
      } catch {
        return escape;
      }
    });
  }
}

/** A typed query parameter that did not parse; answered with 400 and a plain-text body (BEHAVIOUR.md#event-server-http). */
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
