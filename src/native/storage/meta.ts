import {
  createAccessKeysTable,
  createAppsTable,
  createChannelsTable,
  metaTables,
} from './ddl.js';
import { generateAccessKey } from './ids.js';
import type { AccessKey, AccessKeysRepository, App, AppsRepository, Channel, ChannelsRepository } from './types.js';
import type { Database, Queryable } from './pool.js';

/**
 * Runs the CREATE TABLE statements once, on first use of a repository (as upstream's DAO constructors do).
 * A failure (database down) is not remembered, so the next call tries again.
 */
export function lazyInit(db: Database, key: string, statements: readonly string[]): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= db.ddl(key, statements).catch((error: unknown) => {
      done = undefined;
      throw error;
    });
    return done;
  };
}

/**
 * After an explicit id, move the serial sequence past it so later automatic ids do not collide
 * (COMPATIBILITY.md#upstream-quirks row B15). Never backwards: ids of deleted rows are not handed out again.
 */
async function advanceSequence(client: Queryable, table: string): Promise<void> {
  const sequence = `${table}_id_seq`; // the name `serial` gives it, here and in upstream-created tables
  await client.query(`SELECT setval('${sequence}', GREATEST((SELECT max(id) FROM ${table}), (SELECT last_value FROM ${sequence})))`);
}

const optional = (value: string | null): string | undefined => (value === null ? undefined : value);

export function createAppsRepository(db: Database, namespace: string): AppsRepository {
  const table = metaTables(namespace).apps;
  const ready = lazyInit(db, table, [createAppsTable(table)]);
  type Row = { id: number; name: string; description: string | null };
  const toApp = (row: Row): App => ({ id: row.id, name: row.name, description: optional(row.description) });
  return {
    async insert(app) {
      await ready();
      if (app.id !== undefined && app.id !== 0) {
        const id = app.id;
        await db.transaction(async (client) => {
          await client.query(`INSERT INTO ${table} (id, name, description) VALUES ($1, $2, $3)`, [
            id,
            app.name,
            app.description ?? null,
          ]);
          await advanceSequence(client, table);
        });
        return id;
      }
      const result = await db.query<{ id: number }>(
        `INSERT INTO ${table} (name, description) VALUES ($1, $2) RETURNING id`,
        [app.name, app.description ?? null],
      );
      return result.rows[0]!.id;
    },
    async get(id) {
      await ready();
      const result = await db.query<Row>(`SELECT id, name, description FROM ${table} WHERE id = $1`, [id]);
      return result.rows[0] && toApp(result.rows[0]);
    },
    async getByName(name) {
      await ready();
      const result = await db.query<Row>(`SELECT id, name, description FROM ${table} WHERE name = $1 ORDER BY id LIMIT 1`, [name]);
      return result.rows[0] && toApp(result.rows[0]);
    },
    async getAll() {
      await ready();
      const result = await db.query<Row>(`SELECT id, name, description FROM ${table} ORDER BY id`);
      return result.rows.map(toApp);
    },
    async update(app) {
      await ready();
      await db.query(`UPDATE ${table} SET name = $2, description = $3 WHERE id = $1`, [
        app.id,
        app.name,
        app.description ?? null,
      ]);
    },
    async delete(id) {
      await ready();
      await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    },
  };
}

export function createAccessKeysRepository(db: Database, namespace: string): AccessKeysRepository {
  const table = metaTables(namespace).accessKeys;
  const ready = lazyInit(db, table, [createAccessKeysTable(table)]);
  type Row = { accesskey: string; appid: number; events: string | null };
  const toKey = (row: Row): AccessKey => ({
    key: row.accesskey,
    appId: row.appid,
    events: row.events ? row.events.split(',') : [],
  });
  const encodeEvents = (events: readonly string[] | undefined) => (events && events.length > 0 ? events.join(',') : null);
  // No ORDER BY for "storage order": PostgreSQL returns heap order, which is insertion order for a table
  // that only sees inserts and deletes of whole keys (what upstream's `pio app list` shows).
  return {
    async insert(accessKey) {
      await ready();
      const key = accessKey.key ? accessKey.key : generateAccessKey();
      await db.query(`INSERT INTO ${table} (accesskey, appid, events) VALUES ($1, $2, $3)`, [
        key,
        accessKey.appId,
        encodeEvents(accessKey.events),
      ]);
      return key;
    },
    async get(key) {
      await ready();
      const result = await db.query<Row>(`SELECT accesskey, appid, events FROM ${table} WHERE accesskey = $1`, [key]);
      return result.rows[0] && toKey(result.rows[0]);
    },
    async getAll() {
      await ready();
      const result = await db.query<Row>(`SELECT accesskey, appid, events FROM ${table}`);
      return result.rows.map(toKey);
    },
    async getByAppId(appId) {
      await ready();
      const result = await db.query<Row>(`SELECT accesskey, appid, events FROM ${table} WHERE appid = $1`, [appId]);
      return result.rows.map(toKey);
    },
    async update(accessKey) {
      await ready();
      await db.query(`UPDATE ${table} SET appid = $2, events = $3 WHERE accesskey = $1`, [
        accessKey.key,
        accessKey.appId,
        encodeEvents(accessKey.events),
      ]);
    },
    async delete(key) {
      await ready();
      await db.query(`DELETE FROM ${table} WHERE accesskey = $1`, [key]);
    },
  };
}

export function createChannelsRepository(db: Database, namespace: string): ChannelsRepository {
  const table = metaTables(namespace).channels;
  const ready = lazyInit(db, table, [createChannelsTable(table)]);
  type Row = { id: number; name: string; appid: number };
  const toChannel = (row: Row): Channel => ({ id: row.id, name: row.name, appId: row.appid });
  return {
    async insert(channel) {
      await ready();
      if (channel.id !== undefined && channel.id !== 0) {
        const id = channel.id;
        await db.transaction(async (client) => {
          await client.query(`INSERT INTO ${table} (id, name, appid) VALUES ($1, $2, $3)`, [id, channel.name, channel.appId]);
          await advanceSequence(client, table);
        });
        return id;
      }
      const result = await db.query<{ id: number }>(
        `INSERT INTO ${table} (name, appid) VALUES ($1, $2) RETURNING id`,
        [channel.name, channel.appId],
      );
      return result.rows[0]!.id;
    },
    async get(id) {
      await ready();
      const result = await db.query<Row>(`SELECT id, name, appid FROM ${table} WHERE id = $1`, [id]);
      return result.rows[0] && toChannel(result.rows[0]);
    },
    async getByAppId(appId) {
      await ready();
      const result = await db.query<Row>(`SELECT id, name, appid FROM ${table} WHERE appid = $1 ORDER BY id`, [appId]);
      return result.rows.map(toChannel);
    },
    async delete(id) {
      await ready();
      await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    },
  };
}
