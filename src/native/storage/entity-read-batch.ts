import type { EventScope } from './types.js';

export interface EntityReadBatchDeps<Query, Row> {
  /** What makes reads batchable together: equal for reads that differ only in the entity. */
  kindOf: (scope: EventScope, query: Query) => string;
  /** One read of many entities; rows of each entity in the order its callers get them. */
  readMany: (scope: EventScope, query: Query, entityIds: string[]) => Promise<Row[]>;
  entityOf: (row: Row) => string;
  /** Entities per statement (default 200): bounds one answer's rows in memory. */
  maxBatchSize?: number;
  /** Statements of one kind in flight at once (default 2); later reads wait and go out together. */
  maxInFlight?: number;
}

/** One entity's rows, read as part of a batch. */
export type ReadOneEntity<Query, Row> = (scope: EventScope, query: Query, entityId: string) => Promise<Row[]>;

interface Waiting<Row> {
  entityId: string;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

interface Kind<Query, Row> {
  scope: EventScope;
  query: Query;
  waiting: Array<Waiting<Row>>;
  inFlight: number;
}

/**
 * Reads of one entity's events (an engine's realtime user history, `LEventStore.findByEntity`) coalesced
 * as the group-commit writer coalesces inserts: reads that differ only in the entity and arrive in the
 * same event-loop turn, or while earlier ones of their kind are in flight, go out as one
 * `entityid = ANY(…)` statement and are split by entity. Under load one statement answers tens of
 * queries, so PostgreSQL and both sockets pay one round trip for them instead of one each; an idle
 * server's read waits only for the rest of its turn.
 */
export function createEntityReadBatcher<Query, Row>(deps: EntityReadBatchDeps<Query, Row>): ReadOneEntity<Query, Row> {
  const maxBatchSize = Math.max(1, deps.maxBatchSize ?? 200);
  const maxInFlight = Math.max(1, deps.maxInFlight ?? 2);
  const kinds = new Map<string, Kind<Query, Row>>();
  let scheduled = false;

  const dispatch = () => {
    scheduled = false;
    for (const [key, kind] of kinds) {
      while (kind.waiting.length > 0 && kind.inFlight < maxInFlight) send(kind, kind.waiting.splice(0, maxBatchSize));
      if (kind.waiting.length === 0 && kind.inFlight === 0) kinds.delete(key);
    }
  };
  const scheduleSoon = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(dispatch);
  };

  const send = (kind: Kind<Query, Row>, batch: Array<Waiting<Row>>) => {
    kind.inFlight++;
    const entityIds = [...new Set(batch.map((waiting) => waiting.entityId))];
    deps
      .readMany(kind.scope, kind.query, entityIds)
      .then(
        (rows) => {
          const byEntity = new Map<string, Row[]>();
          for (const row of rows) {
            const entityId = deps.entityOf(row);
            const list = byEntity.get(entityId);
            if (list) list.push(row);
            else byEntity.set(entityId, [row]);
          }
          for (const waiting of batch) waiting.resolve(byEntity.get(waiting.entityId) ?? []);
        },
        (error: unknown) => {
          for (const waiting of batch) waiting.reject(error);
        },
      )
      .finally(() => {
        kind.inFlight--;
        scheduleSoon();
      });
  };

  return (scope, query, entityId) => {
    let key: string;
    try {
      key = deps.kindOf(scope, query);
    } catch (error) {
      return Promise.reject(error);
    }
    let kind = kinds.get(key);
    if (!kind) {
      kind = { scope, query, waiting: [], inFlight: 0 };
      kinds.set(key, kind);
    }
    const joined = kind;
    return new Promise<Row[]>((resolve, reject) => {
      joined.waiting.push({ entityId, resolve, reject });
      scheduleSoon();
    });
  };
}
