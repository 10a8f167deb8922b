import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { TracingSettings } from './settings.js';

/**
 * OpenTelemetry tracing for the servers. The SDK (provider, batch processor, OTLP/HTTP exporter,
 * AsyncLocalStorage context manager, W3C propagator) is imported only when tracing is configured, so
 * a server without `OTEL_*` variables loads none of it and wraps nothing (the callers check
 * `settings.tracing` before they instrument). Spans are exported in batches in the background.
 */

const TRACER_NAME = 'pio-deploy';

let started: Promise<void> | undefined;
let flush: (() => Promise<void>) | undefined;

/** Registers the global tracer provider once per process (both servers in one test process share it). */
export function startTracing(settings: TracingSettings): Promise<void> {
  started ??= (async () => {
    const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, { W3CTraceContextPropagator }, { AsyncLocalStorageContextManager }] =
      await Promise.all([
        import('@opentelemetry/sdk-trace-base'),
        import('@opentelemetry/exporter-trace-otlp-http'),
        import('@opentelemetry/resources'),
        import('@opentelemetry/core'),
        import('@opentelemetry/context-async-hooks'),
      ]);
    // Headers, timeout and compression come from the standard OTEL_EXPORTER_OTLP_* variables.
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }));
    const provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName })),
      spanProcessors: [processor],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    flush = () => provider.forceFlush();
  })();
  return started;
}

/** Sends the spans still buffered (a server closing calls it; a no-op without tracing). */
export async function flushSpans(): Promise<void> {
  await started;
  await flush?.();
}

/** A server span for an incoming request, child of the caller's `traceparent` when it sent one. */
export function startRequestSpan(name: string, headers: Record<string, unknown>, attributes: Attributes): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

export function runInContext<T>(spanContext: Context, work: () => T): T {
  return context.with(spanContext, work);
}

/** Runs `work` in a child span of the active one; the span ends (with the error, if any) when it settles. */
export function inSpan<T>(name: string, attributes: Attributes, work: () => T, kind: SpanKind = SpanKind.INTERNAL): T {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { kind, attributes }, (span) => {
    const fail = (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    };
    let result: T;
    try {
      result = work();
    } catch (error) {
      fail(error);
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

/** An outgoing call's span (a client span, child of the active one) and the headers that carry it. */
export function startClientSpan(name: string, attributes: Attributes): { headers: Record<string, string>; end(status: number | undefined, error?: Error): void } {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.CLIENT, attributes });
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return {
    headers,
    end(status, error) {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (error) span.recordException(error);
      if (error || (status !== undefined && status >= 400)) span.setStatus({ code: SpanStatusCode.ERROR, ...(error ? { message: error.message } : {}) });
      span.end();
    },
  };
}

/** `{traceId, spanId}` of the active span, for log lines; empty outside a span. */
export function activeTraceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}/;

/** The trace id of a W3C `traceparent` header (what a request log shows when tracing is off). */
export function traceIdOfHeader(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : TRACEPARENT.exec(value);
  return match?.[1] === undefined || /^0+$/.test(match[1]) ? undefined : match[1];
}
