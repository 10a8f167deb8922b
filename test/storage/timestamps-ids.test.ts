import { describe, expect, it } from 'vitest';
import { generateEventId } from '../../src/native/storage/ids.js';
import { parseUtcWallClock, toUtcWallClock } from '../../src/native/storage/timestamps.js';

/** The hand-written timestamp and id helpers of the import/export hot path against the slow, obvious versions. */

const viaIso = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

describe('toUtcWallClock', () => {
  it('matches toISOString for every year, padded and signed as before', () => {
    const instants = [
      Date.UTC(2020, 0, 1),
      Date.UTC(2014, 10, 2, 17, 39, 45, 618),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(1000, 0, 1, 0, 0, 0, 7),
      Date.UTC(9999, 11, 31, 23, 59, 59, 990),
      -62135596800000, // 0001-01-01
      Date.UTC(12000, 0, 1),
      -8.64e15,
      8.64e15,
    ];
    for (let i = 0; i < 2000; i++) instants.push(Math.round(((i * 7919.123456789) % 2000 - 1000) * 8.6e12));
    for (const time of instants) expect(toUtcWallClock(new Date(time))).toBe(viaIso(new Date(time)));
  });

  it('refuses an invalid date', () => {
    expect(() => toUtcWallClock(new Date(Number.NaN))).toThrow('Invalid Date cannot be stored');
  });
});

describe('parseUtcWallClock', () => {
  it('reads what PostgreSQL prints for timestamp columns', () => {
    const cases: [string, string][] = [
      ['2020-01-02 03:04:05', '2020-01-02T03:04:05.000Z'],
      ['2020-01-02 03:04:05.5', '2020-01-02T03:04:05.500Z'],
      ['2020-01-02 03:04:05.12', '2020-01-02T03:04:05.120Z'],
      ['2020-01-02 03:04:05.123', '2020-01-02T03:04:05.123Z'],
      ['2020-01-02 03:04:05.123999', '2020-01-02T03:04:05.123Z'],
      ['0099-12-31 23:59:59.999', '0099-12-31T23:59:59.999Z'],
      ['1960-01-01 00:00:00', '1960-01-01T00:00:00.000Z'],
      ['9999-12-31 23:59:59.999', '9999-12-31T23:59:59.999Z'],
      ['0001-01-01 00:00:00 BC', '0000-01-01T00:00:00.000Z'],
      ['0044-03-15 12:00:00.25 BC', '-000043-03-15T12:00:00.250Z'],
    ];
    for (const [text, iso] of cases) expect(parseUtcWallClock(text).toISOString(), text).toBe(iso);
    expect(parseUtcWallClock('infinity').getTime()).toBe(8.64e15);
    expect(parseUtcWallClock('-infinity').getTime()).toBe(-8.64e15);
  });

  it('round-trips with toUtcWallClock over a wide range', () => {
    for (let i = 0; i < 2000; i++) {
      const date = new Date(Math.round(((i * 104729.77) % 2000) * 1.3e11 - 6.3e13));
      const year = date.getUTCFullYear();
      if (year < 1 || year > 9999) continue;
      expect(parseUtcWallClock(toUtcWallClock(date)).getTime()).toBe(date.getTime());
    }
  });
});

describe('generateEventId', () => {
  it('makes 32 lowercase hex digits of a version 7 UUID, all different, even within one millisecond', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = generateEventId(1_796_400_000_000);
      expect(id).toMatch(/^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(20_000);
  });

  it('starts with the Unix time in milliseconds, so ids sort by the time they were made', () => {
    const at = Date.UTC(2026, 11, 4, 12);
    expect(generateEventId(at).slice(0, 12)).toBe(at.toString(16).padStart(12, '0'));
    const made = [at - 86_400_000, at - 1, at, at + 1].map((time) => generateEventId(time));
    expect([...made].sort()).toEqual(made);
    // Without a time given, now.
    const before = Date.now();
    const id = generateEventId();
    expect(Number.parseInt(id.slice(0, 12), 16)).toBeGreaterThanOrEqual(before);
    expect(Number.parseInt(id.slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
  });

  it('uses every variant digit and random digits after the time', () => {
    const variants = new Set<string>();
    const randomDigits = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = generateEventId(1_796_400_000_000);
      variants.add(id[16]!);
      randomDigits.add(id[20]!);
    }
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
    expect(randomDigits.size).toBe(16);
  });
});
