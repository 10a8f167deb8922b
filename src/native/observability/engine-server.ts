import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServingState } from '../workflow/serving-state.js';
import { registerObservability, routeOf, type Readiness } from './http.js';
import { withTraceIds } from './log-fields.js';
import { createRegistry, LATENCY_BUCKETS } from './metrics.js';
import { instrumentServingState, type ServingTimings } from './serving.js';
import { observabilitySettings, type ObservabilitySettings } from './settings.js';
import { startClientSpan } from './tracing.js';

/** An outgoing call in a span: its trace headers, and how it ended. */
export interface TracedCall {
  headers: Record<string, string>;
  end(status: number | undefined, error?: Error): void;
}

/** What the engine server and `pio deploy` report to metrics, logs and traces. */
export interface EngineObservability {
  readonly settings: ObservabilitySettings;
  /**
   * Adds `/healthz`, `/readyz`, `/metrics` and the request hooks; `current` is the serving state, `policy`
   * whether it is pinned (`pio-deploy models pin`), once the model watcher knows.
   */
  attach(app: FastifyInstance, current: () => ServingState, policy?: () => ServingPolicyView | undefined): void;
  /** The serving state to answer with (timed and traced when those are on). */
  instrument(state: ServingState): ServingState;
  /** Times a model load (initial or hot swap). */
  timeLoad<T>(load: () => Promise<T>): Promise<T>;
  /** A hot swap replaced the serving state. */
  swapped(): void;
  feedbackFailed(): void;
  /** Starts the span of a feedback call (child of the query's), when tracing is on. */
  feedbackCall: (() => TracedCall) | undefined;
  /** The server's logger options, with trace ids on every line when tracing is on. */
  logger<T>(options: T): T;
}

/** What the model watcher says of the serving instance (structural: observability sits below the engine server). */
export interface ServingPolicyView {
  pinned: boolean;
}

const QUERIES_ROUTE = '/queries.json';

export function createEngineObservability(options: {
  env?: NodeJS.ProcessEnv | undefined;
  /** Why the server cannot answer (the database is unreachable…), or undefined when it can. */
  ready?: Readiness | undefined;
} = {}): EngineObservability {
  const settings = observabilitySettings(options.env ?? process.env, 'pio-engine-server');
  const registry = settings.metrics ? createRegistry() : undefined;
  const tracing = settings.tracing !== undefined;
  const registers = registry ? [registry] : [];

  const queries = new Counter({ name: 'pio_queries_total', help: 'Queries answered, by engine instance and HTTP status', labelNames: ['engine_instance', 'status'], registers });
  const predictSeconds = new Histogram({ name: 'pio_predict_duration_seconds', help: "One algorithm's predict", labelNames: ['algorithm'], buckets: LATENCY_BUCKETS, registers });
  const serveSeconds = new Histogram({ name: 'pio_serve_duration_seconds', help: 'The serving step (combining the predictions)', buckets: LATENCY_BUCKETS, registers });
  const loadSeconds = new Histogram({ name: 'pio_model_load_duration_seconds', help: 'Loading an engine instance (models restored, components built)', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300], registers });
  const swaps = new Counter({ name: 'pio_hot_swaps_total', help: 'Hot swaps to a newer engine instance (polls and /reload)', registers });
  const feedbackFailures = new Counter({ name: 'pio_feedback_failures_total', help: 'Feedback events the Event Server did not store', registers });
  let current: (() => ServingState) | undefined;
  let pinned = (): boolean => false;
  new Gauge({
    name: 'pio_serving_engine_instance',
    help: 'The engine instance answering queries (value 1); pinned="true" when `pio-deploy models pin` chose it',
    labelNames: ['engine_instance', 'pinned'],
    registers,
    collect() {
      this.reset();
      const state = current?.();
      if (state) this.set({ engine_instance: state.instance.id, pinned: String(pinned()) }, 1);
    },
  });
  new Gauge({
    name: 'pio_model_age_seconds',
    help: 'Seconds since the serving engine instance finished training',
    registers,
    collect() {
      const state = current?.();
      if (state) this.set((Date.now() - state.instance.endTime.getTime()) / 1000);
    },
  });

  const timings: ServingTimings | undefined = registry
    ? { predicted: (algorithm, seconds) => predictSeconds.observe({ algorithm }, seconds), served: (seconds) => serveSeconds.observe(seconds) }
    : undefined;

  return {
    settings,
    attach(app, serving, policy) {
      current = serving;
      pinned = () => policy?.()?.pinned ?? false;
      registerObservability(app, {
        settings,
        registry,
        readiness: async () => (serving() === undefined ? 'no model is loaded' : options.ready?.()),
        logFields: () => ({ engineInstanceId: serving().instance.id }),
        readyFields: () => ({ engineInstanceId: serving().instance.id, pinned: pinned() }),
      });
      if (registry) {
        app.addHook('onResponse', (request, reply, done) => {
          if (request.method === 'POST' && routeOf(request) === QUERIES_ROUTE) {
            queries.inc({ engine_instance: serving().instance.id, status: String(reply.statusCode) });
          }
          done();
        });
      }
      if (settings.querySample > 0) {
        // Sampled queries with their predictions, in the properties of the feedback loop's `predict` events.
        app.addHook('onSend', (request, reply, payload, done) => {
          if (request.method === 'POST' && routeOf(request) === QUERIES_ROUTE && reply.statusCode === 200 && Math.random() < settings.querySample) {
            request.log.info({ engineInstanceId: serving().instance.id, query: jsonOrText(request.body), prediction: jsonOrText(payload) }, 'query');
          }
          done(null, payload);
        });
      }
    },
    instrument: (state) => instrumentServingState(state, { timings, tracing }),
    async timeLoad(load) {
      const started = performance.now();
      const loaded = await load();
      loadSeconds.observe((performance.now() - started) / 1000);
      return loaded;
    },
    swapped: () => swaps.inc(),
    feedbackFailed: () => feedbackFailures.inc(),
    feedbackCall: tracing ? () => startClientSpan('POST /events.json (feedback)', { 'http.request.method': 'POST', 'url.path': '/events.json' }) : undefined,
    logger: (loggerOptions) => withTraceIds(loggerOptions, tracing),
  };
}

function jsonOrText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
