import { constants as osConstants } from 'node:os';

/**
 * How a child process ended, in the terms a person can act on. A shell reports a signal death as
 * 128 + the signal number; which signal it was matters: SIGTERM is a clean stop, SIGKILL is most
 * often the kernel's out-of-memory killer, and SIGABRT from Node is V8 giving up at its heap limit.
 */

/** What V8 prints on stderr before it aborts at its heap limit. */
export const HEAP_OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;

/** The shell's status for a child: its exit code, or 128 + the signal number it died of. */
export function exitStatusOf(exitCode: number | null | undefined, signal: string | null | undefined): number {
  if (exitCode !== null && exitCode !== undefined) return exitCode;
  const number = signal ? osConstants.signals[signal as NodeJS.Signals] : undefined;
  return number ? 128 + number : 1;
}

export interface ChildDeath {
  /** What ran, as the reader knows it (e.g. `pio train`). */
  name: string;
  signal: string | null | undefined;
  /** Whether V8's heap-limit message was seen on the child's stderr. */
  heapOutOfMemory: boolean;
  /** The setting that sizes the child's memory, named in the advice (e.g. `PIO_MEMORY_LIMIT`). */
  memorySetting: string;
}

/**
 * One line saying why a child died when its status alone would mislead (undefined for a normal exit
 * and for SIGTERM/SIGINT, which are stops someone asked for).
 */
export function describeChildDeath(death: ChildDeath): string | undefined {
  const status = exitStatusOf(undefined, death.signal);
  if (death.heapOutOfMemory || death.signal === 'SIGABRT') {
    const what = death.heapOutOfMemory ? 'ran out of JavaScript heap' : `was aborted (SIGABRT, exit ${status}), as V8 does when the JavaScript heap is full`;
    return `${death.name} ${what}. Its heap limit comes from the Spark driver memory: raise ${death.memorySetting}, on a dyno with that much memory.`;
  }
  if (death.signal === 'SIGKILL') {
    return `${death.name} was killed by SIGKILL (exit ${status}). This may be the out-of-memory killer (the process needed more memory than the dyno has): use a larger dyno, and raise ${death.memorySetting} with it if you set it.`;
  }
  if (death.signal && death.signal !== 'SIGTERM' && death.signal !== 'SIGINT') {
    return `${death.name} was killed by ${death.signal} (exit ${status}).`;
  }
  return undefined;
}
