import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  decodeEventJson,
  InvalidEventError,
  parseJson,
  type DecodedEvent,
} from '../../src/native/events/index.js';

const now = new Date('2019-03-01T10:00:00.123Z');
const decode = (text: string): DecodedEvent => decodeEventJson(text, { now });
const message = (text: string): string => {
  try {
    decode(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return (error as Error).message;
  }
  throw new Error(`expected ${text} to be rejected`);
};

const DME = 'org.apache.predictionio.data.storage.DataMapException: ';
const ME = 'org.json4s.package$MappingException: ';
const IAE = 'java.lang.IllegalArgumentException: requirement failed: ';

describe('decodeEventJson', () => {
  it('decodes every field', () => {
    const event = decode(
      '{"eventId":"abc","event":"rate","entityType":"user","entityId":"u1","targetEntityType":"item",' +
        '"targetEntityId":"i1","properties":{"rating":4.0,"tags":["a"]},"eventTime":"2014-11-02T09:39:45.618-08:00",' +
        '"prId":"pr1","tags":["ignored"],"creationTime":"2000-01-01T00:00:00Z"}',
    );
    expect(event).toEqual({
      eventId: 'abc',
      event: 'rate',
      entityType: 'user',
      entityId: 'u1',
      targetEntityType: 'item',
      targetEntityId: 'i1',
      properties: { rating: 4, tags: ['a'] },
      propertiesText: '{"rating":4.0,"tags":["a"]}',
      eventTime: new Date('2014-11-02T17:39:45.618Z'),
      eventTimeZone: '-08:00',
      prId: 'pr1',
      creationTime: now,
    });
  });

  it('defaults: no eventTime → now in UTC, properties {} , optional fields absent', () => {
    const event = decode('{"event":"view","entityType":"user","entityId":"1"}');
    expect(event).toEqual({
      event: 'view',
      entityType: 'user',
      entityId: '1',
      properties: {},
      propertiesText: '{}',
      eventTime: now,
      eventTimeZone: 'UTC',
      creationTime: now,
    });
    expect(Object.keys(event)).not.toContain('eventId');
    expect(Object.keys(event)).not.toContain('targetEntityType');
  });

  it('uses the current time when no `now` is given', () => {
    const before = Date.now();
    const event = decodeEventJson('{"event":"view","entityType":"user","entityId":"1"}');
    expect(event.eventTime.getTime()).toBeGreaterThanOrEqual(before);
    expect(event.eventTime).toBe(event.creationTime);
  });

  it('coerces numbers to strings as json4s does', () => {
    const event = decode(
      '{"event":1,"entityType":"user","entityId":3,"targetEntityType":"item","targetEntityId":1.0,"eventId":12345678901234567890,"prId":1e2}',
    );
    expect(event.event).toBe('1');
    expect(event.entityId).toBe('3');
    expect(event.targetEntityId).toBe('1.0');
    expect(event.eventId).toBe('12345678901234567890');
    expect(event.prId).toBe('100.0');
  });

  it('treats null as absent for optional fields', () => {
    const event = decode(
      '{"event":"e","entityType":"t","entityId":"i","eventId":null,"targetEntityType":null,"targetEntityId":null,"properties":null,"eventTime":null,"prId":null}',
    );
    expect(event.eventId).toBeUndefined();
    expect(event.properties).toEqual({});
    expect(event.propertiesText).toBe('{}');
    expect(event.eventTime).toBe(now);
  });

  it('keeps property values byte-exact, including null values for $unset', () => {
    expect(decode('{"event":"$unset","entityType":"u","entityId":"1","properties":{"b":null}}').propertiesText).toBe(
      '{"b":null}',
    );
    expect(decode('{"event":"e","entityType":"u","entityId":"1","properties": { "a" : [ 1 , 2.50 ] } }').propertiesText).toBe(
      '{"a":[1,2.5]}',
    );
  });

  it('reports missing and null required fields in decoding order', () => {
    expect(message('{}')).toBe(`${DME}The field event is required.`);
    expect(message('{"event":null}')).toBe(`${DME}The required field event cannot be null.`);
    expect(message('{"event":"e"}')).toBe(`${DME}The field entityType is required.`);
    expect(message('{"event":"e","entityType":"t"}')).toBe(`${DME}The field entityId is required.`);
    expect(message('{"event":"e","entityType":null,"entityId":"i"}')).toBe(
      `${DME}The required field entityType cannot be null.`,
    );
    expect(message('{"event":"e","entityType":"t","entityId":null}')).toBe(
      `${DME}The required field entityId cannot be null.`,
    );
  });

  it('rejects wrong JSON types with a MappingException', () => {
    expect(message('{"event":"e","entityType":"t","entityId":true}')).toMatch(
      `${ME}Do not know how to convert JBool(true) into class java.lang.String`,
    );
    expect(message('{"event":["e"],"entityType":"t","entityId":"i"}')).toMatch(/^org\.json4s\.package\$MappingException: .*JArray/);
    expect(message('{"event":"e","entityType":"t","entityId":"i","properties":5}')).toBe(
      `${ME}Do not know how to convert JInt(5) into class org.json4s.JsonAST$JObject`,
    );
    expect(message('{"event":"e","entityType":"t","entityId":"i","properties":[]}')).toMatch(/^org\.json4s.*JArray\(List\(\)\)/);
    expect(message('{"event":"e","entityType":"t","entityId":"i","eventTime":false}')).toMatch(/JBool\(false\)/);
  });

  it('rejects an unparsable eventTime with its raw text', () => {
    expect(message('{"event":"e","entityType":"t","entityId":"i","eventTime":"2014-11-01T09:39:45"}')).toBe(
      `${ME}Fail to extract eventTime 2014-11-01T09:39:45`,
    );
    expect(message('{"event":"e","entityType":"t","entityId":"i","eventTime":5}')).toBe(`${ME}Fail to extract eventTime 5`);
  });

  it('decodes fields before validating them (first failure wins)', () => {
    expect(message('{"event":"","entityType":"t"}')).toBe(`${DME}The field entityId is required.`);
    expect(message('{"event":"","entityType":"t","entityId":"i","eventTime":"bad"}')).toBe(`${ME}Fail to extract eventTime bad`);
    expect(message('{"event":"","entityType":"t","entityId":"i"}')).toBe(`${IAE}event must not be empty.`);
  });

  it('rejects non-objects and non-JSON', () => {
    expect(message('[]')).toMatch(/^org\.json4s\.package\$MappingException: .*JArray/);
    expect(message('"x"')).toMatch(/JString\(x\)/);
    expect(() => decode('{"event":')).toThrow(expect.objectContaining({ kind: 'syntax' }));
  });
});

describe('decodeEvent (already parsed values)', () => {
  it('decodes a parsed batch element losslessly', () => {
    const batch = parseJson('[{"event":"e","entityType":"t","entityId":1.0,"properties":{"x":2.0}}]') as unknown[];
    const event = decodeEvent(batch[0] as never, { now });
    expect(event.entityId).toBe('1.0');
    expect(event.propertiesText).toBe('{"x":2.0}');
  });

  it('accepts plain JSON.parse values', () => {
    const event = decodeEvent(JSON.parse('{"event":"e","entityType":"t","entityId":2,"properties":{"x":1.5}}') as Parameters<typeof decodeEvent>[0], { now });
    expect(event.entityId).toBe('2');
    expect(event.propertiesText).toBe('{"x":1.5}');
  });
});
