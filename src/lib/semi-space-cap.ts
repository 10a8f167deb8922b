import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * Semi-space size a server process's young generation (pio eventserver, pio deploy) stops growing at (V8's own cap is 16 MB). Measured
 * with bench/eventserver at c=32: RSS under load 103 MB uncapped, 92 MB at 8 MB, 84 MB at 4 MB; 4 MB cost
 * about 6% more server CPU per event, 8 MB nothing measurable.
 */
export const DEFAULT_SEMI_SPACE_MB = 8;

/**
 * Caps the young generation at `semiSpaceMb` per semi-space from inside a running process.
 *
 * Under sustained load V8 doubles the semi-spaces up to 2 × 16 MB, which alone pushes the Event Server past
 * 100 MB RSS. `--max-semi-space-size` would cap them, but V8 reads it only when the heap is created, so
 * setting it now has no effect, and re-executing `node` with it would keep a second process resident.
 * V8 does read `--semi-space-growth-factor` at each growth, so after every scavenge the factor is set to
 * 2 while a doubling stays within the cap and to 1 (stay) after. The observer costs one callback per scavenge.
 * Does nothing (and returns undefined) when a young-generation flag was given on the command line or in
 * NODE_OPTIONS; otherwise returns a function that stops adjusting.
 */
export function capYoungGeneration(semiSpaceMb = DEFAULT_SEMI_SPACE_MB, env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ''].some((arg) => /--(max-semi-space-size|semi-space-growth-factor)\b/.test(arg));
  if (given || semiSpaceMb <= 0) return undefined;
  const cap = semiSpaceMb * 1024 * 1024;
  let factor = 0;
  const adjust = () => {
    const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (newSpace === undefined) return;
    // new_space reports both semi-spaces.
    const semiSpace = newSpace.space_size / 2;
    // Double at most: a growth the observer hears of late then overshoots by one step only.
    const next = semiSpace * 2 <= cap ? 2 : 1;
    if (next !== factor) {
      factor = next;
      v8.setFlagsFromString(`--semi-space-growth-factor=${next}`);
    }
  };
  adjust();
  const observer = new PerformanceObserver(adjust);
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
