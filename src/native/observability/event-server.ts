import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { GroupCommitObserver, Storage } from '../storage/index.js';
import { registerObservability } from './http.js';
import { withTraceIds } from './log-fields.js';
import { createRegistry } from './metrics.js';
import { observabilitySettings, type ObservabilitySettings } from './settings.js';
import { traceStorage } from './storage-spans.js';

/** What the Event Server reports to metrics, logs and traces. */
export interface EventServerObservability {
  readonly settings: ObservabilitySettings;
  /** The storage to serve with: the same one, with its queries in spans when tracing is on. */
  storage: Storage;
  /** Told about group-commit batches, stored events and shed inserts (undefined when metrics are off). */
  groupCommit: GroupCommitObserver | undefined;
  /** An access key was resolved from the cache (`true`) or looked up. */
  accessKey: ((cached: boolean) => void) | undefined;
  /** The server's logger options, with trace ids on every line when tracing is on. */
  logger<T>(options: T): T;
  /** Adds `/healthz`, `/readyz` (database reachable), `/metrics` and the request hooks. */
  attach(app: FastifyInstance): void;
}

export function createEventServerObservability(storage: Storage, settings: ObservabilitySettings = observabilitySettings(process.env, 'pio-event-server')): EventServerObservability {
  const registry = settings.metrics ? createRegistry() : undefined;
  const tracing = settings.tracing !== undefined;

  let groupCommit: GroupCommitObserver | undefined;
  let accessKey: ((cached: boolean) => void) | undefined;
  if (registry) {
    const registers = [registry];
    const stored = new Counter({ name: 'pio_events_stored_total', help: 'Events committed through group commit, by app id and event name', labelNames: ['app_id', 'event'], registers });
    const batchSizes = new Histogram({ name: 'pio_group_commit_batch_size', help: 'Events per group-commit batch', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers });
    const queueDepth = new Gauge({ name: 'pio_group_commit_queue_depth', help: 'Events waiting for a group-commit batch', registers });
    const shed = new Counter({ name: 'pio_requests_shed_total', help: 'Inserts refused with 503 because PostgreSQL is not keeping up', registers });
    const lookups = new Counter({ name: 'pio_access_key_lookups_total', help: 'Access key resolutions, from the cache or the database', labelNames: ['result'], registers });
    // Label lookups hash the values on every call: keep each (app, event) child.
    const storedChildren = new Map<string, Counter.Internal>();
    const storedOf = (appId: number, event: string) => {
      const key = `${appId}\0${event}`;
      let child = storedChildren.get(key);
      if (!child) storedChildren.set(key, (child = stored.labels(String(appId), event)));
      return child;
    };
    const hit = lookups.labels('hit');
    const miss = lookups.labels('miss');
    groupCommit = {
      batchStarted(size, queued) {
        batchSizes.observe(size);
        queueDepth.set(queued);
      },
      committed(scope, events) {
        for (const event of events) storedOf(scope.appId, event.event).inc();
      },
      shed(queued) {
        shed.inc();
        queueDepth.set(queued);
      },
    };
    accessKey = (cached) => (cached ? hit : miss).inc();
  }

  return {
    settings,
    storage: tracing ? traceStorage(storage) : storage,
    groupCommit,
    accessKey,
    logger: (options) => withTraceIds(options, tracing),
    attach(app) {
      registerObservability(app, {
        settings,
        registry,
        readiness: async () => {
          try {
            await storage.accessKeys.get('');
            return undefined;
          } catch (error) {
            return `the event store is unreachable: ${error instanceof Error ? error.message : String(error)}`;
          }
        },
      });
    },
  };
}
