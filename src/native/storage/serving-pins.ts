import { lazyInit } from './meta.js';
import type { Database } from './pool.js';
import type { ServedEngine, ServingPinsRepository } from './types.js';

/** `pio_deploy_` prefix: never one of PredictionIO's `pio_*` tables, so Apache PredictionIO ignores it. */
export const SERVING_PINS_TABLE = 'pio_deploy_serving_pins';

const CREATE_SERVING_PINS_TABLE = `CREATE TABLE IF NOT EXISTS ${SERVING_PINS_TABLE} (
  engine_id text NOT NULL,
  engine_version text NOT NULL,
  engine_variant text NOT NULL,
  engine_instance_id text NOT NULL,
  pinned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (engine_id, engine_version, engine_variant)
)`;

/**
 * One row per pinned engine (id, version, variant), in the metadata database. The table is created on
 * first use under the storage's DDL advisory lock, so dynos starting together do not race on the catalog;
 * a pin is one upsert, so concurrent pins leave exactly one (the last) in place.
 */
export function createServingPinsRepository(db: Database): ServingPinsRepository {
  const ready = lazyInit(db, SERVING_PINS_TABLE, [CREATE_SERVING_PINS_TABLE]);
  const key = (engine: ServedEngine) => [engine.engineId, engine.engineVersion, engine.engineVariant];
  const where = 'engine_id = $1 AND engine_version = $2 AND engine_variant = $3';
  return {
    async get(engine) {
      await ready();
      const result = await db.query<{ engine_instance_id: string; pinned_at: Date }>(
        `SELECT engine_instance_id, pinned_at FROM ${SERVING_PINS_TABLE} WHERE ${where}`,
        key(engine),
      );
      const row = result.rows[0];
      return row && { engineInstanceId: row.engine_instance_id, pinnedAt: row.pinned_at };
    },
    async set(engine, engineInstanceId) {
      await ready();
      await db.query(
        `INSERT INTO ${SERVING_PINS_TABLE} (engine_id, engine_version, engine_variant, engine_instance_id, pinned_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (engine_id, engine_version, engine_variant)
         DO UPDATE SET engine_instance_id = EXCLUDED.engine_instance_id, pinned_at = now()`,
        [...key(engine), engineInstanceId],
      );
    },
    async clear(engine) {
      await ready();
      const result = await db.query(`DELETE FROM ${SERVING_PINS_TABLE} WHERE ${where}`, key(engine));
      return (result.rowCount ?? 0) > 0;
    },
  };
}
