import { describe, expect, it } from 'vitest';
import { controlAccess, isSameMachine, keysMatch } from '../../src/native/engineserver/control-access.js';
import { queryBodyLimitFrom } from '../../src/native/engineserver/query-body-limit.js';
import { DEFAULT_QUERY_BODY_LIMIT } from '../../src/native/engineserver/server.js';
import { JSON_LIMITS } from '../../src/native/events/json-limits.js';
import { JsonSyntaxError, MAX_JSON_DEPTH, parseJsonValue } from '../../src/native/events/json.js';

const MAX_VALUES = JSON_LIMITS.maxValues;

/** The engine server's bounds as plain functions: the query JSON reader, the control-route access rule. */

describe('query JSON limits', () => {
  it('reads real queries, lenient ones too, and exactly the limits', () => {
    expect(parseJsonValue('{"user": "u5" "num": 4, "items": ["a", "b"], "on": true, "x": null}')).toEqual({
      user: 'u5',
      num: 4,
      items: ['a', 'b'],
      on: true,
      x: null,
    });
    // Brackets, quotes and escapes inside strings are not structure.
    expect(parseJsonValue(JSON.stringify({ text: `${'['.repeat(5000)}\\"{` }))).toEqual({ text: `${'['.repeat(5000)}\\"{` });
    expect(parseJsonValue(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeInstanceOf(Array);
    // The array itself and its elements: exactly the limit.
    expect(parseJsonValue(`[${Array(MAX_VALUES - 1).fill('1').join(',')}]`)).toHaveLength(MAX_VALUES - 1);
  });

  it('refuses nesting deeper than the limit and more values than the limit, naming them, before JSON.parse', () => {
    const deep = `{"offset": 1, "ignored": ${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}}`;
    expect(() => parseJsonValue(deep)).toThrow(new JsonSyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
    const values = `JSON holding more than ${MAX_VALUES} values`;
    expect(() => parseJsonValue(`[${Array(MAX_VALUES).fill('{}').join(',')}]`)).toThrow(values);
    // Member names count, comma-less json4s text counts the same, numbers and literals count once each.
    expect(() => parseJsonValue(`{${Array(MAX_VALUES / 2).fill('"k": 1').join(' ')}}`)).toThrow(values);
    expect(() => parseJsonValue(`[${Array(MAX_VALUES).fill('true').join(' ')}]`)).toThrow(values);
    // An unterminated string is the parser's error, not a hang or a limit.
    expect(() => parseJsonValue('{"a": "b')).toThrow(JsonSyntaxError);
  });

  it('takes the body limit from PIO_ENGINE_QUERY_BODY_LIMIT, 1 MiB by default, refusing what the schema refuses', () => {
    expect(DEFAULT_QUERY_BODY_LIMIT).toBe(1024 * 1024);
    expect(queryBodyLimitFrom({})).toBe(DEFAULT_QUERY_BODY_LIMIT);
    expect(queryBodyLimitFrom({ PIO_ENGINE_QUERY_BODY_LIMIT: '4m' })).toBe(4 * 1024 * 1024);
    expect(queryBodyLimitFrom({ PIO_ENGINE_QUERY_BODY_LIMIT: '2048' })).toBe(2048);
    expect(() => queryBodyLimitFrom({ PIO_ENGINE_QUERY_BODY_LIMIT: 'lots' })).toThrow(
      "PIO_ENGINE_QUERY_BODY_LIMIT must be a size such as 512k or 4m, got 'lots'.",
    );
    expect(() => queryBodyLimitFrom({ PIO_ENGINE_QUERY_BODY_LIMIT: '10' })).toThrow('must be at least 1k');
  });
});

describe('access to /stop and /reload', () => {
  const request = (remoteAddress: string, options: { query?: unknown; headers?: Record<string, string>; localAddress?: string } = {}) => ({
    query: options.query ?? {},
    remoteAddress,
    localAddress: options.localAddress ?? '127.0.0.1',
    headers: options.headers ?? {},
  });

  it('without a server key: clients on this machine only, never a forwarded request', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
      expect(isSameMachine(address, '0.0.0.0'), address).toBe(true);
      expect(controlAccess(request(address), undefined), address).toEqual({ allowed: true });
    }
    // A client connecting from the very address it connected to is on this machine.
    expect(isSameMachine('192.0.2.2', '192.0.2.2')).toBe(true);
    expect(isSameMachine('::ffff:192.0.2.2', '192.0.2.2')).toBe(true);
    for (const address of ['192.0.2.9', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '128.0.0.1', '1127.0.0.1']) {
      expect(isSameMachine(address, '192.0.2.2'), address).toBe(false);
      expect(controlAccess(request(address, { localAddress: '192.0.2.2' }), undefined), address).toEqual({ allowed: false, status: 403 });
    }
    expect(isSameMachine(undefined, '127.0.0.1')).toBe(false);
    // The platform router connects over loopback on a local platform and says whom it forwards.
    expect(controlAccess(request('127.0.0.1', { headers: { 'x-forwarded-for': '127.0.0.1' } }), undefined)).toEqual({ allowed: false, status: 403 });
    expect(controlAccess(request('127.0.0.1', { headers: { forwarded: 'for=10.0.0.1' } }), undefined)).toEqual({ allowed: false, status: 403 });
  });

  it('with a server key: exactly that key, from anywhere', () => {
    expect(controlAccess(request('10.0.0.1', { query: { accessKey: 'k3y' } }), 'k3y')).toEqual({ allowed: true });
    for (const query of [{}, { accessKey: 'k3' }, { accessKey: 'k3y ' }, { accessKey: ['k3y', 'k3y'] }]) {
      expect(controlAccess(request('127.0.0.1', { query }), 'k3y'), JSON.stringify(query)).toEqual({ allowed: false, status: 401 });
    }
    expect(keysMatch('a'.repeat(64), 'a'.repeat(64))).toBe(true);
    expect(keysMatch('a'.repeat(63), 'a'.repeat(64))).toBe(false);
    expect(keysMatch(undefined, 'a')).toBe(false);
  });
});
