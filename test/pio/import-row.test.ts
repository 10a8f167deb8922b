import { describe, expect, it } from 'vitest';
import { decodeEventJson, InvalidEventError } from '../../src/native/events/index.js';
import { ImportRowEncoder } from '../../src/native/pio/import-row.js';
import { CopyRowWriter, writeImportRow } from '../../src/native/storage/copy-rows.js';

/**
 * The import fast path (JSON.parse straight to a binary COPY row) must write exactly the bytes of the
 * complete path (decodeEventJson + writeImportRow) for every line, and reject exactly the same lines
 * with the same messages.
 */

const now = new Date('2021-05-06T07:08:09.123Z');

function fastRow(line: string): { bytes: Buffer; fast: boolean } {
  const writer = new CopyRowWriter(64);
  const encoder = new ImportRowEncoder(writer);
  encoder.setNow(now);
  encoder.encode(line);
  return { bytes: Buffer.concat(writer.take()), fast: encoder.fastLines === 1 };
}

function completeRow(line: string): Buffer {
  const writer = new CopyRowWriter(64);
  writeImportRow(writer, decodeEventJson(line, { now }));
  return Buffer.concat(writer.take());
}

/** Reads binary COPY rows back: text fields as strings, 8-byte fields as epoch millis, NULL as null. */
function readRows(bytes: Buffer): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const count = bytes.readInt16BE(pos);
    pos += 2;
    const row: (string | number | null)[] = [];
    for (let field = 0; field < count; field++) {
      const length = bytes.readInt32BE(pos);
      pos += 4;
      if (length === -1) {
        row.push(null);
      } else if (field === 7 || field === 11) {
        expect(length).toBe(8);
        const micros = bytes.readBigInt64BE(pos);
        // Whole milliseconds, exactly (also far from 2000, where millis * 1000 exceeds 2^53).
        expect(micros % 1000n).toBe(0n);
        row.push(Number(micros / 1000n) + Date.UTC(2000, 0, 1));
      } else {
        row.push(bytes.toString('utf8', pos, pos + length));
      }
      pos += Math.max(length, 0);
    }
    rows.push(row);
  }
  return rows;
}

const withId = (fields: Record<string, unknown>) => JSON.stringify({ eventId: 'e1', event: 'rate', entityType: 'user', entityId: 'u1', ...fields });

describe('import fast path', () => {
  it('writes the columns of a common event, and takes the fast path for it', () => {
    const line =
      '{"eventId":"abc","event":"rate","entityType":"user","entityId":"u1","targetEntityType":"item","targetEntityId":"i1",' +
      '"properties":{"rating":4,"tags":["a","b"]},"eventTime":"2014-11-02T09:39:45.618-08:00","prId":"p1"}';
    const { bytes, fast } = fastRow(line);
    expect(fast).toBe(true);
    expect(readRows(bytes)).toEqual([
      [
        'abc',
        'rate',
        'user',
        'u1',
        'item',
        'i1',
        '{"rating":4,"tags":["a","b"]}',
        Date.parse('2014-11-02T17:39:45.618Z'),
        '-08:00',
        null,
        'p1',
        now.getTime(),
        'UTC',
      ],
    ]);
    expect(bytes.equals(completeRow(line))).toBe(true);
  });

  it('generates a 32-hex-digit version 4 id when none is given, NULL for empty properties, now for a missing eventTime', () => {
    for (const line of [
      '{"event":"$set","entityType":"user","entityId":"u1","properties":{}}',
      '{"eventId":"","event":"$set","entityType":"user","entityId":"u1","properties":{}}',
    ]) {
      const { bytes, fast } = fastRow(line);
      expect(fast).toBe(true);
      const [row] = readRows(bytes);
      expect(row![0]).toMatch(/^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
      expect(row!.slice(1)).toEqual(['$set', 'user', 'u1', null, null, null, now.getTime(), 'UTC', null, null, now.getTime(), 'UTC']);
      expect(readRows(completeRow(line))[0]!.slice(1)).toEqual(row!.slice(1));
    }
  });

  it('writes timestamps far from 2000 exactly', () => {
    for (const time of ['0001-01-01T00:00:00.001Z', '1700-06-15T12:00:00.999Z', '2299-01-01T00:00:00.007Z', '9999-12-31T23:59:59.999Z']) {
      const { bytes } = fastRow(withId({ eventTime: time }));
      expect(readRows(bytes)[0]![7]).toBe(Date.parse(time));
    }
  });

  it.each([
    ['a double written with .0', '{"rating":4.0}', '{"rating":4.0}'],
    ['an exponent', '{"a":1e2,"b":1E+2,"c":2.5e-7}', '{"a":100.0,"b":100.0,"c":2.5E-7}'],
    ['a big integer', '{"id":12345678901234567890123}', '{"id":12345678901234567890123}'],
    ['16 digits', '{"id":1234567890123456}', '{"id":1234567890123456}'],
    ['nested doubles', '{"v":[1.0,{"w":-0.5}]}', '{"v":[1.0,{"w":-0.5}]}'],
  ])('keeps %s byte-exact (via the lossless parser)', (_name, properties, stored) => {
    const line = `{"eventId":"n","event":"rate","entityType":"user","entityId":"u1","properties":${properties}}`;
    const { bytes, fast } = fastRow(line);
    expect(fast).toBe(false);
    expect(readRows(bytes)[0]![6]).toBe(stored);
    expect(bytes.equals(completeRow(line))).toBe(true);
  });

  it.each([
    ['unicode', withId({ entityId: 'ü\u00e9\u{1F600}漢', properties: { name: 'Zoë 😀' } })],
    ['escapes in strings', withId({ entityId: 'tab\there\nnew\\back"quote', properties: { 'k\ney': 'a\tb\\c\r"d' } })],
    ['\\u escapes as written', '{"eventId":"u","event":"rate","entityType":"user","entityId":"\\u0041\\u00e9","properties":{"x":"\\u2028\\u0001"}}'],
    ['a lone surrogate in properties', '{"eventId":"s","event":"rate","entityType":"user","entityId":"u","properties":{"x":"\\udc00"}}'],
    ['a NUL in properties', '{"eventId":"n","event":"rate","entityType":"user","entityId":"u","properties":{"x":"a\\u0000b"}}'],
    ['integers JSON.parse keeps', withId({ properties: { a: 0, b: -7, c: 9007199254740991, d: 123456789012345 } })],
    ['numbers inside strings', withId({ properties: { a: '4.0', b: '1e2' }, entityId: '12345678901234567890' })],
    ['null, booleans and nesting', withId({ properties: { a: null, b: true, c: [false, { d: [] }], e: {} } })],
    ['integer-like keys', withId({ properties: { b: 1, 2: 'two', 1: 'one' } })],
    ['a __proto__ key', '{"eventId":"p","event":"rate","entityType":"user","entityId":"u","properties":{"__proto__":{"x":1}}}'],
    ['duplicate keys', '{"eventId":"d","event":"rate","entityType":"user","entityId":"u","entityId":"v","properties":{"a":1,"a":2}}'],
    ['whitespace', '  { "eventId" : "w" , "event":"rate" ,"entityType":"user","entityId":"u", "properties" : { "a" : [ 1 , 2 ] } }  '],
    ['null optionals', withId({ targetEntityType: null, targetEntityId: null, prId: null, eventTime: null, properties: null })],
    ['numbers as ids (json4s coercion)', '{"eventId":"c","event":"rate","entityType":"user","entityId":1,"targetEntityType":"item","targetEntityId":2.50}'],
    ['$unset with properties', withId({ event: '$unset', properties: { a: null } })],
    ['$delete', withId({ event: '$delete' })],
    ['the pio_pr entity type', withId({ entityType: 'pio_pr', targetEntityType: 'pio_pr', targetEntityId: 'x' })],
    ['unknown fields', withId({ tags: ['ignored'], creationTime: '2000-01-01T00:00:00Z', extra: 1.5 })],
    ['a zoned eventTime', withId({ eventTime: '2014-11-02T09:39:45.618+05:30' })],
    ['a lowercase t/z eventTime', withId({ eventTime: '2014-11-02t09:39:45.618z' })],
    ['an eventTime without millis', withId({ eventTime: '2014-11-02T09:39:45Z' })],
    ['an eventTime with micros', withId({ eventTime: '2014-11-02T09:39:45.123456Z' })],
    ['a leap day', withId({ eventTime: '2016-02-29T00:00:00.000Z' })],
    ['year 0001', withId({ eventTime: '0001-01-01T00:00:00.000Z' })],
    ['year 0099', withId({ eventTime: '0099-12-31T23:59:59.999Z' })],
    ['year 9999', withId({ eventTime: '9999-12-31T23:59:59.999Z' })],
  ])('writes %s exactly as the complete decoder', (_name, line) => {
    expect(fastRow(line).bytes.equals(completeRow(line))).toBe(true);
  });

  it.each([
    ['not JSON', '{"event":'],
    ['not an object', '[1,2]'],
    ['a JSON string', '"x"'],
    ['a missing field', '{"event":"rate","entityType":"user"}'],
    ['a null required field', '{"event":null,"entityType":"user","entityId":"u"}'],
    ['a wrong type', '{"event":"rate","entityType":"user","entityId":true}'],
    ['an array as properties', '{"event":"rate","entityType":"user","entityId":"u","properties":[1]}'],
    ['a string as properties', '{"event":"rate","entityType":"user","entityId":"u","properties":"x"}'],
    ['an empty event', '{"event":"","entityType":"user","entityId":"u"}'],
    ['an empty entityType', '{"event":"rate","entityType":"","entityId":"u"}'],
    ['an empty entityId', '{"event":"rate","entityType":"user","entityId":""}'],
    ['an empty targetEntityType', '{"event":"rate","entityType":"user","entityId":"u","targetEntityType":"","targetEntityId":"i"}'],
    ['a target type alone', '{"event":"rate","entityType":"user","entityId":"u","targetEntityType":"item"}'],
    ['a target id alone', '{"event":"rate","entityType":"user","entityId":"u","targetEntityId":"i"}'],
    ['$unset without properties', '{"event":"$unset","entityType":"user","entityId":"u"}'],
    ['$unset with empty properties', '{"event":"$unset","entityType":"user","entityId":"u","properties":{}}'],
    ['a reserved event name', '{"event":"$other","entityType":"user","entityId":"u"}'],
    ['a pio_ event name', '{"event":"pio_x","entityType":"user","entityId":"u"}'],
    ['$set with a target', '{"event":"$set","entityType":"user","entityId":"u","targetEntityType":"item","targetEntityId":"i"}'],
    ['a reserved entityType', '{"event":"rate","entityType":"pio_user","entityId":"u"}'],
    ['a reserved targetEntityType', '{"event":"rate","entityType":"user","entityId":"u","targetEntityType":"$item","targetEntityId":"i"}'],
    ['a reserved property', '{"event":"rate","entityType":"user","entityId":"u","properties":{"pio_x":1}}'],
    ['a $ property', '{"event":"rate","entityType":"user","entityId":"u","properties":{"ok":1,"$x":1}}'],
    ['a bad eventTime', '{"event":"rate","entityType":"user","entityId":"u","eventTime":"2014-13-02T09:39:45.618Z"}'],
    ['February 30', '{"event":"rate","entityType":"user","entityId":"u","eventTime":"2015-02-29T00:00:00.000Z"}'],
    ['a numeric eventTime', '{"event":"rate","entityType":"user","entityId":"u","eventTime":1}'],
    ['a lone surrogate in a field', '{"event":"rate","entityType":"user","entityId":"\\ud800"}'],
    ['a NUL in a field', '{"event":"rate","entityType":"user","entityId":"u\\u0000"}'],
  ])('rejects %s with the complete decoder’s message', (_name, line) => {
    let expected: unknown;
    try {
      decodeEventJson(line, { now });
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(InvalidEventError);
    expect(() => fastRow(line)).toThrow(expected);
  });

  it('agrees with the complete decoder on thousands of random events', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const strings = ['a', 'user', '$set', '$unset', '$delete', 'pio_pr', 'pio_x', '', 'é', '\t', '\\', 'x"y', '😀'];
    const values = [0, 1, -1, 4.5, 1e21, 2 ** 53, 'v', '', null, true, [], [1.5], { n: { m: 2 } }];
    const numberTexts = ['4.0', '1e2', '12345678901234567', '-0', '0.1'];
    let fast = 0;
    for (let i = 0; i < 3000; i++) {
      const fields: Record<string, unknown> = { eventId: `id${i}` };
      // Half the events are valid but for chance; the others have any value anywhere.
      const wild = random() < 0.5;
      for (const name of ['event', 'entityType', 'entityId', 'targetEntityType', 'targetEntityId', 'prId']) {
        const r = random();
        if (!wild) fields[name] = name.startsWith('target') || name === 'prId' ? (r < 0.5 ? undefined : pick(['a', 'é'])) : pick(['a', 'view', '😀', 'x"y']);
        else if (r < 0.75) fields[name] = pick(strings);
        else if (r < 0.85) fields[name] = null;
        else if (r < 0.9) fields[name] = pick(values);
      }
      if (!wild && fields.targetEntityType !== undefined) fields.targetEntityId = 'i';
      if (!wild && fields.targetEntityId !== undefined) fields.targetEntityType = 'item';
      if (random() < 0.9) {
        const properties: Record<string, unknown> = {};
        const keys = Math.floor(random() * 4);
        for (let k = 0; k < keys; k++) properties[pick(['a', 'b', '1', 'pio_x', '$y', 'é'])] = pick(values);
        fields.properties = properties;
      }
      if (random() < 0.5) {
        fields.eventTime = pick([
          '2020-01-01T00:00:00.000Z',
          '2020-02-30T00:00:00.000Z',
          '2020-06-01T12:30:00+02:00',
          '2020-06-01T12:30:00.5Z',
          'yesterday',
        ]);
      }
      let line = JSON.stringify(fields);
      // Number tokens JSON.stringify never writes.
      if (random() < 0.2) line = line.replace(/"eventId":"/, `"n":${pick(numberTexts)},"eventId":"`);
      if (random() < 0.2 && line.includes('"properties":{')) {
        line = line.replace('"properties":{', `"properties":{"t":${pick(numberTexts)},`);
      }
      let expected: Buffer | Error;
      try {
        expected = completeRow(line);
      } catch (error) {
        expected = error as Error;
      }
      if (expected instanceof Error) {
        expect(() => fastRow(line), line).toThrow(expected);
      } else {
        const actual = fastRow(line);
        if (actual.fast) fast++;
        expect(actual.bytes.equals(expected), line).toBe(true);
      }
    }
    // The corpus exercises the fast path, not only the fallback.
    expect(fast).toBeGreaterThan(300);
  });
});
