import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/native/eventserver/webhooks/index.js';
import { mailChimpConnector } from '../../src/native/eventserver/webhooks/mailchimp.js';
import { segmentIoConnector } from '../../src/native/eventserver/webhooks/segmentio.js';
import { http, startTestEventServer, type TestApp, type TestEventServer } from './helpers.js';

const identify = {
  version: '2',
  type: 'identify',
  sent_at: '2015-08-21T15:25:32.799Z',
  timestamp: '2015-08-21T15:25:32.000Z',
  user_id: 'u-42',
  traits: { name: 'Ada', plan: 'pro' },
  context: { ip: '1.2.3.4', library: { name: 'analytics.js', version: '2.11.1' }, user_agent: 'Mozilla', extra: 'dropped' },
};

const subscribe = {
  type: 'subscribe',
  fired_at: '2009-03-26 21:35:57',
  'data[id]': '8a25ff1d98',
  'data[list_id]': 'a6b5da1054',
  'data[email]': 'api@mailchimp.com',
  'data[email_type]': 'html',
  'data[merges][EMAIL]': 'api@mailchimp.com',
  'data[merges][FNAME]': 'MailChimp',
  'data[merges][LNAME]': 'API',
  'data[merges][INTERESTS]': 'Group1,Group2',
  'data[ip_opt]': '10.20.10.30',
  'data[ip_signup]': '10.20.10.30',
};

describe('Segment.io connector', () => {
  it('maps identify with context and traits', () => {
    expect(segmentIoConnector.toEventJson(identify)).toEqual({
      properties: {
        context: { ip: '1.2.3.4', library: { name: 'analytics.js', version: '2.11.1' }, user_agent: 'Mozilla' },
        traits: { name: 'Ada', plan: 'pro' },
      },
      event: 'identify',
      entityType: 'user',
      entityId: 'u-42',
      eventTime: '2015-08-21T15:25:32.000Z',
    });
  });

  it('maps track with the tracked name in properties, falling back to anonymous_id', () => {
    const { user_id: _ignored, ...anonymous } = identify;
    const json = segmentIoConnector.toEventJson({ ...anonymous, type: 'track', anonymous_id: 'anon-1', event: 'Signed Up', context: undefined });
    expect(json).toEqual({
      properties: { event: 'Signed Up' },
      event: 'track',
      entityType: 'user',
      entityId: 'anon-1',
      eventTime: '2015-08-21T15:25:32.000Z',
    });
  });

  it.each([
    [{ type: 'identify' }, 'Failed to get segment.io API version.'],
    [{ ...identify, type: 'unknown' }, 'Cannot convert unknown type unknown to event JSON.'],
    [{ ...identify, user_id: undefined }, 'Cannot convert'],
    [{ ...identify, type: 'page', user_id: undefined }, 'there was no `userId` or `anonymousId` in the common fields.'],
    [{ ...identify, timestamp: 5 }, 'Cannot extract Common field from'],
  ])('rejects %j', (payload, message) => {
    expect(() => segmentIoConnector.toEventJson(payload as Record<string, unknown>)).toThrow(ConnectorError);
    expect(() => segmentIoConnector.toEventJson(payload as Record<string, unknown>)).toThrow(message);
  });
});

describe('MailChimp connector', () => {
  it('maps subscribe as upstream nests the merge fields', () => {
    expect(mailChimpConnector.toEventJson(new Map(Object.entries(subscribe)))).toEqual({
      event: 'subscribe',
      entityType: 'user',
      entityId: '8a25ff1d98',
      targetEntityType: 'list',
      targetEntityId: 'a6b5da1054',
      eventTime: '2009-03-26T21:35:57.000Z',
      properties: {
        email: 'api@mailchimp.com',
        email_type: 'html',
        merges: { EMAIL: 'api@mailchimp.com', FNAME: 'MailChimp' },
        LNAME: 'API',
        INTERESTS: 'Group1,Group2',
        ip_opt: '10.20.10.30',
        ip_signup: '10.20.10.30',
      },
    });
  });

  it('maps cleaned onto the list entity without a target', () => {
    const json = mailChimpConnector.toEventJson(
      new Map(Object.entries({ type: 'cleaned', fired_at: '2009-03-26 22:01:00', 'data[list_id]': 'L1', 'data[campaign_id]': 'C1', 'data[reason]': 'hard', 'data[email]': 'x@y' })),
    );
    expect(json).toEqual({
      event: 'cleaned',
      entityType: 'list',
      entityId: 'L1',
      eventTime: '2009-03-26T22:01:00.000Z',
      properties: { campaignId: 'C1', reason: 'hard', email: 'x@y' },
    });
  });

  it('rejects a missing or unknown type and a missing field with connector errors (400s)', () => {
    expect(() => mailChimpConnector.toEventJson(new Map())).toThrow("The field 'type' is required for MailChimp data.");
    expect(() => mailChimpConnector.toEventJson(new Map([['type', 'nope']]))).toThrow(
      'Cannot convert unknown MailChimp data type nope to event JSON',
    );
    const missing = () => mailChimpConnector.toEventJson(new Map([['type', 'upemail'], ['fired_at', '2009-03-26 22:15:09']]));
    expect(missing).toThrow('key not found: data[new_id]');
    expect(missing).toThrow(ConnectorError);
  });
});

describe('webhook routes', () => {
  let server: TestEventServer;
  let app: TestApp;
  beforeAll(async () => {
    server = await startTestEventServer();
    app = await server.createApp('hooks', ['only-this']); // the allow-list must not apply to webhooks
  });
  afterAll(async () => {
    await server?.close();
  });
  const hook = (file: string) => `${server.baseUrl}/webhooks/${file}?accessKey=${app.key}`;

  it('answers GET Ok for known connectors and 404 for unknown ones', async () => {
    expect((await http('GET', hook('segmentio.json'))).text).toBe('{"message":"Ok"}');
    expect((await http('GET', hook('mailchimp.form'))).text).toBe('{"message":"Ok"}');
    const unknown = await http('GET', hook('mailchimp.json'));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('{"message":"webhooks connection for mailchimp is not supported."}');
  });

  it('stores a Segment.io event sent with Basic auth', async () => {
    const response = await http('POST', `${server.baseUrl}/webhooks/segmentio.json`, {
      body: identify,
      headers: { authorization: `Basic ${Buffer.from(`${app.key}:`).toString('base64')}` },
    });
    expect(response.status).toBe(201);
    const { eventId } = response.json as { eventId: string };
    const stored = await server.storage.events.get({ appId: app.appId }, eventId);
    expect(stored?.event).toBe('identify');
    expect(stored?.entityId).toBe('u-42');
    expect(stored?.properties).toEqual({
      context: { ip: '1.2.3.4', library: { name: 'analytics.js', version: '2.11.1' }, user_agent: 'Mozilla' },
      traits: { name: 'Ada', plan: 'pro' },
    });
  });

  it('stores a MailChimp form post', async () => {
    const response = await http('POST', hook('mailchimp.form'), {
      raw: new URLSearchParams(subscribe).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(201);
    const { eventId } = response.json as { eventId: string };
    const stored = await server.storage.events.get({ appId: app.appId }, eventId);
    expect(stored?.targetEntityId).toBe('a6b5da1054');
    expect(stored?.eventTime.toISOString()).toBe('2009-03-26T21:35:57.000Z');
  });

  it('answers 400 for conversion errors and missing fields, 404 for unknown connectors, 415 for the wrong type', async () => {
    const noType = await http('POST', hook('mailchimp.form'), { raw: 'a=1', contentType: 'application/x-www-form-urlencoded' });
    expect(noType.status).toBe(400);
    expect(noType.text).toBe(`{"message":"The field 'type' is required for MailChimp data."}`);
    const missing = await http('POST', hook('mailchimp.form'), {
      raw: 'type=upemail&fired_at=2009-03-26%2022:15:09',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(missing.status).toBe(400);
    expect(missing.text).toBe('{"message":"key not found: data[new_id]"}');
    const segment = await http('POST', hook('segmentio.json'), { body: { type: 'identify' } });
    expect(segment.status).toBe(400);
    expect(segment.text).toBe('{"message":"Failed to get segment.io API version."}');
    const unknown = await http('POST', hook('github.json'), { body: { a: 1 } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('{"message":"webhooks connection for github is not supported."}');
    const wrongType = await http('POST', hook('mailchimp.form'), { body: { type: 'subscribe' } });
    expect(wrongType.status).toBe(415);
    expect(wrongType.text).toBe("The request's Content-Type is not supported. Expected:\napplication/x-www-form-urlencoded");
  });

  it('answers 500 when the converted event does not validate', async () => {
    const response = await http('POST', hook('segmentio.json'), { body: { ...identify, user_id: '' } });
    expect(response.status).toBe(500);
    expect(response.text).toBe('{"message":"java.lang.IllegalArgumentException: requirement failed: entityId must not be empty string."}');
  });
});
