import { describe, expect, it } from 'vitest';
import { formatEventTime, formatOffset, parseEventTime, zoneOffsetMinutes } from '../../src/native/events/index.js';

describe('parseEventTime', () => {
  it.each([
    ['2014-11-01T09:39:45.618-08:00', '2014-11-01T17:39:45.618Z', '-08:00'],
    ['2004-12-13T21:39:45.618Z', '2004-12-13T21:39:45.618Z', 'UTC'],
    ['2004-12-13T21:39:45+00:00', '2004-12-13T21:39:45.000Z', 'UTC'],
    ['2004-12-13T21:39:45-00:00', '2004-12-13T21:39:45.000Z', 'UTC'],
    ['2004-12-13T21:39:45.618123+0200', '2004-12-13T19:39:45.618Z', '+02:00'],
    ['2004-12-13T21:39:45.5+05', '2004-12-13T16:39:45.500Z', '+05:00'],
    ['2004-12-13T21:39:45.999999999+05:30', '2004-12-13T16:09:45.999Z', '+05:30'],
    ['2004-12-13t21:39:45z', '2004-12-13T21:39:45.000Z', 'UTC'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z', 'UTC'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z', 'UTC'],
  ])('%s → instant %s in zone %s', (input, instant, zone) => {
    const parsed = parseEventTime(input);
    expect(parsed?.date.toISOString()).toBe(instant);
    expect(parsed?.zone).toBe(zone);
  });

  it.each([
    '2014-11-01T09:39:45', // no zone
    '2014-11-01',
    '2014-11-01T09:39Z', // no seconds
    '2014-11-01T09:39:45.Z',
    '2014-11-01T09:39:45.1234567890Z', // more than 9 fraction digits
    '2014-13-01T09:39:45Z',
    '2014-02-30T09:39:45Z',
    '2001-02-29T09:39:45Z',
    '2014-11-01T24:00:00Z',
    '2014-11-01T23:60:00Z',
    '2014-11-01T23:59:60Z',
    '2014-11-01T23:59:59+24:00',
    '2014-11-01T23:59:59+01:60',
    ' 2014-11-01T09:39:45Z',
    '2014-11-01 09:39:45Z',
    '',
    'now',
  ])('rejects %j', (input) => {
    expect(parseEventTime(input)).toBeUndefined();
  });
});

describe('formatEventTime', () => {
  it('prints UTC with Z and always three millisecond digits', () => {
    expect(formatEventTime(new Date('2004-12-13T21:39:45Z'))).toBe('2004-12-13T21:39:45.000Z');
    expect(formatEventTime(new Date('2004-12-13T21:39:45.007Z'), 'UTC')).toBe('2004-12-13T21:39:45.007Z');
  });

  it('prints the wall clock of a fixed offset zone', () => {
    expect(formatEventTime(new Date('2014-11-01T17:39:45.618Z'), '-08:00')).toBe('2014-11-01T09:39:45.618-08:00');
    expect(formatEventTime(new Date('2004-12-13T16:09:45.050Z'), '+05:30')).toBe('2004-12-13T21:39:45.050+05:30');
    expect(formatEventTime(new Date('2004-12-31T23:30:00.000Z'), '+01:00')).toBe('2005-01-01T00:30:00.000+01:00');
  });

  it('prints a named zone as the offset valid at that instant', () => {
    expect(formatEventTime(new Date('2019-01-15T20:00:00.000Z'), 'America/Los_Angeles')).toBe('2019-01-15T12:00:00.000-08:00');
    expect(formatEventTime(new Date('2019-07-15T19:00:00.000Z'), 'America/Los_Angeles')).toBe('2019-07-15T12:00:00.000-07:00');
    expect(formatEventTime(new Date('2019-01-15T12:00:00.000Z'), 'Europe/London')).toBe('2019-01-15T12:00:00.000Z');
  });

  it('reads an unknown zone id as UTC instead of failing', () => {
    expect(formatEventTime(new Date('2019-01-15T20:00:00.000Z'), 'Not/AZone')).toBe('2019-01-15T20:00:00.000Z');
  });

  it('round-trips every accepted form to the canonical form', () => {
    for (const [input, output] of [
      ['2014-11-01T09:39:45.618-08:00', '2014-11-01T09:39:45.618-08:00'],
      ['2004-12-13T21:39:45+00:00', '2004-12-13T21:39:45.000Z'],
      ['2004-12-13T21:39:45.618123+0200', '2004-12-13T21:39:45.618+02:00'],
      ['1969-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z'],
      ['0001-01-01T00:00:00-03:00', '0001-01-01T00:00:00.000-03:00'],
    ] as const) {
      const parsed = parseEventTime(input);
      expect(parsed).toBeDefined();
      expect(formatEventTime(parsed!.date, parsed!.zone)).toBe(output);
    }
  });

  it('formats offsets and reads them back', () => {
    expect(formatOffset(-480)).toBe('-08:00');
    expect(formatOffset(330)).toBe('+05:30');
    expect(zoneOffsetMinutes('-08:00', new Date())).toBe(-480);
    expect(zoneOffsetMinutes('+0530', new Date())).toBe(330);
    expect(zoneOffsetMinutes('UTC', new Date())).toBe(0);
  });
});
