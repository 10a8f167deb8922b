import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, http, startTestEventServer, type TestEventServer } from './helpers.js';

// With the access-key cache on (as `pio eventserver` runs), cached keys are settled without a database
// look-up; these check that the shortcut answers exactly what the full look-up does.
const CACHE_MILLIS = 300;
let server: TestEventServer;

beforeAll(async () => {
  server = await startTestEventServer({ accessKeyCacheMillis: CACHE_MILLIS });
});

afterAll(async () => {
  await server?.close();
});

const post = (key: string, body = event(), query = '') => http('POST', `${server.baseUrl}/events.json?accessKey=${key}${query}`, { body });

describe('access keys with the cache on', () => {
  it('keeps accepting a cached key and stops within the cache time after it is deleted', async () => {
    const app = await server.createApp('cached');
    expect((await post(app.key)).status).toBe(201);
    expect((await post(app.key)).status).toBe(201); // from the cache
    await server.storage.accessKeys.delete(app.key);
    await new Promise((resolve) => setTimeout(resolve, CACHE_MILLIS + 50));
    const response = await post(app.key);
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Invalid accessKey."}');
  });

  it("applies a cached key's event allow-list and channel selection", async () => {
    const app = await server.createApp('restricted-cached', ['view']);
    expect((await post(app.key, event({ event: 'view' }))).status).toBe(201);
    const refused = await post(app.key, event({ event: 'buy' }));
    expect(refused.status).toBe(403);
    const inChannel = await post(app.key, event({ event: 'view' }), `&channel=${app.channelName}`);
    expect(inChannel.status).toBe(201);
    const unknownChannel = await post(app.key, event({ event: 'view' }), '&channel=nope');
    expect(unknownChannel.status).toBe(401);
    expect(await server.storage.events.count({ appId: app.appId })).toBe(1);
    expect(await server.storage.events.count({ appId: app.appId, channelId: app.channelId })).toBe(1);
  });
});

describe('a cached key whose app was deleted and created again', () => {
  // A cache far longer than the test: only revalidation can make these pass.
  let longCache: Awaited<ReturnType<typeof startTestEventServer>>;
  beforeAll(async () => {
    longCache = await startTestEventServer({ accessKeyCacheMillis: 60_000 });
  });
  afterAll(async () => {
    await longCache?.close();
  });
  const postTo = (key: string, body = event(), query = '') =>
    http('POST', `${longCache.baseUrl}/events.json?accessKey=${key}${query}`, { body });

  /** `pio app delete` then `pio app new --access-key <same key>`: the key now names a new app. */
  async function recreate(old: { appId: number; key: string; channelId: number }, name: string) {
    await longCache.storage.events.remove({ appId: old.appId, channelId: old.channelId });
    await longCache.storage.events.remove({ appId: old.appId });
    await longCache.storage.accessKeys.delete(old.key);
    await longCache.storage.apps.delete(old.appId);
    const appId = await longCache.storage.apps.insert({ name });
    await longCache.storage.events.init({ appId });
    await longCache.storage.accessKeys.insert({ appId, key: old.key, events: [] });
    return appId;
  }

  it('stores into the new app at once, for inserts, batches and reads', async () => {
    const old = await longCache.createApp('recreated');
    expect((await postTo(old.key)).status).toBe(201); // cached now
    const appId = await recreate(old, 'recreated-again');
    const single = await postTo(old.key, event({ entityId: 'after' }));
    expect(single.status).toBe(201);
    const batch = await http('POST', `${longCache.baseUrl}/batch/events.json?accessKey=${old.key}`, { body: [event({ entityId: 'batched' })] });
    expect((batch.json as Array<{ status: number }>)[0]?.status).toBe(201);
    expect(await longCache.storage.events.count({ appId })).toBe(2);
    const found = await http('GET', `${longCache.baseUrl}/events.json?accessKey=${old.key}&entityId=after`);
    expect(found.status).toBe(200);
  });

  it('knows a channel created for the new app right after, and refuses a key deleted with its app', async () => {
    const old = await longCache.createApp('channel-recreated');
    expect((await postTo(old.key, event(), `&channel=${old.channelName}`)).status).toBe(201);
    const appId = await recreate(old, 'channel-recreated-again');
    const channelId = await longCache.storage.channels.insert({ name: 'fresh', appId });
    await longCache.storage.events.init({ appId, channelId });
    const inChannel = await postTo(old.key, event(), '&channel=fresh');
    expect(inChannel.status).toBe(201);
    expect(await longCache.storage.events.count({ appId, channelId })).toBe(1);

    const gone = await longCache.createApp('gone');
    expect((await postTo(gone.key)).status).toBe(201);
    await longCache.storage.events.remove({ appId: gone.appId });
    await longCache.storage.accessKeys.delete(gone.key);
    const refused = await postTo(gone.key);
    expect(refused.status).toBe(401);
    expect(refused.text).toBe('{"message":"Invalid accessKey."}');
  });
});
