import { describe, expect, it } from 'vitest';
import { MalformedQueryParamError, optionalBoolean, optionalInt32, parseQueryString } from '../../src/native/eventserver/query.js';
import { jodaInvalidFormat, parseTimeParam } from '../../src/native/eventserver/time-param.js';

describe('query parameters', () => {
  it('keeps the first occurrence, decodes + as a space and keeps empty values', () => {
    expect({ ...parseQueryString('a=1&a=2&b=x+y&c=%2B&accessKey=&flag') }).toEqual({ a: '1', b: 'x y', c: '+', accessKey: '', flag: '' });
    expect({ ...parseQueryString('') }).toEqual({});
    expect({ ...parseQueryString('k=%E2%82%AC&bad=%zz&&=x') }).toEqual({ k: '€', bad: '%zz', '': 'x' });
  });

  it('parses 32-bit integers and rejects everything else with the spray message', () => {
    expect(optionalInt32({ limit: '-1' }, 'limit')).toBe(-1);
    expect(optionalInt32({ limit: '2147483647' }, 'limit')).toBe(2147483647);
    expect(optionalInt32({}, 'limit')).toBeUndefined();
    for (const raw of ['abc', '1.5', '2147483648', '', ' 1']) {
      expect(() => optionalInt32({ limit: raw }, 'limit')).toThrow(MalformedQueryParamError);
    }
    expect(() => optionalInt32({ limit: 'abc' }, 'limit')).toThrow(
      "The query parameter 'limit' was malformed:\n'abc' is not a valid 32-bit signed integer value",
    );
  });

  it('parses booleans', () => {
    expect(optionalBoolean({ reversed: 'true' }, 'reversed')).toBe(true);
    expect(optionalBoolean({ reversed: 'False' }, 'reversed')).toBe(false);
    expect(() => optionalBoolean({ reversed: 'maybe' }, 'reversed')).toThrow("'maybe' is not a valid Boolean value");
  });
});

describe('time parameters', () => {
  it('accepts ISO-8601 with a zone', () => {
    const parsed = parseTimeParam('2014-11-01T09:39:45.618-08:00');
    expect(parsed).toEqual({ ok: true, date: new Date('2014-11-01T17:39:45.618Z') });
  });

  it.each([
    ['2014-11-01', 'Invalid format: "2014-11-01" is too short'],
    ['2014-11-01T09:39:45', 'Invalid format: "2014-11-01T09:39:45" is too short'],
    ['2014-11-01T09:39:45.618', 'Invalid format: "2014-11-01T09:39:45.618" is malformed at ".618"'],
    ['2014-11-01X09:39:45Z', 'Invalid format: "2014-11-01X09:39:45Z" is malformed at "X09:39:45Z"'],
    ['abc', 'Invalid format: "abc"'],
  ])('reports %s like Joda', (raw, message) => {
    expect(jodaInvalidFormat(raw)).toBe(message);
    expect(parseTimeParam(raw)).toEqual({ ok: false, message: `java.lang.IllegalArgumentException: ${message}` });
  });
});
