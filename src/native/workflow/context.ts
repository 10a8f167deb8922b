import type { EngineContext, EventStore, Logger, RunMode, WorkflowParams } from '../engine/types.js';

/**
 * How engine commands write upstream's console lines `[LEVEL] [Logger$] message` (BEHAVIOUR.md#console-lines). The pio
 * CLI supplies its console logger; tests capture lines.
 */
export interface ConsoleLines {
  info(logger: string, message: string): void;
  warn(logger: string, message: string): void;
  error(logger: string, message: string): void;
}

export const DEFAULT_WORKFLOW: WorkflowParams = {
  batch: '',
  verbosity: 0,
  skipSanityCheck: false,
  stopAfterRead: false,
  stopAfterPrepare: false,
};

/** The engine's logger writes through the console as upstream's `Engine$` lines do. */
export function engineLogger(console: ConsoleLines, verbosity = 0): Logger {
  return {
    debug: (message) => {
      if (verbosity > 0) console.info('Engine$', message);
    },
    info: (message) => console.info('Engine$', message),
    warn: (message) => console.warn('Engine$', message),
    error: (message) => console.error('Engine$', message),
  };
}

export function createEngineContext(options: {
  events: EventStore;
  log: Logger;
  mode: RunMode;
  workflow?: Partial<WorkflowParams>;
  engineInstanceId?: string;
}): EngineContext {
  return {
    events: options.events,
    log: options.log,
    mode: options.mode,
    workflow: { ...DEFAULT_WORKFLOW, ...options.workflow },
    engineInstanceId: options.engineInstanceId ?? '',
  };
}

const SECRET_KEY = /PASSWORD|SECRET|TOKEN|ACCESS_?KEY|CREDENTIAL/i;

/**
 * The `env` column: all `PIO_*` variables of the process like upstream, but with secrets redacted
 * (COMPATIBILITY.md#upstream-quirks row B13) and credentials removed from URLs.
 */
export function pioEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (!key.startsWith('PIO_') || value === undefined) continue;
    if (SECRET_KEY.test(key)) result[key] = '<redacted>';
    else if (/_URL$/.test(key)) result[key] = value.replace(/\/\/[^/@]*@/, '//').replace(/([?&;](?:password|pwd)=)[^&;]*/gi, '$1<redacted>');
    else result[key] = value;
  }
  return result;
}
