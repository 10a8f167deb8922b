import type { Release } from '../app-state.js';
import type { DeployResponse } from './protocol.js';

export interface CrashRestarts {
  /** The web process of `release` crashed: restart it after the current backoff. */
  crashed(release: Release): void;
  /** A web process booted (deploy or restart): the next crash restarts after 1 s again. */
  booted(): void;
}

/**
 * Restarts a crashed web process as a platform does: after 1 s, then twice as long after each further
 * failure, at most 60 s apart, until one boots.
 */
export function createCrashRestarts(options: {
  log: (message: string) => void;
  /** Boots the release again; undefined when that was not needed (a deploy replaced it, or the router stops). */
  restart: (release: Release) => Promise<DeployResponse | undefined>;
}): CrashRestarts {
  let crashes = 0;
  const crashed = (release: Release): void => {
    const delay = Math.min(60_000, 1_000 * 2 ** crashes);
    crashes++;
    options.log(`restarting web.1 of v${release.version} in ${delay / 1000} s`);
    setTimeout(() => {
      void options.restart(release).then((result) => {
        if (result?.ok) crashes = 0;
        else if (result) crashed(release);
      });
    }, delay).unref();
  };
  return {
    crashed,
    booted: () => {
      crashes = 0;
    },
  };
}
