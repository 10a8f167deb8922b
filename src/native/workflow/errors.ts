import { UserError } from '../../lib/errors.js';

/**
 * A failure of an engine command that upstream reports as a console line `[ERROR] [<logger>] <message>`
 * followed by exit 1. `logger` is the upstream logger name (`Engine$`, `CoreWorkflow$`, …).
 */
export class EngineWorkflowError extends UserError {
  readonly logger: string;

  constructor(message: string, options: { logger?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, { exitCode: options.exitCode ?? 1, cause: options.cause });
    this.name = 'EngineWorkflowError';
    this.logger = options.logger ?? 'Engine$';
  }
}

/** Message of anything thrown, for log lines (engines may throw non-Errors). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
