import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Seconds; from a cached status page (sub-millisecond) to a slow training-data read. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One registry per server, never prom-client's global one: tests run several servers in one process,
 * and each `/metrics` must show only its own server. Process metrics (RSS, heap, event-loop lag, GC)
 * come with it.
 */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface HttpMetrics {
  /** One answered request: `route` is the route's pattern (never the URL, which may carry keys). */
  observe(route: string, method: string, status: number, seconds: number): void;
}

/** `http_requests_total` and `http_request_duration_seconds` by route, method and status. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const labelNames = ['route', 'method', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  // Label lookups hash the label values on every call; a request path reuses the same few children.
  const children = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<(typeof labelNames)[number]> }>();
  return {
    observe(route, method, status, seconds) {
      const key = `${route} ${method} ${status}`;
      let child = children.get(key);
      if (!child) {
        const labels = { route, method, status: String(status) };
        child = { requests: requests.labels(labels), duration: duration.labels(labels) };
        children.set(key, child);
      }
      child.requests.inc();
      child.duration.observe(seconds);
    },
  };
}
