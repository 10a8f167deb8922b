import { Counter, Gauge, type Registry } from 'prom-client';
import { createHttpMetrics, createRegistry, type HttpMetrics } from '../../native/observability/metrics.js';

/**
 * The router's Prometheus metrics, served by its control server at `GET /metrics` (not on the app's
 * port: every path there belongs to the app, whose own `/metrics` it proxies).
 */
export interface RouterMetrics {
  registry: Registry;
  /** Proxied requests by status (`route` is always `proxy`: the router does not know the app's routes). */
  http: HttpMetrics;
  deployed(ok: boolean): void;
  crashed(): void;
}

export function createRouterMetrics(currentVersion: () => number | undefined): RouterMetrics {
  const registry = createRegistry();
  const registers = [registry];
  const deploys = new Counter({ name: 'pio_router_deploys_total', help: 'Releases booted by the router, by outcome', labelNames: ['outcome'], registers });
  const crashes = new Counter({ name: 'pio_router_web_crashes_total', help: 'Web processes that exited without being stopped', registers });
  new Gauge({
    name: 'pio_router_release',
    help: 'The release version receiving traffic (0 when no web process runs)',
    registers,
    collect() {
      this.set(currentVersion() ?? 0);
    },
  });
  return {
    registry,
    http: createHttpMetrics(registry),
    deployed: (ok) => deploys.inc({ outcome: ok ? 'switched' : 'failed' }),
    crashed: () => crashes.inc(),
  };
}
