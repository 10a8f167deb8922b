import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJson, parseJsonValue } from '../../src/native/events/json.js';
import { JsonSyntaxError, renderJson } from '../../src/native/events/index.js';

/**
 * Text `JSON.parse` refuses is read as json4s-native's JsonParser reads it (3.2.11 to 3.6; json4s
 * issue 613 lists two of its acceptances): these are the cases its tokenizer and value stack decide.
 */
const json4s = (text: string) => renderJson(parseJson(text));

describe("json4s-native's dialect", () => {
  it.each([
    ['{"user": "u5" "from": 0}', '{"user":"u5","from":0}'],
    ['{"a":1 "b":2,}', '{"a":1,"b":2}'],
    ['{"a": [1 2,,3,], }', '{"a":[1,2,3]}'],
    ['[,]', '[]'],
    ['{"a" 1}', '{"a":1}'],
    ['{"a":: 1}', '{"a":1}'],
    ['{"a":1"b":true"c":null}', '{"a":1,"b":true,"c":null}'],
    ['{"a": +5, "b": 1., "c": 007, "d": -.5, "e": 1.e2}', '{"a":5,"b":1.0,"c":7,"d":-0.5,"e":100.0}'],
    ['{"a": 4.0 "b": 99999999999999999999}', '{"a":4.0,"b":99999999999999999999}'],
    ['{"a": "x\ny\t"}', '{"a":"x\\ny\\t"}'],
    ['{"a": "\\q" "b": "\\u+04A"}', '{"a":"\\\\","b":"J"}'],
    ['{"a":{} "b":[] "c":1}', '{"a":{},"b":[],"c":1}'],
    ['{:}', '{}'],
    ['{"a":1} :', '{"a":1}'],
    ['{"a":1}{"b":2}', '{"b":2}'],
    ['{"a":1} {', '{"a":1}'],
    ['{"a":[1}}', '{"a":[1]}'],
    ['[}', '[]'],
  ])('accepts %s', (text, rendered) => {
    expect(json4s(text)).toBe(rendered);
  });

  it.each([
    '{a: 1}',
    "{'a': 1}",
    '{"a": .5}',
    '{"a" "b"}',
    '{"a":}',
    '{"a"}',
    '{"a":{:} "c":1}',
    '{"a": tru}',
    '{"a": nul}',
    '[1: 2]',
    '{"a": 1 2}',
    '{"a": 1-2}',
    '{"a": 1x}',
    '{"a": 1e400 ,}',
    '{"a": "\\u-001"}',
    '{"a": 1} x',
    '{"a": 1} 5',
    '{"a": 1}}',
    '{"a": 1',
    '{"a": "open',
    '+5 ,',
    ' , ',
    '{"a": /* comment */ 1,}',
  ])('rejects %s with the JSON.parse message', (text) => {
    let strictMessage = '';
    try {
      JSON.parse(text);
    } catch (error) {
      strictMessage = (error as Error).message;
    }
    expect(() => parseJson(text)).toThrow(new JsonSyntaxError(strictMessage));
  });

  it('leaves JSON.parse-able text to the fast path (top-level scalars stay accepted)', () => {
    expect(parseJson('5')).toBe(5);
    expect(json4s('{"a":1.0}')).toBe('{"a":1.0}');
  });

  it('refuses nesting deeper than the limit, naming it, without overflowing the stack', () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)},`;
    expect(json4s(deep(MAX_JSON_DEPTH))).toMatch(/^\[\[/);
    expect(() => parseJson(deep(MAX_JSON_DEPTH + 1))).toThrow(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(() => parseJson(`${'{"a":'.repeat(200_000)}`)).toThrow(JsonSyntaxError);
  });

  it('gives engines plain values (numbers as JS numbers)', () => {
    expect(parseJsonValue('{"user": "u5" "num": 2.0 "big": 12345678901234567890}')).toEqual({ user: 'u5', num: 2, big: Number('12345678901234567890') });
    expect(parseJsonValue('{"user": "u5"}')).toEqual({ user: 'u5' });
  });
});
