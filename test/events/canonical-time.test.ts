import { describe, expect, it } from 'vitest';
import { canonicalUtcMillis, parseEventTime } from '../../src/native/events/index.js';

/** The import fast path's canonical-time reader must agree with parseEventTime wherever it answers. */

describe('canonicalUtcMillis', () => {
  it('reads the canonical UTC form as parseEventTime does', () => {
    for (const text of [
      '2020-01-01T00:00:00.000Z',
      '2014-11-02T09:39:45.618Z',
      '2016-02-29T23:59:59.999Z',
      '0000-01-01T00:00:00.000Z',
      '0099-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
    ]) {
      expect(canonicalUtcMillis(text), text).toBe(parseEventTime(text)!.date.getTime());
    }
  });

  it('answers NaN for other forms, which parseEventTime may still accept', () => {
    for (const text of [
      '2020-01-01T00:00:00Z',
      '2020-01-01T00:00:00.0000Z',
      '2020-01-01T00:00:00.000+01:00',
      '2020-01-01t00:00:00.000Z',
      '2020-01-01T00:00:00.000z',
      '2020-01-01 00:00:00.000Z',
      '2015-02-29T00:00:00.000Z',
      '2020-04-31T00:00:00.000Z',
      '2020-13-01T00:00:00.000Z',
      '2020-00-01T00:00:00.000Z',
      '2020-01-00T00:00:00.000Z',
      '2020-01-01T24:00:00.000Z',
      '2020-01-01T00:60:00.000Z',
      '2020-01-01T00:00:60.000Z',
      '2020-01-01T00:00:00.00aZ',
      '20a0-01-01T00:00:00.000Z',
      '',
    ]) {
      expect(canonicalUtcMillis(text), text).toBeNaN();
    }
  });

  it('agrees with parseEventTime on random mutations of canonical times', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '0123456789-:.TZtz+ ';
    for (let i = 0; i < 20_000; i++) {
      const base = new Date(Math.floor(random() * 4e14) - 6e13).toISOString();
      const chars = base.split('');
      const position = Math.floor(random() * chars.length);
      if (random() < 0.7) chars[position] = alphabet[Math.floor(random() * alphabet.length)]!;
      const text = chars.join('');
      const millis = canonicalUtcMillis(text);
      if (Number.isNaN(millis)) continue;
      const parsed = parseEventTime(text);
      expect(parsed, text).toBeDefined();
      expect(parsed!.zone).toBe('UTC');
      expect(millis, text).toBe(parsed!.date.getTime());
    }
  });
});
