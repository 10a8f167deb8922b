import { DETAIL_PREFIX } from '../lib/output.js';
import type { ProgressListener } from './fetch.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const SMALL_DOWNLOAD = 1024 * 1024;
const UNKNOWN_SIZE_STEP = 10 * 1024 * 1024;
const BAR_WIDTH = 30;

/**
 * Download progress for the build log. Build logs are not terminals, so by default this prints a detail
 * line at every 10% (every 10 MB when the size is unknown; nothing for files under 1 MB). On a TTY it
 * redraws a single bar line instead. Call `finish()` once the download ended, successfully or not.
 */
export function createProgress(
  write: (text: string) => void,
  isTTY: boolean,
): { listener: ProgressListener; finish: () => void } {
  let nextStep = 10;
  let nextUnknown = UNKNOWN_SIZE_STEP;
  let drewBar = false;
  const listener: ProgressListener = (received, total) => {
    if (isTTY && total) {
      const fraction = Math.min(1, received / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      write(`\r${DETAIL_PREFIX}[${bar}] ${Math.floor(fraction * 100)}% of ${formatBytes(total)}`);
      drewBar = true;
      return;
    }
    if (total === undefined) {
      while (received >= nextUnknown) {
        write(`${DETAIL_PREFIX}... ${formatBytes(nextUnknown)}\n`);
        nextUnknown += UNKNOWN_SIZE_STEP;
      }
      return;
    }
    if (total < SMALL_DOWNLOAD) return;
    const percent = Math.floor((received / total) * 100);
    if (percent < nextStep) return;
    const reached = Math.floor(percent / 10) * 10;
    write(`${DETAIL_PREFIX}... ${reached}% (${formatBytes(received)} of ${formatBytes(total)})\n`);
    nextStep = reached + 10;
  };
  return {
    listener,
    finish: () => {
      if (drewBar) write('\n');
      drewBar = false;
    },
  };
}
