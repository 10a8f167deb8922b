import { ConnectorError, type EventJson, type FormConnector } from './connector.js';

/**
 * MailChimp webhook (BEHAVIOUR.md#webhooks): the form field `type` selects the mapping; `fired_at` is UTC wall-clock
 * `yyyy-MM-dd HH:mm:ss`. A missing `data[...]` field is the sender's error: 400 `key not found: <field>`
 * (upstream's map lookup gives the same message as a 500; COMPATIBILITY.md#event-server).
 */
type Fields = ReadonlyMap<string, string>;

function field(fields: Fields, name: string): string {
  const value = fields.get(name);
  if (value === undefined) throw new ConnectorError(`key not found: ${name}`);
  return value;
}

const FIRED_AT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `fired_at` as an ISO-8601 UTC time with milliseconds, the way upstream re-renders it. */
function eventTime(fields: Fields): string {
  const raw = field(fields, 'fired_at');
  const match = FIRED_AT.exec(raw);
  const [, year, month, day, hour, minute, second] = match ?? [];
  const date = match
    ? new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)))
    : undefined;
  if (date === undefined || date.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw new Error(`Invalid format: "${raw}"`);
  }
  return date.toISOString();
}

/** The merge fields as upstream nests them: EMAIL and FNAME under `merges`, LNAME and INTERESTS beside it. */
function mergeProperties(fields: Fields): Record<string, unknown> {
  const interests = fields.get('data[merges][INTERESTS]');
  return {
    merges: { EMAIL: field(fields, 'data[merges][EMAIL]'), FNAME: field(fields, 'data[merges][FNAME]') },
    LNAME: field(fields, 'data[merges][LNAME]'),
    ...(interests === undefined ? {} : { INTERESTS: interests }),
  };
}

/** Fields are read in upstream's order, so the first missing one is the one reported. */
function userOnList(
  fields: Fields,
  event: string,
  entityIdField: string,
  properties: () => Record<string, unknown>,
): EventJson {
  return {
    event,
    entityType: 'user',
    entityId: field(fields, entityIdField),
    targetEntityType: 'list',
    targetEntityId: field(fields, 'data[list_id]'),
    eventTime: eventTime(fields),
    properties: properties(),
  };
}

const MAPPINGS: Record<string, (fields: Fields) => EventJson> = {
  subscribe: (fields) =>
    userOnList(fields, 'subscribe', 'data[id]', () => ({
      email: field(fields, 'data[email]'),
      email_type: field(fields, 'data[email_type]'),
      ...mergeProperties(fields),
      ip_opt: field(fields, 'data[ip_opt]'),
      ip_signup: field(fields, 'data[ip_signup]'),
    })),
  unsubscribe: (fields) =>
    userOnList(fields, 'unsubscribe', 'data[id]', () => ({
      action: field(fields, 'data[action]'),
      reason: field(fields, 'data[reason]'),
      email: field(fields, 'data[email]'),
      email_type: field(fields, 'data[email_type]'),
      ...mergeProperties(fields),
      ip_opt: field(fields, 'data[ip_opt]'),
      campaign_id: field(fields, 'data[campaign_id]'),
    })),
  profile: (fields) =>
    userOnList(fields, 'profile', 'data[id]', () => ({
      email: field(fields, 'data[email]'),
      email_type: field(fields, 'data[email_type]'),
      ...mergeProperties(fields),
      ip_opt: field(fields, 'data[ip_opt]'),
    })),
  upemail: (fields) =>
    userOnList(fields, 'upemail', 'data[new_id]', () => ({
      new_email: field(fields, 'data[new_email]'),
      old_email: field(fields, 'data[old_email]'),
    })),
  cleaned: (fields) => ({
    event: 'cleaned',
    entityType: 'list',
    entityId: field(fields, 'data[list_id]'),
    eventTime: eventTime(fields),
    properties: {
      campaignId: field(fields, 'data[campaign_id]'),
      reason: field(fields, 'data[reason]'),
      email: field(fields, 'data[email]'),
    },
  }),
  campaign: (fields) => ({
    event: 'campaign',
    entityType: 'campaign',
    entityId: field(fields, 'data[id]'),
    targetEntityType: 'list',
    targetEntityId: field(fields, 'data[list_id]'),
    eventTime: eventTime(fields),
    properties: {
      subject: field(fields, 'data[subject]'),
      status: field(fields, 'data[status]'),
      reason: field(fields, 'data[reason]'),
    },
  }),
};

export const mailChimpConnector: FormConnector = {
  kind: 'form',
  toEventJson(fields: Fields): EventJson {
    const type = fields.get('type');
    if (type === undefined) throw new ConnectorError("The field 'type' is required for MailChimp data.");
    const mapping = Object.hasOwn(MAPPINGS, type) ? MAPPINGS[type] : undefined;
    if (mapping === undefined) throw new ConnectorError(`Cannot convert unknown MailChimp data type ${type} to event JSON`);
    return mapping(fields);
  },
};
