import type { Storage } from '../storage/index.js';
import type { ConsoleLines } from '../workflow/context.js';
import { driverMemoryMb, reexecWithHeapLimit } from '../workflow/driver-memory.js';
import { EngineWorkflowError } from '../workflow/errors.js';
import { getPassThroughArgs } from './argv.js';
import { isPioVerbose, PioExit, pioLog } from '../console/index.js';

/**
 * What the engine commands (build, train, eval, deploy, undeploy, batchpredict) share: the workflow
 * writes through `ConsoleLines`, which `pio` wires to its console, and its failures become upstream
 * console lines and exit codes. Imported by the commands' actions, so `pio` starts without it.
 */

export const consoleLines: ConsoleLines = {
  info: (logger, message) => pioLog('INFO', logger, message),
  warn: (logger, message) => pioLog('WARN', logger, message),
  error: (logger, message) => pioLog('ERROR', logger, message),
};

/** The global options (`--engine-dir`, `--variant`) an engine command reads with `optsWithGlobals`. */
export interface GlobalOptions {
  engineDir?: string;
  variant?: string;
  verbose?: boolean;
}

export async function openStorageFromEnv(): Promise<Storage> {
  const { openStorage, resolveStorageSettings } = await import('../storage/index.js');
  return openStorage(resolveStorageSettings(process.env), { applicationName: 'pio-engine' });
}

/** Engine failures are upstream console lines (`[ERROR] [Engine$] …`) and exit 1. */
export async function runEngineCommand(work: () => Promise<void>): Promise<void> {
  // With --verbose, stack traces point into the engine's TypeScript sources (bundles carry source maps).
  if (isPioVerbose()) process.setSourceMapsEnabled(true);
  try {
    await work();
  } catch (error) {
    if (error instanceof EngineWorkflowError) {
      consoleLines.error(error.logger, error.message);
      // The engine's own stack is what a developer needs to fix a failing component.
      const stack = (error.cause as { stack?: unknown } | undefined)?.stack;
      if (isPioVerbose() && typeof stack === 'string') process.stderr.write(`${stack}\n`);
      throw new PioExit(error.exitCode);
    }
    throw error;
  }
}

/**
 * Spark's driver memory (after `--`) becomes the Node heap limit: re-runs this command in such a Node
 * and ends with its exit code; returns false when this process already has the limit it needs.
 */
export async function applyDriverMemory(): Promise<boolean> {
  const code = await reexecWithHeapLimit(driverMemoryMb(getPassThroughArgs()), (message) => consoleLines.info('Runner$', message));
  if (code === undefined) return false;
  throw new PioExit(code);
}
