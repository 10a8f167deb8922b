import { activeTraceFields } from './tracing.js';

/**
 * The logger options of a server with the active span's `traceId`/`spanId` on every line (a pino mixin),
 * when tracing is on. `false` (no logger) and ready-made logger instances are returned as they are.
 */
export function withTraceIds<T>(logger: T, tracing: boolean): T {
  if (!tracing || logger === false || logger === undefined || logger === null) return logger;
  if (logger === true) return { mixin: activeTraceFields } as T;
  if (typeof logger === 'object' && !('child' in logger)) return { ...logger, mixin: activeTraceFields };
  return logger;
}
