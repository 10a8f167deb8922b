import { eventIdFor } from './copy-rows.js';
import { isConnectionFailure, isStorageUnavailable, StorageError, toStorageError } from './errors.js';
import type { EventInput, EventScope, GroupCommitOptions, GroupCommitWriter } from './index.js';

interface Pending {
  event: EventInput;
  id: string;
  scope: EventScope;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitDeps extends GroupCommitOptions {
  /** Connections in the pool: the default concurrency leaves one for everything else. */
  poolSize: number;
  tableName: (scope: EventScope) => string;
  /** Stores the events under the ids in one transaction (all or none). */
  insertEvents: (table: string, events: readonly EventInput[], ids: readonly string[]) => Promise<void>;
  explain: (error: unknown, scope: EventScope) => unknown;
}

/**
 * Group commit: while batches are committing, new inserts queue up per table; each free slot takes the
 * whole queue of one table (up to `maxBatchSize`) as one COPY, i.e. one transaction and one WAL flush
 * for many events. Callers are resolved only after their batch committed.
 *
 * A free slot is filled at the end of the current event-loop turn (setImmediate), not at the first
 * insert: requests that arrived together (clients answer a burst of responses with a burst of
 * requests) then share one commit instead of the first going out alone. An insert on an idle server
 * waits only for the rest of the turn.
 */
export function createGroupCommitWriter(deps: GroupCommitDeps): GroupCommitWriter {
  const maxBatchSize = Math.max(1, deps.maxBatchSize ?? 500);
  const maxConcurrent = Math.max(1, deps.maxConcurrentBatches ?? deps.poolSize - 1);
  const queues = new Map<string, Pending[]>();
  let active = 0;
  let closed = false;
  let idle: (() => void) | undefined;

  let scheduled = false;
  const scheduleSoon = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      schedule();
    });
  };

  const schedule = () => {
    while (active < maxConcurrent && queues.size > 0) {
      // Map iteration order is insertion order: the table waiting longest goes first.
      const [table, queue] = queues.entries().next().value as [string, Pending[]];
      const batch = queue.splice(0, maxBatchSize);
      queues.delete(table);
      if (queue.length > 0) queues.set(table, queue); // back of the line, so one busy table cannot starve others
      active++;
      void flush(table, batch).finally(() => {
        active--;
        scheduleSoon();
        if (active === 0 && queues.size === 0) idle?.();
      });
    }
  };

  const store = (table: string, batch: readonly Pending[]) =>
    deps.insertEvents(
      table,
      batch.map((pending) => pending.event),
      batch.map((pending) => pending.id),
    );

  const flush = async (table: string, batch: Pending[]) => {
    try {
      await store(table, batch);
      for (const pending of batch) pending.resolve(pending.id);
      return;
    } catch (error) {
      if (batch.length === 1 || isStorageUnavailable(error) || isConnectionFailure(error)) {
        const failure = toStorageError(error, 'insert event');
        for (const pending of batch) pending.reject(deps.explain(failure, pending.scope));
        return;
      }
    }
    // One bad event (duplicate or over-long id…) fails the whole batch: retry one by one so only the
    // offender's caller sees the error.
    await Promise.all(
      batch.map(async (pending) => {
        try {
          await store(table, [pending]);
          pending.resolve(pending.id);
        } catch (error) {
          pending.reject(deps.explain(toStorageError(error, 'insert event'), pending.scope));
        }
      }),
    );
  };

  return {
    insert(scope, event) {
      if (closed) return Promise.reject(new StorageError('The group-commit writer is closed.'));
      let table: string;
      try {
        table = deps.tableName(scope);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<string>((resolve, reject) => {
        const pending = { event, id: eventIdFor(event), scope, resolve, reject };
        const queue = queues.get(table);
        if (queue) queue.push(pending);
        else queues.set(table, [pending]);
        scheduleSoon();
      });
    },
    async close() {
      closed = true;
      if (active === 0 && queues.size === 0) return;
      await new Promise<void>((resolve) => {
        idle = resolve;
      });
    },
  };
}
