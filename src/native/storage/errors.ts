/** A storage operation failed for a reason other than the database being unreachable. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/**
 * The database cannot be reached right now (refused, reset, shutting down, too many clients…). The
 * event server answers 503; the pool reconnects on its own once PostgreSQL is back.
 */
export class StorageUnavailableError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** A client-given event id is already taken by an event with other content (the Event Server answers 409). */
export class EventIdConflictError extends StorageError {
  constructor(readonly eventId: string) {
    super(`duplicate key: eventId ${JSON.stringify(eventId)} is already stored with different content`);
    this.name = 'EventIdConflictError';
  }
}

/** The scope's event table does not exist (its app or channel was deleted, or never initialised). */
export class MissingEventTableError extends StorageError {
  constructor(
    message: string,
    readonly scope: { appId: number; channelId?: number | undefined },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // Keeps the name `StorageError`: a failed find answers 400 with the error's toString (compat).
  }
}

export function isStorageUnavailable(error: unknown): error is StorageUnavailableError {
  return error instanceof StorageUnavailableError;
}

const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // unix socket gone
]);

/**
 * SQLSTATE classes/codes meaning "the server is not there for us": 08 connection exception,
 * 57P01-57P03 admin/crash shutdown and cannot-connect-now, 53300 too many connections.
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended',
  'the database system is starting up',
  'the database system is shutting down',
];

export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || isUnavailableSqlState(code))) return true;
  if (UNAVAILABLE_MESSAGES.some((text) => error.message.includes(text))) return true;
  const errors = (error as { errors?: unknown }).errors; // AggregateError from multi-address connects
  if (Array.isArray(errors) && errors.some((inner) => isConnectionFailure(inner))) return true;
  return false;
}

/**
 * True for an error from the database or the storage layer (SQL state, table, constraint or column
 * names in its text): servers log it and never send its text to a client.
 */
export function isDatabaseError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof StorageError) return true;
    const { code, severity } = current as { code?: unknown; severity?: unknown };
    if (typeof severity === 'string' && typeof code === 'string') return true; // pg's DatabaseError
  }
  return false;
}

/** Wraps a driver error into the typed storage errors, keeping the original as `cause`. */
export function toStorageError(error: unknown, what: string): Error {
  if (error instanceof StorageError) return error;
  if (isConnectionFailure(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new StorageUnavailableError(`Storage is unavailable (${what}): ${detail}`, { cause: error });
  }
  return error instanceof Error ? error : new StorageError(`${what}: ${String(error)}`, { cause: error });
}
