import { describe, expect, it } from 'vitest';
import {
  javaDoubleToString,
  json4sDebugString,
  JsonNumber,
  JsonSyntaxError,
  parseJson,
  renderJson,
  toPlainJson,
} from '../../src/native/events/index.js';

describe('javaDoubleToString', () => {
  it.each([
    [5, '5.0'],
    [4.56, '4.56'],
    [1e-4, '1.0E-4'],
    [1e10, '1.0E10'],
    [100, '100.0'],
    [0.001, '0.001'],
    [9999999, '9999999.0'],
    [1e7, '1.0E7'],
    [12345678.9, '1.23456789E7'],
    [-1.5, '-1.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1.2345e-7, '1.2345E-7'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1.7976931348623157e308, '1.7976931348623157E308'],
  ])('%d → %s', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
  });
});

describe('parseJson / renderJson', () => {
  it('keeps doubles and big integers as json4s renders them', () => {
    const node = parseJson('{"a":5.0,"b":1e2,"c":12345678901234567890,"d":[1.50,-0.0],"e":7,"f":"x:1.0}"}');
    expect(renderJson(node)).toBe('{"a":5.0,"b":100.0,"c":12345678901234567890,"d":[1.5,-0.0],"e":7,"f":"x:1.0}"}');
    expect(toPlainJson(node)).toEqual({ a: 5, b: 100, c: 12345678901234567000, d: [1.5, -0], e: 7, f: 'x:1.0}' });
  });

  it('uses the fast path (plain values) when no number needs keeping', () => {
    const node = parseJson('{"eventTime":"2014-11-01T09:39:45.618-08:00","n":[1,2,{"x":-3}],"s":"1.5"}');
    expect(node).toEqual({ eventTime: '2014-11-01T09:39:45.618-08:00', n: [1, 2, { x: -3 }], s: '1.5' });
    expect(renderJson(node)).toBe('{"eventTime":"2014-11-01T09:39:45.618-08:00","n":[1,2,{"x":-3}],"s":"1.5"}');
  });

  it('finds number tokens next to whitespace and at the top level', () => {
    expect(renderJson(parseJson('{ "a" :  2.0 \n}'))).toBe('{"a":2.0}');
    expect(renderJson(parseJson('[ 1 , 2.50 ]'))).toBe('[1,2.5]');
    expect(parseJson('3.0')).toBeInstanceOf(JsonNumber);
  });

  it('keeps string escapes, unicode and a __proto__ member as data', () => {
    const node = parseJson('{"__proto__":{"x":1.0},"q":"a\\"b\\\\c\\u00e9\\n"}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(node)).toBe(Object.prototype);
    expect(Object.keys(node)).toEqual(['__proto__', 'q']);
    expect(renderJson(node as never)).toBe('{"__proto__":{"x":1.0},"q":"a\\"b\\\\cé\\n"}');
  });

  it('duplicate members: the last occurrence wins', () => {
    expect(renderJson(parseJson('{"a":1,"a":2.0}'))).toBe('{"a":2.0}');
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 2 });
  });

  it('rejects text that is not JSON, and doubles out of range', () => {
    expect(() => parseJson('{"a":1,,')).toThrow(JsonSyntaxError);
    expect(() => parseJson('{"a":')).toThrow(JsonSyntaxError);
    expect(() => parseJson('')).toThrow(JsonSyntaxError);
    expect(() => parseJson('{"a":1e400}')).toThrow(/out of range/);
  });

  it('renders json4s debug forms for error messages', () => {
    expect(json4sDebugString(true)).toBe('JBool(true)');
    expect(json4sDebugString(parseJson('[1,2.0,"x",null,{"k":false}]'))).toBe(
      'JArray(List(JInt(1), JDouble(2.0), JString(x), JNull, JObject(List((k,JBool(false))))))',
    );
  });
});
