import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthKey } from '../../src/native/eventserver/auth.js';
import { event, http, startTestEventServer, type TestApp, type TestEventServer } from './helpers.js';

let server: TestEventServer;
let restricted: TestApp;

const basic = (user: string, password = '') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  server = await startTestEventServer();
  restricted = await server.createApp('restricted', ['view', 'buy']);
});

afterAll(async () => {
  await server?.close();
});

describe('access keys', () => {
  it('answers 401 Missing accessKey without key or header', async () => {
    const response = await http('POST', `${server.baseUrl}/events.json`, { body: event() });
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Missing accessKey."}');
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it.each(['', 'not-a-key'])('answers 401 Invalid accessKey for key %j', async (key) => {
    const response = await http('GET', `${server.baseUrl}/events.json?accessKey=${key}`);
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Invalid accessKey."}');
  });

  it('authenticates before parsing the body', async () => {
    const response = await http('POST', `${server.baseUrl}/events.json?accessKey=wrong`, { raw: '{not json' });
    expect(response.status).toBe(401);
    expect(response.text).toBe('{"message":"Invalid accessKey."}');
  });

  it('protects every route except / and /plugins.json', async () => {
    for (const [method, path] of [
      ['GET', '/events.json'],
      ['POST', '/batch/events.json'],
      ['GET', '/events/x.json'],
      ['DELETE', '/events/x.json'],
      ['GET', '/stats.json'],
      ['GET', '/webhooks/segmentio.json'],
      ['POST', '/webhooks/mailchimp.form'],
      ['GET', '/plugins/inputblocker/x'],
    ] as const) {
      const response = await http(method, `${server.baseUrl}${path}`);
      expect(response.status, `${method} ${path}`).toBe(401);
    }
  });
});

describe('Basic authentication', () => {
  it('accepts the key as the user name with an empty password', async () => {
    const created = await http('POST', `${server.baseUrl}/events.json`, {
      body: event({ entityId: 'basic-1' }),
      headers: { authorization: basic(server.main.key) },
    });
    expect(created.status).toBe(201);
    const found = await http('GET', `${server.baseUrl}/events.json?entityId=basic-1`, {
      headers: { authorization: basic(server.main.key, 'ignored') },
    });
    expect(found.status).toBe(200);
  });

  it('rejects malformed headers and unknown keys with Invalid accessKey', async () => {
    for (const header of ['Bearer abc', basic('unknown-key'), 'Basic ', 'Basic Og==']) {
      const response = await http('GET', `${server.baseUrl}/events.json`, { headers: { authorization: header } });
      expect(response.status, header).toBe(401);
      expect(response.text).toBe('{"message":"Invalid accessKey."}');
    }
  });

  it('prefers the accessKey parameter over the header', async () => {
    const response = await http('GET', `${server.baseUrl}/events.json?accessKey=bad`, {
      headers: { authorization: basic(server.main.key) },
    });
    expect(response.status).toBe(401);
  });

  it('ignores the channel parameter with header authentication', async () => {
    const created = await http('POST', `${server.baseUrl}/events.json?channel=${server.main.channelName}`, {
      body: event({ entityId: 'basic-channel' }),
      headers: { authorization: basic(server.main.key) },
    });
    expect(created.status).toBe(201);
    const inDefault = await http('GET', `${server.baseUrl}/events.json?accessKey=${server.main.key}&entityId=basic-channel`);
    expect(inDefault.status).toBe(200);
  });

  it('extracts the key from a Basic header', () => {
    expect(basicAuthKey(basic('k1'))).toBe('k1');
    expect(basicAuthKey(basic('k1', 'secret'))).toBe('k1');
    expect(basicAuthKey('Token k1')).toBeUndefined();
  });
});

describe('channels', () => {
  it('writes to and reads from the named channel only', async () => {
    const key = server.main.key;
    const channel = server.main.channelName;
    const created = await http('POST', `${server.baseUrl}/events.json?accessKey=${key}&channel=${channel}`, {
      body: event({ entityId: 'in-channel' }),
    });
    expect(created.status).toBe(201);
    const { eventId } = created.json as { eventId: string };
    expect((await http('GET', `${server.baseUrl}/events/${eventId}.json?accessKey=${key}&channel=${channel}`)).status).toBe(200);
    expect((await http('GET', `${server.baseUrl}/events/${eventId}.json?accessKey=${key}`)).status).toBe(404);
    const rows = await server.storage.events.find({ appId: server.main.appId, channelId: server.main.channelId }, { entityId: 'in-channel' });
    expect(rows.map((row) => row.eventId)).toEqual([eventId]);
  });

  it("answers 401 Invalid channel '<name>' for an unknown channel", async () => {
    const response = await http('GET', `${server.baseUrl}/events.json?accessKey=${server.main.key}&channel=nope`);
    expect(response.status).toBe(401);
    expect(response.text).toBe(`{"message":"Invalid channel 'nope'."}`);
  });

  it("does not accept another app's channel", async () => {
    const response = await http('GET', `${server.baseUrl}/events.json?accessKey=${restricted.key}&channel=${server.main.channelName}`);
    expect(response.status).toBe(401);
  });
});

describe('event allow-lists', () => {
  it('answers 403 for an event the key does not allow and 201 for one it does', async () => {
    const denied = await http('POST', `${server.baseUrl}/events.json?accessKey=${restricted.key}`, { body: event({ event: 'rate' }) });
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('{"message":"rate events are not allowed"}');
    const allowed = await http('POST', `${server.baseUrl}/events.json?accessKey=${restricted.key}`, { body: event({ event: 'view' }) });
    expect(allowed.status).toBe(201);
  });

  it('does not restrict reads', async () => {
    const response = await http('GET', `${server.baseUrl}/events.json?accessKey=${restricted.key}`);
    expect(response.status).toBe(200);
  });

  it('checks the allow-list after validation', async () => {
    const response = await http('POST', `${server.baseUrl}/events.json?accessKey=${restricted.key}`, { body: { event: 'rate' } });
    expect(response.status).toBe(400);
  });
});
