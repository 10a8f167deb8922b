import { describe, expect, it } from 'vitest';
import { decodeEventJson, formatEvent } from '../../src/native/events/index.js';

describe('formatEvent (BEHAVIOUR.md#event-output)', () => {
  it('renders the BEHAVIOUR.md#event-output example with members in order', () => {
    expect(
      formatEvent({
        eventId: '3f2c0e1b9a7d4c2e8f6a5b4c3d2e1f00',
        event: 'rate',
        entityType: 'user',
        entityId: '1',
        targetEntityType: 'item',
        targetEntityId: '2',
        properties: { rating: 3 },
        eventTime: new Date('2014-11-02T17:39:45.618Z'),
        eventTimeZone: '-08:00',
        creationTime: new Date('2019-03-01T10:00:00.123Z'),
        creationTimeZone: 'UTC',
      }),
    ).toBe(
      '{"eventId":"3f2c0e1b9a7d4c2e8f6a5b4c3d2e1f00","event":"rate","entityType":"user","entityId":"1","targetEntityType":"item","targetEntityId":"2","properties":{"rating":3},"eventTime":"2014-11-02T09:39:45.618-08:00","creationTime":"2019-03-01T10:00:00.123Z"}',
    );
  });

  it('omits absent optional members, always emits properties, emits prId before creationTime, never tags', () => {
    const text = formatEvent({
      event: 'e',
      entityType: 't',
      entityId: 'i',
      properties: {},
      eventTime: new Date(0),
      prId: 'p',
      creationTime: new Date(1),
      ...({ tags: ['x'] } as object),
    });
    expect(text).toBe(
      '{"event":"e","entityType":"t","entityId":"i","properties":{},"eventTime":"1970-01-01T00:00:00.000Z","prId":"p","creationTime":"1970-01-01T00:00:00.001Z"}',
    );
  });

  it('prefers the stored properties text, so doubles stay as written', () => {
    const text = formatEvent({
      eventId: 'x',
      event: 'e',
      entityType: 't',
      entityId: 'i',
      properties: { rating: 4 },
      propertiesText: '{"rating":4.0}',
      eventTime: new Date(0),
      creationTime: new Date(0),
    });
    expect(text).toContain('"properties":{"rating":4.0}');
  });

  it('escapes strings', () => {
    const text = formatEvent({
      event: 'say "hi"',
      entityType: 't\n',
      entityId: '\\',
      properties: {},
      eventTime: new Date(0),
      creationTime: new Date(0),
    });
    expect(JSON.parse(text)).toMatchObject({ event: 'say "hi"', entityType: 't\n', entityId: '\\' });
  });

  it('decode → format → decode is stable (what export/import relies on)', () => {
    const line =
      '{"eventId":"id1","event":"rate","entityType":"user","entityId":1,"targetEntityType":"item","targetEntityId":"2","properties":{"r":4.0,"n":{"a":[1e2,null]}},"eventTime":"2014-11-02T09:39:45.618123+0530","prId":"p"}';
    const first = decodeEventJson(line, { now: new Date('2020-01-01T00:00:00Z') });
    const out = formatEvent({ ...first, eventId: first.eventId! });
    expect(out).toBe(
      '{"eventId":"id1","event":"rate","entityType":"user","entityId":"1","targetEntityType":"item","targetEntityId":"2","properties":{"r":4.0,"n":{"a":[100.0,null]}},"eventTime":"2014-11-02T09:39:45.618+05:30","prId":"p","creationTime":"2020-01-01T00:00:00.000Z"}',
    );
    const second = decodeEventJson(out, { now: new Date('2020-01-01T00:00:00Z') });
    expect(formatEvent(second)).toBe(out);
  });
});
