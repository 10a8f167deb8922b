/**
 * The Event Server's response texts (BEHAVIOUR.md#event-server-http and the error catalogue BEHAVIOUR.md#error-catalogue). Clients and upstream's
 * integration tests compare these literally, so every one of them lives here and nowhere else.
 */
export const MESSAGES = {
  missingAccessKey: 'Missing accessKey.',
  invalidAccessKey: 'Invalid accessKey.',
  invalidChannel: (name: string) => `Invalid channel '${name}'.`,
  batchTooLarge: 'Batch request must have less than or equal to 50 events',
  eventNotAllowed: (event: string) => `${event} events are not allowed`,
  notFound: 'Not Found',
  found: 'Found',
  statsDisabled: 'To see stats, launch Event Server with --stats argument.',
  webhookNotSupported: (name: string) => `webhooks connection for ${name} is not supported.`,
  webhookOk: 'Ok',
  reversedMisuse:
    'requirement failed: the parameter reversed can only be used with both entityType and entityId specified.',
  storageUnavailable: 'The event store (PostgreSQL) is unavailable. Retry later.',
  shuttingDown: 'The Event Server is shutting down. Retry later.',
  busy: 'The Event Server is receiving too many request bodies at once. Retry later.',
  nulInUrl: 'The request URL contains a NUL character (%00), which no access key, event id or parameter can hold.',
  badUrl: 'The request URL is not valid (malformed percent-encoding).',
  eventIdConflict: (eventId: string) =>
    `eventId ${JSON.stringify(eventId)} is already stored with different content; a retry must send the same event.`,
  internalError: 'Internal error of the event store; the Event Server log has the details.',
  missingEventData: (appId: number, channelId: number | undefined) =>
    `The event data of app ID ${appId}${channelId === undefined ? '' : `, channel ID ${channelId}`} does not exist.`,
  tooManyStreams: 'Too many large event reads are running. Retry later.',
} as const;

/** Framework-level answers, sent as plain text the way upstream's HTTP stack does (BEHAVIOUR.md#event-server-http). */
export const PLAIN = {
  notFound: 'The requested resource could not be found.',
  methodNotAllowed: (allowed: readonly string[]) => `HTTP method not allowed, supported methods: ${allowed.join(', ')}`,
  entityExpected: 'Request entity expected but not supplied',
  unsupportedMediaType: (expected: string) => `The request's Content-Type is not supported. Expected:\n${expected}`,
  malformedInt: (name: string, raw: string) =>
    `The query parameter '${name}' was malformed:\n'${raw}' is not a valid 32-bit signed integer value`,
  malformedBoolean: (name: string, raw: string) =>
    `The query parameter '${name}' was malformed:\n'${raw}' is not a valid Boolean value`,
  tooLarge: (contentLength: string | undefined, limit: number) =>
    contentLength === undefined
      ? `Aggregated data length of request entity exceeds the configured limit of ${limit} bytes`
      : `Request Content-Length ${contentLength} exceeds the configured limit of ${limit}`,
} as const;
