import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { createEngineInstancesTable, createEvaluationInstancesTable, createModelsTable, metaTables, modelsTable } from './ddl.js';
import { generateInstanceId } from './ids.js';
import type {
  EngineInstance,
  EngineInstancesRepository,
  EvaluationInstance,
  EvaluationInstancesRepository,
  ModelsRepository,
} from './types.js';
import { lazyInit } from './meta.js';
import type { Database } from './pool.js';
import { toUtcWallClock } from './timestamps.js';

/** `K1=V1,K2=V2`, no escaping, empty string = empty map (BEHAVIOUR.md#value-encodings). */
export function encodeStringMap(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function decodeStringMap(text: string | null): Record<string, string> {
  const map: Record<string, string> = {};
  if (!text) return map;
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    if (equals < 0) map[pair] = '';
    else map[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return map;
}

const ENGINE_COLUMNS =
  'id, status, starttime, endtime, engineid, engineversion, enginevariant, enginefactory, batch, env, sparkconf, datasourceparams, preparatorparams, algorithmsparams, servingparams';

/** A raw `<meta>_engineinstances` row: unquoted column names fold to lower case (BEHAVIOUR.md#table-names). */
export interface EngineRow {
  id: string;
  status: string;
  starttime: Date;
  endtime: Date;
  engineid: string;
  engineversion: string;
  enginevariant: string;
  enginefactory: string;
  batch: string;
  env: string;
  sparkconf: string;
  datasourceparams: string;
  preparatorparams: string;
  algorithmsparams: string;
  servingparams: string;
}

const toEngineInstance = (row: EngineRow): EngineInstance => ({
  id: row.id,
  status: row.status,
  startTime: row.starttime,
  endTime: row.endtime,
  engineId: row.engineid,
  engineVersion: row.engineversion,
  engineVariant: row.enginevariant,
  engineFactory: row.enginefactory,
  batch: row.batch,
  env: decodeStringMap(row.env),
  sparkConf: decodeStringMap(row.sparkconf),
  dataSourceParams: row.datasourceparams,
  preparatorParams: row.preparatorparams,
  algorithmsParams: row.algorithmsparams,
  servingParams: row.servingparams,
});

const engineValues = (i: EngineInstance) => [
  i.id,
  i.status,
  toUtcWallClock(i.startTime),
  toUtcWallClock(i.endTime),
  i.engineId,
  i.engineVersion,
  i.engineVariant,
  i.engineFactory,
  i.batch,
  encodeStringMap(i.env),
  encodeStringMap(i.sparkConf),
  i.dataSourceParams,
  i.preparatorParams,
  i.algorithmsParams,
  i.servingParams,
];

export function createEngineInstancesRepository(db: Database, namespace: string): EngineInstancesRepository {
  const table = metaTables(namespace).engineInstances;
  const ready = lazyInit(db, table, [createEngineInstancesTable(table)]);
  const completed = `SELECT ${ENGINE_COLUMNS} FROM ${table}
    WHERE status = 'COMPLETED' AND engineid = $1 AND engineversion = $2 AND enginevariant = $3
    ORDER BY starttime DESC`;
  return {
    async insert(instance) {
      await ready();
      const id = instance.id ? instance.id : generateInstanceId();
      await db.query(
        `INSERT INTO ${table} (${ENGINE_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
        engineValues({ ...instance, id }),
      );
      return id;
    },
    async get(id) {
      await ready();
      const result = await db.query<EngineRow>(`SELECT ${ENGINE_COLUMNS} FROM ${table} WHERE id = $1`, [id]);
      return result.rows[0] && toEngineInstance(result.rows[0]);
    },
    async getAll() {
      await ready();
      const result = await db.query<EngineRow>(`SELECT ${ENGINE_COLUMNS} FROM ${table} ORDER BY starttime DESC`);
      return result.rows.map(toEngineInstance);
    },
    async getCompleted(engineId, engineVersion, engineVariant) {
      await ready();
      const result = await db.query<EngineRow>(completed, [engineId, engineVersion, engineVariant]);
      return result.rows.map(toEngineInstance);
    },
    async getLatestCompleted(engineId, engineVersion, engineVariant) {
      await ready();
      const result = await db.query<EngineRow>(`${completed} LIMIT 1`, [engineId, engineVersion, engineVariant]);
      return result.rows[0] && toEngineInstance(result.rows[0]);
    },
    async update(instance) {
      await ready();
      await db.query(
        `UPDATE ${table} SET status = $2, starttime = $3, endtime = $4, engineid = $5, engineversion = $6,
           enginevariant = $7, enginefactory = $8, batch = $9, env = $10, sparkconf = $11, datasourceparams = $12,
           preparatorparams = $13, algorithmsparams = $14, servingparams = $15
         WHERE id = $1`,
        engineValues(instance),
      );
    },
    async delete(id) {
      await ready();
      await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    },
    async holdTraining(id) {
      // With a one-connection pool, holding it would starve the training itself: go without the
      // mark. The worst case is a live INIT marked ABORTED, which its COMPLETED update overwrites.
      if (db.size < 2) return { release: async () => undefined };
      const client = await db.connect();
      try {
        await client.query(`SELECT pg_advisory_lock(${TRAINING_LOCK_CLASS}, hashtext($1))`, [id]);
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      return {
        async release() {
          // Returning the connection with the lock held would keep it held: unlock, or drop the connection.
          try {
            await client.query(`SELECT pg_advisory_unlock(${TRAINING_LOCK_CLASS}, hashtext($1))`, [id]);
            client.release();
          } catch (error) {
            client.release(error as Error);
          }
        },
      };
    },
    async abortOrphanedTrainings(engineId, engineVersion, engineVariant) {
      await ready();
      return db.withClient(async (client) => {
        const { rows } = await client.query<{ id: string }>(
          `SELECT id FROM ${table} WHERE status = 'INIT' AND engineid = $1 AND engineversion = $2 AND enginevariant = $3`,
          [engineId, engineVersion, engineVariant],
        );
        const aborted: string[] = [];
        for (const { id } of rows) {
          // The lock is free only when no live trainer holds it (PostgreSQL drops it with a dead session).
          const taken = await client.query<{ free: boolean }>(
            `SELECT pg_try_advisory_lock(${TRAINING_LOCK_CLASS}, hashtext($1)) AS free`,
            [id],
          );
          if (!taken.rows[0]?.free) continue;
          try {
            const updated = await client.query(`UPDATE ${table} SET status = 'ABORTED', endtime = $2 WHERE id = $1 AND status = 'INIT'`, [
              id,
              toUtcWallClock(new Date()),
            ]);
            if ((updated.rowCount ?? 0) > 0) aborted.push(id);
          } finally {
            await client.query(`SELECT pg_advisory_unlock(${TRAINING_LOCK_CLASS}, hashtext($1))`, [id]);
          }
        }
        return aborted;
      }, 'marking abandoned trainings');
    },
  };
}

/** Advisory-lock class of live trainings; the object is `hashtext(<engine instance id>)`. */
const TRAINING_LOCK_CLASS = "hashtext('pio train')";

const EVALUATION_COLUMNS =
  'id, status, starttime, endtime, evaluationclass, engineparamsgeneratorclass, batch, env, sparkconf, evaluatorresults, evaluatorresultshtml, evaluatorresultsjson';

interface EvaluationRow {
  id: string;
  status: string;
  starttime: Date;
  endtime: Date;
  evaluationclass: string;
  engineparamsgeneratorclass: string;
  batch: string;
  env: string;
  sparkconf: string;
  evaluatorresults: string;
  evaluatorresultshtml: string;
  evaluatorresultsjson: string | null;
}

const toEvaluationInstance = (row: EvaluationRow): EvaluationInstance => ({
  id: row.id,
  status: row.status,
  startTime: row.starttime,
  endTime: row.endtime,
  evaluationClass: row.evaluationclass,
  engineParamsGeneratorClass: row.engineparamsgeneratorclass,
  batch: row.batch,
  env: decodeStringMap(row.env),
  sparkConf: decodeStringMap(row.sparkconf),
  evaluatorResults: row.evaluatorresults,
  evaluatorResultsHTML: row.evaluatorresultshtml,
  evaluatorResultsJSON: row.evaluatorresultsjson ?? '',
});

const evaluationValues = (i: EvaluationInstance) => [
  i.id,
  i.status,
  toUtcWallClock(i.startTime),
  toUtcWallClock(i.endTime),
  i.evaluationClass,
  i.engineParamsGeneratorClass,
  i.batch,
  encodeStringMap(i.env),
  encodeStringMap(i.sparkConf),
  i.evaluatorResults,
  i.evaluatorResultsHTML,
  i.evaluatorResultsJSON,
];

export function createEvaluationInstancesRepository(db: Database, namespace: string): EvaluationInstancesRepository {
  const table = metaTables(namespace).evaluationInstances;
  const ready = lazyInit(db, table, [createEvaluationInstancesTable(table)]);
  return {
    async insert(instance) {
      await ready();
      const id = instance.id ? instance.id : generateInstanceId();
      await db.query(
        `INSERT INTO ${table} (${EVALUATION_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
        evaluationValues({ ...instance, id }),
      );
      return id;
    },
    async get(id) {
      await ready();
      const result = await db.query<EvaluationRow>(`SELECT ${EVALUATION_COLUMNS} FROM ${table} WHERE id = $1`, [id]);
      return result.rows[0] && toEvaluationInstance(result.rows[0]);
    },
    async getAll() {
      await ready();
      const result = await db.query<EvaluationRow>(`SELECT ${EVALUATION_COLUMNS} FROM ${table} ORDER BY starttime DESC`);
      return result.rows.map(toEvaluationInstance);
    },
    async getCompleted() {
      await ready();
      const result = await db.query<EvaluationRow>(
        `SELECT ${EVALUATION_COLUMNS} FROM ${table} WHERE status = 'EVALCOMPLETED' ORDER BY starttime DESC`,
      );
      return result.rows.map(toEvaluationInstance);
    },
    async update(instance) {
      await ready();
      await db.query(
        `UPDATE ${table} SET status = $2, starttime = $3, endtime = $4, evaluationclass = $5,
           engineparamsgeneratorclass = $6, batch = $7, env = $8, sparkconf = $9, evaluatorresults = $10,
           evaluatorresultshtml = $11, evaluatorresultsjson = $12
         WHERE id = $1`,
        evaluationValues(instance),
      );
    },
    async delete(id) {
      await ready();
      await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    },
  };
}

export function createModelsRepository(db: Database, namespace: string): ModelsRepository {
  const table = modelsTable(namespace);
  const ready = lazyInit(db, table, [createModelsTable(table)]);
  return {
    async insert(model) {
      await ready();
      await db.query(`INSERT INTO ${table} (id, models) VALUES ($1, $2)`, [model.id, Buffer.from(model.models)]);
    },
    async get(id) {
      await ready();
      const result = await db.query<{ id: string; models: Buffer }>(`SELECT id, models FROM ${table} WHERE id = $1`, [id]);
      const row = result.rows[0];
      return row && { id: row.id, models: new Uint8Array(row.models.buffer, row.models.byteOffset, row.models.byteLength) };
    },
    async delete(id) {
      await ready();
      await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    },
  };
}

/** `TYPE=localfs` model repository: one file `<namespace><id>` per model in `dir` (BEHAVIOUR.md#storage-settings). */
export function createLocalFsModelsRepository(dir: string, namespace: string): ModelsRepository {
  const file = (id: string) => {
    if (id.includes('/') || id.includes('\0')) throw new RangeError(`Invalid model id ${JSON.stringify(id)}`);
    return join(dir, `${namespace}${id}`);
  };
  return {
    async insert(model) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file(model.id), model.models);
    },
    async get(id) {
      try {
        const data = await readFile(file(id));
        return { id, models: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async delete(id) {
      await rm(file(id), { force: true });
    },
  };
}
