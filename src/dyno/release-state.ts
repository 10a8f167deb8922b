import pg from 'pg';
import type { PgConnectionOptions } from '../config/database-url.js';

export type InitialImportStatus = 'pending' | 'completed';

export interface InitialImportRecord {
  appId: number;
  status: InitialImportStatus;
}

const STATE_TABLE = 'pio_deploy_data_imports';

/**
 * What the release phase remembers between releases, kept in the app's PostgreSQL (a release dyno's
 * filesystem is thrown away). One row per PredictionIO app: whether its initial import is `pending`
 * (started, not known to have finished: the next release imports again) or `completed`.
 * The table name has a `pio_deploy_` prefix, so it never collides with PredictionIO's `pio_*` tables.
 */
export class ReleaseStateStore {
  private constructor(private readonly client: pg.Client) {}

  static async open(connection: PgConnectionOptions): Promise<ReleaseStateStore> {
    const client = new pg.Client({ ...connection, connectionTimeoutMillis: 30_000 });
    await client.connect();
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

  async close(): Promise<void> {
    await this.client.end();
  }
}
