import { afterEach } from 'vitest';

/**
 * Cleanups for every test of the calling file: what the returned `defer` registers during a test runs
 * after it, last registered first, also when the test failed.
 */
export function cleanupAfterEach(): (cleanup: () => Promise<void>) => void {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return (cleanup) => void cleanups.push(cleanup);
}
