import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { UserError } from '../lib/errors.js';

/**
 * The smoke-test query file: JSON Lines, one query per line (blank lines and lines starting with `#`
 * are skipped). Each line POSTs `query` to /queries.json and checks the answer:
 *
 *   {"query": {...}, "expect": {...}}                     the JSON answer deep-equals `expect`
 *   {"query": {...}, "expectKeys": ["a", "b"]}            the answer is an object with these keys
 *   {"query": {...}, "match": {"path": "itemScores.length", "gte": 1}}
 *                                                         each predicate holds (one object or an array)
 *   {"query": {...}, "expectStatus": 400}                 the HTTP status (default 200)
 *   "name": "..."                                          optional label for the report
 *
 * A predicate names a `path` into the answer (dot-separated keys, array indexes, `length`) and any of
 * `equals` (deep), `oneOf`, `gt`, `gte`, `lt`, `lte` (numbers), `type` (`number`, `string`, `boolean`,
 * `object`, `array`, `null`) and `exists` (true/false). With no expectation at all, status 200 passes.
 */

const jsonValue: z.ZodType<unknown> = z.unknown();
const VALUE_TYPES = ['number', 'string', 'boolean', 'object', 'array', 'null'] as const;

const predicateSchema = z
  .object({
    path: z.string().min(1),
    equals: jsonValue.optional(),
    oneOf: z.array(jsonValue).min(1).optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    type: z.enum(VALUE_TYPES).optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine((predicate) => Object.keys(predicate).length > 1, {
    message: 'a predicate needs a check besides "path" (equals, oneOf, gt, gte, lt, lte, type or exists)',
  });

export const querySpecSchema = z
  .object({
    name: z.string().optional(),
    query: jsonValue.refine((value) => value !== undefined, { message: '"query" is required' }),
    expect: jsonValue.optional(),
    expectKeys: z.array(z.string()).optional(),
    expectStatus: z.number().int().min(100).max(599).optional(),
    match: z.union([predicateSchema, z.array(predicateSchema)]).optional(),
  })
  .strict();

export type Predicate = z.infer<typeof predicateSchema>;
export type QuerySpec = z.infer<typeof querySpecSchema>;

export interface QueryLine {
  /** 1-based line number in the file. */
  line: number;
  spec: QuerySpec;
}

export function parseQueries(text: string, source: string): QueryLine[] {
  const result: QueryLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UserError(`${where} is not valid JSON: ${(error as Error).message}`, {
        hint: 'Each line is one JSON object, e.g. {"query": {"user": "1"}, "expectKeys": ["itemScores"]}.',
      });
    }
    const parsed = querySpecSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
      throw new UserError(`${where} is not a query line: ${issue?.message ?? 'invalid'}${at}`, {
        hint: 'Use {"query": {...}} with "expect", "expectKeys", "match" or "expectStatus"; see pio-deploy smoke --help.',
      });
    }
    result.push({ line: index + 1, spec: parsed.data });
  });
  if (result.length === 0) {
    throw new UserError(`${source} has no queries.`, {
      hint: 'Add one JSON line per query, e.g. {"query": {"voice_usage": 12, "data_usage": 0, "text_usage": 4}}.',
    });
  }
  return result;
}

export async function readQueriesFile(file: string): Promise<QueryLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read the queries file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'Pass --queries <file> with one JSON query per line.',
    });
  }
  return parseQueries(text, file);
}

/** A query's answer as received: status and body (parsed JSON, or the raw text when it is not JSON). */
export interface Answer {
  status: number;
  body: unknown;
  isJson: boolean;
}

/** Every failed check of one answer, as short sentences; empty when the answer passes. */
export function checkAnswer(spec: QuerySpec, answer: Answer): string[] {
  const failures: string[] = [];
  const wantStatus = spec.expectStatus ?? 200;
  if (answer.status !== wantStatus) failures.push(`status ${answer.status}, expected ${wantStatus}`);
  const checksBody = spec.expect !== undefined || spec.expectKeys !== undefined || spec.match !== undefined;
  if (!checksBody) return failures;
  if (!answer.isJson) {
    failures.push('the answer is not JSON');
    return failures;
  }
  if (spec.expect !== undefined && !isDeepStrictEqual(answer.body, spec.expect)) {
    failures.push(`expected ${compact(spec.expect)}`);
  }
  if (spec.expectKeys) {
    const isObject = typeof answer.body === 'object' && answer.body !== null && !Array.isArray(answer.body);
    const missing = spec.expectKeys.filter((key) => !isObject || !Object.hasOwn(answer.body as object, key));
    if (missing.length > 0) failures.push(`missing key${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
  }
  const predicates = spec.match === undefined ? [] : Array.isArray(spec.match) ? spec.match : [spec.match];
  for (const predicate of predicates) failures.push(...checkPredicate(predicate, answer.body));
  return failures;
}

const MISSING = Symbol('missing');

/** Follows `a.b.0.length` into a JSON value; MISSING when a step does not exist. */
export function valueAtPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const step of path.split('.')) {
    if (Array.isArray(current)) {
      if (step === 'length') current = current.length;
      else if (/^\d+$/.test(step) && Number(step) < current.length) current = current[Number(step)];
      else return MISSING;
    } else if (typeof current === 'string' && step === 'length') {
      current = current.length;
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, step)) {
      current = (current as Record<string, unknown>)[step];
    } else {
      return MISSING;
    }
  }
  return current;
}

function typeOf(value: unknown): (typeof VALUE_TYPES)[number] | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'number' || type === 'string' || type === 'boolean' || type === 'object' ? type : 'other';
}

function checkPredicate(predicate: Predicate, body: unknown): string[] {
  const value = valueAtPath(body, predicate.path);
  const at = predicate.path;
  if (predicate.exists === false) return value === MISSING ? [] : [`${at} exists (expected it absent)`];
  if (value === MISSING) return [`${at} is missing`];
  const failures: string[] = [];
  if (predicate.type !== undefined && typeOf(value) !== predicate.type) {
    failures.push(`${at} is ${typeOf(value)}, expected ${predicate.type}`);
  }
  if (predicate.equals !== undefined && !isDeepStrictEqual(value, predicate.equals)) {
    failures.push(`${at} is ${compact(value)}, expected ${compact(predicate.equals)}`);
  }
  if (predicate.oneOf && !predicate.oneOf.some((candidate) => isDeepStrictEqual(value, candidate))) {
    failures.push(`${at} is ${compact(value)}, expected one of ${compact(predicate.oneOf)}`);
  }
  const bounds: Array<[keyof Predicate, string, (a: number, b: number) => boolean]> = [
    ['gt', '>', (a, b) => a > b],
    ['gte', '≥', (a, b) => a >= b],
    ['lt', '<', (a, b) => a < b],
    ['lte', '≤', (a, b) => a <= b],
  ];
  for (const [key, symbol, holds] of bounds) {
    const bound = predicate[key];
    if (typeof bound !== 'number') continue;
    if (typeof value !== 'number') failures.push(`${at} is ${compact(value)}, expected a number ${symbol} ${bound}`);
    else if (!holds(value, bound)) failures.push(`${at} is ${value}, expected ${symbol} ${bound}`);
  }
  return failures;
}

/** One-line JSON, cut to a readable length for the report. */
export function compact(value: unknown, max = 120): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
