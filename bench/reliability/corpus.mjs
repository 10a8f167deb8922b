// @ts-check
/**
 * The hostile corpus: requests to every route of the Event Server and the engine server, and lines for
 * `pio import`, each with the status class a correct server answers. Generated (deterministically, no
 * randomness) rather than stored, so a family is one readable rule. Run by test/hostile/corpus.test.ts
 * and bench/reliability/run.mjs.
 *
 * Placeholders in paths, headers and bodies: `{key}` the Event Server app's access key, `{serverKey}`
 * the engine server's key (never sent to /stop, which would end the run).
 */

/**
 * `5xx` only for the 500s upstream answers and BEHAVIOUR.md documents (a case then names where, in
 * `documented`); any other 5xx is a failure.
 * @typedef {'2xx' | '4xx' | '5xx'} StatusClass
 */
/**
 * @typedef {object} HostileCase
 * @property {'event' | 'engine'} server
 * @property {string} family what kind of hostility, for reports
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string>} headers
 * @property {string | Uint8Array | undefined} body
 * @property {StatusClass} expect
 * @property {string} [documented] where an expected 5xx is documented
 */
/**
 * @typedef {object} ImportCase
 * @property {string} family
 * @property {string} line the line that must make the whole import fail
 */

const VALID = { event: 'rate', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i1', properties: { rating: 4 } };
const json = (/** @type {unknown} */ value) => JSON.stringify(value);
const withFields = (/** @type {Record<string, unknown>} */ fields) => json({ ...VALID, ...fields });
const without = (/** @type {string} */ field) => json(Object.fromEntries(Object.entries(VALID).filter(([name]) => name !== field)));
const nested = (/** @type {number} */ depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const inProperties = (/** @type {string} */ raw) => `{"event":"a","entityType":"u","entityId":"1","properties":{"x":${raw}}}`;

/** Event bodies the decoder must refuse (400 on /events.json, a 400 item in a batch, a failed import). */
/** @type {Array<[string, string]>} */
const INVALID_EVENTS = [
  ['not JSON', '{"event":"rate",'],
  ['empty object', '{}'],
  ['an array', '[1,2]'],
  ['a string', '"event"'],
  ['a number', '42'],
  ['null', 'null'],
  ['trailing garbage', `${json(VALID)}}}`],
  ['unterminated string', '{"event":"ra'],
  ['bare words', '{event:rate}'],
  ['single quotes', "{'event':'rate'}"],
  ['nesting past the limit', inProperties(nested(101))],
  ['nesting far past the limit', inProperties(nested(20_000))],
  ['objects nested past the limit', inProperties(`${'{"a":'.repeat(150)}1${'}'.repeat(150)}`)],
  ['more values than the limit', inProperties(`[${Array(100_001).fill('1').join(',')}]`)],
  ['NUL in entityId', withFields({ entityId: 'a\u0000b' })],
  ['NUL in event', withFields({ event: '\u0000' })],
  ['NUL in entityType', withFields({ entityType: 'u\u0000' })],
  ['NUL in targetEntityId', withFields({ targetEntityId: '\u0000' })],
  ['NUL in eventId', withFields({ eventId: 'id\u0000' })],
  ['lone high surrogate in entityId', withFields({ entityId: 'x\uD800' })],
  ['lone low surrogate in targetEntityId', withFields({ targetEntityId: '\uDC00' })],
  ['lone surrogate escaped in entityType', '{"event":"a","entityType":"\\uD83D","entityId":"1"}'],
  ['lone surrogate in event', withFields({ event: '\uDFFF' })],
  ['33-character eventId', withFields({ eventId: 'x'.repeat(33) })],
  ['10 000-character eventId', withFields({ eventId: 'e'.repeat(10_000) })],
  ['missing event', without('event')],
  ['missing entityType', without('entityType')],
  ['missing entityId', without('entityId')],
  ['null event', withFields({ event: null })],
  ['null entityId', withFields({ entityId: null })],
  ['boolean entityId', withFields({ entityId: true })],
  ['object entityId', withFields({ entityId: { a: 1 } })],
  ['array event', withFields({ event: ['rate'] })],
  ['array properties', withFields({ properties: [1, 2] })],
  ['string properties', withFields({ properties: 'rating=4' })],
  ['number properties', withFields({ properties: 4 })],
  ['boolean eventTime', withFields({ eventTime: true })],
  ['eventTime without zone', withFields({ eventTime: '2014-11-01T09:39:45' })],
  ['eventTime a word', withFields({ eventTime: 'yesterday' })],
  ['eventTime out of range', withFields({ eventTime: '2014-13-45T25:61:61Z' })],
  ['eventTime empty', withFields({ eventTime: '' })],
  ['eventTime year 0', withFields({ eventTime: '0000-00-00T00:00:00Z' })],
  ['eventTime overlong', withFields({ eventTime: `2014-11-01T09:39:45.${'1'.repeat(5000)}Z` })],
  ['reserved name not supported', withFields({ event: '$bad' })],
  ['$set with a target entity', withFields({ event: '$set' })],
  ['$unset without properties', json({ event: '$unset', entityType: 'user', entityId: 'u1' })],
  ['pio_ entity type', withFields({ entityType: 'pio_user' })],
  ['$ entity type', withFields({ entityType: '$user' })],
  ['pio_ target entity type', withFields({ targetEntityType: 'pio_item' })],
  ['target type without id', json({ event: 'view', entityType: 'user', entityId: 'u1', targetEntityType: 'item' })],
  ['target id without type', json({ event: 'view', entityType: 'user', entityId: 'u1', targetEntityId: 'i1' })],
  ['empty event', withFields({ event: '' })],
  ['empty entityType', withFields({ entityType: '' })],
  ['empty entityId', withFields({ entityId: '' })],
  ['property name starting with $', withFields({ event: '$set', targetEntityType: undefined, targetEntityId: undefined, properties: { $x: 1 } })],
  ['json4s dialect, unclosed object', '{"event":"a" "entityType":"u" "entityId":"1"'],
  ['json4s dialect, missing colon', '{"event" "a"}'],
  ['many numbers past the value limit', `[${Array(100_001).fill('1.5').join(',')}]`],
];

/** Event bodies a correct server stores (201; a 201 item in a batch). */
/** @type {Array<[string, string]>} */
const VALID_EVENTS = [
  ['plain', json(VALID)],
  ['number entityId (json4s makes it a string)', withFields({ entityId: 3 })],
  ['double entityId', '{"event":"a","entityType":"u","entityId":1.0}'],
  ['json4s dialect without commas', '{"event":"a" "entityType":"u" "entityId":"dialect"}'],
  ['json4s dialect, trailing comma', '{"event":"a","entityType":"u","entityId":"trailing",}'],
  ['32-character eventId', withFields({ eventId: undefined, entityId: 'k'.repeat(32) })],
  ['NUL inside properties', withFields({ properties: { note: 'a\u0000b' } })],
  ['lone surrogates inside properties', withFields({ properties: { half: '\uD83D', other: '\uDE00x' } })],
  ['nesting at the limit', inProperties(nested(98))],
  ['many numbers under the limit', inProperties(`[${Array(20_000).fill('1.5').join(',')}]`)],
  ['huge integers', inProperties('[123456789012345678901234567890,-99999999999999999999]')],
  ['exponents', inProperties('[1e308,1E-400,-0.0,5e-324]')],
  ['long entity type', withFields({ entityType: 't'.repeat(2000) })],
  ['unicode names', withFields({ entityId: 'ユーザー😀', event: 'évènement' })],
  ['eventTime with offset', withFields({ eventTime: '2014-11-01T09:39:45.618-08:00' })],
  ['eventTime microseconds', withFields({ eventTime: '2014-11-02T09:39:45.618123+0530' })],
  ['$set', json({ event: '$set', entityType: 'user', entityId: 'u1', properties: { a: 1 } })],
  ['$unset', json({ event: '$unset', entityType: 'user', entityId: 'u1', properties: { a: null } })],
  ['$delete', json({ event: '$delete', entityType: 'user', entityId: 'u1' })],
  ['$delete with properties (upstream checks none)', json({ event: '$delete', entityType: 'user', entityId: 'u1', properties: { a: 1 } })],
  ['unknown members', withFields({ extra: { deep: [1, 2, 3] }, tags: ['x'] })],
  ['__proto__ in properties', '{"event":"a","entityType":"u","entityId":"1","properties":{"__proto__":{"polluted":1}}}'],
  ['prId', withFields({ prId: 'pr-1' })],
  ['null optional fields', withFields({ targetEntityType: null, targetEntityId: null, properties: null, eventTime: null })],
];

/** Invalid UTF-8 byte sequences (decoded to U+FFFD by a UTF-8 reader: a storable event). */
const INVALID_UTF8 = [
  [0xc3, 0x28],
  [0xa0, 0xa1],
  [0xe2, 0x28, 0xa1],
  [0xf0, 0x28, 0x8c, 0x28],
  [0xed, 0xa0, 0x80],
  [0xff, 0xfe],
  [0xc0, 0x80],
];

/** @param {number[]} bytes */
function bodyWithBytes(bytes) {
  const [before, after] = ['{"event":"a","entityType":"u","entityId":"', '"}'].map((text) => new TextEncoder().encode(text));
  return Uint8Array.from([...(before ?? []), ...bytes, ...(after ?? [])]);
}

/** Access-key forms for routes that need one; the valid ones first. */
/** @type {Array<{ name: string, query: string, headers: Record<string, string>, valid: boolean }>} */
const AUTH = [
  { name: 'query key', query: 'accessKey={key}', headers: {}, valid: true },
  { name: 'Basic key', query: '', headers: { authorization: 'Basic {basicKey}' }, valid: true },
  { name: 'no key', query: '', headers: {}, valid: false },
  { name: 'wrong key', query: 'accessKey=wrong', headers: {}, valid: false },
  { name: 'empty key', query: 'accessKey=', headers: {}, valid: false },
  { name: 'NUL key', query: 'accessKey=%00', headers: {}, valid: false },
  { name: 'bad percent encoding', query: 'accessKey=%E0%A4%A', headers: {}, valid: false },
  { name: 'overlong key', query: `accessKey=${'k'.repeat(8000)}`, headers: {}, valid: false },
  { name: 'Basic not base64', query: '', headers: { authorization: 'Basic %%%not-base64%%%' }, valid: false },
  { name: 'Basic empty', query: '', headers: { authorization: 'Basic ' }, valid: false },
  { name: 'Bearer', query: '', headers: { authorization: 'Bearer {key}' }, valid: false },
  { name: 'Basic NUL', query: '', headers: { authorization: `Basic ${Buffer.from('\u0000:').toString('base64')}` }, valid: false },
  { name: 'two keys, one wrong', query: 'accessKey=wrong&accessKey={key}', headers: {}, valid: false },
  { name: 'unknown channel', query: 'accessKey={key}&channel=nope', headers: {}, valid: false },
  { name: 'channel with NUL', query: 'accessKey={key}&channel=%00', headers: {}, valid: false },
];

/** @param {string} path @param {string} query */
const withQuery = (path, query) => (query === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${query}`);
const JSON_TYPE = { 'content-type': 'application/json' };

/** @returns {HostileCase[]} */
function eventServerCases() {
  /** @type {HostileCase[]} */
  const cases = [];
  /** @param {Omit<HostileCase, 'server' | 'headers'> & { headers?: Record<string, string> }} c */
  const add = (c) => cases.push({ server: 'event', headers: {}, ...c });

  add({ family: 'status', method: 'GET', path: '/', body: undefined, expect: '2xx' });
  add({ family: 'status', method: 'GET', path: '/plugins.json', body: undefined, expect: '2xx' });
  add({ family: 'status', method: 'GET', path: '/stats.json?accessKey={key}', body: undefined, expect: '2xx' });

  // Each body under each access-key form: a single event, and as the one item of a batch.
  for (const auth of AUTH) {
    for (const [name, body] of [...INVALID_EVENTS, ...VALID_EVENTS]) {
      const valid = VALID_EVENTS.some(([, text]) => text === body);
      add({
        family: `POST /events.json ${name}, ${auth.name}`,
        method: 'POST',
        path: withQuery('/events.json', auth.query),
        headers: { ...JSON_TYPE, ...auth.headers },
        body,
        expect: auth.valid && valid ? '2xx' : '4xx',
      });
    }
  }
  for (const [name, body] of [...INVALID_EVENTS, ...VALID_EVENTS]) {
    // The batch answers 200 with a status per item; a body past a JSON limit is refused whole (the batch's
    // array is one level more, so an event nested at the limit is past it there).
    const refusedWhole = /past the (value )?limit|at the limit|more values than|not JSON|unterminated|trailing garbage|bare words|single quotes|unclosed|missing colon/.test(name);
    add({ family: `POST /batch ${name}`, method: 'POST', path: '/batch/events.json?accessKey={key}', headers: JSON_TYPE, body: `[${body}]`, expect: refusedWhole ? '4xx' : '2xx' });
    add({ family: `POST /batch mixed ${name}`, method: 'POST', path: '/batch/events.json?accessKey={key}', headers: JSON_TYPE, body: `[${json(VALID)},${body}]`, expect: refusedWhole ? '4xx' : '2xx' });
  }
  for (const [name, body, expect] of /** @type {Array<[string, string, StatusClass]>} */ ([
    ['an object', json(VALID), '4xx'],
    ['empty array', '[]', '2xx'],
    ['51 events', json(Array(51).fill(VALID)), '4xx'],
    ['50 events', json(Array(50).fill(VALID)), '2xx'],
    ['nested arrays', `[${nested(5000)}]`, '4xx'],
    ['many empty objects', `[${Array(100_001).fill('{}').join(',')}]`, '4xx'],
    ['a number', '7', '4xx'],
    ['empty body', '', '4xx'],
    ['NUL bytes', '\u0000\u0000', '4xx'],
  ])) {
    add({ family: `POST /batch ${name}`, method: 'POST', path: '/batch/events.json?accessKey={key}', headers: JSON_TYPE, body, expect });
  }

  // Content types and encodings.
  for (const [name, headers, expect] of /** @type {Array<[string, Record<string, string>, StatusClass]>} */ ([
    ['no content type', {}, '4xx'],
    ['text/plain', { 'content-type': 'text/plain' }, '4xx'],
    ['form', { 'content-type': 'application/x-www-form-urlencoded' }, '4xx'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '4xx'],
    ['json with charset', { 'content-type': 'application/json; charset=utf-8' }, '2xx'],
    ['json, latin1 charset', { 'content-type': 'application/json; charset=latin1' }, '2xx'],
    ['garbage content type', { 'content-type': '\u00ff/\u00fe' }, '4xx'],
    // Content-Encoding is not read (as upstream's spray server): the body is taken as sent.
    ['gzip claimed, plain sent', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '2xx'],
    ['unknown encoding', { 'content-type': 'application/json', 'content-encoding': 'br2' }, '2xx'],
  ])) {
    add({ family: `content type ${name}`, method: 'POST', path: '/events.json?accessKey={key}', headers, body: json(VALID), expect });
  }
  for (const bytes of INVALID_UTF8) {
    const hex = bytes.map((b) => b.toString(16)).join(' ');
    add({ family: `invalid UTF-8 ${hex}`, method: 'POST', path: '/events.json?accessKey={key}', headers: JSON_TYPE, body: bodyWithBytes(bytes), expect: '2xx' });
    add({ family: `invalid UTF-8 batch ${hex}`, method: 'POST', path: '/batch/events.json?accessKey={key}', headers: JSON_TYPE, body: Uint8Array.from([0x5b, ...bodyWithBytes(bytes), 0x5d]), expect: '2xx' });
  }
  add({ family: 'body past the route limit', method: 'POST', path: '/events.json?accessKey={key}', headers: JSON_TYPE, body: withFields({ properties: { blob: 'x'.repeat(600 * 1024) } }), expect: '4xx' });
  add({ family: 'batch past the route limit', method: 'POST', path: '/batch/events.json?accessKey={key}', headers: JSON_TYPE, body: `[${withFields({ properties: { blob: 'x'.repeat(5 * 1024 * 1024) } })}]`, expect: '4xx' });

  // Finds: query parameters.
  for (const [query, expect] of /** @type {Array<[string, StatusClass]>} */ ([
    ['', '2xx'],
    ['limit=5', '2xx'],
    ['limit=-1', '2xx'],
    ['limit=-2', '2xx'],
    ['limit=abc', '4xx'],
    ['limit=99999999999999999999', '4xx'],
    ['limit=1e3', '4xx'],
    ['reversed=true&entityType=user&entityId=u1', '2xx'],
    ['reversed=maybe', '4xx'],

    ['startTime=2014-11-01T09:39:45.618-08:00', '2xx'],
    ['startTime=yesterday', '4xx'],
    ['untilTime=2014-13-45T25:61:61Z', '4xx'],
    ['startTime=', '4xx'],
    ['entityType=user', '2xx'],
    ['entityId=u1', '2xx'],
    ['entityType=user&entityId=%00', '4xx'],
    ['event=rate&event=view', '2xx'],
    ['event=%00', '4xx'],
    ['targetEntityType=item&targetEntityId=i1', '2xx'],
    // No event matches: upstream's 404.
    [`entityType=${'e'.repeat(6000)}`, '4xx'],
    ['entityType=%E0%A4%A', '4xx'],
    ['entityType=%F0%9F%98%80', '4xx'],
    ['entityType=%ED%A0%80', '4xx'],
    ['limit=5&limit=6', '2xx'],
    ['channel=', '4xx'],
  ])) {
    add({ family: `GET /events.json ${query}`, method: 'GET', path: withQuery('/events.json?accessKey={key}', query), body: undefined, expect });
    add({ family: `GET /events.json no key ${query}`, method: 'GET', path: withQuery('/events.json', query), body: undefined, expect: '4xx' });
  }

  add({ family: 'GET /events.json many unknown parameters', method: 'GET', path: `/events.json?accessKey={key}&${Array.from({ length: 2000 }, (_, i) => `p${i}=1`).join('&')}`, body: undefined, expect: '2xx' });
  add({ family: 'GET /events.json reversed without the entity', method: 'GET', path: '/events.json?accessKey={key}&reversed=true', body: undefined, expect: '4xx' });
  add({ family: 'webhook mailchimp form without data[id]', method: 'POST', path: '/webhooks/mailchimp.form?accessKey={key}', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'type=subscribe&data%5Bemail%5D=%00', expect: '4xx' });

  // Event ids in the path.
  for (const [name, id, expect] of /** @type {Array<[string, string, StatusClass]>} */ ([
    ['unknown', 'nope', '4xx'],
    ['NUL', '%00', '4xx'],
    ['overlong', 'x'.repeat(5000), '4xx'],
    ['33 characters', 'y'.repeat(33), '4xx'],
    ['traversal', '..%2F..%2Fetc%2Fpasswd', '4xx'],
    ['dot segments', '../../stats', '4xx'],
    ['bad percent encoding', '%E0%A4%A', '4xx'],
    ['encoded surrogate', '%ED%A0%80', '4xx'],
    ['emoji', '%F0%9F%98%80', '4xx'],
    ['SQL', "1'%20OR%20'1'='1", '4xx'],
    ['percent', '%25', '4xx'],
    ['empty', '', '4xx'],
  ])) {
    for (const method of ['GET', 'DELETE']) {
      add({ family: `${method} /events/<${name}>.json`, method, path: `/events/${id}.json?accessKey={key}`, body: undefined, expect });
      add({ family: `${method} /events/<${name}>.json no key`, method, path: `/events/${id}.json`, body: undefined, expect: '4xx' });
    }
  }

  // Webhooks: JSON and form connectors, unknown names, hostile bodies.
  for (const auth of AUTH) {
    const known = auth.valid ? '2xx' : '4xx';
    add({ family: `webhook segmentio ${auth.name}`, method: 'POST', path: withQuery('/webhooks/segmentio.json', auth.query), headers: { ...JSON_TYPE, ...auth.headers }, body: json({ version: '2', type: 'identify', sent_at: '2015-08-21T15:25:32.799Z', timestamp: '2015-08-21T15:25:32.000Z', user_id: 'u-42', traits: { plan: 'pro' } }), expect: known });
    add({ family: `webhook mailchimp form ${auth.name}`, method: 'POST', path: withQuery('/webhooks/mailchimp.form', auth.query), headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'type=subscribe&fired_at=2009-03-26+21%3A35%3A57&data%5Bid%5D=8a25ff1d98&data%5Blist_id%5D=a6b5da1054&data%5Bemail%5D=api%40mailchimp.com&data%5Bemail_type%5D=html&data%5Bmerges%5D%5BEMAIL%5D=api%40mailchimp.com&data%5Bmerges%5D%5BFNAME%5D=MailChimp&data%5Bmerges%5D%5BLNAME%5D=API&data%5Bip_opt%5D=10.20.10.30&data%5Bip_signup%5D=10.20.10.30', expect: known });
  }
  for (const [name, body] of INVALID_EVENTS) {
    add({ family: `webhook segmentio ${name}`, method: 'POST', path: '/webhooks/segmentio.json?accessKey={key}', headers: JSON_TYPE, body, expect: '4xx' });
  }
  for (const [name, path, expect] of /** @type {Array<[string, string, StatusClass]>} */ ([
    ['unknown json', '/webhooks/nope.json', '4xx'],
    ['unknown form', '/webhooks/nope.form', '4xx'],
    ['NUL name', '/webhooks/segmentio%00.json', '4xx'],
    ['overlong name', `/webhooks/${'w'.repeat(5000)}.json`, '4xx'],
    ['traversal', '/webhooks/..%2F..%2Fevents.json', '4xx'],
    ['$ name', '/webhooks/$set.json', '4xx'],
    ['GET json', '/webhooks/segmentio.json', '2xx'],
    ['GET form', '/webhooks/mailchimp.form', '2xx'],
  ])) {
    const method = name.startsWith('GET') ? 'GET' : 'POST';
    add({ family: `webhook ${name}`, method, path: withQuery(path, 'accessKey={key}'), headers: method === 'POST' ? JSON_TYPE : {}, body: method === 'POST' ? '{"a":1}' : undefined, expect });
  }
  for (const [name, body] of /** @type {Array<[string, string]>} */ ([
    ['form bad percent', 'type=%E0%A4%A&data=1'],
    ['form deep keys', `${'a%5Bb%5D'.repeat(2000)}=1`],
    ['form many fields', Array.from({ length: 5000 }, (_, i) => `f${i}=${i}`).join('&')],
    ['form empty', ''],
    ['form unknown type', 'type=nope'],
  ])) {
    add({ family: `webhook mailchimp ${name}`, method: 'POST', path: '/webhooks/mailchimp.form?accessKey={key}', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, expect: '4xx' });
  }

  // Paths, methods and headers no route has.
  for (const [name, method, path] of [
    ['NUL path', 'GET', '/%00'],
    ['overlong path', 'GET', `/${'p'.repeat(8000)}`],
    ['traversal', 'GET', '/../../etc/passwd'],
    ['encoded traversal', 'GET', '/%2e%2e/%2e%2e/etc/passwd'],
    ['double slash', 'GET', '//events.json'],
    ['unknown route', 'GET', '/admin'],
    ['PUT events', 'PUT', '/events.json?accessKey={key}'],
    ['PATCH event', 'PATCH', '/events/abc.json?accessKey={key}'],
    ['DELETE all', 'DELETE', '/events.json?accessKey={key}'],
    ['POST status', 'POST', '/'],
    ['POST stats', 'POST', '/stats.json?accessKey={key}'],
    ['DELETE plugins', 'DELETE', '/plugins.json'],
    ['unknown plugin', 'GET', '/plugins/nope/x'],
    ['GET batch', 'GET', '/batch/events.json?accessKey={key}'],
    ['bad percent path', 'GET', '/%E0%A4%A.json'],
    ['query NUL name', 'GET', '/events.json?accessKey={key}&%00=1'],
  ]) {
    add({ family: `path ${name}`, method: method ?? 'GET', path: path ?? '/', body: undefined, expect: '4xx' });
  }
  return cases;
}

/** Query bodies for the fixture engine (`{"offset": n}`), of the same families. */
/** @returns {HostileCase[]} */
function engineServerCases() {
  /** @type {HostileCase[]} */
  const cases = [];
  /** @param {Omit<HostileCase, 'server' | 'headers'> & { headers?: Record<string, string> }} c */
  const add = (c) => cases.push({ server: 'engine', headers: {}, ...c });
  add({ family: 'status', method: 'GET', path: '/', body: undefined, expect: '2xx' });
  add({ family: 'status', method: 'GET', path: '/plugins.json', body: undefined, expect: '2xx' });

  /** @type {Array<[string, string, StatusClass]>} */
  const queries = [
    ['valid', '{"offset": 1}', '2xx'],
    ['valid with unknown member', '{"offset": 1, "label": 42}', '2xx'],
    ['json4s dialect without commas', '{"offset": 1 "label": 2}', '2xx'],
    ['integer as double', '{"offset": 1.0}', '2xx'],
    ['not JSON', '{"offset": ', '4xx'],
    ['empty', '', '4xx'],
    ['an array', '[1]', '4xx'],
    ['null', 'null', '4xx'],
    ['a string', '"offset"', '4xx'],
    ['wrong type', '{"offset": "one"}', '4xx'],
    ['boolean', '{"offset": true}', '4xx'],
    ['nested past the limit', `{"offset": 1, "x": ${nested(1001)}}`, '4xx'],
    ['nested far past the limit', `{"offset": 1, "x": ${nested(200_000)}}`, '4xx'],
    ['many values', `[${Array(100_001).fill('{}').join(',')}]`, '4xx'],
    ['many numbers', `{"offset": 1, "x": [${Array(100_001).fill('1.5').join(',')}]}`, '4xx'],
    ['numbers under the limit', `{"offset": 1, "x": [${Array(20_000).fill('1.5').join(',')}]}`, '2xx'],
    ['NUL in a member', '{"offset": 1, "note": "a\\u0000b"}', '2xx'],
    ['lone surrogate', '{"offset": 1, "note": "\\uD800"}', '2xx'],
    ['__proto__', '{"offset": 1, "__proto__": {"polluted": true}}', '2xx'],
    ['huge number', '{"offset": 1e400}', '4xx'],
    ['overlong member name', `{"offset": 1, "${'n'.repeat(100_000)}": 1}`, '2xx'],
    ['trailing garbage', '{"offset": 1}}}', '4xx'],
    ['unterminated string', '{"offset": "', '4xx'],
    ['body past the limit', `{"offset": 1, "blob": "${'x'.repeat(11 * 1024 * 1024)}"}`, '4xx'],
  ];
  for (const [name, body, expect] of queries) {
    for (const [contentName, headers] of /** @type {Array<[string, Record<string, string>]>} */ ([
      ['json', JSON_TYPE],
      ['json utf-8', { 'content-type': 'application/json; charset=utf-8' }],
      ['text/plain', { 'content-type': 'text/plain' }],
      ['no type', {}],
    ])) {
      // The engine server reads any body as JSON, as upstream's does (spray takes the entity as text).
      add({ family: `POST /queries.json ${name}, ${contentName}`, method: 'POST', path: '/queries.json', headers, body, expect });
    }
  }
  for (const bytes of INVALID_UTF8) {
    const text = new TextEncoder().encode('{"offset": 1, "note": "');
    add({ family: `invalid UTF-8 ${bytes.map((b) => b.toString(16)).join(' ')}`, method: 'POST', path: '/queries.json', headers: JSON_TYPE, body: Uint8Array.from([...text, ...bytes, 0x22, 0x7d]), expect: '2xx' });
  }
  // Control routes: never the right key for /stop (the run would end), the right one for /reload last.
  for (const route of ['/stop', '/reload']) {
    for (const [name, query, headers] of /** @type {Array<[string, string, Record<string, string>]>} */ ([
      ['no key', '', {}],
      ['wrong key', 'accessKey=wrong', {}],
      ['empty key', 'accessKey=', {}],
      ['NUL key', 'accessKey=%00', {}],
      ['bad percent', 'accessKey=%E0%A4%A', {}],
      ['overlong key', `accessKey=${'k'.repeat(8000)}`, {}],
      ['key in Basic', '', { authorization: 'Basic {basicServerKey}' }],
      ['forwarded', '', { 'x-forwarded-for': '127.0.0.1' }],
      ['two keys', 'accessKey=wrong&accessKey=x', {}],
    ])) {
      for (const method of ['GET', 'POST']) add({ family: `${route} ${name}`, method, path: withQuery(route, query), headers, body: undefined, expect: '4xx' });
    }
  }
  for (const [name, method, path] of [
    ['GET queries', 'GET', '/queries.json'],
    ['PUT queries', 'PUT', '/queries.json'],
    ['DELETE status', 'DELETE', '/'],
    ['NUL path', 'GET', '/%00'],
    ['overlong path', 'GET', `/${'p'.repeat(8000)}`],
    ['traversal', 'GET', '/../../etc/passwd'],
    ['encoded traversal', 'GET', '/%2e%2e/%2e%2e/etc/passwd'],
    ['bad percent path', 'GET', '/%E0%A4%A'],
    ['unknown route', 'GET', '/admin'],
    ['queries with NUL', 'POST', '/queries.json%00'],
  ]) {
    add({ family: `path ${name}`, method: method ?? 'GET', path: path ?? '/', body: undefined, expect: '4xx' });
  }
  return cases;
}

/** Lines of the same families for `pio import`: each, after a valid line, must fail the import. */
/** @returns {ImportCase[]} */
export function importCases() {
  return INVALID_EVENTS.filter(([name]) => !name.startsWith('many numbers past')).map(([family, line]) => ({ family, line }));
}

/** Every request of the corpus, in a fixed order. */
/** @returns {HostileCase[]} */
export function hostileCases() {
  return [...eventServerCases(), ...engineServerCases()];
}

/**
 * The case with its placeholders filled in.
 * @param {HostileCase} c
 * @param {{ key: string, serverKey: string }} keys
 * @returns {HostileCase}
 */
export function resolveCase(c, keys) {
  const fill = (/** @type {string} */ text) =>
    text
      .replaceAll('{basicKey}', Buffer.from(`${keys.key}:`).toString('base64'))
      .replaceAll('{basicServerKey}', Buffer.from(`${keys.serverKey}:`).toString('base64'))
      .replaceAll('{serverKey}', keys.serverKey)
      .replaceAll('{key}', keys.key);
  return {
    ...c,
    path: fill(c.path),
    headers: Object.fromEntries(Object.entries(c.headers).map(([name, value]) => [name, fill(value)])),
  };
}
