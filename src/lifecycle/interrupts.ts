const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `work` with Ctrl-C (and SIGTERM/SIGHUP) turned into an abort: the work stops what it started
 * and returns, instead of the process dying with children still running.
 */
export async function withInterrupts<T>(
  work: (signal: AbortSignal) => Promise<T>,
  onSignal?: (signal: NodeJS.Signals) => void,
): Promise<T> {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    onSignal?.(signal);
    controller.abort();
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  try {
    return await work(controller.signal);
  } finally {
    for (const signal of SIGNALS) process.off(signal, handler);
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Exit status of a command stopped by Ctrl-C (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;
