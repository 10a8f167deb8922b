import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEventJson, formatEvent, InvalidEventError } from '../../src/native/events/index.js';
import { JsonSyntaxError, parseJson, parseJsonValue, renderJson } from '../../src/native/events/json.js';

/**
 * Bounded property runs of the decoders every request and `pio import` line goes through. The seed is
 * fixed so a failure reproduces; fast-check prints it with the shrunk counterexample.
 */
const SEED = 20261204;
const RUNS = { numRuns: 500, seed: SEED };

/** JSON-ish text: valid JSON, json4s' comma-less dialect, and broken fragments spliced together. */
const jsonValue = fc.jsonValue({ maxDepth: 6 });
const fragments = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\u', '\\uD800', '-', '1e', '.5', 'tru', 'null', ' ', '\u0000', '\uDC00', '1'.repeat(40), '"a" "b"');
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fragments, { maxLength: 40 }).map((parts) => parts.join('')),
  jsonValue.map((value) => JSON.stringify(value).replaceAll(',', ' ')),
  fc.tuple(jsonValue, fc.nat(), fragments).map(([value, at, piece]) => {
    const text = JSON.stringify(value);
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + piece + text.slice(cut);
  }),
  fc.nat({ max: 1500 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
);

/** Calls `decode` and returns what it threw, failing on anything but the errors the decoder documents. */
function documentedFailure(decode: () => unknown, allowed: Array<new (...args: never[]) => Error>): Error | undefined {
  try {
    decode();
    return undefined;
  } catch (error) {
    if (allowed.some((kind) => error instanceof kind)) return error as Error;
    throw error;
  }
}

describe('parseJson and parseJsonValue (json4s dialect)', () => {
  it('throw nothing but JsonSyntaxError on any text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        documentedFailure(() => parseJson(text), [JsonSyntaxError]);
        documentedFailure(() => parseJsonValue(text), [JsonSyntaxError]);
      }),
      RUNS,
    );
  });

  it('round-trip valid JSON: the value JSON.parse reads, and a json4s rendering that renders to itself again', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const text = JSON.stringify(value);
        expect(parseJsonValue(text)).toEqual(JSON.parse(text));
        // Number tokens may change spelling once (`5e-324` → `4.9E-324`, Java's Double.toString), then stay.
        const rendered = renderJson(parseJson(text));
        expect(renderJson(parseJson(rendered))).toBe(rendered);
        expect(JSON.parse(rendered)).toEqual(JSON.parse(text));
      }),
      RUNS,
    );
  });

  it('read json4s’ comma-less text as the same value as the text with commas', () => {
    const noStrings = fc.jsonValue({ maxDepth: 4 }).filter((value) => !JSON.stringify(value).includes('"'));
    const objects = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), noStrings, { maxKeys: 5 });
    fc.assert(
      fc.property(objects, (value) => {
        const text = JSON.stringify(value);
        expect(parseJsonValue(text.replaceAll(',', ' '))).toEqual(parseJsonValue(text));
      }),
      RUNS,
    );
  });
});

describe('decodeEventJson', () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  const name = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('$set', '$unset', '$delete', '$bad', 'pio_x', ''));
  const scalar = fc.oneof(name, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const time = fc.oneof(
    fc.date({ min: new Date(-1e13), max: new Date(1e13), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom('2014-11-01T09:39:45.618-08:00', '2014-11-01T09:39:45', 'yesterday', '2014-13-40T25:61:61Z', ''),
  );
  const eventObject = fc.record(
    {
      eventId: fc.oneof(fc.string({ maxLength: 40 }), scalar),
      event: fc.oneof(name, scalar),
      entityType: fc.oneof(name, scalar),
      entityId: fc.oneof(name, scalar),
      targetEntityType: scalar,
      targetEntityId: scalar,
      properties: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), scalar),
      eventTime: fc.oneof(time, scalar),
      prId: scalar,
    },
    { requiredKeys: [] },
  );
  const eventText = fc.oneof(eventObject.map((value) => JSON.stringify(value)), hostileText);

  it('never crashes: an event or an InvalidEventError', () => {
    fc.assert(
      fc.property(eventText, (text) => {
        documentedFailure(() => decodeEventJson(text, { now }), [InvalidEventError]);
      }),
      RUNS,
    );
  });

  it('re-renders an accepted event to JSON that decodes to the same event', () => {
    fc.assert(
      fc.property(eventObject, (value) => {
        let decoded;
        try {
          decoded = decodeEventJson(JSON.stringify(value), { now });
        } catch (error) {
          if (error instanceof InvalidEventError) return;
          throw error;
        }
        const rendered = formatEvent(decoded);
        expect(formatEvent(decodeEventJson(rendered, { now }))).toBe(rendered);
      }),
      RUNS,
    );
  });
});
