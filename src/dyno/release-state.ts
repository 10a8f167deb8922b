import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgConnectionOptions } from '../config/database-url.js';
import { UserError } from '../lib/errors.js';
import { redactSecrets } from '../lib/redact.js';

export type InitialImportStatus = 'pending' | 'completed';

export interface InitialImportRecord {
  appId: number;
  status: InitialImportStatus;
}

const STATE_TABLE = 'pio_deploy_data_imports';

/** The advisory-lock class of release phases; the object is `hashtext(<app name>)`. */
const RELEASE_LOCK_CLASS = "hashtext('pio-deploy release')";

/** How long a release waits for another release of the same app (a release phase may train for long). */
export const RELEASE_LOCK_TIMEOUT_MS = 30 * 60_000;
const RELEASE_LOCK_POLL_MS = 500;

export interface ReleaseLockOptions {
  timeoutMs?: number;
  /** Called once when the lock is taken by another session, before waiting for it. */
  onWait?: () => void;
}

/**
 * What the release phase remembers between releases, kept in the app's PostgreSQL (a release dyno's
 * filesystem is thrown away). One row per PredictionIO app: whether its initial import is `pending`
 * (started, not known to have finished: the next release imports again) or `completed`.
 * The table name has a `pio_deploy_` prefix, so it never collides with PredictionIO's `pio_*` tables.
 *
 * The store's connection is also the release's session: `lockRelease` takes a session-level advisory
 * lock that PostgreSQL releases when the connection ends, however the process ends (a SIGKILLed
 * release cannot leave it held).
 */
export class ReleaseStateStore {
  private constructor(private readonly client: pg.Client) {}

  static async open(connection: PgConnectionOptions): Promise<ReleaseStateStore> {
    const client = new pg.Client({ ...connection, connectionTimeoutMillis: 30_000, application_name: 'pio-deploy release' });
    // A connection lost later surfaces as the failed query's error; without a listener it would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw databaseConnectionError(error, connection.password);
    }
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (
        app_name text PRIMARY KEY,
        app_id integer NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'completed')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    } catch (error) {
      await client.end();
      throw error;
    }
    return new ReleaseStateStore(client);
  }

  /**
   * Takes the app's release lock for the rest of this session: one release phase at a time per app,
   * so two overlapping releases never both import the initial data. Waits for another release
   * holding it, up to `timeoutMs`, then fails naming what to do.
   */
  async lockRelease(appName: string, options: ReleaseLockOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? RELEASE_LOCK_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(${RELEASE_LOCK_CLASS}, hashtext($1)) AS locked`,
        [appName],
      );
      if (rows[0]?.locked) return;
      if (attempt === 0) options.onWait?.();
      if (Date.now() >= deadline) {
        throw new UserError(
          `Another release of '${appName}' has been running for more than ${Math.round(timeoutMs / 1000)} s; this release gives up waiting for it.`,
          { hint: 'Let the other release finish (or stop it), then release again.' },
        );
      }
      await sleep(Math.min(RELEASE_LOCK_POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }

  async initialImport(appName: string): Promise<InitialImportRecord | undefined> {
    const { rows } = await this.client.query<{ app_id: number; status: InitialImportStatus }>(
      `SELECT app_id, status FROM ${STATE_TABLE} WHERE app_name = $1`,
      [appName],
    );
    const row = rows[0];
    return row ? { appId: row.app_id, status: row.status } : undefined;
  }

  async recordInitialImport(appName: string, appId: number, status: InitialImportStatus): Promise<void> {
    await this.client.query(
      `INSERT INTO ${STATE_TABLE} (app_name, app_id, status, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (app_name) DO UPDATE SET app_id = EXCLUDED.app_id, status = EXCLUDED.status, updated_at = now()`,
      [appName, appId, status],
    );
  }

  /**
   * Whether the app's default-channel event table (`<namespace>_<appId>`, PredictionIO's JDBC layout)
   * holds any event; a missing table counts as empty.
   */
  async hasEvents(eventNamespace: string, appId: number): Promise<boolean> {
    const table = `${eventNamespace}_${appId}`.toLowerCase();
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`unexpected event table name ${table}`);
    const { rows } = await this.client.query<{ exists: string | null }>('SELECT to_regclass($1) AS exists', [table]);
    if (!rows[0]?.exists) return false;
    const result = await this.client.query(`SELECT 1 FROM ${table} LIMIT 1`);
    return (result.rowCount ?? 0) > 0;
  }

  /** Ends the session, which also releases the release lock. */
  async close(): Promise<void> {
    await this.client.end();
  }
}

/**
 * A failed connection as one line naming DATABASE_URL and the driver's reason (wrong password,
 * refused, unknown host, timeout), never the URL or its password.
 */
export function databaseConnectionError(error: unknown, password: string): UserError {
  const reason = redactSecrets(reasonOf(error), [password]);
  return new UserError(`Could not connect to the database in DATABASE_URL (${reason}).`, {
    hint: 'Check DATABASE_URL (user, password, host, port and database name) and that the database accepts connections.',
    cause: error,
  });
}

/** Node reports a refused `localhost` (tried as ::1 and 127.0.0.1) as an AggregateError without a message. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join('; ');
  }
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}
