import { describe, expect, it } from 'vitest';
import { isUserError } from '../../src/lib/errors.js';
import { checkAnswer, parseQueries, valueAtPath, type QuerySpec } from '../../src/lifecycle/queries.js';
import { templateInfo, TEMPLATE_NAMES } from '../../src/lifecycle/templates.js';

const ok = (body: unknown, status = 200) => ({ status, body, isJson: true });

function parseError(text: string): string {
  try {
    parseQueries(text, 'q.jsonl');
  } catch (error) {
    expect(isUserError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected parseQueries to fail');
}

describe('queries file', () => {
  it('reads JSON lines, skipping blanks and # comments, keeping line numbers', () => {
    const lines = parseQueries(
      '# demo\n\n{"query": {"user": "1"}, "expectKeys": ["itemScores"]}\n  {"name": "bad", "query": {}, "expectStatus": 400}\n',
      'q.jsonl',
    );
    expect(lines.map((line) => line.line)).toEqual([3, 4]);
    expect(lines[1]?.spec).toEqual({ name: 'bad', query: {}, expectStatus: 400 });
  });

  it('names the file and line of bad input', () => {
    expect(parseError('{"query": {}}\n{not json}')).toMatch(/^q\.jsonl line 2 is not valid JSON/);
    expect(parseError('{"expect": {}}')).toMatch(/q\.jsonl line 1 is not a query line: "query" is required/);
    expect(parseError('{"query": {}, "expected": {}}')).toMatch(/line 1 is not a query line/);
    expect(parseError('{"query": {}, "match": {"path": "a"}}')).toMatch(/needs a check besides "path"/);
    expect(parseError('# only a comment\n')).toMatch(/has no queries/);
  });

  it('ships valid queries for every template', () => {
    for (const name of TEMPLATE_NAMES) {
      const text = templateInfo(name).queries.map((query) => JSON.stringify(query)).join('\n');
      expect(parseQueries(text, name).length).toBeGreaterThan(1);
    }
  });
});

describe('checking answers', () => {
  it('deep-equals "expect" and requires status 200 by default', () => {
    const spec: QuerySpec = { query: {}, expect: { service_plan: 0 } };
    expect(checkAnswer(spec, ok({ service_plan: 0 }))).toEqual([]);
    expect(checkAnswer(spec, ok({ service_plan: 1 }))).toEqual(['expected {"service_plan":0}']);
    expect(checkAnswer(spec, ok({ service_plan: 0, extra: true }))).toHaveLength(1);
    expect(checkAnswer(spec, ok({ service_plan: 0 }, 500))).toEqual(['status 500, expected 200']);
    expect(checkAnswer({ query: {} }, { status: 200, body: 'plain', isJson: false })).toEqual([]);
    expect(checkAnswer(spec, { status: 200, body: 'plain', isJson: false })).toEqual(['the answer is not JSON']);
  });

  it('checks expectKeys and expectStatus', () => {
    expect(checkAnswer({ query: {}, expectKeys: ['a', 'b'] }, ok({ a: 1 }))).toEqual(['missing key b']);
    expect(checkAnswer({ query: {}, expectKeys: ['a'] }, ok([1]))).toEqual(['missing key a']);
    expect(checkAnswer({ query: {}, expectStatus: 400 }, ok({ message: 'bad' }, 400))).toEqual([]);
    expect(checkAnswer({ query: {}, expectStatus: 400 }, ok({}, 200))).toEqual(['status 200, expected 400']);
  });

  it('evaluates match predicates on paths with indexes and length', () => {
    const body = { itemScores: [{ item: '62', score: 3.0 }, { item: '68', score: 2.9 }] };
    expect(valueAtPath(body, 'itemScores.length')).toBe(2);
    expect(valueAtPath(body, 'itemScores.1.item')).toBe('68');
    expect(typeof valueAtPath(body, 'itemScores.2.item')).toBe('symbol'); // missing, not undefined
    const pass: QuerySpec = {
      query: {},
      match: [
        { path: 'itemScores.length', gte: 1, lte: 2 },
        { path: 'itemScores.0.score', type: 'number', gt: 2.5 },
        { path: 'itemScores.0.item', oneOf: ['62', '7'] },
        { path: 'itemScores.1', equals: { item: '68', score: 2.9 } },
        { path: 'missing', exists: false },
      ],
    };
    expect(checkAnswer(pass, ok(body))).toEqual([]);
    const fail: QuerySpec = {
      query: {},
      match: [
        { path: 'itemScores.length', gt: 2 },
        { path: 'itemScores.0.item', type: 'number' },
        { path: 'itemScores.9', exists: true },
        { path: 'itemScores.0.item', lt: 5 },
      ],
    };
    expect(checkAnswer(fail, ok(body))).toEqual([
      'itemScores.length is 2, expected > 2',
      'itemScores.0.item is string, expected number',
      'itemScores.9 is missing',
      'itemScores.0.item is "62", expected a number < 5',
    ]);
  });
});
