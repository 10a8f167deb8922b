/**
 * The `pio` console: log4j's `[%p] [%c{1}] %m%n` lines on stdout (BEHAVIOUR.md#console-lines), e.g.
 * `[INFO] [App$] Initialized Event Store for this app ID: 1.` Scripts split these lines on whitespace,
 * so the two-token prefix is part of the contract. Every native `pio` command and the Event Server log
 * through here (the engine workflow gets these lines through `ConsoleLines`, wired in pio/engine-command.ts).
 *
 *   const log = pioLogger('App$');
 *   log.info(`Created new channel:`);
 */
export type PioLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface PioLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

interface ConsoleState {
  stream: NodeJS.WritableStream;
  debug: boolean;
}

const state: ConsoleState = { stream: process.stdout, debug: false };

/** `--verbose` turns DEBUG lines on (upstream raises the log4j level the same way). */
export function setPioVerbose(verbose: boolean): void {
  state.debug = verbose;
}

export function isPioVerbose(): boolean {
  return state.debug;
}

/** Redirects console lines (tests, or a server that wants them elsewhere). Returns the previous stream. */
export function setPioConsoleStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  const previous = state.stream;
  state.stream = stream;
  return previous;
}

/** One console line; a multi-line message carries the prefix on its first line only, as log4j prints it. */
export function formatLogLine(level: PioLogLevel, loggerName: string, message: string): string {
  return `[${level}] [${loggerName}] ${message}\n`;
}

export function pioLog(level: PioLogLevel, loggerName: string, message: string): void {
  if (level === 'DEBUG' && !state.debug) return;
  state.stream.write(formatLogLine(level, loggerName, message));
}

/** A logger named like the upstream Scala object that prints the same lines (`Pio$`, `App$`, …). */
export function pioLogger(loggerName: string): PioLogger {
  return {
    debug: (message) => pioLog('DEBUG', loggerName, message),
    info: (message) => pioLog('INFO', loggerName, message),
    warn: (message) => pioLog('WARN', loggerName, message),
    error: (message) => pioLog('ERROR', loggerName, message),
  };
}

/**
 * Thrown by a command after it has logged why it stops: the runner exits with `exitCode` and prints
 * nothing more (upstream logs `… Aborting.` and returns 1).
 */
export class PioExit extends Error {
  constructor(readonly exitCode: number = 1) {
    super(`pio exited with code ${exitCode}`);
    this.name = 'PioExit';
  }
}

/** Logs the lines as errors of `loggerName`, then stops the command with exit code 1. */
export function abort(loggerName: string, ...lines: string[]): never {
  const log = pioLogger(loggerName);
  for (const line of lines) log.error(line);
  throw new PioExit(1);
}
