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
