import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStorage, type StorageFixture } from './helpers.js';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await openTestStorage();
});
afterAll(async () => {
  await fixture?.close();
});

// Batches go out as binary COPY rows: values that would need quoting or escaping in any text format
// must arrive unchanged, and JS null must stay SQL NULL (not the text "NULL").
const awkward = ['NULL', 'a"b', 'back\\slash', '{x,y}', ' lead and trail ', 'comma,semi;', 'émoji 🎉', ''];

describe('multi-row inserts through binary COPY', () => {
  it('round-trips quotes, backslashes, braces, "NULL" text, unicode and real NULLs', async () => {
    const scope = { appId: 900 };
    await fixture.storage.events.init(scope);
    const ids = await fixture.storage.events.insertBatch(
      scope,
      awkward.map((text, i) => ({
        event: `ev ${text}`,
        entityType: 'user',
        entityId: text === '' ? 'empty' : text,
        targetEntityType: i % 2 === 0 ? 'item' : undefined,
        targetEntityId: i % 2 === 0 ? text : undefined,
        properties: { text },
        eventTime: new Date(Date.UTC(2020, 0, 1, 0, 0, i, 5)),
        tags: i % 3 === 0 ? ['t1', text] : undefined,
      })),
    );
    expect(ids).toHaveLength(awkward.length);
    for (const [i, text] of awkward.entries()) {
      const stored = await fixture.storage.events.get(scope, ids[i] as string);
      expect(stored?.event).toBe(`ev ${text}`);
      expect(stored?.entityId).toBe(text === '' ? 'empty' : text);
      expect(stored?.targetEntityId).toBe(i % 2 === 0 ? text : undefined);
      expect(stored?.properties).toEqual({ text });
      expect(stored?.eventTime.toISOString()).toBe(new Date(Date.UTC(2020, 0, 1, 0, 0, i, 5)).toISOString());
    }
    const nulls = await fixture.sql(`SELECT count(*)::int AS n FROM pio_event_900 WHERE targetentitytype IS NULL AND tags IS NULL AND prid IS NULL`);
    expect(nulls[0]).toEqual({ n: awkward.filter((_, i) => i % 2 === 1 && i % 3 !== 0).length });
  });
});
