import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/native/eventserver/limits.js';
import { event, http, startTestEventServer, type TestEventServer } from './helpers.js';

let server: TestEventServer;
let url: (path: string, query?: Record<string, string>) => string;

beforeAll(async () => {
  server = await startTestEventServer();
  url = (path, query = {}) => {
    const params = new URLSearchParams({ accessKey: server.main.key, ...query });
    return `${server.baseUrl}${path}?${params.toString()}`;
  };
});

afterAll(async () => {
  await server?.close();
});

describe('GET /', () => {
  it('answers alive without authentication', async () => {
    const response = await http('GET', `${server.baseUrl}/`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"status":"alive"}');
    expect(response.contentType).toMatch(/^application\/json/);
  });
});

describe('POST /events.json', () => {
  it('stores an event and answers 201 with its id; GET returns it in the output representation', async () => {
    const created = await http('POST', url('/events.json'), {
      body: event({ entityId: 'post-1', eventTime: '2014-11-02T09:39:45.618-08:00', properties: { rating: 3 } }),
    });
    expect(created.status).toBe(201);
    expect(created.text).toMatch(/^\{"eventId":"[0-9a-f]{32}"\}$/);
    const { eventId } = created.json as { eventId: string };

    const fetched = await http('GET', url(`/events/${eventId}.json`));
    expect(fetched.status).toBe(200);
    expect(fetched.text).toMatch(
      new RegExp(
        `^\\{"eventId":"${eventId}","event":"rate","entityType":"user","entityId":"post-1","targetEntityType":"item",` +
          `"targetEntityId":"i1","properties":\\{"rating":3\\},"eventTime":"2014-11-02T09:39:45.618-08:00",` +
          `"creationTime":"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"\\}$`,
      ),
    );
  });

  it('honours a client-supplied eventId, coerces numeric ids and keeps doubles as written', async () => {
    const created = await http('POST', url('/events.json'), {
      raw: '{"eventId":"client-id-1","event":"buy","entityType":"user","entityId":3,"properties":{"price":5.0,"n":12345678901234567890}}',
    });
    expect(created.status).toBe(201);
    expect(created.text).toBe('{"eventId":"client-id-1"}');
    const fetched = await http('GET', url('/events/client-id-1.json'));
    expect(fetched.text).toContain('"entityId":"3","properties":{"price":5.0,"n":12345678901234567890}');
    expect(fetched.text).not.toContain('targetEntityType');
  });

  it('answers a retried client eventId 201 with that id, and the id under other content 409, storing nothing new', async () => {
    await http('POST', url('/events.json'), { body: event({ eventId: 'dup-id' }) });
    const again = await http('POST', url('/events.json'), { body: event({ eventId: 'dup-id' }) });
    expect(again.status).toBe(201);
    expect(again.text).toBe('{"eventId":"dup-id"}');
    const other = await http('POST', url('/events.json'), { body: event({ eventId: 'dup-id', entityId: 'someone-else' }) });
    expect(other.status).toBe(409);
    expect((other.json as { message: string }).message).toMatch(/"dup-id" is already stored with different content/);
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityId: 'someone-else' })).toBe(0);
  });

  it.each([
    [{ event: 'rate', entityId: 'x' }, 'org.apache.predictionio.data.storage.DataMapException: The field entityType is required.'],
    [{ event: null, entityType: 'user', entityId: 'x' }, 'org.apache.predictionio.data.storage.DataMapException: The required field event cannot be null.'],
    [{ event: '', entityType: 'user', entityId: 'x' }, 'java.lang.IllegalArgumentException: requirement failed: event must not be empty.'],
    [{ event: 'rate', entityType: 'user', entityId: 'x', eventTime: '2014-11-01T09:39:45' }, 'org.json4s.package$MappingException: Fail to extract eventTime 2014-11-01T09:39:45'],
    [{ event: '$foo', entityType: 'user', entityId: 'x' }, 'java.lang.IllegalArgumentException: requirement failed: $foo is not a supported reserved event name.'],
    [{ event: 'rate', entityType: 'user', entityId: 'x', targetEntityType: 'item' }, 'java.lang.IllegalArgumentException: requirement failed: targetEntityType and targetEntityId must be specified together.'],
  ])('answers 400 with upstream message for %j', async (body, message) => {
    const response = await http('POST', url('/events.json'), { body });
    expect(response.status).toBe(400);
    expect(response.text).toBe(JSON.stringify({ message }));
  });

  it('answers 400 with a JSON message for invalid JSON', async () => {
    const response = await http('POST', url('/events.json'), { raw: '{"event": ' });
    expect(response.status).toBe(400);
    expect(typeof (response.json as { message: unknown }).message).toBe('string');
  });

  it('answers 400 in plain text for an empty body and 415 for a non-JSON content type', async () => {
    const empty = await http('POST', url('/events.json'), { raw: '' });
    expect(empty.status).toBe(400);
    expect(empty.text).toBe('Request entity expected but not supplied');
    const noBody = await http('POST', url('/events.json'), {});
    expect(noBody.status).toBe(400);
    const wrongType = await http('POST', url('/events.json'), { raw: 'x=1', contentType: 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.text).toBe("The request's Content-Type is not supported. Expected:\napplication/json");
    const charset = await http('POST', url('/events.json'), { body: event(), contentType: 'application/json; charset=utf-8' });
    expect(charset.status).toBe(201);
  });

  it('answers 413 for a body above the limit', async () => {
    const big = JSON.stringify(event({ properties: { blob: 'x'.repeat(DEFAULT_LIMITS.eventBody) } }));
    const response = await http('POST', url('/events.json'), { raw: big });
    expect(response.status).toBe(413);
    expect(response.text).toMatch(new RegExp(`exceeds the configured limit of ${DEFAULT_LIMITS.eventBody}`));
  });
});

describe('GET /events.json filters', () => {
  let scoped: string;
  beforeAll(async () => {
    const other = await server.createApp('filters');
    scoped = other.key;
    const events = [
      { event: 'view', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i1', eventTime: '2020-01-01T00:00:00.000Z' },
      { event: 'buy', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i2', eventTime: '2020-01-02T00:00:00.000Z' },
      { event: 'view', entityType: 'user', entityId: 'u2', targetEntityType: 'item', targetEntityId: 'i1', eventTime: '2020-01-03T00:00:00.000Z' },
      { event: '$set', entityType: 'item', entityId: 'i1', properties: { color: 'red' }, eventTime: '2020-01-04T00:00:00.000Z' },
      { event: 'view', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i3', eventTime: '2020-01-05T00:00:00.000+02:00' },
    ];
    for (const body of events) {
      const response = await http('POST', `${server.baseUrl}/events.json?accessKey=${scoped}`, { body });
      expect(response.status).toBe(201);
    }
    // 25 more to exercise the default limit of 20.
    for (let i = 0; i < 25; i++) {
      await http('POST', `${server.baseUrl}/events.json?accessKey=${scoped}`, {
        body: { event: 'tick', entityType: 'clock', entityId: 'c', eventTime: `2021-01-01T00:00:${String(i).padStart(2, '0')}.000Z` },
      });
    }
  });

  const find = async (query: Record<string, string>) => {
    const params = new URLSearchParams({ accessKey: scoped, ...query });
    return http('GET', `${server.baseUrl}/events.json?${params.toString()}`);
  };
  const ids = (response: { json: unknown }) =>
    (response.json as Array<{ entityId: string; event: string; eventTime: string; targetEntityId?: string }>).map(
      (e) => `${e.event}:${e.entityId}:${e.targetEntityId ?? '-'}`,
    );

  it('returns 20 events by default, all with limit=-1, ordered by eventTime', async () => {
    expect((await find({})).json).toHaveLength(20);
    const all = await find({ limit: '-1' });
    expect(all.json).toHaveLength(30);
    const times = (all.json as Array<{ eventTime: string }>).map((e) => Date.parse(e.eventTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((await find({ limit: '3' })).json).toHaveLength(3);
  });

  it('answers 404 Not Found when nothing matches, including limit=0', async () => {
    const none = await find({ entityType: 'nobody' });
    expect(none.status).toBe(404);
    expect(none.text).toBe('{"message":"Not Found"}');
    expect((await find({ limit: '0' })).status).toBe(404);
  });

  it('filters by time range: startTime inclusive, untilTime exclusive', async () => {
    const range = await find({ startTime: '2020-01-02T00:00:00.000Z', untilTime: '2020-01-04T00:00:00.000Z' });
    expect(ids(range)).toEqual(['buy:u1:i2', 'view:u2:i1']);
    const offset = await find({ startTime: '2020-01-04T22:00:00.000Z', untilTime: '2020-01-05T00:00:00+00:00' });
    expect(ids(offset)).toEqual(['view:u1:i3']); // 2020-01-05T00:00+02:00 is 2020-01-04T22:00Z
  });

  it('filters by entity, event and target', async () => {
    expect(ids(await find({ entityType: 'user', entityId: 'u1' }))).toEqual(['view:u1:i1', 'buy:u1:i2', 'view:u1:i3']);
    expect(ids(await find({ event: 'view', limit: '-1' }))).toEqual(['view:u1:i1', 'view:u2:i1', 'view:u1:i3']);
    expect(ids(await find({ targetEntityType: 'item', targetEntityId: 'i1' }))).toEqual(['view:u1:i1', 'view:u2:i1']);
    expect(ids(await find({ entityType: 'item' }))).toEqual(['$set:i1:-']);
  });

  it('returns newest first with reversed=true when entityType and entityId are given', async () => {
    expect(ids(await find({ entityType: 'user', entityId: 'u1', reversed: 'true' }))).toEqual(['view:u1:i3', 'buy:u1:i2', 'view:u1:i1']);
    expect(ids(await find({ entityType: 'user', entityId: 'u1', reversed: 'true', limit: '1' }))).toEqual(['view:u1:i3']);
  });

  it('answers 400 with upstream message for reversed without entityType and entityId', async () => {
    const response = await find({ entityType: 'user', reversed: 'true' });
    expect(response.status).toBe(400);
    expect(response.text).toBe(
      '{"message":"requirement failed: the parameter reversed can only be used with both entityType and entityId specified."}',
    );
  });

  it('answers 400 for unparsable times and malformed typed parameters', async () => {
    const time = await find({ startTime: '2014-11-01' });
    expect(time.status).toBe(400);
    expect(time.text).toBe('{"message":"java.lang.IllegalArgumentException: Invalid format: \\"2014-11-01\\" is too short"}');
    const limit = await find({ limit: 'abc' });
    expect(limit.status).toBe(400);
    expect(limit.text).toBe("The query parameter 'limit' was malformed:\n'abc' is not a valid 32-bit signed integer value");
    const reversed = await find({ reversed: 'maybe' });
    expect(reversed.status).toBe(400);
    expect(reversed.text).toMatch(/^The query parameter 'reversed' was malformed/);
  });

  it('uses only the first occurrence of a repeated parameter', async () => {
    const response = await http('GET', `${server.baseUrl}/events.json?accessKey=${scoped}&event=buy&event=view`);
    expect(ids(response)).toEqual(['buy:u1:i2']);
  });
});

describe('GET and DELETE /events/<id>.json', () => {
  it('deletes an existing event (200 Found), then answers 404 Not Found for it', async () => {
    const created = await http('POST', url('/events.json'), { body: event({ entityId: 'to-delete' }) });
    const { eventId } = created.json as { eventId: string };
    const deleted = await http('DELETE', url(`/events/${eventId}.json`));
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('{"message":"Found"}');
    const again = await http('DELETE', url(`/events/${eventId}.json`));
    expect(again.status).toBe(404);
    expect(again.text).toBe('{"message":"Not Found"}');
    const gone = await http('GET', url(`/events/${eventId}.json`));
    expect(gone.status).toBe(404);
    expect(gone.text).toBe('{"message":"Not Found"}');
  });

  it('decodes the id from the path and tolerates dots in it', async () => {
    await http('POST', url('/events.json'), { body: event({ eventId: 'a.b c' }) });
    const fetched = await http('GET', url(`/events/${encodeURIComponent('a.b c')}.json`));
    expect(fetched.status).toBe(200);
    expect((fetched.json as { eventId: string }).eventId).toBe('a.b c');
  });
});

describe('framework answers', () => {
  it('answers 404 in plain text for an unknown path and 405 for a wrong method', async () => {
    const unknown = await http('GET', `${server.baseUrl}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('The requested resource could not be found.');
    const wrongMethod = await http('PUT', url('/events.json'), { body: event() });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.text).toBe('HTTP method not allowed, supported methods: GET, POST');
    const batchGet = await http('GET', url('/batch/events.json'));
    expect(batchGet.status).toBe(405);
  });

  it('lists no plugins', async () => {
    const response = await http('GET', `${server.baseUrl}/plugins.json`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"plugins":{"inputblockers":{},"inputsniffers":{}}}');
  });

  it('answers 404 with upstream message for stats when started without --stats', async () => {
    const response = await http('GET', url('/stats.json'));
    expect(response.status).toBe(404);
    expect(response.text).toBe('{"message":"To see stats, launch Event Server with --stats argument."}');
  });
});
