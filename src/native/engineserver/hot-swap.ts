import type { EngineInstance } from '../storage/index.js';
import { errorMessage } from '../workflow/errors.js';
import type { ServingState } from '../workflow/serving-state.js';

export interface ModelWatcherLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ModelWatcherOptions {
  /** Milliseconds between storage polls; 0 disables polling (`/reload` still works). */
  intervalMs: number;
  /** The newest COMPLETED instance of the served engine id/version/variant. */
  latestCompleted: (served: EngineInstance) => Promise<EngineInstance | undefined>;
  load: (instance: EngineInstance) => Promise<ServingState>;
  current: () => ServingState;
  swap: (state: ServingState) => void;
  log: ModelWatcherLog;
}

export interface ModelWatcher {
  /** One poll now (what the timer runs): swaps when a newer COMPLETED instance exists. */
  check(): Promise<'swapped' | 'unchanged' | 'failed'>;
  /** `POST /reload`: loads the latest COMPLETED instance even if it is the one being served. */
  reload(): Promise<'swapped' | 'none' | 'failed'>;
  stop(): void;
}

/**
 * Hot swap: polls storage for a newer completed training of the served engine and variant, loads it in
 * the background while the old model keeps answering, then swaps the serving state reference. Checks
 * never overlap; an instance that failed to load is not retried until a newer one appears, so a broken
 * model cannot make the server thrash (and the previous model keeps serving).
 */
export function createModelWatcher(options: ModelWatcherOptions): ModelWatcher {
  let failedInstanceId: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const loadAndSwap = async (instance: EngineInstance, reason: string): Promise<'swapped' | 'failed'> => {
    const started = performance.now();
    options.log.info({ engineInstanceId: instance.id, reason }, 'Loading engine instance');
    try {
      const state = await options.load(instance);
      if (stopped) return 'failed';
      const previous = options.current().instance.id;
      options.swap(state);
      failedInstanceId = undefined;
      options.log.info(
        { engineInstanceId: instance.id, previousEngineInstanceId: previous, loadMs: Math.round(performance.now() - started) },
        'Swapped in engine instance',
      );
      return 'swapped';
    } catch (error) {
      failedInstanceId = instance.id;
      options.log.error(
        { engineInstanceId: instance.id, error: errorMessage(error) },
        'Loading engine instance failed; the previous model keeps serving',
      );
      return 'failed';
    }
  };

  const isNewer = (candidate: EngineInstance, served: EngineInstance) =>
    candidate.id !== served.id && candidate.startTime.getTime() >= served.startTime.getTime();

  // Checks and reloads run one at a time, in order.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const check = () =>
    exclusive(async (): Promise<'swapped' | 'unchanged' | 'failed'> => {
      const served = options.current().instance;
      let latest: EngineInstance | undefined;
      try {
        latest = await options.latestCompleted(served);
      } catch (error) {
        options.log.warn({ error: errorMessage(error) }, 'Checking for a newer engine instance failed');
        return 'failed';
      }
      if (!latest || !isNewer(latest, served) || latest.id === failedInstanceId) return 'unchanged';
      return loadAndSwap(latest, 'newer completed training');
    });

  const reload = () =>
    exclusive(async (): Promise<'swapped' | 'none' | 'failed'> => {
      const served = options.current().instance;
      let latest: EngineInstance | undefined;
      try {
        latest = await options.latestCompleted(served);
      } catch (error) {
        options.log.error({ error: errorMessage(error) }, 'Reload failed: storage unavailable; keeps serving');
        return 'failed';
      }
      if (!latest) {
        options.log.warn(
          { engineId: served.engineId, engineVersion: served.engineVersion },
          `No latest completed engine instance for ${served.engineId} ${served.engineVersion}. Abort reloading.`,
        );
        return 'none';
      }
      return loadAndSwap(latest, 'reload');
    });

  const schedule = () => {
    if (stopped || options.intervalMs <= 0) return;
    timer = setTimeout(() => {
      void check().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    check,
    reload,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
