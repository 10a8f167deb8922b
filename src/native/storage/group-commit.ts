import { eventIdFor } from './copy-rows.js';
import {
  EventIdConflictError,
  isConnectionFailure,
  isStorageUnavailable,
  StorageError,
  StorageUnavailableError,
  toStorageError,
} from './errors.js';
import type { EventInput, EventScope, GroupCommitOptions, GroupCommitWriter, InsertOutcome } from './types.js';

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
  /**
   * Stores the events under the ids in one transaction, each exactly once: the outcome of each (none
   * means all `created`).
   */
  insertEvents: (table: string, events: readonly EventInput[], ids: readonly string[]) => Promise<readonly InsertOutcome[] | void>;
  explain: (error: unknown, scope: EventScope) => unknown;
}

/**
 * Group commit: while a table's batch is committing, new inserts into it queue up; when it is done, the
 * whole queue (up to `maxBatchSize`) goes out as one COPY, i.e. one transaction and one WAL flush for
 * many events. One batch per table at a time: a second concurrent batch of the same table mostly
 * carried single events, each paying a whole commit (measured, bench/eventserver: 20% less throughput,
 * 50% more PostgreSQL CPU per event). Different tables (apps, channels) commit side by side, up to
 * `maxConcurrentBatches`, so one app's slow commit does not hold up another's events. Callers are
 * resolved only after their batch committed.
 *
 * A batch starts at the end of the current event-loop turn (setImmediate), not at the first insert:
 * requests that arrived together (clients answer a burst of responses with a burst of requests) then
 * share one commit instead of the first going out alone. An insert on an idle server waits only for
 * the rest of the turn.
 */
export function createGroupCommitWriter(deps: GroupCommitDeps): GroupCommitWriter {
  const maxBatchSize = Math.max(1, deps.maxBatchSize ?? 500);
  const maxQueued = Math.max(1, deps.maxQueuedEvents ?? 10_000);
  const maxConcurrent = Math.max(1, deps.maxConcurrentBatches ?? deps.poolSize - 1);
  const observer = deps.observer;
  const queues = new Map<string, Pending[]>();
  const committing = new Set<string>();
  /** Events waiting in `queues` (not yet in a committing batch). */
  let queued = 0;
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
    // Map iteration order is insertion order: the table waiting longest goes first.
    for (const [table, queue] of queues) {
      if (committing.size >= maxConcurrent) return;
      if (committing.has(table)) continue;
      const batch = queue.splice(0, maxBatchSize);
      queued -= batch.length;
      observer?.batchStarted?.(batch.length, queued);
      queues.delete(table);
      if (queue.length > 0) queues.set(table, queue); // back of the line, so one busy table cannot starve others
      committing.add(table);
      void flush(table, batch).finally(() => {
        committing.delete(table);
        scheduleSoon();
        if (committing.size === 0 && queues.size === 0) idle?.();
      });
    }
  };

  const store = (table: string, batch: readonly Pending[]) =>
    deps.insertEvents(
      table,
      batch.map((pending) => pending.event),
      batch.map((pending) => pending.id),
    );

  const settle = (pending: Pending, outcome: InsertOutcome | undefined) => {
    if (outcome === 'conflict') pending.reject(new EventIdConflictError(pending.id));
    else pending.resolve(pending.id);
  };

  const flush = async (table: string, batch: Pending[]) => {
    try {
      const outcomes = await store(table, batch);
      observer?.committed?.(batch[0]!.scope, created(batch, outcomes));
      batch.forEach((pending, i) => settle(pending, outcomes?.[i]));
      return;
    } catch (error) {
      if (batch.length === 1 || isStorageUnavailable(error) || isConnectionFailure(error)) {
        const failure = toStorageError(error, 'insert event');
        for (const pending of batch) pending.reject(deps.explain(failure, pending.scope));
        return;
      }
    }
    // One bad event fails the whole batch (duplicate ids do not: the store sorts those out itself):
    // retry one by one so only the offender's caller sees the error.
    await Promise.all(
      batch.map(async (pending) => {
        try {
          const outcomes = await store(table, [pending]);
          observer?.committed?.(pending.scope, created([pending], outcomes));
          settle(pending, outcomes?.[0]);
        } catch (error) {
          pending.reject(deps.explain(toStorageError(error, 'insert event'), pending.scope));
        }
      }),
    );
  };

  return {
    insert(scope, event) {
      if (closed) return Promise.reject(new StorageError('The group-commit writer is closed.'));
      // PostgreSQL is not keeping up (a long lock, a stalled disk): shed load rather than hold every
      // request in memory until the process runs out of it.
      if (queued >= maxQueued) {
        observer?.shed?.(queued);
        return Promise.reject(new StorageUnavailableError(`Storage is busy: ${queued} events are waiting for PostgreSQL.`));
      }
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
        queued++;
        scheduleSoon();
      });
    },
    async close() {
      closed = true;
      if (committing.size === 0 && queues.size === 0) return;
      await new Promise<void>((resolve) => {
        idle = resolve;
      });
    },
  };
}

/** The events of a batch that were stored by it (not a retried duplicate, not a conflict). */
function created(batch: readonly Pending[], outcomes: readonly InsertOutcome[] | void): EventInput[] {
  return batch.filter((_, i) => (outcomes?.[i] ?? 'created') === 'created').map((pending) => pending.event);
}
