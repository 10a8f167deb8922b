import type { EngineInstance } from '../storage/index.js';
import { errorMessage } from '../workflow/errors.js';
import type { ServingTarget } from '../workflow/select-instance.js';
import type { ServingState } from '../workflow/serving-state.js';

export interface ModelWatcherLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ModelWatcherOptions {
  /** Milliseconds between storage polls; 0 disables polling (`/reload` still works). */
  intervalMs: number;
  /** What should serve the served engine id/version/variant: its pin, else its newest COMPLETED instance. */
  target: (served: EngineInstance) => Promise<ServingTarget | undefined>;
  /** Whether the initial instance was chosen by a pin; unknown → one check right away settles it. */
  initiallyPinned?: boolean | undefined;
  load: (instance: EngineInstance) => Promise<ServingState>;
  current: () => ServingState;
  swap: (state: ServingState) => void;
  log: ModelWatcherLog;
}

/** Which instance serves and why, for the status page, `/readyz` and `/metrics`. */
export interface ServingPolicy {
  /** True while a pin (`pio-deploy models pin`) chose the served instance. */
  pinned: boolean;
  instanceId: string;
}

export interface ModelWatcher {
  /** One poll now (what the timer runs): swaps to a changed pin, or to a newer COMPLETED instance. */
  check(): Promise<'swapped' | 'unchanged' | 'failed'>;
  /** `POST /reload`: loads the latest COMPLETED instance even if it is the one being served. */
  reload(): Promise<'swapped' | 'none' | 'failed'>;
  servingPolicy(): ServingPolicy;
  stop(): void;
}

/**
 * Hot swap: polls storage for what should serve the served engine and variant (a pin, else a newer
 * completed training), loads it in the background while the old model keeps answering, then swaps the
 * serving state reference. A pinned instance serves whatever its age; on unpin the newest completed one
 * takes over. Checks never overlap; an instance that failed to load is not retried until another one is
 * due, so a broken model cannot make the server thrash (and the previous model keeps serving).
 */
export function createModelWatcher(options: ModelWatcherOptions): ModelWatcher {
  let failedInstanceId: string | undefined;
  let pinned = options.initiallyPinned ?? false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const loadAndSwap = async (target: ServingTarget, reason: string): Promise<'swapped' | 'failed'> => {
    const { instance } = target;
    const started = performance.now();
    options.log.info({ engineInstanceId: instance.id, reason, pinned: target.pinned }, 'Loading engine instance');
    try {
      const state = await options.load(instance);
      if (stopped) return 'failed';
      const previous = options.current().instance.id;
      options.swap(state);
      pinned = target.pinned;
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

  /** Why `target` should replace what serves, or undefined when it should not. */
  const swapReason = (target: ServingTarget, served: EngineInstance): string | undefined => {
    if (target.instance.id === served.id) return undefined;
    if (target.pinned) return 'pinned';
    // Unpinned: back to the newest completed one; without a pin before, only a newer one replaces what
    // serves (an explicit --engine-instance-id keeps serving until a newer training appears).
    if (pinned) return 'unpinned';
    return isNewer(target.instance, served) ? 'newer completed training' : undefined;
  };

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
      let target: ServingTarget | undefined;
      try {
        target = await options.target(served);
      } catch (error) {
        options.log.warn({ error: errorMessage(error) }, 'Checking for a newer engine instance failed');
        return 'failed';
      }
      if (!target) {
        // Unpinned, and nothing COMPLETED to go back to: the formerly pinned model keeps serving.
        if (pinned) pinned = false;
        return 'unchanged';
      }
      if (target.instance.id === served.id) pinned = target.pinned;
      const reason = swapReason(target, served);
      if (!reason || target.instance.id === failedInstanceId) return 'unchanged';
      return loadAndSwap(target, reason);
    });

  const reload = () =>
    exclusive(async (): Promise<'swapped' | 'none' | 'failed'> => {
      const served = options.current().instance;
      let latest: ServingTarget | undefined;
      try {
        latest = await options.target(served);
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
  if (options.initiallyPinned === undefined && options.intervalMs > 0) void check();
  schedule();

  return {
    check,
    reload,
    servingPolicy: () => ({ pinned, instanceId: options.current().instance.id }),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
