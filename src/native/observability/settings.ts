/**
 * What the servers observe, read from the environment once per server (the variables are declared in
 * config/env-schema.ts; like the rest of the runtime, the raw strings are read here without zod so the
 * servers start fast). Unparseable values mean the default.
 */
export interface ObservabilitySettings {
  /** `GET /metrics` and the counters behind it (`PIO_METRICS`, default on). */
  metrics: boolean;
  /** One structured log line per request (`PIO_REQUEST_LOG`, default off: it costs more than an insert). */
  requestLog: boolean;
  /** Fraction of queries logged with their prediction (`PIO_QUERY_LOG_SAMPLE`, 0 to 1, default 0). */
  querySample: number;
  /** Where spans go (OTLP/HTTP), or undefined when tracing is off. */
  tracing: TracingSettings | undefined;
}

export interface TracingSettings {
  /** The traces endpoint URL (`…/v1/traces`). */
  url: string;
  serviceName: string;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

function flag(raw: string | undefined, fallback: boolean): boolean {
  const value = raw?.trim().toLowerCase() ?? '';
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  return fallback;
}

function fraction(raw: string | undefined): number {
  const value = Number(raw?.trim() || '0');
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/**
 * Tracing is on when an OTLP endpoint is configured the standard way (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 * else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`), unless `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none`.
 */
export function tracingSettings(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingSettings | undefined {
  if (flag(env.OTEL_SDK_DISABLED, false)) return undefined;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : '');
  if (!url) return undefined;
  return { url, serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName };
}

export function observabilitySettings(env: NodeJS.ProcessEnv, serviceName: string): ObservabilitySettings {
  return {
    metrics: flag(env.PIO_METRICS, true),
    requestLog: flag(env.PIO_REQUEST_LOG, false),
    querySample: fraction(env.PIO_QUERY_LOG_SAMPLE),
    tracing: tracingSettings(env, serviceName),
  };
}
