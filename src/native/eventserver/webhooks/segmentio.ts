import { ConnectorError, isPlainObject, type EventJson, type JsonConnector } from './connector.js';

/**
 * Segment.io webhook (BEHAVIOUR.md#webhooks): every supported message type becomes one event named after the type,
 * on entity `user` / (`user_id` or `anonymous_id`), at `timestamp`, with the type-specific members and a
 * well-formed `context` as properties.
 */

type FieldType = 'string' | 'boolean' | 'number' | 'int' | Shape;
interface FieldSpec {
  type: FieldType;
  required: boolean;
}
type Shape = { readonly [field: string]: FieldSpec };

const req = (type: FieldType): FieldSpec => ({ type, required: true });
const opt = (type: FieldType): FieldSpec => ({ type, required: false });

// The context members upstream knows, in its order; unknown members are dropped, as upstream does.
const CONTEXT: Shape = {
  ip: req('string'),
  library: req({ name: req('string'), version: req('string') }),
  user_agent: req('string'),
  app: opt({ name: opt('string'), version: opt('string'), build: opt('string') }),
  campaign: opt({
    name: opt('string'),
    source: opt('string'),
    medium: opt('string'),
    term: opt('string'),
    content: opt('string'),
  }),
  device: opt({
    id: opt('string'),
    advertising_id: opt('string'),
    ad_tracking_enabled: opt('boolean'),
    manufacturer: opt('string'),
    model: opt('string'),
    name: opt('string'),
    type: opt('string'),
    token: opt('string'),
  }),
  network: opt({ bluetooth: opt('boolean'), carrier: opt('string'), cellular: opt('boolean'), wifi: opt('boolean') }),
  location: opt({
    city: opt('string'),
    country: opt('string'),
    latitude: opt('number'),
    longitude: opt('number'),
    speed: opt('int'),
  }),
  os: opt({ name: req('string'), version: req('string') }),
  referrer: opt({ id: req('string'), type: req('string') }),
  screen: opt({ width: req('int'), height: req('int'), density: req('int') }),
  timezone: opt('string'),
};

/** Picks the known members of `value` in shape order; undefined when a required member is unusable. */
function pick(value: unknown, shape: Shape): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  const picked: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(shape)) {
    const member = conform(value[field], spec.type);
    if (member === undefined) {
      if (spec.required) return undefined;
      continue;
    }
    picked[field] = member;
  }
  return picked;
}

function conform(value: unknown, type: FieldType): unknown {
  if (value === undefined || value === null) return undefined;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'number':
      return typeof value === 'number' ? value : undefined;
    case 'int':
      return Number.isInteger(value) ? value : undefined;
    default:
      return pick(value, type);
  }
}

function describe(payload: unknown): string {
  return JSON.stringify(payload);
}

function requiredString(payload: Record<string, unknown>, field: string): string {
  const value = payload[field];
  if (typeof value !== 'string') throw new Error(`No usable value for ${field}`);
  return value;
}

function optionalString(payload: Record<string, unknown>, field: string): string | undefined {
  const value = payload[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`No usable value for ${field}`);
  return value;
}

function optionalObject(payload: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = payload[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw new Error(`No usable value for ${field}`);
  return value;
}

interface Common {
  type: string;
  timestamp: string;
  userId: string | undefined;
  context: Record<string, unknown> | undefined;
}

function extractCommon(payload: Record<string, unknown>): Common {
  try {
    for (const field of ['type', 'sent_at', 'timestamp', 'version']) requiredString(payload, field);
    return {
      type: requiredString(payload, 'type'),
      timestamp: requiredString(payload, 'timestamp'),
      userId: optionalString(payload, 'user_id') ?? optionalString(payload, 'anonymous_id'),
      context: pick(payload.context, CONTEXT),
    };
  } catch (error) {
    throw new ConnectorError(`Cannot extract Common field from ${describe(payload)}. ${(error as Error).message}`);
  }
}

/** The type-specific members placed into the event's properties (absent optional members are omitted). */
function typeProperties(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  const members = (entries: [string, unknown][]) =>
    Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as Record<string, unknown>;
  switch (type) {
    case 'identify':
      requiredString(payload, 'user_id');
      return members([['traits', optionalObject(payload, 'traits')]]);
    case 'track':
      return members([
        ['properties', optionalObject(payload, 'properties')],
        ['event', requiredString(payload, 'event')],
      ]);
    case 'alias':
      requiredString(payload, 'user_id');
      return members([['previous_id', requiredString(payload, 'previous_id')]]);
    case 'page':
    case 'screen':
      return members([
        ['name', optionalString(payload, 'name')],
        ['properties', optionalObject(payload, 'properties')],
      ]);
    case 'group':
      return members([
        ['group_id', requiredString(payload, 'group_id')],
        ['traits', optionalObject(payload, 'traits')],
      ]);
    default:
      throw new ConnectorError(`Cannot convert unknown type ${type} to event JSON.`);
  }
}

export const segmentIoConnector: JsonConnector = {
  kind: 'json',
  toEventJson(payload: Record<string, unknown>): EventJson {
    if (payload.version === undefined) throw new ConnectorError('Failed to get segment.io API version.');
    const common = extractCommon(payload);
    let specific: Record<string, unknown>;
    try {
      specific = typeProperties(common.type, payload);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw new ConnectorError(`Cannot convert ${describe(payload)} to event JSON. ${(error as Error).message}`);
    }
    if (common.userId === undefined) {
      throw new ConnectorError('there was no `userId` or `anonymousId` in the common fields.');
    }
    return {
      properties: common.context === undefined ? specific : { context: common.context, ...specific },
      event: common.type,
      entityType: 'user',
      entityId: common.userId,
      eventTime: common.timestamp,
    };
  },
};
