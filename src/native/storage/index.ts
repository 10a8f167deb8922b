/**
 * Storage for the native PredictionIO runtime: the public interface other areas code against (types in
 * types.ts, implementations in the other modules; this file only re-exports).
 *
 * Same PostgreSQL layout as Apache PredictionIO's JDBC backend (BEHAVIOUR.md#storage): meta tables, one event table
 * per app and channel, engine/evaluation instances and model blobs. Settings come from the environment
 * the way PredictionIO reads them (`PIO_STORAGE_*`), else `DATABASE_URL`, else an embedded PostgreSQL
 * under `$PIO_HOME` shared by every `pio` process on the machine.
 *
 * Usage:
 *   const storage = await openStorage(resolveStorageSettings(process.env));
 *   try { ... storage.events.insert({ appId }, event) ... } finally { await storage.close(); }
 *
 * Errors: connection failures surface as `StorageUnavailableError` (answer 503, retry later); the pool
 * reconnects by itself when the database returns. Configuration errors are `UserError`s.
 */

export type * from './types.js';
export { resolveStorageSettings, parseJdbcUrl } from './settings.js';
export { openStorage, type OpenStorageOptions } from './open.js';
export { aggregateProperties } from './aggregate.js';
export { StorageError, StorageUnavailableError, EventIdConflictError, MissingEventTableError, isStorageUnavailable, isDatabaseError } from './errors.js';
export type { EmbeddedConnection, EmbeddedStatus } from './embedded.js';
export { ensureEmbeddedPostgres, stopEmbeddedPostgres, embeddedPostgresStatus } from './embedded-on-demand.js';
export { generateAccessKey, generateEventId, generateInstanceId } from './ids.js';
export { CopyRowWriter, writeImportRow } from './copy-rows.js';
export { createEntityReadBatcher, type ReadOneEntity } from './entity-read-batch.js';
